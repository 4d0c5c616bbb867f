"""Hand-computed checks of every rule in docs/design.md "Scorecard" (no database)."""

from decimal import Decimal as D

import pytest

from wagtail_pilots.scorecards import scoring as sc
from wagtail_pilots.scorecards.scoring import (
    Config,
    Criterion,
    Gate,
    Group,
    ScoreSummary,
    ScoringInputError,
    Subject,
    SurveyValue,
    VoteCounts,
)


def structured_config(**kwargs):
    """The seeds' structured recommendation: one criterion, five vote groups."""
    crit = Criterion("rec", "推荐", D(100))
    groups = (
        Group("trust", "信任投票", D(10), ("rec",), kind=sc.KIND_VOTES),
        Group("A", "A层", D(30), ("rec",), kind=sc.KIND_VOTES),
        Group("B", "B层", D(20), ("rec",), kind=sc.KIND_VOTES),
        Group("C", "C层", D(20), ("rec",), kind=sc.KIND_VOTES),
        Group("D", "D层", D(20), ("rec",), kind=sc.KIND_VOTES),
    )
    defaults = {
        "criteria": (crit,),
        "groups": groups,
        "gates": (Gate(sc.GATE_GROUP, "trust", D(50)),),
        "shortlist": 5,
    }
    defaults.update(kwargs)
    return Config(**defaults)


LAYERS = {  # same shares for every candidate in A-D: 60, 75, 80, 80 → 65 points
    "A": VoteCounts(24, 16, 0),
    "B": VoteCounts(9, 3, 0),
    "C": VoteCounts(20, 4, 1),
    "D": VoteCounts(4, 1, 0),
}


def votes_for(subject, trust, layers=LAYERS):
    result = {("trust", subject): trust}
    for g, counts in layers.items():
        result[(g, subject)] = counts
    return result


def test_fewer_raw_votes_but_higher_share_scores_higher():
    # The seeds: 32 trust votes gave 96.97, 19 votes gave 100.
    votes = {
        **votes_for("p", VoteCounts(32, 1, 0)),
        **votes_for("q", VoteCounts(19, 0, 0)),
    }
    result = sc.compute(
        structured_config(), [Subject("p", "甲"), Subject("q", "乙")], votes=votes
    )
    p, q = (next(r for r in result.subjects if r.key == k) for k in ("p", "q"))
    # q: 10×100/100 + (30×60 + 20×75 + 20×80 + 20×80)/100 = 10 + 65 = 75
    assert q.total == D(75)
    # p: 10 × 32/33 × 100 / 100 + 65 = 9.69696… + 65
    assert sc.display(p.total) == D("74.70")
    assert sc.display(p.cell("trust", "rec").value) == D("96.97")
    assert p.cell("trust", "rec").n == 33 and q.cell("trust", "rec").n == 19
    assert [r.key for r in result.ranked] == ["q", "p"]
    assert q.rank == 1 and p.rank == 2
    # Contributions add up to the total, by group.
    assert q.contributions == {
        "trust": D(10),
        "A": D(18),
        "B": D(15),
        "C": D(16),
        "D": D(16),
    }
    assert sc.display(sum(p.contributions.values()), 20) == sc.display(p.total, 20)


def test_trust_gate_excludes_with_reason_and_shortlist_top_five():
    subjects = [Subject(f"s{i}", f"候选人{i}") for i in range(7)]
    votes = {}
    # s0..s5 pass the trust gate with shares 100, 90, 80, 70, 60, 50 (50 passes:
    # the gate is ≥). s6 has 49/100 and is excluded.
    for i, yes in enumerate([10, 9, 8, 7, 6, 5]):
        votes.update(votes_for(f"s{i}", VoteCounts(yes, 10 - yes, 0)))
    votes.update(votes_for("s6", VoteCounts(49, 50, 1)))
    result = sc.compute(structured_config(), subjects, votes=votes)
    ranked = result.ranked
    assert [r.key for r in ranked] == ["s0", "s1", "s2", "s3", "s4", "s5"]
    assert [r.shortlisted for r in ranked] == [True] * 5 + [False]
    assert ranked[-1].total == D(70)  # 10 × 50/100 + 65
    excluded = result.excluded
    assert [r.key for r in excluded] == ["s6"]
    ((code, gate_result),) = excluded[0].exclusions
    assert code == sc.X_GATE and not gate_result.passed
    assert gate_result.value == D(49)
    assert excluded[0].rank is None and not excluded[0].shortlisted
    # The excluded subject still gets its total and breakdown for transparency.
    assert excluded[0].total == D("69.9")


def test_all_subjects_fail_gate():
    votes = {
        **votes_for("a", VoteCounts(1, 9, 0)),
        **votes_for("b", VoteCounts(0, 0, 5)),
    }
    result = sc.compute(
        structured_config(), [Subject("a", "a"), Subject("b", "b")], votes=votes
    )
    assert result.ranked == []
    assert all(r.excluded and r.exclusions[0][0] == sc.X_GATE for r in result.subjects)
    assert [r.key for r in result.subjects] == ["a", "b"]


def assessment_config(**kwargs):
    criteria = (
        Criterion("eco", "经济发展", D(35), D(0), D(10)),
        Criterion("env", "资源环境", D(25), D(0), D(10)),
        Criterion("life", "民生", D(20), D(0), D(10)),
        Criterion("soc", "社会进步", D(20), D(0), D(10)),
    )
    groups = (
        Group(
            "com",
            "考核组",
            D(100),
            ("eco", "env", "life", "soc"),
            aggregation=sc.AGG_TRIMMED,
            trim=1,
            min_ballots=3,
        ),
    )
    defaults = {"criteria": criteria, "groups": groups, "bottom": 1}
    defaults.update(kwargs)
    return Config(**defaults)


def test_assessment_trimmed_mean_and_bottom_flag():
    subjects = [Subject("t1", "城关镇"), Subject("t2", "青石镇")]
    scores = {}
    # t1: eco 9, 8, 7, 2 → drop 9 and 2 → 7.5 → 75; env 10,10,10,10 → 100;
    #     life 6,6,6 → 60; soc 5, 5, 10 → drop 5 and 10 → 5 → 50
    # total = (35×75 + 25×100 + 20×60 + 20×50)/100 = 26.25 + 25 + 12 + 10 = 73.25
    scores[("com", "t1", "eco")] = [9, 8, 7, 2]
    scores[("com", "t1", "env")] = [10, 10, 10, 10]
    scores[("com", "t1", "life")] = ["6", "6", D(6)]
    scores[("com", "t1", "soc")] = [5, 5, 10]
    # t2: everything 5 → 50
    for c in ("eco", "env", "life", "soc"):
        scores[("com", "t2", c)] = [5, 5, 5]
    result = sc.compute(assessment_config(), subjects, scores=scores)
    t1, t2 = result.subjects
    assert t1.key == "t1" and t1.total == D("73.25")
    assert t1.cell("com", "eco").value == D(75)
    assert t1.cell("com", "eco").n == 4
    assert t2.total == D(50)
    assert t2.bottom and not t1.bottom
    assert t1.warnings == []


def test_median_and_mean_aggregations():
    c = Criterion("c", "c", D(100), D(0), D(10))
    for agg, expected in ((sc.AGG_MEDIAN, D(30)), (sc.AGG_MEAN, D(50))):
        config = Config(
            criteria=(c,), groups=(Group("g", "g", D(100), ("c",), aggregation=agg),)
        )
        # values 1, 3, 10, 6 → median (3+6)/2 = 4.5?  no: sorted 1,3,6,10 → 4.5 → 45
        result = sc.compute(
            config,
            [Subject("s", "s")],
            scores={("g", "s", "c"): [1, 3, 6, 10]}
            if agg == sc.AGG_MEAN
            else {("g", "s", "c"): [1, 3, 10]},
        )
        # mean of 1,3,6,10 = 5 → 50; median of 1,3,10 = 3 → 30
        assert result.subjects[0].total == expected


def test_median_even_count():
    assert sc.median([D(1), D(3), D(6), D(10)]) == D("4.5")
    assert sc.median([]) is None


def test_trimmed_mean_with_too_few_values_falls_back_to_median_and_warns():
    config = assessment_config()
    scores = {("com", "s", c): [2, 8] for c in ("eco", "env", "life", "soc")}
    result = sc.compute(config, [Subject("s", "s")], scores=scores)
    s = result.subjects[0]
    assert s.total == D(50)  # median of 2, 8 = 5 → 50
    codes = [w.code for w in s.warnings]
    assert codes.count(sc.W_TOO_FEW_TO_TRIM) == 4
    assert codes.count(sc.W_BELOW_MINIMUM) == 4
    below = next(w for w in s.warnings if w.code == sc.W_BELOW_MINIMUM)
    assert (below.n, below.minimum) == (2, 3)


def test_score_summary_from_sql_equals_values():
    c = Criterion("c", "c", D(100), D(1), D(5))
    config = Config(criteria=(c,), groups=(Group("g", "g", D(100), ("c",)),))
    # values 1, 2, 5 → mapped 0, 25, 100 → mean 41.666…
    a = sc.compute(config, [Subject("s", "s")], scores={("g", "s", "c"): [1, 2, 5]})
    b = sc.compute(
        config,
        [Subject("s", "s")],
        scores={("g", "s", "c"): ScoreSummary(3, D(8), D(1), D(5))},
    )
    assert a.subjects[0].total == b.subjects[0].total
    assert sc.display(a.subjects[0].total) == D("41.67")
    with pytest.raises(ScoringInputError, match="outside the range"):
        sc.compute(
            config,
            [Subject("s", "s")],
            scores={("g", "s", "c"): ScoreSummary(3, D(8), D(0), D(5))},
        )


def two_group_config(policy):
    c = Criterion("c", "c", D(100))
    groups = (
        Group("g1", "g1", D(60), ("c",)),
        Group("g2", "g2", D(40), ("c",)),
    )
    return Config(criteria=(c,), groups=groups, missing_policy=policy)


def test_subject_missing_a_whole_group_renormalise():
    scores = {("g1", "s", "c"): [80], ("g1", "t", "c"): [50], ("g2", "t", "c"): [100]}
    result = sc.compute(
        two_group_config(sc.MISSING_RENORMALISE),
        [Subject("s", "s"), Subject("t", "t")],
        scores=scores,
    )
    s = next(r for r in result.subjects if r.key == "s")
    t = next(r for r in result.subjects if r.key == "t")
    assert s.total == D(80)  # 60 × 80 / 60
    assert s.cell("g1", "c").weight_used == D(100)
    assert s.cell("g2", "c").value is None
    assert [w.code for w in s.warnings] == [sc.W_MISSING_GROUP]
    assert s.warnings[0].group == "g2"
    assert t.total == D(70)  # (60×50 + 40×100) / 100
    assert t.cell("g1", "c").weight_used == D(60)
    assert t.warnings == []


def test_subject_missing_a_whole_group_zero():
    scores = {("g1", "s", "c"): [80]}
    result = sc.compute(
        two_group_config(sc.MISSING_ZERO), [Subject("s", "s")], scores=scores
    )
    s = result.subjects[0]
    assert s.total == D(48)  # 60 × 80 / 100, g2 counted as 0
    assert [w.code for w in s.warnings] == [sc.W_MISSING_GROUP]
    assert s.rank == 1


def test_only_some_groups_score_a_criterion_rescales_for_it():
    criteria = (Criterion("x", "x", D(50)), Criterion("y", "y", D(50)))
    groups = (
        Group("g1", "g1", D(75), ("x", "y")),
        Group("g2", "g2", D(25), ("y",)),
    )
    config = Config(criteria=criteria, groups=groups)
    scores = {
        ("g1", "s", "x"): [40],
        ("g1", "s", "y"): [20],
        ("g2", "s", "y"): [100],
    }
    s = sc.compute(config, [Subject("s", "s")], scores=scores).subjects[0]
    # V(x) = 40 (only g1, weight rescaled to 100%); V(y) = (75×20 + 25×100)/100 = 40
    assert s.cell("g1", "x").weight_used == D(100)
    assert s.cell("g1", "y").weight_used == D(75)
    assert s.total == D(40)
    # g1 contributes 50×40/100 + 50×0.75×20/100 = 20 + 7.5; g2: 50×0.25×100/100
    assert s.contributions == {"g1": D("27.5"), "g2": D("12.5")}
    assert s.group_scores == {"g1": D(30), "g2": D(100)}


def test_survey_criterion_and_small_n():
    criteria = (
        Criterion("eco", "eco", D(80), D(0), D(10)),
        Criterion("sat", "满意率", D(20), source=sc.SOURCE_SURVEY),
    )
    groups = (Group("g", "g", D(100), ("eco",)),)
    config = Config(criteria=criteria, groups=groups, small_n=30)
    result = sc.compute(
        config,
        [Subject("s", "s")],
        scores={("g", "s", "eco"): [7] * 30},
        surveys={("s", "sat"): SurveyValue(D("92.5"), 12)},
    )
    s = result.subjects[0]
    assert s.total == D(56) + D("18.5")  # 80×70/100 + 20×92.5/100
    assert s.criteria[1].n == 12
    assert [(w.code, w.n, w.minimum) for w in s.warnings] == [(sc.W_SMALL_N, 12, 30)]
    assert s.contributions[("survey", "sat")] == D("18.5")


def test_missing_criterion_renormalise_and_zero():
    criteria = (
        Criterion("eco", "eco", D(80)),
        Criterion("sat", "满意率", D(20), source=sc.SOURCE_SURVEY),
    )
    groups = (Group("g", "g", D(100), ("eco",)),)
    scores = {("g", "s", "eco"): [70]}
    renorm = sc.compute(
        Config(criteria=criteria, groups=groups), [Subject("s", "s")], scores=scores
    )
    assert renorm.subjects[0].total == D(70)
    assert [w.code for w in renorm.subjects[0].warnings] == [sc.W_MISSING_CRITERION]
    zero = sc.compute(
        Config(criteria=criteria, groups=groups, missing_policy=sc.MISSING_ZERO),
        [Subject("s", "s")],
        scores=scores,
    )
    assert zero.subjects[0].total == D(56)


def test_no_ballots_at_all():
    result = sc.compute(
        structured_config(), [Subject("a", "a"), Subject("b", "b")], votes={}
    )
    assert result.ranked == []
    for r in result.subjects:
        assert r.total is None and r.excluded
        assert (sc.X_NO_DATA, None) in r.exclusions
        assert sc.W_NO_DATA in [w.code for w in r.warnings]


def test_no_subjects():
    assert sc.compute(structured_config(), []).subjects == []


def test_exact_ties_flagged_and_broken_by_rule():
    criteria = (Criterion("x", "x", D(60)), Criterion("y", "y", D(40)))
    groups = (Group("g", "g", D(100), ("x", "y")),)
    # a: x 50, y 80 → 30 + 32 = 62; b: x 70, y 50 → 42 + 20 = 62; c: 10/10 → 10
    scores = {
        ("g", "a", "x"): [50],
        ("g", "a", "y"): [80],
        ("g", "b", "x"): [70],
        ("g", "b", "y"): [50],
        ("g", "c", "x"): [10],
        ("g", "c", "y"): [10],
    }
    subjects = [Subject("a", "a"), Subject("b", "b"), Subject("c", "c")]
    by_criteria = sc.compute(
        Config(criteria=criteria, groups=groups), subjects, scores=scores
    )
    assert [r.key for r in by_criteria.ranked] == ["b", "a", "c"]  # b higher on x (60%)
    a, b = (next(r for r in by_criteria.subjects if r.key == k) for k in "ab")
    assert a.tied and b.tied and a.tied_with == ["b"] and b.tied_with == ["a"]
    assert sc.W_TIE in [w.code for w in a.warnings]
    c = next(r for r in by_criteria.subjects if r.key == "c")
    assert not c.tied
    by_order = sc.compute(
        Config(criteria=criteria, groups=groups, tie_break=sc.TIE_BREAK_ORDER),
        subjects,
        scores=scores,
    )
    assert [r.key for r in by_order.ranked] == ["a", "b", "c"]


def test_ties_broken_by_groups_rule():
    c = Criterion("c", "c", D(100))
    groups = (Group("g1", "g1", D(50), ("c",)), Group("g2", "g2", D(50), ("c",)))
    scores = {
        ("g1", "a", "c"): [40],
        ("g2", "a", "c"): [60],
        ("g1", "b", "c"): [60],
        ("g2", "b", "c"): [40],
    }
    result = sc.compute(
        Config(criteria=(c,), groups=groups, tie_break=sc.TIE_BREAK_GROUPS),
        [Subject("a", "a"), Subject("b", "b")],
        scores=scores,
    )
    # Equal weights: the first listed group decides; b has more from g1.
    assert [r.key for r in result.ranked] == ["b", "a"]
    assert all(r.tied for r in result.ranked)


def test_tie_compares_beyond_division_residue():
    # 1/3 + 2/3 computed two ways must tie.
    c = Criterion("c", "c", D(100), D(0), D(3))
    config = Config(criteria=(c,), groups=(Group("g", "g", D(100), ("c",)),))
    scores = {("g", "a", "c"): [1, 2], ("g", "b", "c"): [D("1.5")]}
    result = sc.compute(config, [Subject("a", "a"), Subject("b", "b")], scores=scores)
    assert all(r.tied for r in result.ranked)


@pytest.mark.parametrize(
    "bad",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        float("1e999"),
        "NaN",
        "Infinity",
        "-Infinity",
        "abc",
        None,
        True,
        D("NaN"),
        D("sNaN"),
    ],
)
def test_non_numbers_rejected(bad):
    config = assessment_config()
    scores = {("com", "s", "eco"): [5, bad, 5]}
    with pytest.raises(ScoringInputError, match="number") as exc:
        sc.compute(config, [Subject("s", "城关镇")], scores=scores)
    assert "城关镇" in str(exc.value) and "经济发展" in str(exc.value)


@pytest.mark.parametrize("bad", [-1, "1e999", D("10.01"), 11])
def test_out_of_range_and_negative_rejected(bad):
    scores = {("com", "s", "eco"): [5, bad, 5]}
    with pytest.raises(ScoringInputError, match="outside the range 0–10"):
        sc.compute(assessment_config(), [Subject("s", "s")], scores=scores)


def test_bad_vote_counts_and_survey_values_rejected():
    with pytest.raises(ScoringInputError, match="whole number"):
        sc.compute(
            structured_config(),
            [Subject("a", "a")],
            votes={("A", "a"): VoteCounts(-1, 0, 0)},
        )
    criteria = (Criterion("sat", "sat", D(100), source=sc.SOURCE_SURVEY),)
    for value in (D(101), D(-1), float("nan")):
        with pytest.raises(ScoringInputError):
            sc.compute(
                Config(criteria=criteria, groups=()),
                [Subject("a", "a")],
                surveys={("a", "sat"): SurveyValue(value, 3)},
            )


def test_unknown_subject_group_or_criterion_rejected():
    config = assessment_config()
    with pytest.raises(ScoringInputError, match="unknown subject"):
        sc.compute(config, [Subject("s", "s")], scores={("com", "zz", "eco"): [1]})
    with pytest.raises(ScoringInputError, match="unknown score group"):
        sc.compute(config, [Subject("s", "s")], scores={("nope", "s", "eco"): [1]})
    with pytest.raises(ScoringInputError, match="does not score"):
        sc.compute(config, [Subject("s", "s")], scores={("com", "s", "zzz"): [1]})
    with pytest.raises(ScoringInputError, match="unknown vote group"):
        sc.compute(
            structured_config(),
            [Subject("s", "s")],
            votes={("com", "s"): VoteCounts(1)},
        )
    with pytest.raises(ScoringInputError, match="unique"):
        sc.compute(config, [Subject("s", "s"), Subject("s", "t")])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"criteria": (Criterion("c", "c", D(90)),)}, "criteria weights add up to 90"),
        ({"groups": (Group("g", "g", D(99), ("c",)),)}, "group weights add up to 99"),
        (
            {"criteria": (Criterion("c", "c", D(100), D(5), D(5)),)},
            "minimum must be below",
        ),
        ({"gates": (Gate(sc.GATE_GROUP, "nope", D(50)),)}, "gate points at nothing"),
        ({"gates": (Gate(sc.GATE_CRITERION, "g", D(50)),)}, "gate points at nothing"),
        ({"tie_break": "coin"}, "tie-break"),
        ({"missing_policy": "ignore"}, "missing-group policy"),
        ({"shortlist": -1}, "shortlist"),
        ({"groups": (Group("g", "g", D(100), ("zz",)),)}, "unknown criterion"),
        ({"groups": (Group("g", "g", D(100), ()),)}, "no evaluator group scores"),
        ({"criteria": (Criterion("c", "c", D("NaN")),)}, "finite"),
        ({"criteria": ()}, "at least one criterion"),
    ],
)
def test_bad_configuration_rejected(change, message):
    base = {
        "criteria": (Criterion("c", "c", D(100)),),
        "groups": (Group("g", "g", D(100), ("c",)),),
    }
    base.update(change)
    with pytest.raises(ScoringInputError, match=message):
        sc.compute(Config(**base), [Subject("s", "s")])


def test_criterion_gate():
    c = Criterion("c", "c", D(100))
    config = Config(
        criteria=(c,),
        groups=(Group("g", "g", D(100), ("c",)),),
        gates=(Gate(sc.GATE_CRITERION, "c", D(60)),),
    )
    result = sc.compute(
        config,
        [Subject("a", "a"), Subject("b", "b")],
        scores={("g", "a", "c"): [60], ("g", "b", "c"): [59.99]},
    )
    assert [r.key for r in result.ranked] == ["a"]
    assert result.excluded[0].exclusions[0][1].value == D("59.99")


def test_vote_group_denominator_is_its_own_ballots():
    assert sc.vote_share(VoteCounts(3, 1, 1)) == D(60)
    assert sc.vote_share(VoteCounts()) is None


def test_display_rounds_half_up_only_at_the_end():
    assert sc.display(D("2.345")) == D("2.35")
    assert sc.display(D("2.335")) == D("2.34")
    assert sc.display(None) is None


def test_std_dev_and_outliers():
    # 2, 4, 4, 4, 5, 5, 7, 9 → population sd 2
    values = [2, 4, 4, 4, 5, 5, 7, 9]
    assert sc.std_dev(8, sum(values), sum(v * v for v in values)) == D(2)
    assert sc.std_dev(0, 0, 0) is None
    assert sc.std_dev(3, 15, 75) == D(0)
    scores = {"e1": D(80), "e2": D(82), "e3": D(78), "e4": D(81), "e5": D(20)}
    assert sc.outliers(scores) == ["e5"]
    assert sc.outliers({"a": 1, "b": 2}) == []


def test_deterministic():
    votes = {
        **votes_for("p", VoteCounts(32, 1, 0)),
        **votes_for("q", VoteCounts(19, 0, 0)),
    }
    subjects = [Subject("p", "甲"), Subject("q", "乙")]
    a = sc.compute(structured_config(), subjects, votes=votes)
    b = sc.compute(
        structured_config(), subjects, votes=dict(reversed(list(votes.items())))
    )
    assert [(r.key, r.total, r.rank) for r in a.subjects] == [
        (r.key, r.total, r.rank) for r in b.subjects
    ]


# --------------------------------------------------------------------------
# Every figure explains itself (issue 16) and degenerate rankings (issue 12)
# --------------------------------------------------------------------------


def one_criterion(**kwargs):
    c = Criterion("c", "c", D(100))
    return Config(criteria=(c,), groups=(Group("g", "g", D(100), ("c",)),), **kwargs)


def subjects(*keys):
    return [Subject(k, k) for k in keys]


def test_one_subject_is_shortlisted_never_also_last():
    result = sc.compute(
        one_criterion(shortlist=5, bottom=1),
        subjects("a"),
        scores={("g", "a", "c"): [70]},
    )
    (a,) = result.subjects
    assert a.rank == 1 and a.shortlisted and not a.bottom
    assert not a.shortlist_undecided and not a.bottom_undecided


def test_bottom_flag_stays_out_of_the_shortlist():
    # 3 subjects, top 2 shortlisted, last 2 flagged: only the third is last.
    scores = {("g", k, "c"): [v] for k, v in (("a", 90), ("b", 80), ("c", 70))}
    result = sc.compute(
        one_criterion(shortlist=2, bottom=2), subjects("a", "b", "c"), scores=scores
    )
    flags = [(r.key, r.shortlisted, r.bottom) for r in result.ranked]
    assert flags == [("a", True, False), ("b", True, False), ("c", False, True)]


def test_all_totals_equal_is_undecided_not_list_order():
    # Everybody 70 on the only criterion: the criteria rule cannot separate them.
    scores = {("g", k, "c"): [70] for k in "abcd"}
    result = sc.compute(
        one_criterion(shortlist=2, bottom=1), subjects(*"abcd"), scores=scores
    )
    for r in result.ranked:
        assert r.rank == 1  # one shared rank, not 1-2-3-4 by list order
        assert r.tied and r.tie_broken is False
        assert not r.shortlisted and r.shortlist_undecided
        assert not r.bottom and r.bottom_undecided


def test_unbroken_tie_inside_the_shortlist_is_decided():
    # b and c tie on everything but both lie inside the top 3: no boundary crossed.
    scores = {("g", k, "c"): [v] for k, v in (("a", 90), ("b", 80), ("c", 80))}
    scores[("g", "d", "c")] = [10]
    result = sc.compute(
        one_criterion(shortlist=3, bottom=1), subjects(*"abcd"), scores=scores
    )
    ranks = {r.key: (r.rank, r.shortlisted, r.bottom) for r in result.ranked}
    assert ranks == {
        "a": (1, True, False),
        "b": (2, True, False),
        "c": (2, True, False),
        "d": (4, False, True),
    }
    assert not any(r.shortlist_undecided or r.bottom_undecided for r in result.ranked)


def test_order_rule_is_a_stated_rule_and_decides():
    scores = {("g", k, "c"): [70] for k in "ab"}
    result = sc.compute(
        one_criterion(shortlist=1, tie_break=sc.TIE_BREAK_ORDER),
        subjects("a", "b"),
        scores=scores,
    )
    a, b = result.ranked
    assert (a.key, a.rank, a.shortlisted, a.tie_broken) == ("a", 1, True, True)
    assert (b.key, b.rank, b.shortlisted, b.tie_broken) == ("b", 2, False, True)
    assert not a.shortlist_undecided and not b.shortlist_undecided


def test_totals_equal_at_the_shown_precision_are_a_tie_broken_by_the_rule():
    criteria = (Criterion("x", "x", D(60)), Criterion("y", "y", D(40)))
    groups = (Group("g", "g", D(100), ("x", "y")),)
    # a: 60% × 80 + 40% × 87.4525 = 48 + 34.981 = 82.981
    # b: 60% × 90 + 40% × 72.4475 = 54 + 28.979 = 82.979; both read 82.98.
    scores = {
        ("g", "a", "x"): [80],
        ("g", "a", "y"): [D("87.4525")],
        ("g", "b", "x"): [90],
        ("g", "b", "y"): [D("72.4475")],
    }
    result = sc.compute(
        Config(criteria=criteria, groups=groups, shortlist=1),
        subjects("a", "b"),
        scores=scores,
    )
    first, second = result.ranked
    assert first.total == D("82.979") and second.total == D("82.981")
    # The heaviest criterion (x, 60%) decides: b 90 before a 80.
    assert (first.key, first.rank, first.shortlisted) == ("b", 1, True)
    assert (second.key, second.rank, second.shortlisted) == ("a", 2, False)
    assert first.tied and second.tied and first.tie_broken and second.tie_broken


@pytest.mark.parametrize(
    ("yes", "passed", "shown"),
    [
        # 2401 / 4002 = 59.99500…%: reads 60.00, so it passes a 60 gate.
        (2401, True, D("60.00")),
        # 2400 / 4002 = 59.97001…%: reads 59.97 and fails.
        (2400, False, D("59.97")),
        # 2001 / 4002 = 50.00%: exactly 50 passes a ≥ 50 gate.
        (2001, True, D("50.00")),
    ],
)
def test_gate_compares_the_shown_value(yes, passed, shown):
    threshold = D(60) if yes != 2001 else D(50)
    c = Criterion("c", "c", D(100))
    config = Config(
        criteria=(c,),
        groups=(Group("v", "v", D(100), ("c",), kind=sc.KIND_VOTES),),
        gates=(Gate(sc.GATE_GROUP, "v", threshold),),
    )
    result = sc.compute(
        config, subjects("a"), votes={("v", "a"): VoteCounts(yes, 4002 - yes, 0)}
    )
    (gate,) = result.subjects[0].gates
    assert gate.passed is passed
    assert sc.display(gate.value) == shown
    assert result.subjects[0].excluded is not passed


def test_apportion_parts_add_up_to_the_shown_total():
    # Rounded one by one: 41.49 + 41.50 = 82.99 beside a total of 82.98.
    parts = [D("41.485"), D("41.495")]
    assert [sc.display(p) for p in parts] == [D("41.49"), D("41.50")]
    assert sc.apportion(parts, D("82.98")) == [D("41.49"), D("41.49")]
    third = D(100) / 3
    assert sc.apportion([third, third, third], D(100)) == [
        D("33.34"),
        D("33.33"),
        D("33.33"),
    ]
    # The largest remainder wins: 10.004 (.004) gets the unit, not 20.003.
    assert sc.apportion([D("20.003"), D("10.004"), D("5.003")], D("35.01")) == [
        D("20.00"),
        D("10.01"),
        D("5.00"),
    ]
    assert sc.apportion([None, D("1.005")], D("1.005")) == [None, D("1.01")]


def test_zero_policy_shows_the_missing_groups_weight():
    scores = {("g1", "s", "c"): [80]}
    s = sc.compute(
        two_group_config(sc.MISSING_ZERO), [Subject("s", "s")], scores=scores
    ).subjects[0]
    present, missing = s.criteria[0].cells
    assert (present.weight_used, present.counted_as_zero) == (D(60), False)
    assert (missing.value, missing.weight_used, missing.counted_as_zero) == (
        None,
        D(40),
        True,
    )
    renorm = sc.compute(
        two_group_config(sc.MISSING_RENORMALISE), [Subject("s", "s")], scores=scores
    ).subjects[0]
    assert renorm.criteria[0].cells[1].counted_as_zero is False
    assert renorm.criteria[0].cells[1].weight_used == 0


def survey_config(policy):
    criteria = (
        Criterion("eco", "eco", D(80)),
        Criterion("sat", "满意率", D(20), source=sc.SOURCE_SURVEY),
    )
    groups = (Group("g", "g", D(100), ("eco",)),)
    return Config(criteria=criteria, groups=groups, missing_policy=policy)


@pytest.mark.parametrize(
    ("policy", "total"), [(sc.MISSING_RENORMALISE, D(70)), (sc.MISSING_ZERO, D(56))]
)
def test_insufficient_survey_sample_is_flagged_and_handled_by_the_policy(policy, total):
    s = sc.compute(
        survey_config(policy),
        [Subject("s", "s")],
        scores={("g", "s", "eco"): [70]},
        surveys={("s", "sat"): SurveyValue(None, 12, insufficient=True, minimum=30)},
    ).subjects[0]
    assert s.total == total  # 70 rescaled, or 80 × 70 / 100 with sat as 0
    sat = s.criteria[1]
    assert sat.value is None and sat.n == 12 and sat.insufficient
    assert sat.counted_as_zero is (policy == sc.MISSING_ZERO)
    assert [(w.code, w.n, w.minimum) for w in s.warnings] == [
        (sc.W_INSUFFICIENT_SAMPLE, 12, 30),
        (sc.W_MISSING_CRITERION, 0, 0),
    ]
    assert ("survey", "sat") not in s.contributions
    assert s.rank == 1


def test_values_too_long_to_add_exactly_are_refused_with_their_cell():
    # Exact arithmetic adds raw values without rounding; 5 + 1e-5000 would need
    # 5,001 digits, so it is refused, naming the cell, instead of rounded.
    scores = {("g", "s", "c"): [5, D("1e-5000")]}
    with pytest.raises(ScoringInputError, match="too many digits") as exc:
        sc.compute(one_criterion(), [Subject("s", "城关镇")], scores=scores)
    assert "g / 城关镇 / c" in str(exc.value)
