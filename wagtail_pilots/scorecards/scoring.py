"""The scorecard arithmetic: pure, exact, deterministic; standard library only.

This module implements docs/design.md "Scorecard" and nothing else. Selectors fetch the
per-(group, subject, criterion) figures in SQL and hand them to :func:`compute`;
views, exports and snapshots only ever show what :func:`compute` returned.

Definitions (u = group weight, w = criterion weight):

* A value is mapped to 0–100 from its criterion's range:
  ``(value - min) / (max - min) × 100``.
* A(g, c, s), a score group's aggregate: mean, trimmed mean (drop the k highest
  and k lowest) or median of the mapped values. A cell with too few values to
  trim k from each end falls back to the median (what trimming converges to) and
  is flagged.
* A(g, c, s) in a vote group = yes ÷ ballots cast in that group for that subject
  × 100 — a share with the group's own denominator, never a raw count.
* V(c, s) = Σ u_g A(g, c, s) ÷ Σ u_g over the groups that score c. When a group
  has no ballots for s, the scorecard's policy applies: ``renormalise`` sums over
  the groups present, ``zero`` counts the group as 0; both are flagged.
  A survey criterion's V is the survey's rate or index (already 0–100), as the
  survey itself computed it; a survey result on an insufficient sample has no
  value here (it is flagged and handled by the missing-group policy).
* total(s) = Σ w_c V(c, s) ÷ 100. A criterion with no value at all for s is
  handled by the same policy (``renormalise`` divides by Σ w_c over the criteria
  present instead of 100; ``zero`` counts it as 0), flagged. A subject with no
  value on any criterion has no total and is not ranked.
* Every comparison is made on the figure as it is displayed — rounded half up to
  :data:`DISPLAY_PLACES` decimals (:func:`shown`) — so what is published always
  agrees with the decision: a gate never says "60.00 is below 60.00" and two
  totals that both read 82.98 are a tie.
* Gates compare a group's score (its share for a vote group; the criterion-weighted
  mean of its A for a score group) or a criterion's V with a threshold:
  ``shown(value) ≥ shown(threshold)`` passes. A subject failing any gate is
  excluded from the ranking, with the reason.
* Ranking: by shown total, descending. Equal shown totals are flagged as ties and
  ordered by the stated rule (``criteria``: the shown V of the heaviest criterion
  first; ``groups``: the shown points of the heaviest group first; ``order``: the
  order subjects were given in). Subjects the rule does not separate stay tied:
  they share one rank (1, 1, 3 …).
* Shortlist = the first N positions, bottom flag = the last K positions, and a
  subject is never both: the bottom flag only falls on positions after the
  shortlist. A tie the rule does not break that straddles the shortlist or the
  bottom boundary is not decided by list order: every subject of it is marked
  "undecided" for that flag instead.

Nothing is rounded on the way. :func:`compute` keeps every figure as an exact
ratio of two integers, built from the exact decimal inputs, and turns it into a
``Decimal`` once, at the end, correctly rounded to 34 significant digits
(:func:`exact_decimal`); comparisons use that figure as shown. Round half up to 2
places only when displaying or exporting (:func:`display`). :func:`apportion`
rounds a total's parts so that they add up to the rounded total. (Until issue 17
each step was rounded to 34 digits, which could leave an exact half cent such as
23.365 at 23.36499… and show 23.36.)
"""

from __future__ import annotations

import decimal
import gc
from collections.abc import Callable, Generator, Hashable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from math import gcd
from typing import Any, TypeAlias, overload

from .. import decimals

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DISPLAY_PLACES = decimals.DISPLAY_PLACES
#: Comparisons (gates, ties) are made at the displayed precision.
TIE_PLACES = decimals.quantum(DISPLAY_PLACES)
CONTEXT = decimals.CONTEXT

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
W_QUORUM = "quorum"

# Exclusion codes.
X_GATE = "gate"
X_NO_DATA = "no_data"


#: What the arithmetic accepts as a number (SQL gives int or Decimal).
Number: TypeAlias = decimals.Number
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
    #: The share of the electorate that must vote, as an exact fraction
    #: ``(numerator, denominator)`` (see :func:`parse_quorum`); None for none.
    quorum: tuple[int, int] | None = None
    #: ``{(group, subject): expected headcount}``: who may vote on each subject
    #: in each group (its electorate). Only these cells have a turnout to check.
    electorates: Mapping[VoteKey, int] = field(
        default_factory=lambda: dict[VoteKey, int]()
    )


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


#: A cell of :class:`ScaledScores`: SQL's ``(count, sum, minimum, maximum)`` of a
#: mean group's values, or the values themselves for a trimmed-mean or median
#: group, every number an integer in units of ``10**-places``.
ScaledCell: TypeAlias = "tuple[int, int, int, int] | list[int]"


@dataclass(frozen=True)
class ScaledScores:
    """The score groups' cells as scaled integers: ``cells`` maps
    ``(group, subject, criterion)`` to a :data:`ScaledCell` in units of
    ``10**-places`` (a stored ballot value 7.25 with 4 places is 72500).

    What the selectors read from SQL: integers all the way, no ``Decimal`` per
    value; :func:`compute` gives the same figures as for the same cells given as
    :class:`ScoreSummary` or lists of values (:meth:`as_decimals`).
    """

    places: int
    cells: Mapping[ScoreKey, ScaledCell]

    def as_decimals(self) -> dict[ScoreKey, CellData]:
        """The same cells as Decimals: a :class:`ScoreSummary` for a summed cell,
        the ordered values otherwise (what the bundle's digest covers)."""
        places = -self.places
        result: dict[ScoreKey, CellData] = {}
        for key, cell in self.cells.items():
            if isinstance(cell, tuple):
                n, total, low, high = cell
                result[key] = ScoreSummary(
                    n,
                    Decimal(total).scaleb(places),
                    Decimal(low).scaleb(places),
                    Decimal(high).scaleb(places),
                )
            else:
                result[key] = [Decimal(v).scaleb(places) for v in sorted(cell)]
        return result


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


@dataclass(slots=True)
class Cell:
    group: Hashable
    criterion: Hashable
    n: int
    value: Decimal | None  # A(g, c, s) on 0–100, None when the group is missing
    weight_used: Decimal  # the group's weight rescaled for this criterion (%)
    votes: VoteCounts | None = None
    counted_as_zero: bool = False  # missing, counted as 0 under the "zero" policy


@dataclass(slots=True)
class CriterionResult:
    criterion: Hashable
    value: Decimal | None
    n: int
    source: str
    cells: list[Cell] = field(default_factory=lambda: list[Cell]())
    counted_as_zero: bool = False  # no value, counted as 0 under the "zero" policy
    insufficient: bool = False  # a survey result below its minimum sample


@dataclass(slots=True)
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
    _check_criteria(config)
    _check_groups(config)
    _check_gates(config)
    _check_settings(config)


def _check_criteria(config: Config) -> None:
    """At least one criterion; unique keys; weights ≥ 0 adding up to 100; a
    range with minimum below maximum; a known source."""
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


def _check_groups(config: Config) -> None:
    """Unique keys; weights ≥ 0 adding up to 100; known kind and aggregation;
    counts ≥ 0; only known criteria scored; every ballots criterion scored."""
    gkeys = [g.key for g in config.groups]
    if len(set(gkeys)) != len(gkeys):
        raise ScoringInputError("group keys must be unique")
    total_u = ZERO
    ckeys = {c.key for c in config.criteria}
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


def _check_gates(config: Config) -> None:
    """Every gate points at a known group or criterion, with a number."""
    gkeys = [g.key for g in config.groups]
    keys = [c.key for c in config.criteria]
    for gate in config.gates:
        pool = gkeys if gate.target == GATE_GROUP else keys
        if gate.target not in (GATE_GROUP, GATE_CRITERION) or gate.key not in pool:
            raise ScoringInputError(f"gate points at nothing ({gate.key!r})")
        to_decimal(gate.threshold, where="gate threshold")


def _check_settings(config: Config) -> None:
    """Shortlist, bottom flag, small n, quorum, electorates and the two rules."""
    _count(config.shortlist, where="shortlist")
    _count(config.bottom, where="bottom")
    _count(config.small_n, where="small n")
    if config.quorum is not None:
        num, den = config.quorum
        _count(num, where="quorum")
        _count(den, where="quorum")
        if not 0 < num <= den:
            raise ScoringInputError(f"quorum {num}/{den} is not between 0 and 1")
    gkeys = {g.key for g in config.groups}
    for key, expected in config.electorates.items():
        if key[0] not in gkeys:
            raise ScoringInputError(f"electorate of unknown group {key[0]!r}")
        _count(expected, where=f"electorate {key}")
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


# --------------------------------------------------------------------------
# Exact arithmetic
# --------------------------------------------------------------------------
#
# compute() never rounds on the way. Every figure is kept as an exact ratio of
# two Python integers (numerator, denominator) built from the exact decimal
# inputs, and becomes a Decimal once, at the end, correctly rounded to 34
# significant digits (:data:`CONTEXT`). Raw values are added as decimals in
# :data:`EXACT`, which refuses to round.

#: Adds raw values exactly; any rounding raises instead.
EXACT = decimal.Context(
    prec=4000,
    traps=[decimal.Inexact, decimal.InvalidOperation, decimal.Overflow],
)
# Integer ratios are reduced once their denominator grows past this many bits.
_REDUCE_BITS = 128
_NO_VOTES = VoteCounts()


def exact_decimal(numerator: int, denominator: int) -> Decimal:
    """The exact ratio ``numerator / denominator`` as a Decimal, rounded once
    (half even) to the 34 significant digits of :data:`CONTEXT`."""
    return CONTEXT.divide(Decimal(numerator), Decimal(denominator))


def _accumulate(acc: list[int], num: int, den: int) -> None:
    """``acc`` (a ``[numerator, denominator]`` list) += num / den, exactly."""
    a_num, a_den = acc
    if a_den == den:
        acc[0] = a_num + num
        return
    num = a_num * den + num * a_den
    den *= a_den
    if den.bit_length() > _REDUCE_BITS:
        common = gcd(num, den)
        num //= common
        den //= common
    acc[0] = num
    acc[1] = den


def _scaled(weights: Iterable[Number]) -> list[int]:
    """Integers proportional to ``weights`` (Decimals), exactly: each weight times
    the least common multiple of their denominators."""
    ratios = [Decimal(w).as_integer_ratio() for w in weights]
    scale = 1
    for _, den in ratios:
        scale = scale * den // gcd(scale, den)
    return [num * (scale // den) for num, den in ratios]


def _finite_decimal(value: object) -> Decimal | None:
    """``value`` if it is already a finite Decimal (the fast, common case)."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def _where(group: Group, subject: Subject, criterion: Criterion) -> str:
    return f"{group.name} / {subject.name} / {criterion.name}"


#: A group scoring a criterion: the group, its key, its scaled weight, whether it
#: votes, its aggregation, trim and minimum ballots, then the cell's warnings
#: shared by every subject: missing, and {n: warning} for too few to trim, below
#: the minimum and small n.
_Slot: TypeAlias = tuple[
    Group,
    Hashable,
    int,
    bool,
    str,
    int,
    int,
    Warning_,
    dict[int, Warning_],
    dict[int, Warning_],
    dict[int, Warning_],
]


#: A cell's A(g, c, s) on 0–100: the exact ratio (numerator, denominator) and
#: the Decimal it is published as, one instance per distinct ratio.
_Share: TypeAlias = tuple[int, int, Decimal]


class _CriterionPlan:
    """Everything about one criterion that does not depend on the subject."""

    __slots__ = (
        "criterion",
        "key",
        "weight",
        "lo",
        "hi",
        "lo_num",
        "lo_den",
        "range_num",
        "range_den",
        "groups",
        "all_groups_weight",
        "means",
        "places",
        "scale",
        "lo_units",
        "hi_units",
        "scaled_means",
        "shares",
    )

    def __init__(
        self, criterion: Criterion, weight: int, groups: list[_Slot], places: int
    ) -> None:
        self.criterion = criterion
        self.key: Hashable = criterion.key
        self.weight = weight  # scaled integer
        lo = Decimal(criterion.minimum)
        hi = Decimal(criterion.maximum)
        self.lo = lo
        self.hi = hi
        self.lo_num, self.lo_den = lo.as_integer_ratio()
        hi_num, hi_den = hi.as_integer_ratio()
        self.range_num = hi_num * self.lo_den - self.lo_num * hi_den
        self.range_den = hi_den * self.lo_den
        # (group, key, scaled weight, is a vote group, aggregation, trim, minimum)
        self.groups = groups
        self.all_groups_weight = sum(g[2] for g in groups)
        #: {(n, sum): (n, share)} of mean cells given as sums.
        self.means: dict[tuple[int, Decimal], tuple[int, _Share]] = {}
        # Scaled integers (ScaledScores): a value v stands for v / scale; the
        # range in those units, rounded inwards (values are whole units).
        self.places = places
        self.scale = scale = 10**places
        self.lo_units = -(-self.lo_num * scale // self.lo_den)
        self.hi_units = hi_num * scale // hi_den
        #: {(values used, their sum): (numerator, denominator)} of A, shared by
        #: every cell of this criterion with the same count and sum.
        self.scaled_means: dict[tuple[int, int], _Share] = {}
        #: {(numerator, denominator): share}: equal ratios share one Decimal.
        self.shares: dict[tuple[int, int], _Share] = {}

    def share(self, a_num: int, a_den: int) -> _Share:
        """A reduced ratio with its Decimal, one instance per distinct ratio."""
        found = self.shares.get((a_num, a_den))
        if found is None:
            found = self.shares[(a_num, a_den)] = (
                a_num,
                a_den,
                exact_decimal(a_num, a_den),
            )
        return found

    def scaled_share(self, count: int, total: int) -> _Share:
        """A = (mean − lo) ÷ (hi − lo) × 100 for ``count`` scaled values adding up
        to ``total`` (remembered for the next cell with the same count and sum)."""
        lo_den = self.lo_den
        a_num = 100 * (total * lo_den - count * self.scale * self.lo_num)
        a_num *= self.range_den
        a_den = count * self.scale * lo_den * self.range_num
        common = gcd(a_num, a_den)
        found = self.share(a_num // common, a_den // common)
        self.scaled_means[(count, total)] = found
        return found


#: :func:`_score_cell` or :func:`_scaled_cell`.
_CellReader: TypeAlias = Callable[
    [_CriterionPlan, Group, str, int, Subject, Any], tuple[int, _Share | None]
]


class _Plan:
    """The configuration prepared once for every subject: weights as integers,
    ranges as ratios, and the shared immutable pieces (warnings, weights used)."""

    def __init__(self, config: Config, places: int = 0, *, scaled: bool = False):
        self.config = config
        #: How a score group's cell is read: scaled integers or Decimals.
        self.cell_of: _CellReader = _scaled_cell if scaled else _score_cell  # type: ignore[assignment]
        self.renormalise = config.missing_policy == MISSING_RENORMALISE
        self.small_n = config.small_n
        criterion_weights = _scaled(c.weight for c in config.criteria)
        group_weights = dict(
            zip(
                (g.key for g in config.groups),
                _scaled(g.weight for g in config.groups),
                strict=True,
            )
        )
        self.all_criteria_weight = sum(criterion_weights)
        self._warnings: dict[tuple[str, Hashable, Hashable, int, int], Warning_] = {}
        self.weights_used_cache: dict[tuple[int, int], Decimal] = {}
        self.criteria: list[_CriterionPlan] = []
        for criterion, weight in zip(config.criteria, criterion_weights, strict=True):
            groups: list[_Slot] = []
            if criterion.source == SOURCE_BALLOTS:
                groups = [
                    (
                        g,
                        g.key,
                        group_weights[g.key],
                        g.kind == KIND_VOTES,
                        g.aggregation,
                        g.trim,
                        g.min_ballots,
                        # This cell's warnings, shared by every subject: missing,
                        # then {n: warning} for too few to trim, below the
                        # minimum, small n.
                        self.warning(W_MISSING_GROUP, g.key, criterion.key),
                        dict[int, Warning_](),
                        dict[int, Warning_](),
                        dict[int, Warning_](),
                    )
                    for g in config.groups
                    if criterion.key in g.criteria
                ]
            self.criteria.append(_CriterionPlan(criterion, weight, groups, places))

    def warning(
        self,
        code: str,
        group: Hashable = None,
        criterion: Hashable = None,
        n: int = 0,
        minimum: int = 0,
    ) -> Warning_:
        # Warnings are frozen: one instance serves every subject that has it.
        key = (code, group, criterion, n, minimum)
        found = self._warnings.get(key)
        if found is None:
            found = self._warnings[key] = Warning_(code, group, criterion, n, minimum)
        return found

    def weight_used(self, weight: int, denominator: int) -> Decimal:
        """A group's weight rescaled for a criterion, in percent."""
        key = (weight, denominator)
        found = self.weights_used_cache.get(key)
        if found is None:
            found = self.weights_used_cache[key] = exact_decimal(
                100 * weight, denominator
            )
        return found


def _score_cell(
    plan: _CriterionPlan,
    group: Group,
    aggregation: str,
    trim: int,
    subject: Subject,
    data: CellData | None,
) -> tuple[int, _Share | None]:
    """``(n, share)`` of a score group's cell: its number of values and
    A(g, c, s) on 0–100 (:data:`_Share`); ``(0, None)`` when the group has no
    values for the cell."""
    if data is None:
        return 0, None
    criterion = plan.criterion
    lo, hi = plan.lo, plan.hi
    total: Decimal
    if isinstance(data, ScoreSummary):
        # SQL may hand over other number types than declared: checked as objects.
        given_n: object = data.n
        if type(given_n) is int and given_n >= 0:
            n = given_n
        else:
            n = _count(given_n, where=_where(group, subject, criterion))
        if n == 0:
            return 0, None
        low = _finite_decimal(data.minimum)
        high = _finite_decimal(data.maximum)
        if low is None or high is None or not (lo <= low <= hi and lo <= high <= hi):
            for bound in (data.minimum, data.maximum):
                to_percent(bound, criterion, where=_where(group, subject, criterion))
        total = _finite_decimal(data.total) or to_decimal(
            data.total, where=_where(group, subject, criterion)
        )
        # Cells with the same count and sum have the same mean.
        found = plan.means.get((n, total))
        if found is not None:
            return found
        count = n
    else:
        values: list[Decimal] = []
        for given in data:
            if isinstance(given, Decimal) and given.is_finite():
                value = given
            else:
                value = to_decimal(given, where=_where(group, subject, criterion))
            if value < lo or value > hi:
                raise ScoringInputError(
                    f"{value} is outside the range {lo}–{hi} of {criterion.name}",
                    where=_where(group, subject, criterion),
                )
            values.append(value)
        n = len(values)
        if n == 0:
            return 0, None
        if aggregation != AGG_MEAN and n > 1:
            values.sort()
            if aggregation == AGG_TRIMMED and n > 2 * trim:
                if trim:
                    values = values[trim : n - trim]
            else:  # the median (also for too few values to trim)
                mid = n // 2
                values = values[mid : mid + 1] if n % 2 else values[mid - 1 : mid + 1]
        count = len(values)
        try:
            total = reduce(EXACT.add, values)
        except decimal.DecimalException:
            raise ScoringInputError(
                "the values have too many digits to add exactly",
                where=_where(group, subject, criterion),
            ) from None
    # A = (mean - lo) / (hi - lo) × 100, the mean being total / count.
    s_num, s_den = total.as_integer_ratio()
    lo_num, lo_den = plan.lo_num, plan.lo_den
    if lo_num:
        s_num = s_num * lo_den - count * lo_num * s_den
        s_den *= lo_den
    a_num = 100 * s_num * plan.range_den
    a_den = s_den * count * plan.range_num
    common = gcd(a_num, a_den)
    found = n, plan.share(a_num // common, a_den // common)
    if type(data) is ScoreSummary:
        plan.means[(n, total)] = found
    return found


def _scaled_cell(
    plan: _CriterionPlan,
    group: Group,
    aggregation: str,
    trim: int,
    subject: Subject,
    data: ScaledCell | None,
) -> tuple[int, _Share | None]:
    """:func:`_score_cell` for a :data:`ScaledCell`: integers only."""
    if data is None:
        return 0, None
    if type(data) is tuple:
        n, total, low, high = data
        if not (type(n) is int and type(total) is int and type(low) is int) or not (
            type(high) is int and n >= 0
        ):
            raise ScoringInputError(
                f"{data!r} is not a count and three scaled integers",
                where=_where(group, subject, plan.criterion),
            )
        if n == 0:
            return 0, None
        used = n
    else:
        values = sorted(data)  # type: ignore[arg-type]
        n = used = len(values)
        if n == 0:
            return 0, None
        # A sum of integers is an integer (checked once, not value by value).
        total = sum(values)
        low, high = values[0], values[-1]
        if type(total) is not int or type(low) is not int or type(high) is not int:
            raise ScoringInputError(
                f"{values!r} are not scaled integers",
                where=_where(group, subject, plan.criterion),
            )
        if aggregation != AGG_MEAN and n > 2:
            if aggregation == AGG_TRIMMED and n > 2 * trim:
                if trim:
                    values = values[trim : n - trim]
            else:  # the median (also for too few values to trim)
                mid = n // 2
                values = values[mid : mid + 1] if n % 2 else values[mid - 1 : mid + 1]
            used = len(values)
            total = sum(values)
    if low < plan.lo_units or high > plan.hi_units:
        for bound in (low, high):
            to_percent(
                Decimal(bound).scaleb(-plan.places),
                plan.criterion,
                where=_where(group, subject, plan.criterion),
            )
    return n, plan.scaled_means.get((used, total)) or plan.scaled_share(used, total)


# --------------------------------------------------------------------------
# compute()
# --------------------------------------------------------------------------


@contextmanager
def cycle_collection_paused() -> Generator[None]:
    """Pause Python's cyclic garbage collector while many small objects are
    built that form no reference cycle (a result's cells, a read's rows).

    Reference counting still frees everything; only the collector's passes over
    every live object — which the allocations would otherwise trigger again
    and again, costing about as much as the computation itself on a large
    scorecard — wait until the end. The previous state is restored (a
    collector that was already off stays off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute(
    config: Config,
    subjects: Sequence[Subject],
    *,
    scores: Mapping[ScoreKey, CellData] | ScaledScores | None = None,
    votes: Mapping[VoteKey, VoteCounts] | None = None,
    surveys: Mapping[SurveyKey, SurveyValue] | None = None,
) -> Result:
    """Compute every subject's breakdown, total, gates, rank and flags.

    ``scores``: ``{(group, subject, criterion): [values] | ScoreSummary}``
    for score groups, raw values in the criterion's range; or the same cells as
    scaled integers (:class:`ScaledScores`, what the selectors read).
    ``votes``: ``{(group, subject): VoteCounts}`` for vote groups.
    ``surveys``: ``{(subject, criterion): SurveyValue}`` for survey criteria.
    Keys that name an unknown group, subject or criterion are refused.

    Every figure is computed exactly (integer ratios) and rounded once, to 34
    significant digits, when it becomes a Decimal of the result.
    """
    validate_config(config)
    places = 0
    cells: Mapping[ScoreKey, object]
    if isinstance(scores, ScaledScores):
        places = _count(scores.places, where="places")
        cells = scores.cells
    else:
        cells = scores or dict[ScoreKey, CellData]()
    votes = votes or dict[VoteKey, VoteCounts]()
    surveys = surveys or dict[SurveyKey, SurveyValue]()
    crit_by_key = {c.key: c for c in config.criteria}
    group_by_key = {g.key: g for g in config.groups}
    subject_keys = [s.key for s in subjects]
    if len(set(subject_keys)) != len(subject_keys):
        raise ScoringInputError("subject keys must be unique")
    known_subjects = set(subject_keys)
    _check_keys(cells, votes, surveys, crit_by_key, group_by_key, known_subjects)

    plan = _Plan(config, places, scaled=isinstance(scores, ScaledScores))
    with cycle_collection_paused():
        results = [
            _subject_result(plan, subject, cells, votes, surveys)
            for subject in subjects
        ]
    _rank(config, results)
    order = {k: i for i, k in enumerate(subject_keys)}
    results.sort(
        key=lambda r: (r.rank is None, r.rank or 0, order[r.subject.key]),
    )
    return Result(config=config, subjects=results)


def _check_keys(
    scores: Mapping[ScoreKey, object],
    votes: Mapping[VoteKey, VoteCounts],
    surveys: Mapping[SurveyKey, SurveyValue],
    crit_by_key: Mapping[Hashable, Criterion],
    group_by_key: Mapping[Hashable, Group],
    subjects: set[Hashable],
) -> None:
    scored = {
        (g.key, c)
        for g in group_by_key.values()
        if g.kind == KIND_SCORES
        for c in g.criteria
    }
    for key in scores:
        g, s, c = key
        if (g, c) in scored and s in subjects:
            continue
        group = group_by_key.get(g)
        if group is None or group.kind != KIND_SCORES:
            raise ScoringInputError(f"unknown score group {g!r}", where=str(key))
        if s not in subjects:
            raise ScoringInputError(f"unknown subject {s!r}", where=str(key))
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


class _Sums:
    """One subject's running sums, as exact ratios ``[numerator, denominator]``."""

    __slots__ = ("groups", "criteria", "shown", "contributions")

    def __init__(self) -> None:
        #: group -> [Σ w_c A (num, den), Σ w_c, Σ A (num, den), count]
        self.groups: dict[Hashable, list[int]] = {}
        #: criterion -> (V num, V den, weight)
        self.criteria: dict[Hashable, tuple[int, int, int]] = {}
        #: criterion -> V as a Decimal (for gates)
        self.shown: dict[Hashable, Decimal] = {}
        #: group or ("survey", c) -> Σ w_c u_g A / Σu
        self.contributions: dict[Hashable, list[int]] = {}


#: A cell present in a criterion: group key, its scaled weight, A as a ratio.
_Present: TypeAlias = tuple[Hashable, int, int, int, Cell]


def _subject_result(
    plan: _Plan,
    subject: Subject,
    scores: Mapping[ScoreKey, object],
    votes: Mapping[VoteKey, VoteCounts],
    surveys: Mapping[SurveyKey, SurveyValue],
) -> SubjectResult:
    """One subject's breakdown, total, group scores, turnout and gates (not its
    rank: :func:`_rank` compares the subjects)."""
    res = SubjectResult(subject=subject)
    sums = _Sums()
    for cplan in plan.criteria:
        cres = CriterionResult(cplan.key, None, 0, cplan.criterion.source)
        res.criteria.append(cres)
        if cplan.criterion.source == SOURCE_SURVEY:
            sv = surveys.get((subject.key, cplan.key))
            _survey_criterion(plan, cplan, cres, sv, sums, res.warnings)
        else:
            present, missing = _ballot_cells(
                plan, cplan, cres, subject, scores, votes, sums, res.warnings
            )
            _criterion_value(plan, cplan, cres, present, missing, sums)
    _total(plan, res, sums)
    _group_scores(res, sums)
    _turnout(plan, res, votes)
    _gates(plan, res, sums)
    return res


def _survey_criterion(
    plan: _Plan,
    cplan: _CriterionPlan,
    cres: CriterionResult,
    sv: SurveyValue | None,
    sums: _Sums,
    warnings: list[Warning_],
) -> None:
    """A survey criterion's V: the survey's own result, unless it is missing or
    on an insufficient sample."""
    ckey = cplan.key
    if sv is not None and sv.insufficient:
        cres.n = sv.n
        cres.insufficient = True
        warnings.append(
            plan.warning(
                W_INSUFFICIENT_SAMPLE, criterion=ckey, n=sv.n, minimum=sv.minimum
            )
        )
    elif sv is not None and sv.value is not None:
        cres.value = value = Decimal(sv.value)
        cres.n = sv.n
        if plan.small_n and sv.n < plan.small_n:
            warnings.append(
                plan.warning(W_SMALL_N, criterion=ckey, n=sv.n, minimum=plan.small_n)
            )
        v_num, v_den = value.as_integer_ratio()
        sums.criteria[ckey] = (v_num, v_den, cplan.weight)
        sums.shown[ckey] = value
        sums.contributions[("survey", ckey)] = [cplan.weight * v_num, v_den]


def _ballot_cells(
    plan: _Plan,
    cplan: _CriterionPlan,
    cres: CriterionResult,
    subject: Subject,
    scores: Mapping[ScoreKey, object],
    votes: Mapping[VoteKey, VoteCounts],
    sums: _Sums,
    warnings: list[Warning_],
) -> tuple[list[_Present], list[tuple[int, Cell]]]:
    """The cells of a ballots criterion, one per group scoring it: A(g, c, s)
    and its warnings; added to the group's sums. Returns the cells present
    ``(group, u, A num, A den, cell)`` and the missing ones ``(u, cell)``."""
    skey = subject.key
    ckey = cplan.key
    weight = cplan.weight
    small_n = plan.small_n
    cell_of = plan.cell_of
    groups_get = sums.groups.get
    cells = cres.cells
    present: list[_Present] = []
    missing: list[tuple[int, Cell]] = []
    cell_total = 0
    for (
        group,
        gkey,
        u,
        is_vote,
        aggregation,
        trim,
        min_ballots,
        missing_warning,
        few_warnings,
        below_warnings,
        small_warnings,
    ) in cplan.groups:
        if is_vote:
            counts = votes.get((gkey, skey)) or _NO_VOTES
            n, share = _vote_cell(cplan, counts)
        else:
            counts = None
            n, share = cell_of(
                cplan, group, aggregation, trim, subject, scores.get((gkey, skey, ckey))
            )
            if aggregation == AGG_TRIMMED and 0 < n <= 2 * trim:
                w = few_warnings.get(n)
                if w is None:
                    w = few_warnings[n] = plan.warning(
                        W_TOO_FEW_TO_TRIM, gkey, ckey, n, 2 * trim + 1
                    )
                warnings.append(w)
        cell_total += n
        if share is None:
            cell = Cell(gkey, ckey, 0, None, ZERO, counts)
            cells.append(cell)
            missing.append((u, cell))
            warnings.append(missing_warning)
            continue
        a_num, a_den, value = share
        cell = Cell(gkey, ckey, n, value, ZERO, counts)
        cells.append(cell)
        present.append((gkey, u, a_num, a_den, cell))
        group_sums = groups_get(gkey)
        if weight and group_sums is not None and group_sums[1] == a_den:
            # The common case of _add_to_group, inline: same denominator.
            group_sums[0] += weight * a_num
            group_sums[2] += weight
        else:
            _add_to_group(sums.groups, gkey, weight, a_num, a_den)
        if min_ballots and n < min_ballots:
            w = below_warnings.get(n)
            if w is None:
                w = below_warnings[n] = plan.warning(
                    W_BELOW_MINIMUM, gkey, ckey, n, min_ballots
                )
            warnings.append(w)
        if small_n and n < small_n:
            w = small_warnings.get(n)
            if w is None:
                w = small_warnings[n] = plan.warning(W_SMALL_N, gkey, ckey, n, small_n)
            warnings.append(w)
    cres.n = cell_total
    return present, missing


def _vote_cell(plan: _CriterionPlan, counts: VoteCounts) -> tuple[int, _Share | None]:
    """``(ballots cast, share)`` of a vote group: yes ÷ cast × 100."""
    n = counts.yes + counts.no + counts.abstain
    if not n:
        return 0, None
    common = gcd(100 * counts.yes, n)
    return n, plan.share(100 * counts.yes // common, n // common)


def _add_to_group(
    group_values: dict[Hashable, list[int]],
    gkey: Hashable,
    weight: int,
    a_num: int,
    a_den: int,
) -> None:
    """Add a cell's A to its group's sums: Σ w_c A and Σ w_c, or Σ A and the
    count when the criterion weighs nothing."""
    sums = group_values.get(gkey)
    if sums is None:
        sums = group_values[gkey] = [0, 1, 0, 0, 1, 0]
    if weight:  # Σ w_c A, Σ w_c
        if sums[1] == a_den:
            sums[0] += weight * a_num
        else:
            sums[0] = sums[0] * a_den + weight * a_num * sums[1]
            sums[1] *= a_den
            if sums[1].bit_length() > _REDUCE_BITS:
                common = gcd(sums[0], sums[1])
                sums[0] //= common
                sums[1] //= common
        sums[2] += weight
    else:  # Σ A, count: only used when every criterion it scores weighs 0
        if sums[4] == a_den:
            sums[3] += a_num
        else:
            sums[3] = sums[3] * a_den + a_num * sums[4]
            sums[4] *= a_den
        sums[5] += 1


def _criterion_value(
    plan: _Plan,
    cplan: _CriterionPlan,
    cres: CriterionResult,
    present: list[_Present],
    missing: list[tuple[int, Cell]],
    sums: _Sums,
) -> None:
    """V = Σ u_g A_g ÷ Σ u_g over the groups present (``renormalise``) or all
    groups (``zero``, the missing ones counted as 0); each group's weight used
    and its points towards the total."""
    if plan.renormalise:
        denominator = sum(p[1] for p in present)
    else:
        denominator = cplan.all_groups_weight
    if not present or denominator == 0:
        return
    if not plan.renormalise:
        for u, cell in missing:
            cell.counted_as_zero = True
            cell.weight_used = plan.weight_used(u, denominator)
    weights_used = plan.weights_used_cache
    contributions_raw = sums.contributions
    weight = cplan.weight
    v_num, v_den = 0, 1
    for gkey, u, a_num, a_den, cell in present:
        cell.weight_used = weights_used.get((u, denominator)) or plan.weight_used(
            u, denominator
        )
        if v_den == a_den:
            v_num += u * a_num
        else:
            v_num = v_num * a_den + u * a_num * v_den
            v_den *= a_den
        part = contributions_raw.get(gkey)
        if part is None:
            contributions_raw[gkey] = [weight * u * a_num, a_den * denominator]
        elif part[1] == a_den * denominator:
            part[0] += weight * u * a_num
        else:
            _accumulate(part, weight * u * a_num, a_den * denominator)
    common = gcd(v_num, v_den)
    v_num //= common
    v_den = v_den // common * denominator
    ckey = cplan.key
    cres.value = exact_decimal(v_num, v_den)
    sums.criteria[ckey] = (v_num, v_den, weight)
    sums.shown[ckey] = cres.value


def _total(plan: _Plan, res: SubjectResult, sums: _Sums) -> None:
    """total = Σ w_c V ÷ Σ w_c (the criteria present under ``renormalise``, all
    under ``zero``), and each group's points."""
    renormalise = plan.renormalise
    criterion_values = sums.criteria
    for cres in res.criteria:
        if cres.criterion not in criterion_values:
            res.warnings.append(
                plan.warning(W_MISSING_CRITERION, criterion=cres.criterion)
            )
            cres.counted_as_zero = not renormalise and bool(criterion_values)
    if not criterion_values:
        return
    if renormalise:
        weight_present = sum(v[2] for v in criterion_values.values())
    else:
        weight_present = plan.all_criteria_weight
    if weight_present > 0:
        acc = [0, 1]
        for v_num, v_den, weight in criterion_values.values():
            _accumulate(acc, weight * v_num, v_den)
        res.total = exact_decimal(acc[0], acc[1] * weight_present)
        res.contributions = {
            k: exact_decimal(num, den * weight_present)
            for k, (num, den) in sums.contributions.items()
        }


def _group_scores(res: SubjectResult, sums: _Sums) -> None:
    """Group scores (for group gates and display): Σ w_c A ÷ Σ w_c, or the plain
    mean of A when the criteria it scores weigh nothing."""
    for gkey, (w_num, w_den, weight, p_num, p_den, count) in sums.groups.items():
        if weight > 0:
            res.group_scores[gkey] = exact_decimal(w_num, w_den * weight)
        else:
            res.group_scores[gkey] = exact_decimal(p_num, p_den * count)


def _turnout(
    plan: _Plan, res: SubjectResult, votes: Mapping[VoteKey, VoteCounts]
) -> None:
    """Turnout against each electorate: below the quorum the figure is flagged."""
    quorum = plan.config.quorum
    if quorum is None:
        return
    skey = res.subject.key
    for g in plan.config.groups:
        expected = plan.config.electorates.get((g.key, skey))
        if not expected:
            continue
        if g.kind == KIND_VOTES:
            turnout = votes.get((g.key, skey), _NO_VOTES).cast
        else:
            turnout = max(
                (
                    cell.n
                    for cres in res.criteria
                    for cell in cres.cells
                    if cell.group == g.key
                ),
                default=0,
            )
        needed = quorum_needed(expected, quorum)
        if turnout < needed:
            res.warnings.append(plan.warning(W_QUORUM, g.key, None, turnout, needed))


def _gates(plan: _Plan, res: SubjectResult, sums: _Sums) -> None:
    """A subject failing a gate, or without a total, is excluded."""
    for gate in plan.config.gates:
        if gate.target == GATE_GROUP:
            value = res.group_scores.get(gate.key)
        else:
            value = sums.shown.get(gate.key)
        passed = value is not None and shown(value) >= shown(gate.threshold)
        gr = GateResult(gate=gate, value=value, passed=passed)
        res.gates.append(gr)
        if not passed:
            res.excluded = True
            res.exclusions.append((X_GATE, gr))
    if res.total is None:
        res.excluded = True
        res.exclusions.append((X_NO_DATA, None))
        res.warnings.append(plan.warning(W_NO_DATA))


def _tie_order(config: Config) -> list[tuple[int, Hashable]]:
    """``(position, key)`` of the criteria (rule ``criteria``) or groups (rule
    ``groups``) the tie-break compares, heaviest first; none for ``order``."""
    items: Sequence[Criterion] | Sequence[Group]
    if config.tie_break == TIE_BREAK_CRITERIA:
        items = config.criteria
    elif config.tie_break == TIE_BREAK_GROUPS:
        items = config.groups
    else:
        return []
    ordered = sorted(enumerate(items), key=lambda p: (-Decimal(p[1].weight), p[0]))
    return [(i, item.key) for i, item in ordered]


def _tie_key(
    config: Config, order: list[tuple[int, Hashable]], result: SubjectResult
) -> tuple[tuple[int, Decimal], ...]:
    """Secondary sort values (higher first) for the tie-break rule, compared at
    the displayed precision like the totals."""
    if config.tie_break == TIE_BREAK_CRITERIA:
        # A subject's criteria are in the configuration's order.
        return tuple(_neg(result.criteria[i].value) for i, _key in order)
    if config.tie_break == TIE_BREAK_GROUPS:
        return tuple(_neg(result.contributions.get(key)) for _i, key in order)
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

    # The tie key is only needed where shown totals are equal; computed once.
    counts: dict[Decimal, int] = {}
    for value in comparable.values():
        counts[value] = counts.get(value, 0) + 1
    order = _tie_order(config)
    tie_keys = {
        id(r): _tie_key(config, order, r) if counts[comparable[id(r)]] > 1 else ()
        for _, r in eligible
    }

    def sort_key(
        pair: tuple[int, SubjectResult],
    ) -> tuple[Decimal, tuple[tuple[int, Decimal], ...], int]:
        index, r = pair
        return (-comparable[id(r)], tie_keys[id(r)], index)

    eligible.sort(key=sort_key)
    by_total: dict[Decimal, list[SubjectResult]] = {}
    for _, r in eligible:
        by_total.setdefault(comparable[id(r)], []).append(r)
    for members in by_total.values():
        if len(members) > 1:
            keys = [tie_keys[id(m)] for m in members]
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
            and tie_keys[id(r)] == tie_keys[id(blocks[-1][-1][1])]
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
    quantum = decimals.quantum(places)
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


def display(value: Number | None, places: int = DISPLAY_PLACES) -> Decimal | None:
    """Round half up (四舍五入) for display or export; ``None`` stays ``None``
    (:func:`wagtail_pilots.decimals.display`)."""
    return decimals.display(value, places)


# --------------------------------------------------------------------------
# Who votes on whom, and whether enough of them did
# --------------------------------------------------------------------------
#
# Own-unit trust votes (民主推荐 / 信任度 in the candidate's own workplace): in a
# group marked "own unit only" each evaluator votes only on the subjects whose
# home unit is the evaluator's unit, and nobody ever votes on themselves. The
# electorate of a subject in a group is who may vote on it; the turnout is the
# ballots that included it; below the scorecard's quorum the figure is flagged.

#: Why a ballot on a subject is refused (None: it is allowed).
E_OWN_SUBJECT = "own_subject"
E_OTHER_UNIT = "other_unit"
E_UNKNOWN_UNIT = "unknown_unit"


def ballot_refusal(
    *,
    subject: Hashable,
    home_unit: Hashable,
    own_unit_only: bool,
    evaluator_unit: Hashable,
    evaluator_subject: Hashable,
) -> str | None:
    """Why this evaluator may not vote on (or score) ``subject``, or None.

    - :data:`E_OWN_SUBJECT`: the evaluator is the subject (``evaluator_subject``).
    - :data:`E_UNKNOWN_UNIT`: an own-unit group, and the evaluator's unit is not
      known, so nobody can tell whose candidates they may vote on.
    - :data:`E_OTHER_UNIT`: an own-unit group, and the subject's home unit is
      not the evaluator's unit (a subject without a home unit has no electorate).
    """
    if evaluator_subject is not None and subject == evaluator_subject:
        return E_OWN_SUBJECT
    if own_unit_only:
        if evaluator_unit is None:
            return E_UNKNOWN_UNIT
        if home_unit is None or home_unit != evaluator_unit:
            return E_OTHER_UNIT
    return None


def ballot_subjects(
    subjects: Sequence[tuple[Hashable, Hashable]],
    *,
    own_unit_only: bool,
    evaluator_unit: Hashable,
    evaluator_subject: Hashable,
) -> list[Hashable]:
    """The keys of ``subjects`` (``(key, home unit)`` pairs, in order) that this
    evaluator's ballot asks about: those :func:`ballot_refusal` allows."""
    return [
        key
        for key, home_unit in subjects
        if ballot_refusal(
            subject=key,
            home_unit=home_unit,
            own_unit_only=own_unit_only,
            evaluator_unit=evaluator_unit,
            evaluator_subject=evaluator_subject,
        )
        is None
    ]


def electorate(
    *,
    own_unit_only: bool,
    expected_headcount: int | None,
    home_unit: Hashable,
    codes_by_unit: Mapping[Hashable, int],
    own_codes: int = 0,
) -> int | None:
    """How many evaluators of a group may vote on a subject, or None if unknown.

    In an own-unit group: the 参与码 issued to the subject's home unit in that
    group (None without a home unit). Otherwise the group's expected headcount
    (None when it is not set). Either way less the codes that belong to the
    subject themself (``own_codes``): they may not vote on themselves.
    """
    if own_unit_only:
        if home_unit is None:
            return None
        base = codes_by_unit.get(home_unit, 0)
    elif expected_headcount is None:
        return None
    else:
        base = expected_headcount
    return max(base - own_codes, 0)


def parse_quorum(text: str) -> tuple[int, int] | None:
    """A quorum as an exact fraction ``(numerator, denominator)``, reduced.

    Accepts ``2/3`` (a fraction), ``66.67%`` or ``66.67`` (a percentage); an
    empty text means no quorum (None). The share must be above 0 and at most 1.
    A fraction is kept exact, so "2/3 of 6" needs 4 voters, where "66.67 %" of
    6 needs 5 (4.0002 rounded up). Raises :class:`ScoringInputError`.
    """
    text = (text or "").strip().replace("％", "%").replace("／", "/")
    if not text:
        return None
    try:
        if "/" in text:
            top, _slash, bottom = text.partition("/")
            num, den = int(top.strip()), int(bottom.strip())
        else:
            percent = Decimal(text.removesuffix("%").strip())
            if not percent.is_finite():
                raise ValueError(text)
            p_num, p_den = percent.as_integer_ratio()
            num, den = p_num, p_den * 100
    except (ValueError, decimal.InvalidOperation):
        raise ScoringInputError(
            f"{text!r} is neither a fraction nor a percentage", where="quorum"
        ) from None
    if den <= 0 or not 0 < num <= den:
        raise ScoringInputError(
            f"{text!r} is not above 0 and at most 1", where="quorum"
        )
    common = gcd(num, den)
    return num // common, den // common


def quorum_needed(expected: int, quorum: tuple[int, int]) -> int:
    """The fewest voters that reach ``quorum`` of ``expected``: rounded up."""
    num, den = quorum
    return -(-expected * num // den)


def quorum_met(turnout: int, expected: int, quorum: tuple[int, int]) -> bool:
    """``turnout ÷ expected ≥ quorum``, compared exactly (no rounding)."""
    return turnout >= quorum_needed(expected, quorum)


def turnout_percent(turnout: int, expected: int) -> Decimal | None:
    """turnout ÷ expected × 100 (None for an empty electorate)."""
    if expected <= 0:
        return None
    return exact_decimal(100 * turnout, expected)


def quorum_label(quorum: tuple[int, int]) -> str:
    """How a quorum is printed: ``2/3`` when it is such a fraction, else a
    percentage (``50%``, ``66.67%``) exact to the cent."""
    num, den = quorum
    if (100 * num) % den == 0:
        return f"{100 * num // den}%"
    if den <= 12:
        return f"{num}/{den}"
    return f"{display(exact_decimal(100 * num, den))}%"
