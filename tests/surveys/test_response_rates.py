"""Response rates: codes issued and used per batch, group and unit, paper
questionnaires issued against returned, counted by the database, on the
results screen and in the results export."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from wagtail_pilots.surveys import selectors
from wagtail_pilots.surveys.models import AccessCode, SurveyQuota
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import access_codes_generate, response_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def answers(survey, *, group):
    data = {}
    for q in survey_questions(survey):
        if q.field_type == "group":
            data[q.key] = group
        elif q.field_type == "scale":
            data[q.key] = q.options[0].pk
        elif q.field_type == "matrix":
            data[q.key] = {row.key: q.options[0].pk for row in q.rows}
    return data


def use(codes, count):
    """Mark the first ``count`` codes used (as the response service does)."""
    pks = [c.pk for c in codes[:count]]
    AccessCode.objects.filter(pk__in=pks).update(used_on=timezone.localdate())


@pytest.fixture
def rated(make_survey, villages):
    """Codes: batch 一批 10 for 党员 (8 used), batch 二批 5 for 石桥村 (1 used),
    5 with neither (none used). Paper: 20 issued, 4 back (3 党员 on paper, 1
    其他群众 imported), 1 web response not counted as paper; 党员 were handed
    10 questionnaires, 石桥村 8 (all 4 paper responses rate it)."""
    survey = make_survey(paper_issued=20)
    use(access_codes_generate(survey=survey, count=10, group="党员", batch="一批"), 8)
    use(
        access_codes_generate(survey=survey, count=5, unit=villages[0], batch="二批"),
        1,
    )
    access_codes_generate(survey=survey, count=5)
    SurveyQuota.objects.create(page=survey, group="党员", paper_issued=10)
    SurveyQuota.objects.create(page=survey, unit=villages[0], paper_issued=8)
    for _ in range(3):
        response_submit(
            survey=survey, data=answers(survey, group="党员"), channel="paper"
        )
    response_submit(
        survey=survey, data=answers(survey, group="其他群众"), channel="import"
    )
    response_submit(survey=survey, data=answers(survey, group="党员"))
    return survey


def figures(lines):
    return [(str(line.label), line.issued, line.returned) for line in lines]


def test_rates_by_batch_group_and_unit_hand_computed(
    rated, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        rates = selectors.survey_response_rates(survey=rated)
    # Codes: 20 issued, 8 + 1 = 9 used → 45 %.
    assert (rates.codes.issued, rates.codes.returned) == (20, 9)
    assert rates.codes.rate == D("0.45")
    assert figures(rates.code_batches) == [("一批", 10, 8), ("二批", 5, 1)]
    assert rates.code_batches[0].rate == D("0.8")
    assert figures(rates.code_groups) == [("党员", 10, 8)]
    assert figures(rates.code_units) == [("石桥村", 5, 1)]
    assert rates.code_units[0].rate == D("0.2")
    # Paper: 4 of 20 back (the web response is not paper) → 20 %.
    assert (rates.paper.issued, rates.paper.returned) == (20, 4)
    assert rates.paper.rate == D("0.2")
    # 党员: 3 of 10 → 30 %; 石桥村: 4 of 8 → 50 %.
    assert figures(rates.paper_groups) == [("党员", 10, 3)]
    assert rates.paper_groups[0].rate == D("0.3")
    assert figures(rates.paper_units) == [("石桥村", 8, 4)]
    assert rates.paper_units[0].rate == D("0.5")


def test_an_anonymous_survey_counts_codes_without_any_link_to_responses(rated):
    assert rated.anonymous
    assert not AccessCode.objects.filter(response__isnull=False).exists()
    assert selectors.survey_response_rates(survey=rated).codes.returned == 9


def test_no_codes_and_no_paper_issued_shows_no_rates(survey):
    rates = selectors.survey_response_rates(survey=survey)
    assert not rates
    assert rates.table() == []


def test_results_screen_shows_the_rate_beside_the_satisfaction(
    admin_client, rated, django_assert_max_num_queries
):
    url = reverse("wagtail_pilots_surveys:results", args=[rated.pk])
    admin_client.get(url)
    with django_assert_max_num_queries(40):
        response = admin_client.get(url)
    html = response.content.decode()
    assert "<strong>9</strong> of 20 access codes used (45.00%)" in html
    assert "<strong>4</strong> of 20 paper questionnaires returned (20.00%)" in html
    assert "access codes, batch 一批" in html
    assert "paper, unit 石桥村" in html
    # The rates come before the satisfaction figures of the questions.
    assert html.index("Response rate and quotas") < html.index("Satisfaction rate")


def test_results_export_carries_the_rates(admin_client, rated):
    url = reverse("wagtail_pilots_surveys:export_results", args=[rated.pk, "csv"])
    response = admin_client.get(url)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[-3:] == ["issued", "returned", "response_rate_percent"]
    rates = {(r[0], r[1], r[2]): r[-3:] for r in rows[1:] if r[0] in ("codes", "paper")}
    assert rates[("codes", "all", "all codes")] == ["20", "9", "45.00"]
    assert rates[("codes", "batch", "二批")] == ["5", "1", "20.00"]
    assert rates[("paper", "all", "all paper questionnaires")] == ["20", "4", "20.00"]
    assert rates[("paper", "unit", "石桥村")] == ["8", "4", "50.00"]
