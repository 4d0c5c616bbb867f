"""The selectors read a scorecard's ballots with a fixed number of grouped
queries, however many subjects and ballots it has."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_pilots.scorecards.models import Ballot
from wagtail_pilots.scorecards.selectors import scorecard_result

from .helpers import by_name, make_scorecard

pytestmark = pytest.mark.django_db


def scorecard_with(home_page, subjects, *, slug):
    """Mean, trimmed-mean and median score groups plus a vote group; every
    evaluator scores every subject."""
    page = make_scorecard(
        home_page,
        subjects=[f"S{i}" for i in range(subjects)],
        criteria=[("甲", 60, 0, 10), ("乙", 40, 0, 10)],
        groups=[
            ("均值组", 30, "scores", "mean", 0, 0, ""),
            ("去极值组", 30, "scores", "trimmed", 1, 0, ""),
            ("中位组", 20, "scores", "median", 0, 0, ""),
            ("投票组", 20, "votes", "mean", 0, 0, "甲"),
        ],
        slug=slug,
    )
    groups = by_name(page, "groups")
    criteria = list(page.criteria.order_by("sort_order"))
    rows = []
    for s, subject in enumerate(page.subjects.order_by("sort_order")):
        for e in range(3):
            for name in ("均值组", "去极值组", "中位组"):
                for c, criterion in enumerate(criteria):
                    rows.append(
                        Ballot(
                            scorecard=page,
                            group=groups[name],
                            evaluator=f"{name}-{e}",
                            subject=subject,
                            criterion=criterion,
                            value=D((s + e + c) % 11),
                            channel="import",
                        )
                    )
            rows.append(
                Ballot(
                    scorecard=page,
                    group=groups["投票组"],
                    evaluator=f"投票组-{e}",
                    subject=subject,
                    vote="yes" if (s + e) % 2 else "no",
                    channel="import",
                )
            )
    Ballot.objects.bulk_create(rows)
    return page


def queries_for(page):
    with CaptureQueriesContext(connection) as ctx:
        _, result = scorecard_result(scorecard=page)
    return len(ctx.captured_queries), result


def test_reading_a_result_takes_the_same_few_queries_for_3_or_40_subjects(home_page):
    small, small_result = queries_for(scorecard_with(home_page, 3, slug="small"))
    large, large_result = queries_for(scorecard_with(home_page, 40, slug="large"))
    assert len(small_result.subjects) == 3 and len(large_result.subjects) == 40
    # Every subject got its figures from the grouped reads.
    assert all(r.total is not None for r in large_result.subjects)
    # Configuration (criteria, groups, gates, subjects), one grouped query per kind
    # of group (sums for means, ordered values for trimmed means and medians,
    # vote counts) and the ballot count: never one query per subject.
    assert small == large
    assert large <= 10
