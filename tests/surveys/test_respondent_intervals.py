"""Item 16.12: answers from one respondent are not independent.

Hand-computed case: four respondents rate three villages; two are satisfied with
all three, two with none. p = 6/12 = 0.5; y = (3, 3, 0, 0), m = 3 each, so
Σ(y − p·m)² = 4 × 1.5² = 9, V_c = 4/3 × 9/12² = 1/12, V_0 = 0.25/12 = 1/48,
deff = 4 and n_eff = 3: the Wilson interval for 0.5 with n = 3 is
0.5 ∓ 1.96/2.2805 × √(0.25/3 + 3.8415/36) = (0.1253, 0.8747), against
(0.2538, 0.7462) if the 12 answers were independent.
"""

from decimal import Decimal as D

import pytest

from wagtail_pilots.surveys import selectors, stats

from .test_selectors import answer

ALL = {"石桥村": "满意", "红山村": "满意", "龙口村": "满意"}
NONE = {"石桥村": "不满意", "红山村": "不满意", "龙口村": "不满意"}


def four(p):
    return tuple(round(v, 4) for v in p)


def test_design_effect_and_interval_by_hand():
    sums = stats.ClusterSums(respondents=4, yy=18, mm=36, ym=18)
    result = stats.summarise(satisfied=6, valid=12, clusters=sums)
    assert result.design_effect == 4 and result.effective_n == 3
    assert result.interval_method == "respondent"
    assert four(result.interval) == (D("0.1253"), D("0.8747"))
    assert four(stats.wilson_interval(6, 12)) == (D("0.2538"), D("0.7462"))


def test_design_effect_is_floored_at_one_and_absent_without_clustering():
    # y = (1, 2, 1, 2), m = 3 each: less spread than independent answers.
    floored = stats.summarise(
        satisfied=6, valid=12, clusters=stats.ClusterSums(4, 10, 36, 18)
    )
    assert floored.design_effect == 1
    assert floored.interval == stats.wilson_interval(6, 12)
    # One answer each: nothing is clustered, the plain Wilson interval.
    single = stats.summarise(
        satisfied=3, valid=5, clusters=stats.ClusterSums(5, 3, 5, 3)
    )
    assert single.design_effect is None and single.interval_method == "wilson"
    # Everyone satisfied: deff 1, the interval is Wilson's.
    full = stats.summarise(
        satisfied=6, valid=6, clusters=stats.ClusterSums(2, 18, 18, 18)
    )
    assert full.design_effect == 1


def test_comparison_of_pooled_answers_is_wider_with_clustering():
    sums = stats.ClusterSums(4, 18, 36, 18)
    before = stats.summarise(satisfied=6, valid=12, clusters=sums)
    after = stats.summarise(
        satisfied=12, valid=12, clusters=stats.ClusterSums(4, 36, 36, 36)
    )
    naive = stats.compare(
        stats.summarise(satisfied=6, valid=12), stats.summarise(satisfied=12, valid=12)
    )
    clustered = stats.compare(before, after)
    assert naive.significant and clustered.interval[0] < naive.interval[0]


@pytest.mark.django_db
def test_matrix_figures_use_respondent_sums_from_sql(
    survey, django_assert_max_num_queries
):
    answer(survey, group="党员", overall="满意", rows=ALL)
    answer(survey, group="村民代表", overall="满意", rows=ALL)
    answer(survey, group="党员", overall="不满意", rows=NONE)
    answer(survey, group="村民代表", overall="不满意", rows=NONE, channel="paper")
    # 10, and on PostgreSQL the advisory lock under which the reader
    # folds pending tally changes (tallies.py).
    with django_assert_max_num_queries(11):
        results = selectors.survey_results(survey=survey)
    matrix = next(q for q in results.rated if q.rows)
    assert matrix.result.clusters == stats.ClusterSums(4, 18, 36, 18)
    assert matrix.result.design_effect == 4
    assert four(matrix.result.interval_percent) == (D("12.5334"), D("87.4666"))
    # A row has one answer per respondent: the plain Wilson interval (2 of 4).
    row = matrix.rows[0].result
    assert row.interval_method == "wilson"
    assert row.interval == stats.wilson_interval(2, 4)
    # Each group: y = (3, 0), k = 2 → V_c = 2 × 4.5 / 36, V_0 = 0.25 / 6, deff 6.
    party = next(g for g in matrix.groups if g.key == "党员").result
    assert party.design_effect == 6
    # A single-answer question keeps Wilson.
    overall = next(q for q in results.rated if not q.rows)
    assert overall.result.interval_method == "wilson"
    # Pooled over both questions: y = (4, 4, 0, 0), m = 4 each, p = 0.5;
    # V_c = 4/3 × 16/16² = 1/12, V_0 = 0.25/16 = 1/64, deff = 64/12 = 16/3.
    pooled = selectors.satisfaction_result(survey=survey)
    assert pooled.clusters == stats.ClusterSums(4, 32, 64, 32)
    assert round(pooled.design_effect, 10) == round(D(16) / D(3), 10)
    assert pooled.interval_method == "respondent"
