"""Small builders for scorecard tests."""

from decimal import Decimal as D

from wagtail_pilots.scorecards.models import (
    EvaluatorGroup,
    ScorecardCriterion,
    ScorecardGate,
    ScorecardPage,
    ScorecardSubject,
)


def make_scorecard(
    parent, *, subjects, criteria, groups, gates=(), slug="sc", **kwargs
):
    """``subjects``: names; ``criteria``: (name, weight, min, max[, source]);
    ``groups``: (name, weight, kind, aggregation, trim, min_ballots, criteria_scored);
    ``gates``: (target, name, threshold)."""
    page = ScorecardPage(title=kwargs.pop("title", "考核"), slug=slug, **kwargs)
    page.subjects = [
        ScorecardSubject(name=n, sort_order=i) for i, n in enumerate(subjects)
    ]
    page.criteria = [
        ScorecardCriterion(
            name=c[0],
            weight=D(c[1]),
            minimum=D(c[2]),
            maximum=D(c[3]),
            source=c[4] if len(c) > 4 else "ballots",
            sort_order=i,
        )
        for i, c in enumerate(criteria)
    ]
    page.groups = [
        EvaluatorGroup(
            name=g[0],
            weight=D(g[1]),
            kind=g[2],
            aggregation=g[3],
            trim=g[4],
            min_ballots=g[5],
            criteria_scored=g[6],
            sort_order=i,
        )
        for i, g in enumerate(groups)
    ]
    page.gates = [
        ScorecardGate(target=t, target_name=n, threshold=D(th)) for t, n, th in gates
    ]
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def assessment(parent, **kwargs):
    """Towns scored 35/25/20/20 on 0–10 by one committee (trimmed mean, k=1)."""
    return make_scorecard(
        parent,
        subjects=["城关镇", "青石镇", "河东乡"],
        criteria=[
            ("经济发展", 35, 0, 10),
            ("资源环境", 25, 0, 10),
            ("民生", 20, 0, 10),
            ("社会进步", 20, 0, 10),
        ],
        groups=[("考核组", 100, "scores", "trimmed", 1, 3, "")],
        **kwargs,
    )


def structured(parent, **kwargs):
    """One criterion, trust 10 (gate ≥ 50) + layers A30/B20/C20/D20, all votes."""
    return make_scorecard(
        parent,
        subjects=kwargs.pop("subjects", ["甲", "乙", "丙"]),
        criteria=[("推荐", 100, 0, 100)],
        groups=[
            ("信任投票", 10, "votes", "mean", 0, 0, ""),
            ("A层", 30, "votes", "mean", 0, 0, ""),
            ("B层", 20, "votes", "mean", 0, 0, ""),
            ("C层", 20, "votes", "mean", 0, 0, ""),
            ("D层", 20, "votes", "mean", 0, 0, ""),
        ],
        gates=[("group", "信任投票", 50)],
        shortlist_size=kwargs.pop("shortlist_size", 2),
        slug=kwargs.pop("slug", "tuijian"),
        **kwargs,
    )


def by_name(page, relation):
    return {o.name: o for o in getattr(page, relation).all()}
