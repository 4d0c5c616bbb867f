"""Results filters (group, unit, channel, dates) in SQL, on the screen and in
the results export."""

import datetime

import pytest
from django.utils import timezone

from wagtail_pilots.surveys.models import Channel, SurveyResponse
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.selectors import ResultFilters, survey_results
from wagtail_pilots.surveys.services import response_submit

pytestmark = pytest.mark.django_db


def submit(survey, *, group, overall, channel=Channel.PAPER, rows=None, now=None):
    qs = {q.field_type: q for q in survey_questions(survey)}
    scale, matrix = qs["scale"], qs["matrix"]
    pk = {o.label: o.pk for o in scale.options}
    data = {
        qs["group"].key: group,
        scale.key: pk[overall],
        matrix.key: {r.key: pk[(rows or {}).get(r.label, "满意")] for r in matrix.rows}
        if rows is not None
        else {},
    }
    return response_submit(survey=survey, data=data, channel=channel, now=now)


def overall(results, survey):
    key = next(q.key for q in survey_questions(survey) if q.field_type == "scale")
    return next(q for q in results.questions if q.question.key == key)


@pytest.fixture
def answered(survey, villages):
    week_ago = timezone.now() - datetime.timedelta(days=7)
    submit(survey, group="党员", overall="满意", rows={"石桥村": "不满意"})
    submit(survey, group="党员", overall="不满意", channel=Channel.WEB)
    submit(survey, group="其他群众", overall="满意", now=week_ago)
    return survey


def test_filters_narrow_every_figure(answered, villages):
    survey = answered
    assert survey_results(survey=survey).responses == 3
    by_group = survey_results(survey=survey, filters=ResultFilters(group="党员"))
    assert by_group.responses == 2
    # 1 satisfied of 2 valid among 党员.
    assert overall(by_group, survey).result.satisfied == 1
    assert overall(by_group, survey).result.valid == 2
    paper = survey_results(survey=survey, filters=ResultFilters(channel="paper"))
    assert paper.responses == 2 and overall(paper, survey).result.valid == 2
    today = timezone.localdate()
    recent = survey_results(
        survey=survey, filters=ResultFilters(date_from=today - datetime.timedelta(1))
    )
    assert recent.responses == 2
    # The unit: the one response rating 石桥村; of the matrix only its row.
    unit = survey_results(survey=survey, filters=ResultFilters(unit_id=villages[0].pk))
    assert unit.responses == 1
    matrix_key = next(
        q.key for q in survey_questions(survey) if q.field_type == "matrix"
    )
    matrix = next(q for q in unit.questions if q.question.key == matrix_key)
    assert matrix.result.valid == 1 and matrix.result.satisfied == 0


def test_results_screen_filters_and_export(
    admin_client, answered, django_assert_max_num_queries
):
    url = f"/admin/pilots/surveys/{answered.pk}/results/"
    admin_client.get(url)
    with django_assert_max_num_queries(40):
        response = admin_client.get(url, {"group": "党员", "channel": "paper"})
    html = response.content.decode()
    assert response.context["results"].responses == 1
    assert "group=%E5%85%9A%E5%91%98&amp;channel=paper" in html  # export links
    csv = b"".join(
        admin_client.get(
            f"/admin/pilots/surveys/{answered.pk}/results/export/csv/",
            {"group": "党员", "channel": "paper"},
        ).streaming_content
    ).decode()
    unfiltered = b"".join(
        admin_client.get(
            f"/admin/pilots/surveys/{answered.pk}/results/export/csv/"
        ).streaming_content
    ).decode()
    assert csv != unfiltered


def test_no_match_is_not_the_empty_survey_state(admin_client, answered):
    url = f"/admin/pilots/surveys/{answered.pk}/results/"
    html = admin_client.get(url, {"group": "村民代表"}).content.decode()
    assert "No responses match these filters." in html or "没有符合" in html
    assert 'id="wp-empty-title"' not in html


def test_bad_date_range_says_where(admin_client, answered):
    url = f"/admin/pilots/surveys/{answered.pk}/results/"
    response = admin_client.get(
        url, {"date_from": "2026-12-05", "date_to": "2026-12-01"}
    )
    assert response.context["filter_form"].errors["date_to"]
    # Nothing filtered on a bad form: all responses counted.
    assert response.context["results"].responses == SurveyResponse.objects.count()
