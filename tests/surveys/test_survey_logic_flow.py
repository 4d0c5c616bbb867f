"""Answering a survey in pages with conditions and follow-ups (issue 15,
items 1, 2 and 4): page by page, back and forth, without JavaScript, and what
is stored when a question was not asked."""

import re

import pytest

from tests.fixtures.surveys import old_started
from wagtail_pilots.surveys.logic import OTHER
from wagtail_pilots.surveys.models import SurveyNotAsked, SurveyResponse
from wagtail_pilots.surveys.questions import survey_questions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def hidden_fields(html):
    return dict(
        re.findall(r'<input type="hidden" name="(wp_\w+)" value="([^"]*)"', html)
    )


class Respondent:
    """A browser without JavaScript: posts what the page shows plus answers."""

    def __init__(self, client, survey):
        self.client = client
        self.survey = survey
        self.questions = {q.label: q for q in survey_questions(survey)}
        self.html = client.get(survey.url).content.decode()

    def option(self, label, text):
        question = self.questions[label]
        if question.options:
            return next(str(o.pk) for o in question.options if o.label == text)
        return text

    def post(self, answers=None, *, nav=None, **raw):
        data = hidden_fields(self.html)
        data["wp_started"] = old_started(data["wp_token"])
        for label, text in (answers or {}).items():
            data[self.questions[label].key] = self.option(label, text)
        data.update(raw)
        if nav:
            data["wp_nav"] = nav
        response = self.client.post(self.survey.url, data)
        self.html = response.content.decode() if response.status_code == 200 else ""
        return response


def test_the_first_page_says_which_page_it_is(client, logic_survey):
    html = client.get(logic_survey.url).content.decode()
    assert "Page 1 of 2" in html  # the "why" page is hidden until 不满意
    assert "您的身份" in html and "总体评价" in html
    assert "村里的变化" not in html
    assert 'value="next"' in html and 'value="back"' not in html


def test_chinese_page_counter(client, logic_survey):
    html = client.get(logic_survey.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "第 1 页，共 2 页" in html.decode()


def test_a_page_is_validated_before_moving_on(client, logic_survey):
    respondent = Respondent(client, logic_survey)
    respondent.post({"您的身份": "群众"}, nav="next")
    assert "Page 1 of 2" in respondent.html
    assert "Please answer this question" in respondent.html
    assert "村里的变化" not in respondent.html


def test_branch_back_and_change_so_a_page_disappears(client, logic_survey):
    respondent = Respondent(client, logic_survey)
    respondent.post({"您的身份": "党员", "总体评价": "不满意"}, nav="next")
    # 不满意 opens the "why" page: now three pages.
    assert "Page 2 of 3" in respondent.html
    assert "不满意的原因" in respondent.html and "主要原因" in respondent.html
    respondent.post({"主要原因": "办事慢"}, nav="back")
    # Back on page 1 with the answers kept.
    assert "Page 1 of 3" in respondent.html
    checked = re.findall(r'value="([^"]+)"[^>]*checked', respondent.html)
    assert "党员" in checked
    assert respondent.option("总体评价", "不满意") in checked
    # Changing to 满意 removes the "why" page: next goes straight to page 2 of 2.
    respondent.post({"您的身份": "党员", "总体评价": "满意"}, nav="next")
    assert "Page 2 of 2" in respondent.html
    assert "村里的变化" in respondent.html and "党建工作评价" in respondent.html
    assert 'value="back"' in respondent.html
    response = respondent.post({"村里的变化": "基本满意", "党建工作评价": "满意"})
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    keys = {label: q.key for label, q in respondent.questions.items()}
    # The "why" answer given before going back was not stored: not asked.
    assert stored.data[keys["主要原因"]] is None
    assert stored.data[keys["总体评价"]] == "满意"
    assert stored.data[keys["村里的变化"]] == "基本满意"
    assert list(SurveyNotAsked.objects.values_list("question_key", flat=True)) == [
        keys["主要原因"]
    ]
    assert not stored.answers.filter(question_key=keys["主要原因"]).exists()


def test_a_question_for_one_group_is_not_asked_of_others(client, logic_survey):
    respondent = Respondent(client, logic_survey)
    respondent.post({"您的身份": "群众", "总体评价": "满意"}, nav="next")
    assert "村里的变化" in respondent.html
    assert "党建工作评价" not in respondent.html
    # A forged answer to the hidden question is ignored, and it is not required.
    key = respondent.questions["党建工作评价"].key
    response = respondent.post(
        {"村里的变化": "满意"}, **{key: respondent.option("党建工作评价", "不满意")}
    )
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.data[key] is None
    assert not stored.answers.filter(question_key=key).exists()
    assert SurveyNotAsked.objects.filter(question_key=key, group="群众").exists()


def test_a_forged_carry_is_ignored_and_the_whole_survey_checked(client, logic_survey):
    respondent = Respondent(client, logic_survey)
    respondent.post({"您的身份": "群众", "总体评价": "满意"}, nav="next")
    response = respondent.post({"村里的变化": "满意"}, wp_carry="forged:value")
    # The answers of page 1 were lost with the forged field: back on page 1
    # with its problems, nothing stored.
    assert response.status_code == 200
    assert "Page 1 of 2" in respondent.html
    assert "Please answer this question" in respondent.html
    assert not SurveyResponse.objects.exists()


def test_a_required_question_on_a_later_page_is_checked_at_the_end(
    client, logic_survey
):
    """Sending from page 1 (as if pressing Enter) cannot skip later pages."""
    respondent = Respondent(client, logic_survey)
    respondent.post({"您的身份": "群众", "总体评价": "满意"})
    assert not SurveyResponse.objects.exists()
    assert "Page 2 of 2" in respondent.html
    assert "Please answer this question" in respondent.html


def test_other_please_specify_and_follow_up(client, logic_survey):
    respondent = Respondent(client, logic_survey)
    keys = {label: q.key for label, q in respondent.questions.items()}
    respondent.post(
        {"您的身份": "群众", "总体评价": "不满意"},
        nav="next",
        **{keys["总体评价"] + "__followup": '=HYPERLINK("x")  排队太久'},
    )
    assert "Please specify" in respondent.html
    # "Other" without saying what is refused, on its page.
    respondent.post({"主要原因": OTHER}, nav="next")
    assert "Page 2 of 3" in respondent.html
    assert "please say what" in respondent.html
    respondent.post(
        {"主要原因": OTHER}, nav="next", **{keys["主要原因"] + "__other": "窗口少"}
    )
    response = respondent.post({"村里的变化": "满意"})
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.data[keys["主要原因"]] == OTHER
    assert stored.data[keys["主要原因"] + "__other"] == "窗口少"
    assert stored.data[keys["总体评价"] + "__followup"].endswith("排队太久")


def test_a_follow_up_for_another_option_is_not_stored(client, logic_survey):
    respondent = Respondent(client, logic_survey)
    key = respondent.questions["总体评价"].key
    respondent.post(
        {"您的身份": "群众", "总体评价": "满意"},
        nav="next",
        **{key + "__followup": "没有"},
    )
    response = respondent.post({"村里的变化": "满意"})
    assert response.status_code == 302
    assert key + "__followup" not in SurveyResponse.objects.get().data


def test_conditions_are_sent_to_the_browser_script_as_data(client, make_survey, scale):
    survey = make_survey(
        slug="one-page",
        fields=[
            {"label": "总体评价", "field_type": "scale", "scale": scale},
            {
                "label": "原因",
                "field_type": "multiline",
                "conditions": [
                    {"question": "总体评价", "op": "in", "values": ["不满意"]}
                ],
            },
        ],
    )
    html = client.get(survey.url).content.decode()
    assert "survey_logic.js" in html
    assert "data-wp-show-if=" in html
    assert "<script>" not in html and "onclick" not in html
    # One page, no JavaScript: the conditional question is shown; left empty
    # after 满意 it is not required, and stored as not asked.
    respondent = Respondent(client, survey)
    response = respondent.post({"总体评价": "满意"})
    assert response.status_code == 302
    key = respondent.questions["原因"].key
    assert SurveyResponse.objects.get().data[key] is None
    # After 不满意 it is required.
    respondent = Respondent(client, survey)
    respondent.post({"总体评价": "不满意"})
    assert "Please answer this question" in respondent.html


def test_results_count_a_conditional_question_over_those_asked(
    admin_client, client, logic_survey, django_assert_max_num_queries
):
    for group in ("党员", "群众"):
        respondent = Respondent(client, logic_survey)
        respondent.post({"您的身份": group, "总体评价": "满意"}, nav="next")
        answers = {"村里的变化": "满意"}
        if group == "党员":
            answers["党建工作评价"] = "不满意"
        assert respondent.post(answers).status_code == 302
    url = f"/admin/pilots/surveys/{logic_survey.pk}/results/"
    with django_assert_max_num_queries(40):
        html = admin_client.get(url).content.decode()
    section = html[html.index("党建工作评价") :]
    assert "Asked of 1 respondent of 2" in section
    assert "1 valid answer" in section[: section.index("</section>")]
    # A question everyone was asked says nothing of the kind.
    village = html[html.index("<h3>村里的变化") :]
    assert "Asked of" not in village[: village.index("</section>")]


def test_paper_entry_shows_every_page_and_applies_the_conditions(
    admin_client, logic_survey
):
    url = f"/admin/pilots/surveys/{logic_survey.pk}/paper/"
    html = admin_client.get(url).content.decode()
    for label in ("您的身份", "主要原因", "村里的变化", "党建工作评价"):
        assert label in html
    questions = {q.label: q for q in survey_questions(logic_survey)}

    def pk(label, text):
        return next(str(o.pk) for o in questions[label].options if o.label == text)

    data = {
        "wp_token": "paper-1",
        questions["您的身份"].key: "群众",
        questions["总体评价"].key: pk("总体评价", "满意"),
        questions["村里的变化"].key: pk("村里的变化", "满意"),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.channel == "paper"
    assert stored.data[questions["主要原因"].key] is None
    assert stored.data[questions["党建工作评价"].key] is None
