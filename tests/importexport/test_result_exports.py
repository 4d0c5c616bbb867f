"""Export-only kinds (scorecard results, evaluator and survey access codes) and
formula safety of the ballots export."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse

from tests.scorecards.helpers import make_scorecard
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.scorecards.services import access_codes_generate, ballot_enter
from wagtail_pilots.surveys.models import AccessCode as SurveyCode
from wagtail_pilots.surveys.models import SurveyField, SurveyPage
from wagtail_pilots.surveys.services import access_codes_generate as survey_codes

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://x")'


@pytest.fixture
def scorecard(home_page):
    page = make_scorecard(
        home_page,
        subjects=[EVIL, "李四"],
        criteria=[("实绩", 60, 0, 100), ("作风", 40, 0, 100)],
        groups=[("+考核组", 100, "scores", "mean", 0, 0, "")],
        slug="kaohe",
    )
    group = page.groups.get()
    subjects = {s.name: s for s in page.subjects.all()}
    criteria = {c.name: c for c in page.criteria.all()}
    for evaluator, subject, criterion, value in (
        ("E1", EVIL, "实绩", 90),
        ("E1", EVIL, "作风", 80),
        ("E1", "李四", "实绩", 50),
        ("E1", "李四", "作风", 100),
    ):
        ballot_enter(
            scorecard=page,
            group=group,
            evaluator=evaluator,
            subject=subjects[subject],
            criterion=criteria[criterion],
            value=D(value),
        )
    return page


def download(client, kind, page, fmt="csv"):
    url = reverse("wagtail_pilots_importexport:export", args=[kind, fmt])
    response = client.get(f"{url}?page={page.pk}")
    assert response.status_code == 200, response
    if fmt != "csv":
        return response
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_results_export_is_ranked_from_the_selectors(admin_client, scorecard):
    rows = download(admin_client, "scorecard-results", scorecard)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["名次", "评价对象", "总分"]  # the admin reads Chinese
    # 李四: 50 × 60 % + 100 × 40 % = 70; the other: 90 × 60 % + 80 × 40 % = 86.
    firsts = {(r[0], r[1], r[2]) for r in body}
    assert ("1", "'" + EVIL, "86.00") in firsts
    assert ("2", "李四", "70.00") in firsts
    # One row per subject × criterion × group, the group name made harmless.
    assert len(body) == 4
    assert {r[10] for r in body} == {"'+考核组"}


def test_ballots_export_is_formula_safe_and_xlsx(admin_client, scorecard):
    rows = download(admin_client, "ballots", scorecard)
    assert rows[0] == [
        "评价组/group",
        "评价人/evaluator",
        "评价对象/subject",
        "评价指标/criterion",
        "分值/value",
        "投票/vote",
    ]
    assert ["'+考核组", "E1", "'" + EVIL, "实绩", "90", ""] in rows
    response = download(admin_client, "ballots", scorecard, fmt="xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["+考核组", "E1", EVIL, "实绩", 90, None] in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_scorecard_codes_export(admin_client, scorecard):
    codes = access_codes_generate(
        scorecard=scorecard, group=scorecard.groups.get(), count=3
    )
    rows = download(admin_client, "scorecard-codes", scorecard)
    assert len(rows) == 4
    assert {r[3] for r in rows[1:]} == {"'+考核组"}
    printed = {r[0].replace("-", "") for r in rows[1:]}
    assert printed == {c.code.replace("-", "") for c in codes}


def test_survey_codes_export_only_reads_the_surveys(admin_client, home_page):
    survey = home_page.add_child(instance=SurveyPage(title="满意度", slug="my"))
    # A code's group is one of the survey's respondent groups.
    SurveyField.objects.create(
        page=survey, label="身份", field_type="group", choices="@村民"
    )
    survey_codes(survey=survey, count=2, group="@村民", batch="一批")
    rows = download(admin_client, "survey-codes", survey)
    assert rows[0] == [
        "参与码/code",
        "单位/unit",
        "使用日期/used on",
        "答卷人类别/respondent group",
        "批次/batch",
    ]
    assert len(rows) == 3
    assert {r[3] for r in rows[1:]} == {"'@村民"}
    assert SurveyCode.objects.count() == 2


def test_export_only_kinds_offer_no_import(client, admin_client, scorecard):
    assert not get_kind("scorecard-results").importable
    url = reverse("wagtail_pilots_importexport:import", args=["scorecard-results"])
    assert admin_client.get(f"{url}?page={scorecard.pk}").status_code == 404
    export = reverse(
        "wagtail_pilots_importexport:export", args=["scorecard-results", "csv"]
    )
    response = client.get(f"{export}?page={scorecard.pk}")
    assert response.status_code == 302


def test_editor_without_page_rights_gets_403(client, make_editor, scorecard):
    user = make_editor(
        "wagtail_pilots_importexport.export_data",
        "wagtail_pilots_scorecards.view_ballot",
        "wagtail_pilots_scorecards.view_accesscode",
    )
    client.force_login(user)
    for kind in ("scorecard-results", "scorecard-codes", "ballots"):
        url = reverse("wagtail_pilots_importexport:export", args=[kind, "csv"])
        assert client.get(f"{url}?page={scorecard.pk}").status_code == 403, kind


def test_templates_have_both_languages_and_a_sample(admin_client):
    for kind, first in (
        ("ballots", "评价组/group"),
        ("pilot-phases", "阶段名称/phase"),
        ("indicator-readings", "指标/indicator"),
    ):
        url = reverse("wagtail_pilots_importexport:template", args=[kind, "csv"])
        response = admin_client.get(url)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        lines = text.splitlines()
        assert lines[0].startswith(first), kind
        assert len(lines) >= 2


# -- survey results ---------------------------------------------------------------


@pytest.fixture
def small_survey(home_page):
    """One group question and one question on the three-level scale (满意 100,
    基本满意 80, 不满意 0; the first two count as satisfied), answered
    满意 / 基本满意 by 党员 and 不满意 by “=群众”, on paper; minimum sample 2."""
    from wagtail_pilots.surveys.models import Scale, SurveyField
    from wagtail_pilots.surveys.questions import survey_questions
    from wagtail_pilots.surveys.services import response_submit

    survey = home_page.add_child(
        instance=SurveyPage(title="窗口满意度", slug="chuangkou", minimum_sample=2)
    )
    scale = Scale.objects.get(name="满意度（三级）")
    SurveyField.objects.create(
        page=survey,
        sort_order=0,
        label="您的身份",
        field_type="group",
        choices="党员\n=群众",
    )
    SurveyField.objects.create(
        page=survey, sort_order=1, label="=总体评价", field_type="scale", scale=scale
    )
    survey.save_revision().publish()
    group, overall = survey_questions(survey)
    for who, label in (("党员", "满意"), ("党员", "基本满意"), ("=群众", "不满意")):
        option = next(o for o in overall.options if o.label == label)
        response_submit(
            survey=survey,
            data={group.key: who, overall.key: option.pk},
            channel="paper",
        )
    return survey


RESULTS_HEADER = [
    "question",
    "slice",
    "value",
    "valid",
    "satisfied",
    "rate_percent",
    "wilson_low_percent",
    "wilson_high_percent",
    "index",
    "insufficient_sample",
    "below_threshold",
    "asked",
    "issued",
    "returned",
    "response_rate_percent",
]
# Rate 2/3 = 66.67 %; index (100 + 80 + 0) / 3 = 60.00; Wilson 95 % for 2 of 3
# (z = 1.96): centre (2/3 + z²/6) / (1 + z²/3) = 0.5731, half-width
# z·√(2/27 + z²/36) / (1 + z²/3) = 0.3654 → 20.77 % – 93.85 %.
ALL_ROW = [
    "'=总体评价",
    "all",
    "",
    "3",
    "2",
    "66.67",
    "20.77",
    "93.85",
    "60.00",
    "False",
    "False",
    "3",  # asked: every respondent (no conditions)
    "",
    "",
    "",
]


def test_survey_results_export_matches_hand_computed_figures(
    admin_client, small_survey
):
    rows = download(admin_client, "survey-results", small_survey)
    assert rows[0] == RESULTS_HEADER
    body = rows[1:]
    # The group question is not rated: its options are counted.
    assert body[0][:4] == ["您的身份", "option", "党员", "2"]
    assert body[1][:4] == ["您的身份", "option", "'=群众", "1"]
    assert ALL_ROW in body
    by_group = {r[2]: r for r in body if r[1] == "group"}
    # 党员: 2 of 2 satisfied, index (100 + 80) / 2 = 90; “=群众”: 0 of 1, index 0,
    # below the minimum sample of 2.
    assert by_group["党员"][3:6] == ["2", "2", "100.00"]
    assert by_group["党员"][8:10] == ["90.00", "False"]
    assert by_group["'=群众"][3:6] == ["1", "0", "0.00"]
    assert by_group["'=群众"][8:10] == ["0.00", "True"]
    (paper,) = [r for r in body if r[1] == "channel"]
    assert paper[3:9] == ALL_ROW[3:9]


def test_survey_results_export_is_the_results_screen_export(admin_client, small_survey):
    """The kind and the survey admin's Results → export write the same table."""
    ours = download(admin_client, "survey-results", small_survey)
    screen = admin_client.get(
        reverse("wagtail_pilots_surveys:export_results", args=[small_survey.pk, "csv"])
    )
    text = b"".join(screen.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == ours


def test_survey_results_xlsx_is_formula_safe(admin_client, small_survey):
    from openpyxl import load_workbook

    response = download(admin_client, "survey-results", small_survey, fmt="xlsx")
    assert "survey-results-chuangkou.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    row = next(r for r in values if r[1] == "all")
    assert row[0] == "=总体评价"  # text, not a formula
    assert row[3:9] == [3, 2, 66.67, 20.77, 93.85, 60]
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_survey_results_on_the_command_line(small_survey, tmp_path):
    import json

    from django.core.management import call_command

    out = tmp_path / "results.json"
    call_command(
        "pilots_export",
        "survey-results",
        "--page",
        str(small_survey.pk),
        "--format",
        "json",
        "-o",
        str(out),
    )
    rows = json.loads(out.read_text(encoding="utf-8"))
    (overall,) = [r for r in rows if r["slice"] == "all"]
    assert overall["question"] == "=总体评价"
    assert (overall["valid"], overall["satisfied"]) == (3, 2)
    assert (overall["rate_percent"], overall["index"]) == ("66.67", "60.00")
    assert overall["insufficient_sample"] is False
    stdout = io.StringIO()
    call_command(
        "pilots_export", "survey-results", "--page", "chuangkou", stdout=stdout
    )
    lines = list(csv.reader(io.StringIO(stdout.getvalue().lstrip("\ufeff"))))
    assert lines[0] == RESULTS_HEADER and ALL_ROW in lines


def test_survey_results_needs_a_survey_page(scorecard):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as error:
        call_command("pilots_export", "survey-results", "--page", str(scorecard.pk))
    assert str(error.value) == "“考核” is not a page that holds survey results."
    with pytest.raises(CommandError) as error:
        call_command("pilots_export", "survey-results")
    assert str(error.value) == "Choose the page to export survey results from."


@pytest.fixture
def survey_editor_of_a(page_editor, small_survey, home_page):
    other = home_page.add_child(instance=SurveyPage(title="乙调查", slug="other"))
    client = page_editor(
        small_survey,
        "change",
        "wagtail_pilots_importexport.export_data",
        "wagtail_pilots_surveys.view_surveyresponse",
    )
    return client, small_survey, other


def test_survey_results_editor_of_a_gets_403_on_b(survey_editor_of_a):
    client, survey_a, survey_b = survey_editor_of_a
    url = reverse("wagtail_pilots_importexport:export", args=["survey-results", "csv"])
    assert client.get(url, {"page": survey_a.pk}).status_code == 200
    assert client.get(url, {"page": survey_b.pk}).status_code == 403
    # The entry is in survey A's header menu, next to the other exports.
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[survey_a.pk]))
    content = edit.content.decode()
    assert 'data-pilots-export="survey-results-xlsx"' in content
    assert 'data-pilots-export="responses-xlsx"' in content


def test_survey_results_needs_view_responses(page_editor, small_survey):
    survey_a = small_survey
    client = page_editor(survey_a, "change", "wagtail_pilots_importexport.export_data")
    url = reverse("wagtail_pilots_importexport:export", args=["survey-results", "csv"])
    assert client.get(url, {"page": survey_a.pk}).status_code == 403
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[survey_a.pk]))
    assert 'data-pilots-export="survey-results' not in edit.content.decode()


def test_survey_results_cannot_be_imported(admin_client, small_survey):
    url = reverse("wagtail_pilots_importexport:import", args=["survey-results"])
    assert admin_client.get(url, {"page": small_survey.pk}).status_code == 404


# -- scope and round trips of every kind ------------------------------------------


def test_a_page_of_another_type_is_404_not_500(admin_client, scorecard, small_survey):
    for kind, page in (
        ("scorecard-results", small_survey),
        ("survey-results", scorecard),
        ("responses", scorecard),
        ("ballots", small_survey),
    ):
        for name, args in (("export", [kind, "csv"]), ("template", [kind, "csv"])):
            url = reverse(f"wagtail_pilots_importexport:{name}", args=args)
            response = admin_client.get(url, {"page": page.pk})
            assert response.status_code == 404, (kind, name)
    url = reverse("wagtail_pilots_importexport:import", args=["responses"])
    assert admin_client.get(url, {"page": scorecard.pk}).status_code == 404


def test_export_only_kinds_have_no_template(admin_client, scorecard):
    url = reverse(
        "wagtail_pilots_importexport:template", args=["scorecard-results", "csv"]
    )
    assert admin_client.get(url, {"page": scorecard.pk}).status_code == 404


def test_cli_export_without_a_page_says_export():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as error:
        call_command("pilots_export", "scorecard-results")
    assert str(error.value) == "Choose the page to export scorecard results from."


def test_formula_safe_csv_imports_back_unchanged(admin_client, scorecard):
    """The CSV export writes “'+考核组” and “'=HYPERLINK…” so that spreadsheet
    programs show text; importing that file gives the names back."""
    from tests.scorecards.test_importexport import run
    from wagtail_pilots.scorecards.models import Ballot

    before = set(
        Ballot.objects.values_list(
            "group__name", "evaluator", "subject__name", "criterion__name", "value"
        )
    )
    url = reverse("wagtail_pilots_importexport:export", args=["ballots", "csv"])
    data = b"".join(
        admin_client.get(
            url, {"page": scorecard.pk, "layout": "wide"}
        ).streaming_content
    )
    assert "'+考核组".encode() in data and b"'=HYPERLINK" in data
    Ballot.objects.all().delete()
    batch = run(scorecard, data, name="wide.csv")
    assert batch.errors == []
    after = set(
        Ballot.objects.values_list(
            "group__name", "evaluator", "subject__name", "criterion__name", "value"
        )
    )
    assert after == before


# -- a scorecard that cannot be scored ----------------------------------------------


@pytest.fixture
def degenerate(home_page):
    """No criteria, group weights adding to 60: nothing can be ranked."""
    return make_scorecard(
        home_page,
        subjects=["张三", "李四"],
        criteria=[],
        groups=[("考核组", 60, "scores", "mean", 0, 0, "")],
        slug="degenerate",
    )


def test_results_export_of_an_unscorable_scorecard_says_why(admin_client, degenerate):
    from django.contrib.messages import get_messages

    results_page = reverse("wagtail_pilots_scorecards:results", args=[degenerate.pk])
    for fmt in ("csv", "xlsx", "json"):
        url = reverse(
            "wagtail_pilots_importexport:export", args=["scorecard-results", fmt]
        )
        response = admin_client.get(
            url,
            {"page": degenerate.pk},
            headers={
                "referer": f"http://testserver{results_page}",
                "accept-language": "en",
            },
        )
        assert response.status_code == 302, fmt  # not a 500
        assert response["Location"] == f"http://testserver{results_page}"
        message = [str(m) for m in get_messages(response.wsgi_request)][-1]
        assert "cannot be exported" in message
        assert "at least one criterion" in message
    # Without a referer (a bookmarked link) the user lands on the page's editor.
    response = admin_client.get(url, {"page": degenerate.pk})
    assert response["Location"] == reverse(
        "wagtailadmin_pages:edit", args=[degenerate.pk]
    )
    # A referer on another site is not followed.
    response = admin_client.get(
        url, {"page": degenerate.pk}, headers={"referer": "https://evil.example/"}
    )
    assert response["Location"] == reverse(
        "wagtailadmin_pages:edit", args=[degenerate.pk]
    )


def test_cli_results_export_of_an_unscorable_scorecard_says_why(degenerate):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as error:
        call_command("pilots_export", "scorecard-results", "--page", degenerate.pk)
    assert "cannot be exported" in str(error.value)
    assert "at least one criterion" in str(error.value)
