"""Satisfaction arithmetic: pure functions on counts, no ORM.

Definitions (docs/design.md, "Satisfaction rate"):

* **satisfaction rate** = answers whose option counts as satisfied ÷ valid answers
  (valid = not blank, not excluded), a fraction 0..1;
* **satisfaction index** = mean option score over the valid answers;
* both are reported with n (valid answers) and a 95% Wilson score interval for the
  rate; a result from fewer valid answers than the survey's minimum sample is
  "insufficient sample" and is never compared with a threshold or ranked.
* when one respondent gives several of the answers (a matrix question's rows, a
  figure pooled over questions), the answers are not independent: the interval is
  the Wilson interval on the **respondent-level effective sample size**
  n_eff = n ÷ deff, where the design effect deff is the cluster-robust
  (linearisation) variance of the ratio over the simple-random-sampling variance,
  floored at 1 (:func:`design_effect`). Its inputs are per-respondent counts
  summed in SQL (:class:`ClusterSums`).
* **post-stratified rate** (optional, when every respondent group has a
  population N_h): p_w = Σ W_h p_h with W_h = N_h ÷ Σ N over the groups, p_h each
  group's rate; V = Σ W_h² p_h(1 − p_h) ÷ n_h (n_h the group's effective n when
  its answers cluster); the interval is the Wilson interval for p_w on
  n_eff = p_w(1 − p_w) ÷ V (:func:`post_stratify`).
* **small-cell suppression** (public figures only): within one breakdown (the
  groups, the matrix rows or the channels of a question), a slice of 1 to k − 1
  respondents is hidden; if that hides exactly one slice, the next-smallest one
  is hidden too, so the hidden slice cannot be worked out as the total minus the
  others (:func:`cells_to_suppress`).

Which answers count is decided by :func:`is_valid_answer` and
:func:`is_satisfied_answer`; their SQL form, used by every count the database
makes, lives beside them in :mod:`.stats_sql` (a property test checks both agree).

Every figure is a :class:`decimal.Decimal` at full precision. Round only to show
or export, with :func:`round_half_up` (四舍五入); a threshold is compared with the
rate as shown (two decimals of a percentage), never with digits nobody sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Protocol

from .. import decimals
from ..decimals import Number

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
#: The normal quantile for a two-sided 95% interval.
Z95 = Decimal("1.959963984540054")


class AnswerOption(Protocol):
    """What the answer rules read of a scale option."""

    @property
    def satisfied(self) -> bool: ...

    @property
    def excluded(self) -> bool: ...


def is_valid_answer(option: AnswerOption | None) -> bool:
    """A valid answer: one option chosen (not blank) that is not excluded
    ("don't know"). SQL: ``stats_sql.valid_q``."""
    return option is not None and not option.excluded


def is_satisfied_answer(option: AnswerOption | None) -> bool:
    """A satisfied answer: valid, and its option counts as satisfied (an option
    flagged both satisfied and excluded is not). SQL: ``stats_sql.satisfied_q``."""
    return is_valid_answer(option) and bool(option and option.satisfied)


_dec = decimals.to_decimal


def satisfaction_rate(satisfied: Number, valid: Number) -> Decimal | None:
    """``satisfied / valid`` as a fraction 0..1, or None when there is no valid answer."""
    s, v = _dec(satisfied), _dec(valid)
    if v <= 0:
        return None
    if s < 0 or s > v:
        raise ValueError(f"satisfied={s} must lie between 0 and valid={v}")
    with localcontext(decimals.RATE_CONTEXT):
        return s / v


def response_rate(returned: Number, issued: Number) -> Decimal | None:
    """``returned / issued`` as a fraction (codes used of codes issued, paper
    questionnaires back of those handed out), or None when none was issued.

    It may exceed 1 when more came back than the number entered as issued:
    shown as it is, so the editor sees the number is wrong."""
    r, i = _dec(returned), _dec(issued)
    if i <= 0:
        return None
    if r < 0:
        raise ValueError(f"returned={r} must not be negative")
    with localcontext(decimals.RATE_CONTEXT):
        return r / i


def satisfaction_index(score_sum: Number, valid: Number) -> Decimal | None:
    """Mean option score over valid answers, or None when there is no valid answer."""
    total, v = _dec(score_sum), _dec(valid)
    if v <= 0:
        return None
    with localcontext(decimals.RATE_CONTEXT):
        return total / v


def wilson_interval(
    satisfied: Number,
    valid: Number,
    *,
    z: Number = Z95,
    effective_n: Number | None = None,
) -> tuple[Decimal, Decimal] | None:
    """The Wilson score interval (lower, upper) for ``satisfied / valid``, 0..1.

    centre = (p + z²/2n) / (1 + z²/n)
    half   = z / (1 + z²/n) × √(p(1−p)/n + z²/4n²)

    with n = ``effective_n`` when given (clustered answers), else ``valid``.
    """
    p = satisfaction_rate(satisfied, valid)
    if p is None:
        return None
    return _wilson(p, _dec(valid if effective_n is None else effective_n), z=z)


def _wilson(p: Decimal, n: Decimal, *, z: Number = Z95) -> tuple[Decimal, Decimal]:
    zd = _dec(z)
    with localcontext(decimals.RATE_CONTEXT):
        z2 = zd * zd
        denominator = ONE + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = zd / denominator * (p * (ONE - p) / n + z2 / (4 * n * n)).sqrt()
        return max(ZERO, centre - half), min(ONE, centre + half)


@dataclass(frozen=True)
class ClusterSums:
    """Per-respondent counts, summed (by the database) over the respondents.

    For respondent i with m_i valid answers of which y_i count as satisfied:
    ``respondents`` = number of respondents with m_i ≥ 1, ``yy`` = Σ y_i²,
    ``mm`` = Σ m_i², ``ym`` = Σ y_i m_i. (Σ y_i and Σ m_i are the result's own
    ``satisfied`` and ``valid``.) Sums over disjoint sets of respondents add up.
    """

    respondents: int = 0
    yy: int = 0
    mm: int = 0
    ym: int = 0

    def __add__(self, other: ClusterSums) -> ClusterSums:
        return ClusterSums(
            self.respondents + other.respondents,
            self.yy + other.yy,
            self.mm + other.mm,
            self.ym + other.ym,
        )

    def clustered(self, valid: Number) -> bool:
        """True when some respondent gave more than one of the ``valid`` answers
        (Σ m_i² > Σ m_i exactly then)."""
        return self.mm > int(valid)


def design_effect(
    satisfied: Number, valid: Number, sums: ClusterSums | None
) -> Decimal | None:
    """The design effect of clustering answers by respondent, floored at 1.

    p = Σy ÷ Σm; the cluster-robust (linearisation) variance of the ratio is
    V_c = k ÷ (k − 1) × Σ (y_i − p m_i)² ÷ (Σm)², with k respondents and
    Σ (y_i − p m_i)² = Σy² − 2p Σym + p² Σm²; the variance if the answers were
    independent is V_0 = p(1 − p) ÷ Σm; deff = max(1, V_c ÷ V_0).

    None when nothing is clustered (each respondent gave at most one answer),
    there are fewer than 2 respondents, or there is no rate; 1 when p is 0 or 1.
    The floor keeps the interval never narrower than the answer-level one.
    """
    p = satisfaction_rate(satisfied, valid)
    if p is None or sums is None or not sums.clustered(valid) or sums.respondents < 2:
        return None
    if p in (ZERO, ONE):
        return ONE
    k, m = _dec(sums.respondents), _dec(valid)
    with localcontext(decimals.RATE_CONTEXT):
        residual = _dec(sums.yy) - 2 * p * _dec(sums.ym) + p * p * _dec(sums.mm)
        clustered = k / (k - ONE) * residual / (m * m)
        independent = p * (ONE - p) / m
        return max(ONE, clustered / independent)


def round_half_up(
    value: Number | None, places: int = decimals.DISPLAY_PLACES
) -> Decimal | None:
    """Round for display or export (四舍五入); None stays None
    (:func:`wagtail_pilots.decimals.display`)."""
    return decimals.display(value, places)


def as_percent(fraction: Number | None) -> Decimal | None:
    """A fraction 0..1 as a percentage 0..100 (unrounded)."""
    if fraction is None:
        return None
    return _dec(fraction) * HUNDRED


def is_insufficient(valid: int | Decimal, minimum_sample: int | None) -> bool:
    """True when there are fewer valid answers than the minimum sample (or none)."""
    return int(valid) <= 0 or int(valid) < int(minimum_sample or 0)


#: Rates are shown as percentages with this many decimals, and compared so.
DISPLAY_PLACES = decimals.DISPLAY_PLACES


def is_below_threshold(
    rate: Number | None, threshold_percent: Number | None
) -> bool | None:
    """True when ``rate`` (0..1), as displayed (a percentage rounded half up to
    :data:`DISPLAY_PLACES` decimals), is below ``threshold_percent`` (0..100,
    rounded the same way).

    The comparison uses the shown figure so the verdict always agrees with what is
    published: 2,401 of 4,002 (59.995…%) reads "60.00%" and is not below 60.
    None when there is no rate or no threshold: nothing to compare.
    """
    if rate is None or threshold_percent is None:
        return None
    shown = decimals.display(_dec(rate) * HUNDRED, DISPLAY_PLACES)
    limit = decimals.display(threshold_percent, DISPLAY_PLACES)
    return shown < limit


INTERVAL_WILSON = "wilson"
INTERVAL_RESPONDENT = "respondent"


@dataclass(frozen=True)
class SatisfactionResult:
    """Everything published about one set of answers, unrounded."""

    satisfied: int
    valid: int
    score_sum: Decimal
    minimum_sample: int = 0
    threshold: Decimal | None = None  # percent 0..100
    clusters: ClusterSums | None = None  # per-respondent sums, when known

    @property
    def rate(self) -> Decimal | None:
        return satisfaction_rate(self.satisfied, self.valid)

    @property
    def rate_percent(self) -> Decimal | None:
        return as_percent(self.rate)

    @property
    def index(self) -> Decimal | None:
        return satisfaction_index(self.score_sum, self.valid)

    @property
    def design_effect(self) -> Decimal | None:
        return design_effect(self.satisfied, self.valid, self.clusters)

    @property
    def effective_n(self) -> Decimal | None:
        """n ÷ deff when answers are clustered by respondent, else None."""
        deff = self.design_effect
        if deff is None:
            return None
        with localcontext(decimals.RATE_CONTEXT):
            return _dec(self.valid) / deff

    @property
    def interval_method(self) -> str:
        """``"respondent"`` (Wilson on the respondent-level effective n) when
        some respondent gave several of the answers, else ``"wilson"``."""
        return (
            INTERVAL_RESPONDENT if self.design_effect is not None else INTERVAL_WILSON
        )

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        return wilson_interval(self.satisfied, self.valid, effective_n=self.effective_n)

    @property
    def interval_percent(self) -> tuple[Decimal, Decimal] | None:
        interval = self.interval
        if interval is None:
            return None
        return interval[0] * HUNDRED, interval[1] * HUNDRED

    @property
    def insufficient_sample(self) -> bool:
        return is_insufficient(self.valid, self.minimum_sample)

    @property
    def below_threshold(self) -> bool | None:
        """True/False against the threshold; None when there is no threshold or
        the sample is insufficient (such a rate is never judged)."""
        if self.insufficient_sample:
            return None
        return is_below_threshold(self.rate, self.threshold)


def summarise(
    *,
    satisfied: int | Decimal,
    valid: int | Decimal,
    score_sum: Number | None = ZERO,
    minimum_sample: int | None = 0,
    threshold: Number | None = None,
    clusters: ClusterSums | None = None,
) -> SatisfactionResult:
    if int(satisfied) > int(valid) or int(satisfied) < 0:
        raise ValueError(f"satisfied={satisfied} must lie between 0 and valid={valid}")
    return SatisfactionResult(
        satisfied=int(satisfied),
        valid=int(valid),
        score_sum=_dec(score_sum or 0),
        minimum_sample=int(minimum_sample or 0),
        threshold=None if threshold is None else _dec(threshold),
        clusters=clusters,
    )


@dataclass(frozen=True)
class Comparison:
    """Result ``after`` against result ``before`` (e.g. two years' surveys)."""

    before: SatisfactionResult
    after: SatisfactionResult
    difference: Decimal | None  # after.rate − before.rate, fraction
    interval: tuple[Decimal, Decimal] | None  # 95% interval of the difference
    index_difference: Decimal | None

    @property
    def comparable(self) -> bool:
        """Both sides have a sufficient sample."""
        return not (self.before.insufficient_sample or self.after.insufficient_sample)

    @property
    def significant(self) -> bool:
        """The 95% interval of the difference excludes 0 (and both are comparable)."""
        if not self.comparable or self.interval is None:
            return False
        lower, upper = self.interval
        return lower > 0 or upper < 0


def compare(before: SatisfactionResult, after: SatisfactionResult) -> Comparison:
    """Difference of two rates with Newcombe's hybrid score interval (method 10),
    built from the two Wilson intervals — each on its respondent-level effective
    n when its answers are clustered by respondent."""
    p1, p2 = before.rate, after.rate
    i1, i2 = before.interval, after.interval
    difference: Decimal | None = None
    interval: tuple[Decimal, Decimal] | None = None
    # A rate always has its interval; both are None together (no valid answer).
    if p1 is not None and p2 is not None and i1 is not None and i2 is not None:
        with localcontext(decimals.RATE_CONTEXT):
            difference = p2 - p1
            (l1, u1), (l2, u2) = i1, i2
            lower = difference - ((p2 - l2) ** 2 + (u1 - p1) ** 2).sqrt()
            upper = difference + ((u2 - p2) ** 2 + (p1 - l1) ** 2).sqrt()
            interval = (lower, upper)
    x1, x2 = before.index, after.index
    index_difference = None if x1 is None or x2 is None else x2 - x1
    return Comparison(
        before=before,
        after=after,
        difference=difference,
        interval=interval,
        index_difference=index_difference,
    )


# Reading speed behind "about N minutes to answer" in the survey listings: a
# choice (a scale, a group, a matrix row) takes about 10 seconds, a written
# answer about 45.
SECONDS_PER_CHOICE = 10
SECONDS_PER_TEXT = 45


def answer_minutes(*, choices: int, texts: int) -> int:
    """Whole minutes a respondent needs for ``choices`` choice items and
    ``texts`` written answers, rounded up, at least 1."""
    seconds = choices * SECONDS_PER_CHOICE + texts * SECONDS_PER_TEXT
    return max(1, -(-seconds // 60))


@dataclass(frozen=True)
class PostStratified:
    """A rate weighted by group population, or why there is none.

    ``missing``: groups with a population but no valid answer; ``unweighted``:
    groups with answers but no population. Either way there is no weighted rate
    (a share of the population, or of the answers, would be left out).
    """

    rate: Decimal | None
    interval: tuple[Decimal, Decimal] | None
    effective_n: Decimal | None
    weights: dict[str, Decimal]  # group -> W_h (fraction)
    missing: tuple[str, ...] = ()
    unweighted: tuple[str, ...] = ()

    @property
    def rate_percent(self) -> Decimal | None:
        return as_percent(self.rate)


def post_stratify(
    strata: dict[str, tuple[int, SatisfactionResult]],
    *,
    unweighted: Sequence[str] = (),
) -> PostStratified | None:
    """``strata``: ``{group: (population N_h, SatisfactionResult of the group)}``;
    ``unweighted``: groups that have answers but no population (no weighted rate
    then).

    p_w = Σ W_h p_h, W_h = N_h ÷ ΣN; V = Σ W_h² p_h (1 − p_h) ÷ n_h, where n_h is
    the group's effective n (its valid answers, divided by its design effect when
    one respondent gave several); the 95% interval is Wilson's for p_w with
    n_eff = p_w (1 − p_w) ÷ V (when V = 0 — every group at 0% or 100% — n_eff is
    the total valid answers). None without strata.
    """
    if not strata:
        return None
    total = sum((_dec(n) for n, _r in strata.values()), ZERO)
    if total <= 0:
        return None
    rates: dict[str, Decimal] = {}
    missing: list[str] = []
    for g, (_n, r) in strata.items():
        rate_h = r.rate
        if rate_h is None:
            missing.append(g)
        else:
            rates[g] = rate_h
    with localcontext(decimals.RATE_CONTEXT):
        weights = {g: _dec(n) / total for g, (n, _r) in strata.items()}
        if missing or unweighted:
            return PostStratified(
                None, None, None, weights, tuple(missing), tuple(unweighted)
            )
        rate = sum((weights[g] * rates[g] for g in strata), ZERO)
        variance = ZERO
        for g, (_n, r) in strata.items():
            eff = r.effective_n
            n_h = eff if eff is not None else _dec(r.valid)
            variance += weights[g] ** 2 * rates[g] * (ONE - rates[g]) / n_h
        valid = sum((r.valid for _n, r in strata.values()), 0)
        effective_n = rate * (ONE - rate) / variance if variance > 0 else _dec(valid)
    interval = _wilson(rate, effective_n)
    return PostStratified(rate, interval, effective_n, weights)


def cells_to_suppress(counts: Sequence[int], k: int) -> frozenset[int]:
    """The positions in ``counts`` (respondents per slice of one breakdown) whose
    figures must not be published.

    Primary: every slice with 1 to ``k - 1`` respondents (an empty slice tells
    nothing about anyone). Complementary: the total minus the shown slices gives
    the hidden slices' sum, so while that sum is itself below ``k`` (one hidden
    slice, or 1 + 1 of two) the smallest other non-empty slice is hidden too
    (the first of equals); it has ``k`` or more, so one is always enough. With
    no other non-empty slice the hidden ones are the whole total, which the
    breakdown adds nothing to (the question as a whole is then below ``k``).
    """
    primary = [i for i, n in enumerate(counts) if 0 < n < k]
    hidden = set(primary)
    if 0 < sum(counts[i] for i in primary) < k:
        others = [(n, i) for i, n in enumerate(counts) if n > 0 and i not in hidden]
        if others:
            hidden.add(min(others)[1])
    return frozenset(hidden)
