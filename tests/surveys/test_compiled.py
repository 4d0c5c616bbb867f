"""A survey's question set is compiled once per published revision and cached
(``surveys/compiled.py``): a submission builds its form without a query, and
whatever an editor publishes is what the next respondent gets."""

import pytest
from django.utils.crypto import get_random_string

from tests.fixtures.surveys import old_started, post_data
from wagtail_pilots.surveys.models import (
    ScaleOption,
    SurveyAnswer,
    SurveyField,
    SurveyPage,
    SurveyQuota,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def twenty(make_survey, scale):
    return make_survey(
        slug="twenty",
        fields=[
            {"label": f"问题{n}", "field_type": "scale", "scale": scale}
            for n in range(1, 21)
        ],
    )


def twenty_post(survey, questions, answer="满意"):
    token = get_random_string(16)
    data = {"wp_started": old_started(token), "wp_token": token}
    for question in questions:
        data[question.key] = next(
            str(o.pk) for o in question.options if o.label == answer
        )
    return data


def test_a_twenty_question_submission_costs_at_most_twelve_queries(
    client, twenty, django_assert_max_num_queries
):
    questions = survey_questions(twenty)
    client.post(twenty.url, twenty_post(twenty, questions))  # compiles once
    # Routing and view restrictions 5, then the write: the response, the
    # counter (one UPDATE), the 20 answer rows (one INSERT) in a transaction.
    # No query for the questions, their scale options or the quotas.
    with django_assert_max_num_queries(12) as captured:
        response = client.post(twenty.url, twenty_post(twenty, questions, "不满意"))
    assert response.status_code == 302
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "surveyfield" not in sql and "scaleoption" not in sql
    assert "surveyquota" not in sql
    latest = SurveyResponse.objects.latest("pk")
    assert SurveyAnswer.objects.filter(response=latest).count() == 20
    assert set(
        SurveyAnswer.objects.filter(response=latest).values_list(
            "option__label", flat=True
        )
    ) == {"不满意"}
    twenty.refresh_from_db()
    assert twenty.response_count == 2


def test_a_published_change_is_seen_by_the_next_request(client, survey):
    assert "总体评价" in client.get(survey.url).content.decode()  # compiled
    question = SurveyField.objects.get(page=survey, label="总体评价")

    # Changed behind Wagtail's back (no signal, no revision): the compiled
    # question set is still served, proving it is cached…
    SurveyField.objects.filter(pk=question.pk).update(label="总体上您满意吗")
    assert "总体评价" in client.get(survey.url).content.decode()

    # …until the survey is published: the next request sees the change.
    page = SurveyPage.objects.get(pk=survey.pk)
    page.save_revision().publish()
    html = client.get(survey.url).content.decode()
    assert "总体上您满意吗" in html and "总体评价" not in html


def test_a_question_added_and_published_is_asked_and_stored(client, survey, scale):
    client.get(survey.url)
    page = SurveyPage.objects.get(pk=survey.pk)
    SurveyField.objects.create(
        page=page, sort_order=9, label="办事效率", field_type="scale", scale=scale
    )
    page.save_revision().publish()
    assert "办事效率" in client.get(survey.url).content.decode()
    # The new question is required: a post without it is refused.
    refused = client.post(survey.url, post_data(survey))
    assert refused.status_code == 200
    assert SurveyResponse.objects.count() == 0


def test_unpublishing_stops_the_compiled_survey_being_served(client, survey):
    assert client.get(survey.url).status_code == 200
    SurveyPage.objects.get(pk=survey.pk).unpublish()
    assert client.get(survey.url).status_code == 404


def test_a_renamed_scale_option_is_seen_at_once(client, survey, scale):
    client.get(survey.url)
    option = ScaleOption.objects.get(scale=scale, label="基本满意")
    option.label = "比较满意"
    option.save()  # a snippet: not part of the survey's revision
    html = client.get(survey.url).content.decode()
    assert "比较满意" in html and "基本满意" not in html


def test_a_published_quota_is_enforced_by_the_next_submission(client, survey):
    client.post(survey.url, post_data(survey, group="党员"))  # compiled, no quota
    page = SurveyPage.objects.get(pk=survey.pk)
    SurveyQuota.objects.create(page=page, group="党员", limit=1)
    page.save_revision().publish()
    full = client.post(survey.url, post_data(survey, group="党员"))
    assert full.status_code == 200
    assert "党员" in full.content.decode()
    assert SurveyResponse.objects.filter(group="党员").count() == 1


def test_a_cache_outage_still_serves_and_stores(client, survey, settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "broken": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    settings.WAGTAIL_PILOTS = {"CACHE_ALIAS": "broken"}
    assert "总体评价" in client.get(survey.url).content.decode()
    assert client.post(survey.url, post_data(survey)).status_code == 302
    assert SurveyResponse.objects.count() == 1
    assert "Compiled surveys: the cache is unavailable" in caplog.text
