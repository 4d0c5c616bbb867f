"""The Decimal scoring implementation before issue 17, kept verbatim as an oracle.

Copied from ``wagtail_pilots/scorecards/scoring.py`` at commit 9760a31: every
figure computed in ``decimal`` at 34 significant digits, rounded after each
step. ``test_scoring_reference.py`` checks the exact-arithmetic implementation
against it on random scorecards. Only the module docstring differs.
"""

from __future__ import annotations

import decimal
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeAlias, overload

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DISPLAY_PLACES = 2
#: Comparisons (gates, ties) are made at the displayed precision.
TIE_PLACES = Decimal(1).scaleb(-DISPLAY_PLACES)
CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)

KIND_SCORES = "scores"
KIND_VOTES = "votes"
KINDS = (KIND_SCORES, KIND_VOTES)

AGG_MEAN = "mean"
AGG_TRIMMED = "trimmed"
AGG_MEDIAN = "median"
AGGREGATIONS = (AGG_MEAN, AGG_TRIMMED, AGG_MEDIAN)

SOURCE_BALLOTS = "ballots"
SOURCE_SURVEY = "survey"
SOURCES = (SOURCE_BALLOTS, SOURCE_SURVEY)

MISSING_RENORMALISE = "renormalise"
MISSING_ZERO = "zero"
MISSING_POLICIES = (MISSING_RENORMALISE, MISSING_ZERO)

TIE_BREAK_CRITERIA = "criteria"
TIE_BREAK_GROUPS = "groups"
TIE_BREAK_ORDER = "order"
TIE_BREAKS = (TIE_BREAK_CRITERIA, TIE_BREAK_GROUPS, TIE_BREAK_ORDER)

GATE_GROUP = "group"
GATE_CRITERION = "criterion"

# Warning codes (the admin and exports turn them into translated sentences).
W_MISSING_GROUP = "missing_group"
W_MISSING_CRITERION = "missing_criterion"
W_BELOW_MINIMUM = "below_minimum"
W_SMALL_N = "small_n"
W_TOO_FEW_TO_TRIM = "too_few_to_trim"
W_NO_DATA = "no_data"
W_TIE = "tie"
W_INSUFFICIENT_SAMPLE = "insufficient_sample"

# Exclusion codes.
X_GATE = "gate"
X_NO_DATA = "no_data"


#: What the arithmetic accepts as a number (SQL gives int or Decimal).
Number: TypeAlias = Decimal | int | float | str
#: A score group's cell: raw values in the criterion's range, or their aggregates.
CellData: TypeAlias = "Sequence[object] | ScoreSummary"
ScoreKey: TypeAlias = tuple[Hashable, Hashable, Hashable]  # (group, subject, criterion)
VoteKey: TypeAlias = tuple[Hashable, Hashable]  # (group, subject)
SurveyKey: TypeAlias = tuple[Hashable, Hashable]  # (subject, criterion)


class ScoringInputError(ValueError):
    """Bad configuration or data. ``where`` names the offending item."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


# --------------------------------------------------------------------------
# Configuration and data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    key: Hashable
    name: str
    weight: Decimal
    minimum: Decimal = ZERO
    maximum: Decimal = HUNDRED
    source: str = SOURCE_BALLOTS


@dataclass(frozen=True)
class Group:
    key: Hashable
    name: str
    weight: Decimal
    criteria: Sequence[Hashable] = ()
    kind: str = KIND_SCORES
    aggregation: str = AGG_MEAN
    trim: int = 0
    min_ballots: int = 0


@dataclass(frozen=True)
class Gate:
    target: str  # GATE_GROUP or GATE_CRITERION
    key: Hashable
    threshold: Decimal


@dataclass(frozen=True)
class Subject:
    key: Hashable
    name: str


@dataclass(frozen=True)
class Config:
    criteria: Sequence[Criterion]
    groups: Sequence[Group]
    gates: Sequence[Gate] = ()
    shortlist: int = 0
    bottom: int = 0
    tie_break: str = TIE_BREAK_CRITERIA
    missing_policy: str = MISSING_RENORMALISE
    small_n: int = 0


@dataclass(frozen=True)
class VoteCounts:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class ScoreSummary:
    """A mean group's cell as SQL aggregates: count, sum, min and max of raw values.

    Enough for the mean (mapping to 0–100 is linear) and for range checks, without
    fetching the values themselves.
    """

    n: int
    total: Decimal
    minimum: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class SurveyValue:
    """A survey's own result for one subject: its rate (or index) 0–100 and n.

    ``insufficient`` is the survey's verdict that ``n`` is below its minimum
    sample (``minimum``); such a value is not used (``value`` may be None).
    """

    value: Decimal | None  # 0–100
    n: int
    insufficient: bool = False
    minimum: int = 0


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Warning_:
    code: str
    group: Hashable = None
    criterion: Hashable = None
    n: int = 0
    minimum: int = 0


@dataclass
class Cell:
    group: Hashable
    criterion: Hashable
    n: int
    value: Decimal | None  # A(g, c, s) on 0–100, None when the group is missing
    weight_used: Decimal  # the group's weight rescaled for this criterion (%)
    votes: VoteCounts | None = None
    counted_as_zero: bool = False  # missing, counted as 0 under the "zero" policy


@dataclass
class CriterionResult:
    criterion: Hashable
    value: Decimal | None
    n: int
    source: str
    cells: list[Cell] = field(default_factory=lambda: list[Cell]())
    counted_as_zero: bool = False  # no value, counted as 0 under the "zero" policy
    insufficient: bool = False  # a survey result below its minimum sample


@dataclass
class GateResult:
    gate: Gate
    value: Decimal | None
    passed: bool


@dataclass
class SubjectResult:
    subject: Subject
    criteria: list[CriterionResult] = field(
        default_factory=lambda: list[CriterionResult]()
    )
    total: Decimal | None = None
    contributions: dict[Hashable, Decimal] = field(
        default_factory=lambda: dict[Hashable, Decimal]()
    )
    # group key or criterion → pts
    gates: list[GateResult] = field(default_factory=lambda: list[GateResult]())
    excluded: bool = False
    exclusions: list[tuple[str, GateResult | None]] = field(
        default_factory=lambda: list[tuple[str, GateResult | None]]()
    )
    # (code, GateResult | None)
    rank: int | None = None
    tied: bool = False
    tied_with: list[Hashable] = field(default_factory=lambda: list[Hashable]())
    tie_broken: bool | None = None  # None when not tied
    shortlisted: bool = False
    bottom: bool = False
    shortlist_undecided: bool = False
    bottom_undecided: bool = False
    warnings: list[Warning_] = field(default_factory=lambda: list[Warning_]())
    group_scores: dict[Hashable, Decimal] = field(
        default_factory=lambda: dict[Hashable, Decimal]()
    )

    @property
    def key(self) -> Hashable:
        return self.subject.key

    def cell(self, group: Hashable, criterion: Hashable) -> Cell | None:
        for c in self.criteria:
            if c.criterion == criterion:
                for cell in c.cells:
                    if cell.group == group:
                        return cell
        return None


@dataclass
class Result:
    config: Config
    subjects: list[
        SubjectResult
    ]  # ranked first (by rank), then excluded/unranked in given order

    @property
    def ranked(self) -> list[SubjectResult]:
        return [s for s in self.subjects if s.rank is not None]

    @property
    def excluded(self) -> list[SubjectResult]:
        return [s for s in self.subjects if s.rank is None]


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def to_decimal(value: object, *, where: str = "") -> Decimal:
    """A finite Decimal from an int, a Decimal, a float or a numeric string.

    NaN, infinities (including ``1e999`` as a float, which overflows to infinity)
    and booleans are refused with a message naming ``where``.
    """
    if isinstance(value, bool) or value is None:
        raise ScoringInputError(f"{value!r} is not a number", where=where)
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, str):
            number = Decimal(value.strip())
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        else:
            raise TypeError(value)
    except (decimal.InvalidOperation, TypeError, ValueError):
        raise ScoringInputError(f"{value!r} is not a number", where=where) from None
    if not number.is_finite():
        raise ScoringInputError(f"{value!r} is not a finite number", where=where)
    return number


def _count(value: object, *, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScoringInputError(
            f"{value!r} is not a whole number of 0 or more", where=where
        )
    return value


def validate_config(config: Config) -> None:
    """Raise :class:`ScoringInputError` if the configuration cannot be computed."""
    if not config.criteria:
        raise ScoringInputError("a scorecard needs at least one criterion")
    keys = [c.key for c in config.criteria]
    if len(set(keys)) != len(keys):
        raise ScoringInputError("criteria keys must be unique")
    total_w = ZERO
    for c in config.criteria:
        where = f"criterion {c.name}"
        w = to_decimal(c.weight, where=where)
        if w < 0:
            raise ScoringInputError("weight is negative", where=where)
        total_w += w
        lo = to_decimal(c.minimum, where=where)
        hi = to_decimal(c.maximum, where=where)
        if lo >= hi:
            raise ScoringInputError("range minimum must be below maximum", where=where)
        if c.source not in SOURCES:
            raise ScoringInputError(f"unknown source {c.source!r}", where=where)
    if total_w != HUNDRED:
        raise ScoringInputError(f"criteria weights add up to {total_w}, not 100")
    gkeys = [g.key for g in config.groups]
    if len(set(gkeys)) != len(gkeys):
        raise ScoringInputError("group keys must be unique")
    total_u = ZERO
    ckeys = set(keys)
    for g in config.groups:
        where = f"group {g.name}"
        u = to_decimal(g.weight, where=where)
        if u < 0:
            raise ScoringInputError("weight is negative", where=where)
        total_u += u
        if g.kind not in KINDS:
            raise ScoringInputError(f"unknown kind {g.kind!r}", where=where)
        if g.aggregation not in AGGREGATIONS:
            raise ScoringInputError(
                f"unknown aggregation {g.aggregation!r}", where=where
            )
        _count(g.trim, where=where)
        _count(g.min_ballots, where=where)
        for ck in g.criteria:
            if ck not in ckeys:
                raise ScoringInputError(f"scores unknown criterion {ck!r}", where=where)
    if config.groups and total_u != HUNDRED:
        raise ScoringInputError(f"group weights add up to {total_u}, not 100")
    for c in config.criteria:
        if c.source == SOURCE_BALLOTS and not any(
            c.key in g.criteria for g in config.groups
        ):
            raise ScoringInputError(
                "no evaluator group scores this criterion", where=f"criterion {c.name}"
            )
    for gate in config.gates:
        pool = gkeys if gate.target == GATE_GROUP else keys
        if gate.target not in (GATE_GROUP, GATE_CRITERION) or gate.key not in pool:
            raise ScoringInputError(f"gate points at nothing ({gate.key!r})")
        to_decimal(gate.threshold, where="gate threshold")
    _count(config.shortlist, where="shortlist")
    _count(config.bottom, where="bottom")
    _count(config.small_n, where="small n")
    if config.tie_break not in TIE_BREAKS:
        raise ScoringInputError(f"unknown tie-break rule {config.tie_break!r}")
    if config.missing_policy not in MISSING_POLICIES:
        raise ScoringInputError(
            f"unknown missing-group policy {config.missing_policy!r}"
        )


# --------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------


def to_percent(value: object, criterion: Criterion, *, where: str = "") -> Decimal:
    """Map a raw value to 0–100 from the criterion's range; refuse out-of-range."""
    number = to_decimal(value, where=where)
    lo, hi = Decimal(criterion.minimum), Decimal(criterion.maximum)
    if number < lo or number > hi:
        raise ScoringInputError(
            f"{number} is outside the range {lo}–{hi} of {criterion.name}",
            where=where,
        )
    with decimal.localcontext(CONTEXT):
        return (number - lo) / (hi - lo) * HUNDRED


def median(values: Sequence[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return ordered[mid]
    with decimal.localcontext(CONTEXT):
        return (ordered[mid - 1] + ordered[mid]) / 2


def mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    with decimal.localcontext(CONTEXT):
        return sum(values, ZERO) / len(values)


def trimmed_mean(values: Sequence[Decimal], k: int) -> Decimal | None:
    """Mean after dropping the k highest and k lowest; the median if n ≤ 2k."""
    if len(values) <= 2 * k:
        return median(values)
    ordered = sorted(values)
    return mean(ordered[k : len(ordered) - k] if k else ordered)


def aggregate(values: Sequence[Decimal], group: Group) -> Decimal | None:
    if group.aggregation == AGG_MEDIAN:
        return median(values)
    if group.aggregation == AGG_TRIMMED:
        return trimmed_mean(values, group.trim)
    return mean(values)


def vote_share(votes: VoteCounts) -> Decimal | None:
    """yes ÷ ballots cast × 100, or None when nobody voted."""
    if votes.cast == 0:
        return None
    with decimal.localcontext(CONTEXT):
        return Decimal(votes.yes) / Decimal(votes.cast) * HUNDRED


def std_dev(n: int, total: Number, total_squares: Number) -> Decimal | None:
    """Population standard deviation from SQL aggregates (count, Σx, Σx²)."""
    if not n:
        return None
    with decimal.localcontext(CONTEXT):
        count = Decimal(n)
        m = Decimal(total) / count
        variance = Decimal(total_squares) / count - m * m
        if variance <= 0:
            return ZERO
        return variance.sqrt()


def outliers(
    values: Mapping[Hashable, Number], *, threshold: Decimal = Decimal(2)
) -> list[Hashable]:
    """Keys whose value is more than ``threshold`` standard deviations from the
    mean of the others (leave-one-out, so one extreme evaluator cannot hide by
    inflating the deviation it is measured against). Needs at least 3 values."""
    if len(values) < 3:
        return []
    result: list[Hashable] = []
    with decimal.localcontext(CONTEXT):
        for key, value in values.items():
            rest = [Decimal(v) for k, v in values.items() if k != key]
            n = len(rest)
            m = sum(rest, ZERO) / n
            sd = std_dev(n, sum(rest, ZERO), sum((v * v for v in rest), ZERO))
            distance = abs(Decimal(value) - m)
            if (sd == 0 and distance > 0) or (sd and distance > threshold * sd):
                result.append(key)
    return result


def _cell_from_data(
    group: Group,
    criterion: Criterion,
    subject: Subject,
    data: CellData | None,
    *,
    where: str,
) -> tuple[int, Decimal | None]:
    """(n, A) for a score group cell from values or a :class:`ScoreSummary`."""
    if data is None:
        return 0, None
    if isinstance(data, ScoreSummary):
        n = _count(data.n, where=where)
        if n == 0:
            return 0, None
        for bound in (data.minimum, data.maximum):
            to_percent(bound, criterion, where=where)
        total = to_decimal(data.total, where=where)
        # The mean of mapped values is the mapped mean (the mapping is linear);
        # one division keeps the result as exact as mapping each value.
        lo, hi = Decimal(criterion.minimum), Decimal(criterion.maximum)
        with decimal.localcontext(CONTEXT):
            return n, (total - n * lo) * HUNDRED / (n * (hi - lo))
    mapped = [to_percent(v, criterion, where=where) for v in data]
    if not mapped:
        return 0, None
    return len(mapped), aggregate(mapped, group)


# --------------------------------------------------------------------------
# compute()
# --------------------------------------------------------------------------


def compute(
    config: Config,
    subjects: Sequence[Subject],
    *,
    scores: Mapping[ScoreKey, CellData] | None = None,
    votes: Mapping[VoteKey, VoteCounts] | None = None,
    surveys: Mapping[SurveyKey, SurveyValue] | None = None,
) -> Result:
    """Compute every subject's breakdown, total, gates, rank and flags.

    ``scores``: ``{(group, subject, criterion): [values] | ScoreSummary}``
    for score groups, raw values in the criterion's range.
    ``votes``: ``{(group, subject): VoteCounts}`` for vote groups.
    ``surveys``: ``{(subject, criterion): SurveyValue}`` for survey criteria.
    Keys that name an unknown group, subject or criterion are refused.
    """
    validate_config(config)
    scores = scores or dict[ScoreKey, CellData]()
    votes = votes or dict[VoteKey, VoteCounts]()
    surveys = surveys or dict[SurveyKey, SurveyValue]()
    crit_by_key = {c.key: c for c in config.criteria}
    group_by_key = {g.key: g for g in config.groups}
    subject_keys = [s.key for s in subjects]
    if len(set(subject_keys)) != len(subject_keys):
        raise ScoringInputError("subject keys must be unique")
    known_subjects = set(subject_keys)
    _check_keys(scores, votes, surveys, crit_by_key, group_by_key, known_subjects)

    results: list[SubjectResult] = []
    for subject in subjects:
        results.append(
            _subject_result(
                config, subject, crit_by_key, group_by_key, scores, votes, surveys
            )
        )
    _rank(config, results)
    order = {k: i for i, k in enumerate(subject_keys)}
    results.sort(
        key=lambda r: (r.rank is None, r.rank or 0, order[r.subject.key]),
    )
    return Result(config=config, subjects=results)


def _check_keys(
    scores: Mapping[ScoreKey, CellData],
    votes: Mapping[VoteKey, VoteCounts],
    surveys: Mapping[SurveyKey, SurveyValue],
    crit_by_key: Mapping[Hashable, Criterion],
    group_by_key: Mapping[Hashable, Group],
    subjects: set[Hashable],
) -> None:
    for key in scores:
        g, s, c = key
        group = group_by_key.get(g)
        if group is None or group.kind != KIND_SCORES:
            raise ScoringInputError(f"unknown score group {g!r}", where=str(key))
        if s not in subjects:
            raise ScoringInputError(f"unknown subject {s!r}", where=str(key))
        if c not in group.criteria:
            raise ScoringInputError(
                f"group {group.name} does not score criterion {c!r}", where=str(key)
            )
    for key, counts in votes.items():
        g, s = key
        group = group_by_key.get(g)
        if group is None or group.kind != KIND_VOTES:
            raise ScoringInputError(f"unknown vote group {g!r}", where=str(key))
        if s not in subjects:
            raise ScoringInputError(f"unknown subject {s!r}", where=str(key))
        for name in ("yes", "no", "abstain"):
            _count(getattr(counts, name), where=f"{key} {name}")
    for key, value in surveys.items():
        s, c = key
        criterion = crit_by_key.get(c)
        if criterion is None or criterion.source != SOURCE_SURVEY:
            raise ScoringInputError(f"unknown survey criterion {c!r}", where=str(key))
        if s not in subjects:
            raise ScoringInputError(f"unknown subject {s!r}", where=str(key))
        _count(value.n, where=str(key))
        if value.insufficient:
            _count(value.minimum, where=str(key))
            continue
        number = to_decimal(value.value, where=str(key))
        if number < 0 or number > HUNDRED:
            raise ScoringInputError(f"{number} is outside 0–100", where=str(key))


def _subject_result(
    config: Config,
    subject: Subject,
    crit_by_key: Mapping[Hashable, Criterion],
    group_by_key: Mapping[Hashable, Group],
    scores: Mapping[ScoreKey, CellData],
    votes: Mapping[VoteKey, VoteCounts],
    surveys: Mapping[SurveyKey, SurveyValue],
) -> SubjectResult:
    res = SubjectResult(subject=subject)
    renormalise = config.missing_policy == MISSING_RENORMALISE
    warnings = res.warnings
    # Each group's A per criterion (for group gates and contributions).
    group_values: dict[Hashable, list[tuple[Criterion, Decimal]]] = {}
    criterion_values: dict[Hashable, Decimal] = {}  # criterion key -> V
    contributions_raw: dict[
        Hashable, Decimal
    ] = {}  # group key or ("survey", c) -> Σ w_c u_g A / Σu (pts*100)

    for criterion in config.criteria:
        cres = CriterionResult(
            criterion=criterion.key, value=None, n=0, source=criterion.source
        )
        res.criteria.append(cres)
        if criterion.source == SOURCE_SURVEY:
            sv = surveys.get((subject.key, criterion.key))
            if sv is not None and sv.insufficient:
                cres.n = sv.n
                cres.insufficient = True
                warnings.append(
                    Warning_(
                        W_INSUFFICIENT_SAMPLE,
                        criterion=criterion.key,
                        n=sv.n,
                        minimum=sv.minimum,
                    )
                )
            elif sv is not None and sv.value is not None:
                survey_value = Decimal(sv.value)
                cres.value = survey_value
                cres.n = sv.n
                if config.small_n and sv.n < config.small_n:
                    warnings.append(
                        Warning_(
                            W_SMALL_N,
                            criterion=criterion.key,
                            n=sv.n,
                            minimum=config.small_n,
                        )
                    )
                criterion_values[criterion.key] = survey_value
                contributions_raw[("survey", criterion.key)] = (
                    Decimal(criterion.weight) * survey_value
                )
            continue
        scoring_groups = [g for g in config.groups if criterion.key in g.criteria]
        present: list[tuple[Group, Cell, Decimal]] = []
        for group in scoring_groups:
            where = f"{group.name} / {subject.name} / {criterion.name}"
            counts: VoteCounts | None = None
            if group.kind == KIND_VOTES:
                counts = votes.get((group.key, subject.key)) or VoteCounts()
                n, value = counts.cast, vote_share(counts)
            else:
                n, value = _cell_from_data(
                    group,
                    criterion,
                    subject,
                    scores.get((group.key, subject.key, criterion.key)),
                    where=where,
                )
                if group.aggregation == AGG_TRIMMED and 0 < n <= 2 * group.trim:
                    warnings.append(
                        Warning_(
                            W_TOO_FEW_TO_TRIM,
                            group=group.key,
                            criterion=criterion.key,
                            n=n,
                            minimum=2 * group.trim + 1,
                        )
                    )
            cell = Cell(
                group=group.key,
                criterion=criterion.key,
                n=n,
                value=value,
                weight_used=ZERO,
                votes=counts,
            )
            cres.cells.append(cell)
            cres.n += n
            if value is None:
                warnings.append(
                    Warning_(W_MISSING_GROUP, group=group.key, criterion=criterion.key)
                )
                continue
            present.append((group, cell, value))
            group_values.setdefault(group.key, []).append((criterion, value))
            if group.min_ballots and n < group.min_ballots:
                warnings.append(
                    Warning_(
                        W_BELOW_MINIMUM,
                        group=group.key,
                        criterion=criterion.key,
                        n=n,
                        minimum=group.min_ballots,
                    )
                )
            if config.small_n and n < config.small_n:
                warnings.append(
                    Warning_(
                        W_SMALL_N,
                        group=group.key,
                        criterion=criterion.key,
                        n=n,
                        minimum=config.small_n,
                    )
                )
        if renormalise:
            denominator = sum((Decimal(g.weight) for g, _, _ in present), ZERO)
        else:
            denominator = sum((Decimal(g.weight) for g in scoring_groups), ZERO)
        if not present or denominator == 0:
            continue
        with decimal.localcontext(CONTEXT):
            if not renormalise:
                for g, cell in zip(scoring_groups, cres.cells, strict=True):
                    if cell.value is None:
                        cell.counted_as_zero = True
                        cell.weight_used = Decimal(g.weight) / denominator * HUNDRED
            numerator = sum((Decimal(g.weight) * a for g, _, a in present), ZERO)
            criterion_value = numerator / denominator
            cres.value = criterion_value
            for g, cell, a in present:
                cell.weight_used = Decimal(g.weight) / denominator * HUNDRED
                contributions_raw[g.key] = contributions_raw.get(g.key, ZERO) + (
                    Decimal(criterion.weight) * Decimal(g.weight) * a / denominator
                )
        criterion_values[criterion.key] = criterion_value

    # Total.
    for criterion, cres in zip(config.criteria, res.criteria, strict=True):
        if criterion.key not in criterion_values:
            warnings.append(Warning_(W_MISSING_CRITERION, criterion=criterion.key))
            cres.counted_as_zero = not renormalise and bool(criterion_values)
    if criterion_values:
        if renormalise:
            weight_present = sum(
                (Decimal(crit_by_key[k].weight) for k in criterion_values), ZERO
            )
        else:
            weight_present = HUNDRED
        if weight_present > 0:
            with decimal.localcontext(CONTEXT):
                res.total = (
                    sum(
                        (
                            Decimal(crit_by_key[k].weight) * v
                            for k, v in criterion_values.items()
                        ),
                        ZERO,
                    )
                    / weight_present
                )
                res.contributions = {
                    k: v / weight_present for k, v in contributions_raw.items()
                }
    # Group scores (for group gates and display).
    with decimal.localcontext(CONTEXT):
        for gkey, pairs in group_values.items():
            wsum = sum((Decimal(c.weight) for c, _ in pairs), ZERO)
            if wsum > 0:
                res.group_scores[gkey] = (
                    sum((Decimal(c.weight) * a for c, a in pairs), ZERO) / wsum
                )
            else:
                res.group_scores[gkey] = sum((a for _, a in pairs), ZERO) / len(pairs)

    # Gates.
    for gate in config.gates:
        if gate.target == GATE_GROUP:
            value = res.group_scores.get(gate.key)
        else:
            value = criterion_values.get(gate.key)
        passed = value is not None and shown(value) >= shown(gate.threshold)
        gr = GateResult(gate=gate, value=value, passed=passed)
        res.gates.append(gr)
        if not passed:
            res.excluded = True
            res.exclusions.append((X_GATE, gr))
    if res.total is None:
        res.excluded = True
        res.exclusions.append((X_NO_DATA, None))
        warnings.append(Warning_(W_NO_DATA))
    return res


def _tie_key(config: Config, result: SubjectResult) -> tuple[tuple[int, Decimal], ...]:
    """Secondary sort values (higher first) for the tie-break rule, compared at
    the displayed precision like the totals."""
    if config.tie_break == TIE_BREAK_CRITERIA:
        ordered = sorted(
            enumerate(config.criteria), key=lambda p: (-Decimal(p[1].weight), p[0])
        )
        values = {c.criterion: c.value for c in result.criteria}
        return tuple(_neg(values.get(c.key)) for _, c in ordered)
    if config.tie_break == TIE_BREAK_GROUPS:
        ordered = sorted(
            enumerate(config.groups), key=lambda p: (-Decimal(p[1].weight), p[0])
        )
        return tuple(_neg(result.contributions.get(g.key)) for _, g in ordered)
    return ()


def _neg(value: Decimal | None) -> tuple[int, Decimal]:
    # Missing sorts after any value.
    return (1, ZERO) if value is None else (0, -shown(value))


def _rank(config: Config, results: list[SubjectResult]) -> None:
    # An excluded subject is not ranked; one without a total is always excluded.
    eligible: list[tuple[int, SubjectResult]] = []
    comparable: dict[int, Decimal] = {}
    for i, r in enumerate(results):
        if not r.excluded and r.total is not None:
            eligible.append((i, r))
            comparable[id(r)] = shown(r.total)
    by_order = config.tie_break == TIE_BREAK_ORDER

    def sort_key(
        pair: tuple[int, SubjectResult],
    ) -> tuple[Decimal, tuple[tuple[int, Decimal], ...], int]:
        index, r = pair
        return (-comparable[id(r)], _tie_key(config, r), index)

    eligible.sort(key=sort_key)
    by_total: dict[Decimal, list[SubjectResult]] = {}
    for _, r in eligible:
        by_total.setdefault(comparable[id(r)], []).append(r)
    for members in by_total.values():
        if len(members) > 1:
            keys = [_tie_key(config, m) for m in members]
            for r, key in zip(members, keys, strict=True):
                r.tied = True
                r.tied_with = [m.subject.key for m in members if m is not r]
                r.tie_broken = by_order or keys.count(key) == 1
                r.warnings.append(Warning_(W_TIE))
    # Blocks of positions the stated rule cannot order: they share a rank.
    blocks: list[list[tuple[int, SubjectResult]]] = []
    for index, (_, r) in enumerate(eligible):
        if (
            blocks
            and not by_order
            and comparable[id(r)] == comparable[id(blocks[-1][-1][1])]
            and _tie_key(config, r) == _tie_key(config, blocks[-1][-1][1])
        ):
            blocks[-1].append((index + 1, r))
        else:
            blocks.append([(index + 1, r)])
    count = len(eligible)
    shortlist = min(config.shortlist, count)
    # The bottom flag never reaches into the shortlist.
    bottom_from = max(count - config.bottom, shortlist) if config.bottom else count
    for block in blocks:
        first, last = block[0][0], block[-1][0]
        for _position, r in block:
            r.rank = first
            if shortlist and first <= shortlist:
                if last <= shortlist:
                    r.shortlisted = True
                else:
                    r.shortlist_undecided = True
            if last > bottom_from:
                if first > bottom_from:
                    r.bottom = True
                elif not r.shortlisted:
                    r.bottom_undecided = True


def apportion(
    parts: Sequence[Number | None],
    total: Number | None,
    places: int = DISPLAY_PLACES,
) -> list[Decimal | None]:
    """Round ``parts`` so that they add up to ``display(total)`` (largest
    remainder): each part is rounded down, then the units still missing go to the
    parts with the largest remainders (the earlier part first on equal ones).

    ``None`` parts stay ``None``. For non-negative parts whose exact sum is
    ``total`` — the points each group contributes to a subject's total — every
    rounded part differs from its exact value by less than one unit.
    """
    quantum = Decimal(1).scaleb(-places)
    target = display(total, places)
    known = [(i, Decimal(p)) for i, p in enumerate(parts) if p is not None]
    result: list[Decimal | None] = [None] * len(parts)
    if target is None or not known:
        return [display(p, places) for p in parts]
    floors = {i: p.quantize(quantum, rounding=decimal.ROUND_FLOOR) for i, p in known}
    missing = int((target - sum(floors.values(), ZERO)) / quantum)
    if missing < 0 or missing > len(known):
        # The parts do not add up to the total: plain rounding, nothing forced.
        return [display(p, places) for p in parts]
    by_remainder = sorted(known, key=lambda ip: (-(ip[1] - floors[ip[0]]), ip[0]))
    for i, _p in by_remainder[:missing]:
        floors[i] += quantum
    for i, value in floors.items():
        result[i] = value
    return result


# --------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------


@overload
def shown(value: None, places: int = DISPLAY_PLACES) -> None: ...
@overload
def shown(value: Number, places: int = DISPLAY_PLACES) -> Decimal: ...
def shown(value: Number | None, places: int = DISPLAY_PLACES) -> Decimal | None:
    """The value as displayed (half up): what every comparison uses."""
    return display(value, places)


def display(value: Number | None, places: int = 2) -> Decimal | None:
    """Round half up (四舍五入) for display or export; ``None`` stays ``None``."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(quantum, rounding=decimal.ROUND_HALF_UP)
