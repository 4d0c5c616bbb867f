"""Publishing can close voting; the results screen says when the live figures
no longer match the published version (issue 13, item 10)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.fixtures.imports import csv_bytes, upload_check_import
from wagtail_pilots.scorecards import presentation
from wagtail_pilots.scorecards.models import Ballot, ScorecardPage
from wagtail_pilots.scorecards.services import (
    BallotError,
    access_codes_generate,
    ballot_enter,
    snapshot_publish,
)

from .helpers import assessment, by_name

pytestmark = pytest.mark.django_db

CLOSED = "Voting on this scorecard is closed."


@pytest.fixture(autouse=True)
def _uploads(tmp_path):
    with override_settings(WAGTAIL_PILOTS={"IMPORT_TEMP_DIR": str(tmp_path)}):
        yield


def _score(page, evaluator, values):
    """``values``: subject name -> the value given on every criterion."""
    group = page.groups.get()
    subjects = by_name(page, "subjects")
    for name, value in values.items():
        for criterion in page.criteria.all():
            ballot_enter(
                scorecard=page,
                group=group,
                evaluator=evaluator,
                subject=subjects[name],
                criterion=criterion,
                value=value,
            )


@pytest.fixture
def scored(home_page):
    # Plain mean, so one late ballot moves the figures.
    page = assessment(home_page)
    group = page.groups.get()
    group.aggregation, group.trim = "mean", 0
    group.save()
    for i in range(3):
        _score(page, f"e{i}", {"城关镇": 9, "青石镇": 6, "河东乡": 5})
    return page


def publish_url(page):
    return reverse("wagtail_pilots_scorecards:publish", args=[page.pk])


def results_url(page):
    return reverse("wagtail_pilots_scorecards:results", args=[page.pk])


def test_publish_screen_offers_to_close_voting_ticked(admin_client, scored):
    html = admin_client.get(results_url(scored)).content.decode()
    assert 'name="close_voting" value="1" checked' in html
    assert "Close voting when publishing" in html


def test_publishing_with_close_voting_refuses_ballots_on_every_path(
    admin_client, client, scored
):
    (access,) = access_codes_generate(
        scorecard=scored, group=scored.groups.get(), count=1
    )
    response = admin_client.post(publish_url(scored), {"close_voting": "1"})
    assert response.status_code == 302
    page = ScorecardPage.objects.get(pk=scored.pk)
    assert page.ballots_open is False
    # The editor shows it closed, so publishing a later draft does not reopen it.
    assert page.get_latest_revision().content["ballots_open"] is False
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert edit.context["form"].initial["ballots_open"] is False
    # The public page and the ballot page say voting is closed.
    assert CLOSED in client.get(page.url).content.decode()
    assert "Evaluators: open your ballot" not in client.get(page.url).content.decode()
    ballot_url = page.url + page.reverse_subpage("score")
    get = client.get(ballot_url)
    assert CLOSED in get.content.decode() and 'name="code"' not in get.content.decode()
    before = Ballot.objects.count()
    # Online, with a valid unused code.
    subjects, criteria = list(page.subjects.all()), list(page.criteria.all())
    data = {"code": access.code, "action": "submit"}
    data.update({f"score-{s.pk}-{c.pk}": "5" for s in subjects for c in criteria})
    posted = client.post(ballot_url, data)
    assert posted.status_code == 403 and CLOSED in posted.content.decode()
    # An editor's entry, on the admin screen and through the service.
    admin = admin_client.post(
        reverse("wagtail_pilots_scorecards:ballot_add", args=[page.pk]),
        {
            "group": page.groups.get().pk,
            "evaluator": "late",
            "subject": subjects[0].pk,
            "criterion": criteria[0].pk,
            "value": "5",
        },
    )
    assert admin.status_code == 200 and CLOSED in admin.content.decode()
    with pytest.raises(BallotError) as exc:
        ballot_enter(
            scorecard=page,
            group=page.groups.get(),
            evaluator="late",
            subject=subjects[0],
            criterion=criteria[0],
            value=5,
        )
    assert exc.value.message_dict == {"__all__": [CLOSED]}
    # An import.
    header = ["group", "evaluator", "subject", "criterion", "value"]
    batch = upload_check_import(
        "ballots",
        csv_bytes([header, ["考核组", "E9", "城关镇", "经济发展", "5"]]),
        page=page,
    )
    assert CLOSED in str(batch.errors)
    assert Ballot.objects.count() == before
    access.refresh_from_db()
    assert access.used_at is None


def test_publishing_without_close_voting_keeps_voting_open(admin_client, scored):
    admin_client.post(publish_url(scored))
    assert ScorecardPage.objects.get(pk=scored.pk).ballots_open is True


def test_results_say_when_live_figures_differ_from_the_published_version(
    admin_client, scored
):
    snapshot_publish(scorecard=scored)
    html = admin_client.get(results_url(scored)).content.decode()
    assert "The live figures match published version 1" in html
    assert "scorecard-stale" not in html
    # A late ballot: 青石镇 (6 → (18 + 1) / 4 = 4.75 → 47.50) falls below
    # 河东乡 (5 → (15 + 10) / 4 = 6.25 → 62.50); 城关镇 ((27 + 9) / 4 = 9 → 90.00)
    # keeps rank 1 and its total, so it is not listed.
    _score(scored, "late", {"城关镇": 9, "青石镇": 1, "河东乡": 10})
    response = admin_client.get(results_url(scored))
    html = response.content.decode()
    assert "The live figures differ from published version 1" in html
    changes = response.context["changes"]
    assert changes == [
        {
            "name": "河东乡",
            "rank_then": 3,
            "rank_now": 2,
            "total_then": "50.00",
            "total_now": "62.50",
        },
        {
            "name": "青石镇",
            "rank_then": 2,
            "rank_now": 3,
            "total_then": "60.00",
            "total_now": "47.50",
        },
    ]


def _outputs(*subjects):
    return {
        "subjects": [
            {"key": key, "name": name, "rank": rank, "total": total}
            for key, name, rank, total in subjects
        ]
    }


def test_changes_since_compares_totals_as_displayed():
    published = _outputs((1, "甲", 1, "80.004"), (2, "乙", 2, "70"), (3, "丙", 3, "60"))
    live = _outputs((1, "甲", 1, "80.001"), (3, "丙", 2, "75"), (4, "丁", 3, "65"))
    assert presentation.changes_since(published, live) == [
        # 甲: 80.004 and 80.001 both show 80.00: unchanged.
        {
            "name": "丙",
            "rank_then": 3,
            "rank_now": 2,
            "total_then": "60.00",
            "total_now": "75.00",
        },
        {
            "name": "丁",
            "rank_then": None,
            "rank_now": 3,
            "total_then": "",
            "total_now": "65.00",
        },
        {
            "name": "乙",
            "rank_then": 2,
            "rank_now": None,
            "total_then": "70.00",
            "total_now": "",
        },
    ]
