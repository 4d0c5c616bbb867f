"""Scores read as scaled integers (issue 17) give the figures the Decimal inputs
give: in the pure computation on random scorecards, and from the database."""

from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings

from wagtail_pilots.scorecards import bundle, scoring
from wagtail_pilots.scorecards.selectors import (
    score_cells,
    score_inputs,
    scorecard_config,
    scorecard_result,
)

from .test_scoring_reference import figures, raw_numbers, run, scorecards
from .test_selectors import scorecard_with

PLACES = 4


def scaled(card):
    """``card``'s score cells as :class:`scoring.ScaledScores`: a mean cell given
    as a summary becomes (n, sum, min, max), any other cell its values, every
    number in units of 10⁻⁴."""
    cells = {}
    for key, (form, values) in card["scores"].items():
        units = [int(v.scaleb(PLACES)) for v in values]
        if form == "summary":
            cells[key] = (
                (len(units), sum(units), min(units), max(units))
                if units
                else (0, 0, 0, 0)
            )
        else:
            cells[key] = units[::-1]  # in any order: compute sorts them
    return scoring.ScaledScores(PLACES, cells)


def run_scaled(card):
    m = scoring
    config = m.Config(
        criteria=tuple(m.Criterion(**c) for c in card["criteria"]),
        groups=tuple(m.Group(**g) for g in card["groups"]),
        gates=tuple(m.Gate(**g) for g in card["gates"]),
        **card["settings"],
    )
    votes = {key: m.VoteCounts(*counts) for key, counts in card["votes"].items()}
    surveys = {
        key: m.SurveyValue(value, n, insufficient=insufficient, minimum=minimum)
        for key, (value, n, insufficient, minimum) in card["surveys"].items()
    }
    subjects = [m.Subject(k, k.upper()) for k in card["subjects"]]
    return m.compute(
        config, subjects, scores=scaled(card), votes=votes, surveys=surveys
    )


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scorecards())
def test_scaled_integers_give_exactly_the_figures_of_decimals(card):
    from_decimals, from_integers = run(scoring, card), run_scaled(card)
    # Not only to the cent: every unrounded figure is the same Decimal.
    assert raw_numbers(from_integers) == raw_numbers(from_decimals)
    assert figures(from_integers) == figures(from_decimals)


def one_cell(cell, *, aggregation="mean", places=PLACES):
    config = scoring.Config(
        criteria=(scoring.Criterion("c", "C", D(100), D(0), D(10)),),
        groups=(
            scoring.Group("g", "G", D(100), ("c",), aggregation=aggregation, trim=1),
        ),
    )
    return scoring.compute(
        config,
        [scoring.Subject("s", "S")],
        scores=scoring.ScaledScores(places, {("g", "s", "c"): cell}),
    )


def test_a_scaled_mean_and_trimmed_mean_by_hand():
    # 7.25 and 8.5 on 0–10: mean 7.875 → 78.75.
    (s,) = one_cell((2, 72500 + 85000, 72500, 85000)).subjects
    assert s.total == D("78.75")
    # Trimmed mean (k = 1) of 2, 9, 7.5, 10: drop 2 and 10 → 8.25 → 82.5.
    (s,) = one_cell([20000, 90000, 75000, 100000], aggregation="trimmed").subjects
    assert s.total == D("82.5")
    # Two places instead of four: 7.5 is 750.
    (s,) = one_cell([750], aggregation="median", places=2).subjects
    assert s.total == D(75)


def test_a_scaled_value_outside_the_range_is_refused_with_its_cell():
    with pytest.raises(scoring.ScoringInputError, match=r"G / S / C.*10\.0001"):
        one_cell((1, 100001, 100001, 100001))
    with pytest.raises(scoring.ScoringInputError, match="G / S / C"):
        one_cell([-1, 5], aggregation="median")


def test_a_scaled_cell_must_hold_integers():
    with pytest.raises(scoring.ScoringInputError, match="scaled integers"):
        one_cell((2, D("7.5"), 0, 1))
    with pytest.raises(scoring.ScoringInputError, match="scaled integers"):
        one_cell([1.5, 2], aggregation="median")


@pytest.mark.django_db
def test_the_database_read_gives_the_same_inputs_digest_and_figures(
    home_page, django_assert_max_num_queries
):
    page = scorecard_with(home_page, 6, slug="scaled")
    config = scorecard_config(scorecard=page)
    cells, votes = score_cells(scorecard=page, config=config)
    decimals, same_votes = score_inputs(scorecard=page, config=config)
    assert votes == same_votes
    # What a published version's digest covers is unchanged by the integer read.
    assert bundle.inputs_json(cells, votes, {}) == bundle.inputs_json(
        decimals, votes, {}
    )
    subjects = [scoring.Subject(s.pk, s.name) for s in page.subjects.all()]
    exact = scoring.compute(config, subjects, scores=cells, votes=votes)
    reference = scoring.compute(config, subjects, scores=decimals, votes=votes)
    assert [(r.key, r.total, r.rank) for r in exact.subjects] == [
        (r.key, r.total, r.rank) for r in reference.subjects
    ]
    # The whole result: configuration, one grouped query per kind of group, the
    # ballot count — however many subjects.
    with django_assert_max_num_queries(10):
        _loaded, result = scorecard_result(scorecard=page)
    assert len(result.subjects) == 6
