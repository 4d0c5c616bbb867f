"""The public-notices listing block: latest published version of each live,
public scorecard, newest first, with the notice period."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from example_site.demo.core import ensure_block, ensure_standard_pages
from example_site.home.models import StandardPage
from wagtail_pilots.scorecards.models import ScorecardSnapshot
from wagtail_pilots.scorecards.services import ballot_enter
from wagtail_pilots.scorecards.services import snapshot_publish as _publish

from .helpers import assessment


def snapshot_publish(*, scorecard):
    """Publish after three evaluators scored the first town (an empty
    scorecard cannot be published)."""
    if not scorecard.ballots.exists():
        group = scorecard.groups.get()
        subject = scorecard.subjects.first()
        for i in range(3):
            for criterion in scorecard.criteria.all():
                ballot_enter(
                    scorecard=scorecard,
                    group=group,
                    evaluator=f"e{i}",
                    subject=subject,
                    criterion=criterion,
                    value=8,
                )
    return _publish(scorecard=scorecard)


pytestmark = pytest.mark.django_db


@pytest.fixture
def notices_page(home_page):
    ensure_standard_pages(home_page)
    page = StandardPage.objects.get(slug="notices")
    ensure_block(page, "notice_list", {"heading": "公示"})
    return page


def _listed(client, page):
    html = client.get(page.url).content.decode()
    return html.split('class="wp-listing wp-notices"', 1)[1].split("</section>")[0]


def test_latest_version_newest_first_with_notice_period(
    client, notices_page, home_page
):
    older = assessment(home_page, slug="older", title="甲考核")
    newer = assessment(home_page, slug="newer", title="乙考核", notice_days=7)
    snapshot_publish(scorecard=older)
    first = snapshot_publish(scorecard=newer)
    second = snapshot_publish(scorecard=older)  # version 2, now the newest
    # An hour older than the newest version; near midnight in the site's time
    # zone that is the day before, so the notice period starts that day too.
    earlier = second.created_at - datetime.timedelta(hours=1)
    ScorecardSnapshot.objects.filter(pk=first.pk).update(
        created_at=earlier,
        notice_until=timezone.localtime(earlier).date() + datetime.timedelta(days=7),
    )
    first.refresh_from_db()
    html = _listed(client, notices_page)
    assert html.index("甲考核") < html.index("乙考核")
    assert html.count("甲考核") == 1  # only the latest version
    assert "(version 2)" in html
    assert (
        f"{timezone.localtime(first.created_at):%Y-%m-%d} to "
        f"{first.notice_until:%Y-%m-%d} (7 days)" in html
    )
    assert "Under public notice now" in html


def test_unpublished_and_private_scorecards_are_left_out(
    client, notices_page, home_page
):
    draft = assessment(home_page, slug="draft", title="草稿考核")
    snapshot_publish(scorecard=draft)
    draft.unpublish()
    private = assessment(home_page, slug="private", title="内部考核")
    snapshot_publish(scorecard=private)
    PageViewRestriction.objects.create(
        page=private, restriction_type="password", password="x"
    )
    assessment(home_page, slug="none", title="未公示考核")  # nothing published
    html = _listed(client, notices_page)
    assert "No result has been published" in html
    for title in ("草稿考核", "内部考核", "未公示考核"):
        assert title not in html


def test_queries_do_not_grow_with_notices(client, notices_page, home_page):
    snapshot_publish(scorecard=assessment(home_page, slug="s0", title="考核0"))
    client.get(notices_page.url)
    with CaptureQueriesContext(connection) as one:
        client.get(notices_page.url)
    for i in range(1, 4):
        page = assessment(home_page, slug=f"s{i}", title=f"考核{i}")
        snapshot_publish(scorecard=page)
        snapshot_publish(scorecard=page)
    with CaptureQueriesContext(connection) as four:
        html = _listed(client, notices_page)
    assert html.count('class="wp-listing__item"') == 4
    assert len(four.captured_queries) == len(one.captured_queries)
