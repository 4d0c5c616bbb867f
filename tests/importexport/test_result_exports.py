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
from wagtail_pilots.surveys.models import SurveyPage
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
    assert {r[0] for r in rows[1:]} == {"'+考核组"}
    printed = {r[1].replace("-", "") for r in rows[1:]}
    assert printed == {c.code.replace("-", "") for c in codes}


def test_survey_codes_export_only_reads_the_surveys(admin_client, home_page):
    survey = home_page.add_child(instance=SurveyPage(title="满意度", slug="my"))
    survey_codes(survey=survey, count=2, group="@村民", batch="一批")
    rows = download(admin_client, "survey-codes", survey)
    assert rows[0] == [
        "访问码/code",
        "对象类别/group",
        "单位/unit",
        "批次/batch",
        "已使用/used",
    ]
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"'@村民"}
    assert SurveyCode.objects.count() == 2


def test_export_only_kinds_offer_no_import(client, admin_client, scorecard):
    assert not get_kind("scorecard-results").importable
    url = reverse("wagtail_pilots_importexport:import", args=["scorecard-results"])
    assert admin_client.get(f"{url}?page={scorecard.pk}").status_code in (403, 404)
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
