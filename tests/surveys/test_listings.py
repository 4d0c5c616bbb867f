"""The open-surveys listing block: what a visitor sees, and what it costs."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction

from example_site.demo.core import ensure_block, ensure_standard_pages
from example_site.home.models import StandardPage
from wagtail_pilots.surveys import stats
from wagtail_pilots.surveys.models import SurveyPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def listing_page(home_page):
    ensure_standard_pages(home_page)
    page = StandardPage.objects.get(slug="surveys")
    ensure_block(page, "open_surveys", {"heading": "正在进行的调查"})
    return page


def _listed(client, page):
    html = client.get(page.url).content.decode()
    section = html.split('class="wp-listing wp-open-surveys"', 1)[1]
    return section.split("</section>", 1)[0]


def test_answer_minutes_rounds_up_and_is_at_least_one():
    assert stats.answer_minutes(choices=0, texts=0) == 1
    assert stats.answer_minutes(choices=6, texts=0) == 1
    assert stats.answer_minutes(choices=7, texts=0) == 2
    assert stats.answer_minutes(choices=18, texts=1) == 4


def test_newly_published_survey_appears_with_its_facts(
    client, listing_page, make_survey
):
    assert "No survey is open" in _listed(client, listing_page)
    closes = timezone.now() + datetime.timedelta(days=10)
    survey = make_survey(title="新发布的调查", closes_at=closes)
    html = _listed(client, listing_page)
    assert "新发布的调查" in html
    assert f'href="{survey.url}"' in html
    assert f"Closes on {timezone.localtime(closes):%Y-%m-%d}" in html
    # group + scale + 3 matrix rows = 5 choices, 1 text: 95 s -> 2 minutes
    assert "About 2 minutes to answer" in html
    assert "no code needed" in html


def test_code_survey_says_a_code_is_needed(client, listing_page, make_survey):
    make_survey(access="code")
    assert "Access code needed" in _listed(client, listing_page)


def test_only_open_live_public_surveys(client, listing_page, make_survey, home_page):
    now = timezone.now()
    make_survey(title="已结束", slug="a", closes_at=now - datetime.timedelta(days=1))
    make_survey(title="未开始", slug="b", opens_at=now + datetime.timedelta(days=1))
    make_survey(title="已满额", slug="c", max_responses=0)
    draft = make_survey(title="草稿", slug="d")
    draft.unpublish()
    private = make_survey(title="内部", slug="e")
    PageViewRestriction.objects.create(
        page=private, restriction_type="password", password="x"
    )
    make_survey(title="开放中", slug="f")
    html = _listed(client, listing_page)
    assert "开放中" in html
    for title in ("已结束", "未开始", "已满额", "草稿", "内部"):
        assert title not in html


def test_listing_queries_do_not_grow_with_surveys(
    client, listing_page, make_survey, django_assert_num_queries
):
    make_survey(slug="one")
    client.get(listing_page.url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(listing_page.url)
    for i in range(4):
        make_survey(slug=f"more-{i}", title=f"调查{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        html = _listed(client, listing_page)
    assert html.count('class="wp-listing__item"') == 5
    assert SurveyPage.objects.live().count() == 5
