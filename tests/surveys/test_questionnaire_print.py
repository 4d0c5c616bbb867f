"""The printable questionnaire (issue 15, item 8): who may open it, what it
shows (numbers, codes, conditions in words, the serial and 参与码 areas), and
that paper and web give the same data: a printed questionnaire keyed into the
response import template by the codes it shows is stored exactly as the same
answers sent from the web form."""

import io
import re
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import Page

from tests.fixtures.imports import upload_check_import
from tests.fixtures.surveys import old_started
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.surveys.logic import OTHER
from wagtail_pilots.surveys.models import (
    Access,
    Channel,
    SurveyAnswer,
    SurveyNotAsked,
    SurveyPage,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions

from .test_translations import en, i18n  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(survey):
    return f"/admin/pilots/surveys/{survey.pk}/questionnaire/"


@pytest.fixture
def branching(make_survey, scale, villages):
    """Page 1: 1 group, 2 overall (follow-up after 不满意), 3 reason (only after
    不满意, with “other”); page 2 (not for 其他群众): 4 the villages (a matrix),
    5 comments."""
    return make_survey(
        slug="branching",
        title="村务满意度问卷",
        intro="<p>本问卷不记名，请如实填写。</p>",
        fields=[
            {
                "label": "您的身份",
                "field_type": "group",
                "choices": "党员\n村民代表\n其他群众",
            },
            {
                "label": "总体评价",
                "field_type": "scale",
                "scale": scale,
                "follow_up_options": "不满意",
                "follow_up_label": "请说明不满意的地方",
            },
            {
                "label": "主要原因",
                "field_type": "radio",
                "choices": "办事慢\n态度差",
                "other_option": True,
                "conditions": [
                    {"question": "总体评价", "op": "in", "values": ["不满意"]}
                ],
            },
            {
                "label": "村委会评价",
                "field_type": "matrix",
                "scale": scale,
                "units": villages,
                "page_break": True,
                "page_title": "各村评价",
                "conditions": [
                    {"question": "您的身份", "op": "not_in", "values": ["其他群众"]}
                ],
            },
            {"label": "意见建议", "field_type": "multiline", "required": False},
        ],
    )


def printed(client, survey, headers=ZH):
    response = client.get(url(survey), **headers)
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def printed_codes(soup):
    """What a clerk reads off the printed questionnaire: ``{question number:
    {answer text: code}}``, and for a grid ``{number: {"rows": [...], "codes":
    {answer text: code}}}``."""
    codes = {}
    for question in soup.select(".wp-q"):
        number = int(question.select_one(".wp-q-num").get_text().rstrip("."))
        grid = question.select_one(".wp-q-grid")
        if grid is not None:
            heads = grid.select("thead th")
            codes[number] = {
                "rows": [th.get_text(strip=True) for th in grid.select("tbody th")],
                "codes": {
                    th.get_text(" ", strip=True).split(" ", 1)[1]: int(
                        th.select_one(".wp-q-code").get_text()
                    )
                    for th in heads
                },
            }
            continue
        answers = {}
        for item in question.select(".wp-q-options li"):
            code = int(item.select_one(".wp-q-code").get_text())
            answers[item.get_text(" ", strip=True).split(" ", 1)[1]] = code
        codes[number] = answers
    return codes


def labels_by_number(soup):
    result = {}
    for question in soup.select(".wp-q"):
        number = int(question.select_one(".wp-q-num").get_text().rstrip("."))
        label = question.select_one(".wp-q-label").get_text(" ", strip=True)
        result[number] = label.split(" ", 1)[1]
    return result


# Who may open it --------------------------------------------------------------


def test_anonymous_is_sent_to_the_login(client, survey):
    response = client.get(url(survey))
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={quote(url(survey))}"


def test_an_editor_without_edit_rights_gets_403(client, survey, make_editor):
    make_editor(username="nobody")
    client.login(username="nobody", password="password")
    response = client.get(url(survey))
    assert response.status_code == 403
    assert "村委会满意度测评" not in response.content.decode()


def test_rights_elsewhere_give_no_questionnaire(survey, page_editor, home_page):
    other = home_page.add_child(instance=Page(title="别处", slug="elsewhere"))
    client = page_editor(other, "change", username="li")
    assert client.get(url(survey)).status_code == 403


def test_an_editor_of_the_survey_prints_it_and_finds_the_button(
    survey, page_editor, home_page
):
    client = page_editor(home_page, "change", username="wang")
    assert client.get(url(survey), **ZH).status_code == 200
    edit = client.get(f"/admin/pages/{survey.pk}/edit/", **ZH).content.decode()
    assert url(survey) in edit and "打印问卷" in edit
    results = client.get(
        reverse("wagtail_pilots_surveys:results", args=[survey.pk]), **EN
    ).content.decode()
    assert url(survey) in results and "Printable questionnaire" in results
    # The page listing keeps its row of four daily screens.
    listing = client.get(f"/admin/pages/{home_page.pk}/", **EN).content.decode()
    assert f"/admin/pilots/surveys/{survey.pk}/codes/" in listing
    assert url(survey) not in listing


def test_a_page_that_is_not_a_survey_is_404(admin_client, home_page):
    response = admin_client.get(f"/admin/pilots/surveys/{home_page.pk}/questionnaire/")
    assert response.status_code == 404


# What it shows ---------------------------------------------------------------------


def test_numbered_questions_codes_and_conditions_in_chinese(admin_client, branching):
    soup = printed(admin_client, branching, ZH)
    assert soup.select_one(".wp-q-title").get_text() == "村务满意度问卷"
    assert "本问卷不记名" in soup.select_one(".wp-q-intro").get_text()
    # Numbered as the web form numbers them: 1/5 … 5/5.
    web = admin_client.get(branching.url, **ZH).content.decode()
    assert "1/5" in web
    assert labels_by_number(soup) == {
        1: "您的身份",
        2: "总体评价",
        3: "主要原因",
        4: "村委会评价 （每行选一项）",
        5: "意见建议",
    }
    parts = soup.select(".wp-q-part__title")
    assert [p.get_text() for p in parts] == ["第1部分", "第2部分 · 各村评价"]
    codes = printed_codes(soup)
    assert codes[1] == {"党员": 1, "村民代表": 2, "其他群众": 3}
    assert codes[2] == {"满意": 1, "基本满意": 2, "不满意": 3}
    assert codes[3] == {"办事慢": 1, "态度差": 2, "其他（请注明）": 3}
    assert codes[4]["rows"] == ["石桥村", "红山村", "龙口村"]
    assert codes[4]["codes"] == {"满意": 1, "基本满意": 2, "不满意": 3}
    conditions = [p.get_text() for p in soup.select(".wp-q-condition")]
    assert conditions == [
        "若选“不满意”：请说明不满意的地方",
        "若第2题选“不满意”，请答第3题。",
        "若第1题未选“其他群众”，请答本部分（第4—5题）；否则跳过本部分。",
    ]
    # Free text gets a box; "other" a line; the serial number its box.
    assert soup.select("#q-" + survey_questions(branching)[4].key + " .wp-q-textbox")
    assert soup.select(".wp-q-other .wp-q-write")
    assert "问卷编号" in soup.select_one(".wp-q-office").get_text()
    # No 参与码 area: this survey does not ask for codes.
    assert soup.select(".wp-q-slip") == []


def test_conditions_in_english(admin_client, branching):
    soup = printed(admin_client, branching, EN)
    conditions = [p.get_text() for p in soup.select(".wp-q-condition")]
    assert conditions == [
        "If you chose “不满意”: 请说明不满意的地方",
        "If you chose “不满意” in question 2, answer question 3.",
        "If you did not choose “其他群众” in question 1, answer this part "
        "(questions 4–5); otherwise skip it.",
    ]
    assert [p.get_text() for p in soup.select(".wp-q-part__title")] == [
        "Part 1",
        "Part 2 · 各村评价",
    ]
    assert "Other, please specify" in printed_codes(soup)[3]
    office = soup.select_one(".wp-q-office").get_text(" ", strip=True)
    assert office == "Questionnaire serial number"


def test_a_survey_with_codes_has_the_slip_area(admin_client, make_survey):
    survey = make_survey(slug="coded", access=Access.CODE)
    soup = printed(admin_client, survey, ZH)
    slip = soup.select_one(".wp-q-slip")
    assert slip is not None
    text = slip.get_text(" ", strip=True)
    assert "参与码" in text and "贴在此处" in text
    assert "/coded/" in text  # the address to answer online instead


def test_no_inline_scripts_or_styles(admin_client, branching):
    html = admin_client.get(url(branching)).content.decode()
    body = html.split('class="wp-questionnaire"', 1)[1]
    assert "<script" not in body and "<style" not in body and " style=" not in body
    assert "wagtail_pilots/surveys/questionnaire_print.css" in html
    assert re.search(r"<script[^>]*codes_print\.js", html)


def test_queries_are_bounded(admin_client, branching, make_survey, scale):
    """A few queries whatever the number of questions: the questions, their
    scales' options and their units are read once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        admin_client.get(url(branching))
    big = make_survey(
        slug="big",
        fields=[
            {"label": f"问题{i}", "field_type": "scale", "scale": scale}
            for i in range(30)
        ],
    )
    with CaptureQueriesContext(connection) as large:
        admin_client.get(url(big))
    assert len(small) <= 20
    assert len(large) == len(small)


# Paper and web give the same data --------------------------------------------------

# The same respondent's choices, by question label (an answer's text).
CHOICES = {
    "dissatisfied party member": {
        "您的身份": "党员",
        "总体评价": "不满意",
        "总体评价/follow-up": "办事要跑好几趟",
        "主要原因": "其他（请注明）",
        "主要原因/other": "窗口太少",
        "村委会评价": {"石桥村": "满意", "红山村": "不满意", "龙口村": "基本满意"},
        "意见建议": "多开一个窗口",
    },
    "satisfied villager, page 2 not asked": {
        "您的身份": "其他群众",
        "总体评价": "满意",
    },
}


def template_workbook(admin_client, survey):
    url = reverse("wagtail_pilots_importexport:template", args=["responses", "xlsx"])
    response = admin_client.get(f"{url}?page={survey.pk}")
    assert response.status_code == 200
    body = b"".join(
        response.streaming_content if response.streaming else [response.content]
    )
    return load_workbook(io.BytesIO(body))


def key_in(admin_client, survey, choices):
    """A clerk keys the printed questionnaire into the import template: the
    code printed beside each ticked answer, 正序 in 数字编码, the written text
    in its column."""
    soup = printed(admin_client, survey, ZH)
    codes = printed_codes(soup)
    numbers = {label: n for n, label in labels_by_number(soup).items()}
    numbers["村委会评价"] = numbers.pop("村委会评价 （每行选一项）")
    workbook = template_workbook(admin_client, survey)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.delete_rows(2, sheet.max_row)  # the sample row
    cells = {"渠道": "paper", "数字编码": "正序"}
    for label, answer in choices.items():
        if label.endswith("/follow-up"):
            cells["总体评价 - 请说明不满意的地方"] = answer
        elif label.endswith("/other"):
            cells["主要原因 - 其他（请注明）"] = answer
        elif isinstance(answer, dict):
            grid = codes[numbers[label]]
            assert list(answer) == grid["rows"]
            for row, text in answer.items():
                cells[f"{label} - {row}"] = str(grid["codes"][text])
        elif codes.get(numbers[label]):
            cells[label] = str(codes[numbers[label]][answer])
        else:
            cells[label] = answer  # free text, written out
    # A header reads “text” or “text/key” (渠道/channel): the clerk goes by text.
    text = [name.split("/", 1)[0] for name in header]
    assert set(cells) <= set(text), set(cells) - set(text)
    sheet.append([cells.get(name, "") for name in text])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_the_template_coding_sheet_lists_the_printed_codes(admin_client, branching):
    soup = printed(admin_client, branching, ZH)
    codes = printed_codes(soup)
    notes = template_workbook(admin_client, branching).worksheets[1]
    sheet_codes = {}
    question = None
    for row in notes.iter_rows(min_row=5, values_only=True):
        if not row or row[1] is None:
            continue
        question = row[0] or question
        sheet_codes.setdefault(question, {})[row[1]] = row[2]
    labels = labels_by_number(soup)
    printed_by_label = {
        labels[n].split(" ")[0]: c.get("codes", c) for n, c in codes.items() if c
    }
    assert sheet_codes == printed_by_label
    # "Other" keeps its code in either order (倒序 too), and has no score.
    other = next(
        r for r in notes.iter_rows(values_only=True) if r[1] == "其他（请注明）"
    )
    assert other[2:5] == (3, 3, None)


def test_other_by_its_code_in_either_order(branching):
    from tests.fixtures.imports import xlsx_bytes
    from wagtail_pilots.importexport.models import ImportBatch as Batch

    header = [
        "您的身份",
        "总体评价",
        "主要原因",
        "主要原因 - 其他（请注明）",
        "数字编码",
    ]
    rows = [header, ["1", "3", "3", "窗口少", "正序"], ["3", "1", "3", "人少", "倒序"]]
    batch = upload_check_import(
        "responses", xlsx_bytes(rows), page=branching, name="codes.xlsx"
    )
    assert batch.status == Batch.Status.DONE, batch.errors
    keys = {q.label: q.key for q in survey_questions(branching)}
    stored = sorted(
        (r.data[keys["主要原因"]], r.data[keys["主要原因"] + "__other"])
        for r in SurveyResponse.objects.all()
    )
    assert stored == [(OTHER, "人少"), (OTHER, "窗口少")]
    # Past "other", a number is no answer at all: refused with its column.
    batch = upload_check_import(
        "responses",
        xlsx_bytes([header, ["1", "3", "4", "", "正序"]]),
        page=branching,
        name="bad.xlsx",
    )
    assert batch.rows_invalid == 1
    assert "主要原因" in str(batch.errors)


class WebRespondent:
    """The same answers sent from the web form, page by page, as a browser
    without JavaScript sends them."""

    def __init__(self, client, survey):
        self.client = client
        self.survey = survey
        self.questions = {q.label: q for q in survey_questions(survey)}
        self.html = client.get(survey.url).content.decode()

    def value(self, question, text):
        if text == "其他（请注明）":
            return OTHER
        if question.options:
            return next(str(o.pk) for o in question.options if o.label == text)
        return text

    def post(self, choices, labels, nav=None):
        data = dict(
            re.findall(
                r'<input type="hidden" name="(wp_\w+)" value="([^"]*)"', self.html
            )
        )
        data["wp_started"] = old_started(data["wp_token"])
        for label in labels:
            question = self.questions[label]
            answer = choices.get(label)
            if isinstance(answer, dict):
                for row in question.rows:
                    data[question.row_field_name(row)] = self.value(
                        question, answer[row.label]
                    )
            elif answer is not None:
                data[question.key] = self.value(question, answer)
            if f"{label}/follow-up" in choices:
                data[question.key + "__followup"] = choices[f"{label}/follow-up"]
            if f"{label}/other" in choices:
                data[question.key + "__other"] = choices[f"{label}/other"]
        if nav:
            data["wp_nav"] = nav
        response = self.client.post(self.survey.url, data)
        self.html = response.content.decode() if response.status_code == 200 else ""
        return response


def answer_web(client, survey, choices):
    respondent = WebRespondent(client, survey)
    page_one = ["您的身份", "总体评价", "主要原因"]
    if "村委会评价" in choices:
        assert respondent.post(choices, page_one, nav="next").status_code == 200
        response = respondent.post(choices, ["村委会评价", "意见建议"])
    else:
        response = respondent.post(choices, page_one)
    assert response.status_code == 302, respondent.html[:2000]


def stored(response):
    answers = sorted(
        SurveyAnswer.objects.filter(response=response).values_list(
            "question_key", "row_key", "unit_id", "option_id", "value", "group"
        ),
        key=str,
    )
    not_asked = sorted(
        SurveyNotAsked.objects.filter(response=response).values_list(
            "question_key", "group"
        )
    )
    return response.data, response.group, answers, not_asked


@pytest.mark.parametrize("who", list(CHOICES))
def test_paper_and_web_give_the_same_data(admin_client, client, branching, who):
    choices = CHOICES[who]
    batch = upload_check_import(
        "responses",
        key_in(admin_client, branching, choices),
        page=branching,
        name="paper.xlsx",
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    answer_web(client, branching, choices)

    paper = SurveyResponse.objects.get(channel=Channel.PAPER)
    web = SurveyResponse.objects.get(channel=Channel.WEB)
    assert stored(paper) == stored(web)
    # And the data are what was chosen (not two equal mistakes).
    keys = {q.label: q.key for q in survey_questions(branching)}
    assert paper.data[keys["总体评价"]] == choices["总体评价"]
    if "主要原因" in choices:
        assert paper.data[keys["主要原因"]] == OTHER
        assert paper.data[keys["主要原因"] + "__other"] == "窗口太少"
        assert paper.data[keys["总体评价"] + "__followup"] == "办事要跑好几趟"
        assert (
            SurveyAnswer.objects.filter(
                response=paper, question_key=keys["村委会评价"]
            ).count()
            == 3
        )
    else:
        assert paper.data[keys["主要原因"]] is None
        assert paper.data[keys["村委会评价"]] is None
        assert {k for k, _g in stored(paper)[3]} == {
            keys["主要原因"],
            keys["村委会评价"],
            keys["意见建议"],
        }
    assert SurveyPage.objects.get(pk=branching.pk).response_count == 2


# A survey in two languages ------------------------------------------------------

PRINT_ENGLISH = {
    "村务满意度问卷": "Village affairs questionnaire",
    "各村评价": "The villages",
}


@pytest.fixture
def english_branching(branching, scale, en):  # noqa: F811
    from .test_translations import english, translate_scale, translate_survey

    translate_scale(scale, en)
    return translate_survey(
        branching, en, words=lambda t: PRINT_ENGLISH.get(t) or english(t)
    )


def test_a_translated_survey_prints_in_each_of_its_languages(
    admin_client, admin_user, branching, english_branching
):
    from wagtail.users.models import UserProfile

    chinese = printed(admin_client, branching, ZH)
    assert chinese.select_one(".wp-questionnaire")["lang"] == "zh-hans"
    # An admin who reads English (Wagtail's per-user language: with i18n the
    # admin's URLs are outside the language prefixes) gets the English
    # questionnaire by default, from the source's screen or the translation's.
    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "en"
    profile.save()
    english = printed(admin_client, branching, EN)
    assert printed(admin_client, english_branching, EN).select_one(
        ".wp-q-title"
    ).get_text() == ("Village affairs questionnaire")
    assert english.select_one(".wp-questionnaire")["lang"] == "en"
    assert english.select_one(".wp-q-title").get_text() == (
        "Village affairs questionnaire"
    )
    assert labels_by_number(english) == {
        1: "You are",
        2: "Overall, how satisfied are you?",
        3: "The main reason",
        4: "The village committees (tick one box in each row)",
        5: "Comments and suggestions",
    }
    codes = printed_codes(english)
    assert codes[1] == {
        "Party member": 1,
        "Villagers' representative": 2,
        "Other resident": 3,
    }
    assert codes[2] == {"Satisfied": 1, "Fairly satisfied": 2, "Dissatisfied": 3}
    assert codes[3] == {
        "Slow service": 1,
        "Unfriendly staff": 2,
        "Other, please specify": 3,
    }
    assert codes[4]["codes"] == codes[2]
    # The same codes as the Chinese paper: both key into one import template.
    chinese_codes = printed_codes(chinese)
    for number in (1, 2, 3):
        assert sorted(codes[number].values()) == sorted(chinese_codes[number].values())
    assert [p.get_text() for p in english.select(".wp-q-condition")] == [
        "If you chose “Dissatisfied”: What dissatisfied you?",
        "If you chose “Dissatisfied” in question 2, answer question 3.",
        "If you did not choose “Other resident” in question 1, answer this part "
        "(questions 4–5); otherwise skip it.",
    ]
    assert [p.get_text() for p in english.select(".wp-q-part__title")] == [
        "Part 1",
        "Part 2 · The villages",
    ]

    # The screen offers both languages; the Chinese one from an English admin.
    nav = english.select(".wp-q-languages a")
    assert [(a["lang"], a.get("aria-current")) for a in nav] == [
        ("zh-hans", None),
        ("en", "page"),
    ]
    response = admin_client.get(url(branching) + "?language=zh-hans", **EN)
    again = BeautifulSoup(response.content.decode(), "html.parser")
    assert again.select_one(".wp-questionnaire")["lang"] == "zh-hans"
    assert labels_by_number(again) == labels_by_number(chinese)
    assert [p.get_text() for p in again.select(".wp-q-condition")] == [
        "若选“不满意”：请说明不满意的地方",
        "若第2题选“不满意”，请答第3题。",
        "若第1题未选“其他群众”，请答本部分（第4—5题）；否则跳过本部分。",
    ]
    # The instructions around it stay in the admin's language.
    assert "Print this questionnaire" in response.content.decode()
