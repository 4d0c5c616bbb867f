"""Quotas per respondent group and per evaluated unit: at most so many
responses, enforced by one conditional UPDATE per counter in the response
service (web, paper entry and import alike), released by a rollback."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys import selectors
from wagtail_pilots.surveys.models import (
    SurveyQuota,
    SurveyQuotaCount,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import (
    QuotaFull,
    quotas_recount,
    response_submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def answers(survey, *, group="党员", villages=("石桥村", "红山村", "龙口村")):
    """Cleaned data for ``response_submit``: everyone 满意."""
    data = {}
    for q in survey_questions(survey):
        if q.field_type == "group":
            data[q.key] = group
        elif q.field_type == "scale":
            data[q.key] = q.options[0].pk
        elif q.field_type == "matrix":
            data[q.key] = {
                row.key: q.options[0].pk for row in q.rows if row.label in villages
            }
    return data


def keys(survey):
    return {q.field_type: q for q in survey_questions(survey)}


def quota(survey, *, group="", unit=None, limit=None, paper_issued=None):
    return SurveyQuota.objects.create(
        page=survey, group=group, unit=unit, limit=limit, paper_issued=paper_issued
    )


def test_group_quota_refuses_the_response_after_the_last_place(survey):
    quota(survey, group="党员", limit=2)
    for _ in range(2):
        response_submit(survey=survey, data=answers(survey))
    with pytest.raises(QuotaFull) as error:
        response_submit(survey=survey, data=answers(survey))
    assert error.value.field == keys(survey)["group"].key
    assert "“党员” is full" in str(error.value.message)
    assert "2 responses" in str(error.value.message)
    # Other groups still answer; nothing of the refused response was stored.
    response_submit(survey=survey, data=answers(survey, group="其他群众"))
    assert SurveyResponse.objects.filter(group="党员").count() == 2
    assert SurveyResponse.objects.count() == 3
    survey.refresh_from_db()
    assert survey.response_count == 3
    assert SurveyQuotaCount.objects.get(group="党员").count == 2


def test_unit_quota_counts_the_responses_that_rate_the_unit(survey, villages):
    shiqiao = villages[0]
    quota(survey, unit=shiqiao, limit=1)
    response_submit(survey=survey, data=answers(survey))
    # A response that leaves 石桥村 unrated does not count towards it.
    response_submit(survey=survey, data=answers(survey, villages=("红山村",)))
    with pytest.raises(QuotaFull) as error:
        response_submit(survey=survey, data=answers(survey, group="其他群众"))
    matrix = keys(survey)["matrix"]
    row = next(r for r in matrix.rows if r.unit_id == shiqiao.pk)
    assert error.value.field == matrix.row_field_name(row)
    assert "“石桥村” is full" in str(error.value.message)
    assert SurveyResponse.objects.count() == 2


def test_paper_entry_obeys_the_quota_too(survey):
    quota(survey, group="党员", limit=1)
    response_submit(survey=survey, data=answers(survey), channel="paper")
    with pytest.raises(QuotaFull):
        response_submit(survey=survey, data=answers(survey), channel="paper")
    assert SurveyResponse.objects.count() == 1


def test_a_quota_added_to_a_running_survey_starts_from_the_stored_responses(
    survey,
):
    for _ in range(3):
        response_submit(survey=survey, data=answers(survey))
    quota(survey, group="党员", limit=3)
    with pytest.raises(QuotaFull):
        response_submit(survey=survey, data=answers(survey))
    assert SurveyResponse.objects.count() == 3


def test_recount_after_deleting_responses_releases_places(survey):
    quota(survey, group="党员", limit=2)
    first, _ = response_submit(survey=survey, data=answers(survey))
    response_submit(survey=survey, data=answers(survey))
    first.delete()
    assert quotas_recount(survey=survey) == {("group", "党员"): 1}
    response_submit(survey=survey, data=answers(survey))
    assert SurveyQuotaCount.objects.get(group="党员").count == 2


def test_public_form_shows_the_full_quota_on_the_group_field(client, survey):
    quota(survey, group="党员", limit=1)
    client.post(survey.url, post_data(survey, token="a"))
    response = client.post(survey.url, post_data(survey, token="b"))
    assert response.status_code == 200
    errors = response.context["form"].errors[keys(survey)["group"].key]
    assert errors[0] == (
        "The quota of 1 response for the respondent group “党员” is full."
    )
    assert "the respondent group “党员” is full" in response.content.decode()
    assert SurveyResponse.objects.count() == 1
    # Another group is still welcome.
    response = client.post(survey.url, post_data(survey, group="其他群众", token="c"))
    assert response.status_code == 302


def test_public_form_shows_the_full_unit_on_its_matrix_row(client, survey, villages):
    quota(survey, unit=villages[1], limit=1)
    client.post(survey.url, post_data(survey, token="a"))
    response = client.post(survey.url, post_data(survey, token="b"))
    matrix = keys(survey)["matrix"]
    row = next(r for r in matrix.rows if r.unit_id == villages[1].pk)
    errors = response.context["form"].errors[matrix.row_field_name(row)]
    assert errors[0] == "The quota of 1 response about “红山村” is full."
    assert SurveyResponse.objects.count() == 1


def test_results_screen_shows_each_quota_with_its_fill_level(
    admin_client, survey, villages, django_assert_max_num_queries
):
    quota(survey, group="党员", limit=50)
    quota(survey, unit=villages[0], limit=2)
    for _ in range(2):
        response_submit(survey=survey, data=answers(survey))
    url = reverse("wagtail_pilots_surveys:results", args=[survey.pk])
    admin_client.get(url)
    with django_assert_max_num_queries(40):
        response = admin_client.get(url)
    html = response.content.decode()
    assert "2 / 50" in html
    assert "2 / 2" in html
    assert "full" in html  # 石桥村's quota is full
    fills = selectors.survey_quotas(survey=survey)
    assert [(f.name, f.count, f.limit, f.full) for f in fills] == [
        ("党员", 2, 50, False),
        ("石桥村", 2, 2, True),
    ]


def test_editor_is_told_about_a_quota_for_an_unknown_group(admin_client, survey):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    questions = list(survey.form_fields.all())
    fields = []
    for q in questions:
        fields.append(
            {
                "id": str(q.pk),
                "label": q.label,
                "help_text": "",
                "required": "on" if q.required else "",
                "field_type": q.field_type,
                "scale": str(q.scale_id or ""),
                "rows": q.rows,
                "row_units": [str(u.pk) for u in q.row_units.all()],
                "choices": q.choices,
                "default_value": "",
                "conditions": "",
                "conditions_match": "all",
            }
        )
    data = nested_form_data(
        {
            "title": survey.title,
            "slug": survey.slug,
            "intro": rich_text(""),
            "thank_you_text": rich_text(""),
            "form_fields": inline_formset(fields, initial=len(fields)),
            "group_populations": inline_formset([]),
            "quotas": inline_formset(
                [
                    {"group": "群众", "unit": "", "limit": "5", "paper_issued": ""},
                    {"group": "党员", "unit": "", "limit": "", "paper_issued": ""},
                ]
            ),
            "minimum_sample": "2",
            "threshold": "60",
            "access": "anyone",
            "results_visibility": "never",
            "notify_to": "",
        }
    )
    url = reverse("wagtailadmin_pages:edit", args=[survey.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    forms = response.context["form"].formsets["quotas"].forms
    assert "“群众” is not a respondent group of this survey" in str(forms[0].errors)
    assert "Give a quota, the paper questionnaires issued, or both." in str(
        forms[1].errors
    )
    assert not SurveyQuota.objects.exists()


def test_publishing_the_survey_counts_its_quotas_again(survey):
    """A quota removed and added again later starts from the stored responses,
    not from a counter left behind."""
    from wagtail_pilots.surveys.wagtail_hooks import recount_survey_quotas

    quota(survey, group="党员", limit=5)
    for _ in range(2):
        response_submit(survey=survey, data=answers(survey))
    SurveyQuotaCount.objects.filter(group="党员").update(count=0)  # left behind
    recount_survey_quotas(None, survey)
    assert SurveyQuotaCount.objects.get(group="党员").count == 2
    fills = selectors.survey_quotas(survey=survey)
    assert [(f.name, f.count, f.limit) for f in fills] == [("党员", 2, 5)]


def test_a_refused_response_does_not_use_up_its_access_code(make_survey):
    from wagtail_pilots.surveys.models import AccessCode
    from wagtail_pilots.surveys.services import access_codes_generate

    survey = make_survey(access="code")
    quota(survey, group="党员", limit=1)
    first, second = access_codes_generate(survey=survey, count=2)
    response_submit(survey=survey, data=answers(survey), code=first.code)
    with pytest.raises(QuotaFull):
        response_submit(survey=survey, data=answers(survey), code=second.code)
    # The code can still be used, e.g. by a respondent of another group.
    assert AccessCode.objects.get(pk=second.pk).used_on is None
    response_submit(
        survey=survey, data=answers(survey, group="其他群众"), code=second.code
    )
    assert AccessCode.objects.get(pk=second.pk).used_on is not None
