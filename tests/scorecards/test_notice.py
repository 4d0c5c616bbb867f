"""The public notice (公示): it counts ballot sheets (people), not individual
scores; it gives the notice period and says whether it is still running; it
shows where to send objections; its chart legend says what each colour is."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from wagtail_pilots.scorecards.models import ScorecardSnapshot
from wagtail_pilots.scorecards.services import ballot_enter, snapshot_publish

from .helpers import assessment, by_name

pytestmark = pytest.mark.django_db


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def scored(home_page):
    """Three evaluators each score three towns on four criteria: 36 scores on
    three ballot sheets."""
    page = assessment(home_page, notice_days=5)
    group = page.groups.get()
    subjects = by_name(page, "subjects")
    for i in range(3):
        for name, value in (("城关镇", 9), ("青石镇", 6), ("河东乡", 3)):
            for criterion in page.criteria.all():
                ballot_enter(
                    scorecard=page,
                    group=group,
                    evaluator=f"e{i}",
                    subject=subjects[name],
                    criterion=criterion,
                    value=value,
                )
    return page


def test_notice_counts_ballot_sheets_not_scores(client, scored):
    snapshot = snapshot_publish(scorecard=scored)
    assert (snapshot.sheet_count, snapshot.ballot_count) == (3, 36)
    text = _text(client.get(scored.url).content.decode())
    assert "From 3 ballot sheets (one per evaluator; 36 scores and votes in all)." in (
        text
    )
    assert "36 ballots" not in text


def test_notice_in_chinese_counts_people(client, scored, settings):
    snapshot_publish(scorecard=scored)
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        text = _text(client.get(scored.url).content.decode())
    assert "共 3 张选票（每位评价人一张；合计 36 项评分和投票）" in text
    assert "共 36 张选票" not in text


def test_older_version_without_a_sheet_count_does_not_call_scores_ballots(
    client, scored
):
    snapshot = snapshot_publish(scorecard=scored)
    ScorecardSnapshot.objects.filter(pk=snapshot.pk).update(sheet_count=None)
    text = _text(client.get(scored.url).content.decode())
    assert "From 36 scores and votes." in text
    assert "ballot sheet" not in text


def test_notice_period_and_whether_it_is_running(client, scored):
    snapshot = snapshot_publish(scorecard=scored)
    today = timezone.localdate()
    until = today + datetime.timedelta(days=5)
    text = _text(client.get(scored.url).content.decode())
    assert f"Public notice: 5 days, from {today:%Y-%m-%d} until {until:%Y-%m-%d}." in (
        text
    )
    assert "Under public notice now" in text
    ScorecardSnapshot.objects.filter(pk=snapshot.pk).update(
        notice_until=today - datetime.timedelta(days=1)
    )
    text = _text(client.get(scored.url).content.decode())
    assert "The notice period has ended." in text
    assert "Under public notice now" not in text


def test_objection_contacts_on_the_notice(client, scored):
    snapshot_publish(scorecard=scored)
    html = client.get(scored.url).content.decode()
    assert "Objections" not in html  # no contacts entered: nothing to show
    scored.objection_phone = "0000-123 4567"
    scored.objection_email = "jiandu@example.gov.cn"
    scored.objection_address = "青石镇纪委<b>"
    scored.save_revision().publish()
    html = client.get(scored.url).content.decode()
    text = _text(html)
    until = timezone.localdate() + datetime.timedelta(days=5)
    assert f"can raise an objection until {until:%Y-%m-%d}" in text
    assert 'href="tel:00001234567"' in html
    assert 'href="mailto:jiandu@example.gov.cn"' in html
    assert "Address: 青石镇纪委&lt;b&gt;" in html  # escaped


def test_objection_fields_are_in_the_editor(admin_client, scored):
    html = admin_client.get(f"/admin/pages/{scored.pk}/edit/").content.decode()
    for name in ("objection_phone", "objection_email", "objection_address"):
        assert f'name="{name}"' in html
    assert "objections during the public notice" in html.lower()


def test_an_invalid_objection_email_is_refused_where_typed(scored):
    from django.core.exceptions import ValidationError

    scored.objection_email = "not an address"
    with pytest.raises(ValidationError) as caught:
        scored.full_clean()
    assert "objection_email" in caught.value.message_dict


def test_chart_legend_says_what_each_colour_is(client, scored):
    snapshot_publish(scorecard=scored)
    html = client.get(scored.url).content.decode()
    legend = html[html.index("<figcaption>") : html.index("</figcaption>")]
    text = _text(legend)
    assert "each colour shows the points from one evaluator group or survey" in text
    assert "考核组 (evaluator group, weight 100.00%)" in text
    assert legend.count('class="legend-item"') == 1
