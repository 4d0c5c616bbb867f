from decimal import Decimal

import pytest

from tests.scorecards.helpers import make_scorecard
from wagtail_pilots.scorecards.services import ballot_enter


@pytest.fixture
def two_scorecards(home_page):
    """Scorecards A and B; in each, evaluator 评价人<slug> scored the first
    subject 90 and the second 80 (so the first ranks first)."""
    pages = []
    for slug, subjects in (("a", ["甲乡", "丙乡"]), ("b", ["乙乡", "丁乡"])):
        page = make_scorecard(
            home_page,
            subjects=subjects,
            criteria=[("实绩", 100, 0, 100)],
            groups=[("考核组", 100, "scores", "mean", 0, 0, "")],
            slug=slug,
            title=f"考核{slug.upper()}",
        )
        subjects_and_values = zip(
            page.subjects.order_by("sort_order"), (90, 80), strict=True
        )
        for subject, value in subjects_and_values:
            ballot_enter(
                scorecard=page,
                group=page.groups.get(),
                evaluator=f"评价人{slug}",
                subject=subject,
                criterion=page.criteria.get(),
                value=Decimal(value),
            )
        pages.append(page)
    return pages
