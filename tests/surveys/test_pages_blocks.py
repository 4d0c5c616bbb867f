"""Public results page and the StreamField blocks."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from example_site.demo.core import ensure_standard_pages
from example_site.home.models import StandardPage
from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.blocks import SUITE_BLOCKS
from wagtail_pilots.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db


def test_results_hidden_unless_allowed(client, survey):
    assert client.get(survey.get_results_url()).status_code == 404


@override_settings(WAGTAIL_PILOTS={"SURVEY_MIN_CELL_SIZE": 1})  # one response shown
def test_live_results_public(client, make_survey, django_assert_max_num_queries):
    survey = make_survey(results_visibility="live")
    client.post(survey.url, post_data(survey, token="a"))
    with django_assert_max_num_queries(20):
        response = client.get(survey.get_results_url())
    assert response.status_code == 200
    assert "<svg" in response.content.decode()


def test_results_after_closing(client, make_survey):
    survey = make_survey(
        results_visibility="closed",
        closes_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert client.get(survey.get_results_url()).status_code == 404
    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.opens_at = None
    survey.save_revision().publish()
    assert client.get(survey.get_results_url()).status_code == 200


@override_settings(WAGTAIL_PILOTS={"SURVEY_MIN_CELL_SIZE": 1})  # one response shown
def test_blocks_on_standard_page(client, make_survey, home_page):
    survey = make_survey(results_visibility="live")
    client.post(survey.url, post_data(survey, token="a"))
    ensure_standard_pages(home_page)
    page = StandardPage.objects.get(slug="about")
    blocks = dict(SUITE_BLOCKS)
    assert set(blocks) == {"open_surveys", "survey_form", "survey_results"}
    stream = StandardPage.body.field.stream_block.child_blocks
    page.body = [
        ("survey_form", stream["survey_form"].to_python({"survey": survey.pk})),
        ("survey_results", stream["survey_results"].to_python({"survey": survey.pk})),
    ]
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert f'action="{survey.url}"' in html
    assert "<svg" in html
    # The embedded form posts to the survey itself and is accepted there.
    client.post(survey.url, post_data(survey, token="from-block"))
    assert SurveyResponse.objects.filter(idempotency_token="from-block").exists()


def test_results_block_respects_visibility(client, survey, home_page):
    ensure_standard_pages(home_page)
    page = StandardPage.objects.get(slug="about")
    stream = StandardPage.body.field.stream_block.child_blocks
    page.body = [
        ("survey_results", stream["survey_results"].to_python({"survey": survey.pk}))
    ]
    page.save_revision().publish()
    assert "<svg" not in client.get(page.url).content.decode()


def test_demo_loader(home_page, django_assert_max_num_queries):
    from example_site.demo import core, surveys
    from wagtail_pilots.surveys.models import SurveyAnswer, SurveyPage
    from wagtail_pilots.surveys.selectors import survey_results

    home = core.load()
    village = surveys.load(home=home)
    surveys.load(home=home)  # idempotent
    assert SurveyPage.objects.filter(slug=surveys.VILLAGE_SLUG).count() == 1
    assert village.get_parent().slug == "surveys"
    count = SurveyResponse.objects.filter(survey_id=village.pk).count()
    assert count == surveys.RESPONSES
    village.refresh_from_db()
    assert village.response_count == count
    channels = set(
        SurveyAnswer.objects.filter(survey_id=village.pk).values_list(
            "channel", flat=True
        )
    )
    assert channels == {"web", "paper"}
    matrix = next(
        q
        for q in survey_results(survey=village).questions
        if q.question.field_type == "matrix"
    )
    below = [b.label for b in matrix.rows if b.result.below_threshold]
    assert below == ["高台村"]
