"""The arithmetic of pilot programs: pure functions, no ORM, ``today`` passed in.

Every figure is a :class:`decimal.Decimal`; nothing is rounded here. Round half
up to 2 places only when displaying or exporting (:func:`display`).

Definitions (docs/design.md, "Pilot progress")
----------------------------------------------

**Phase progress.** A phase with a ``completed_on`` date counts as 100 whatever
its progress field says; otherwise its progress (0–100) counts.

**Weighted progress** = Σ weight × progress ÷ Σ weight over the phases.
No phases, or phases whose weights are all zero, give ``None`` ("not
measurable"), never a division by zero.

**Overdue phase**: its due date is before ``today`` and it is not complete
(no ``completed_on`` and progress below 100). A phase due today is not overdue.

**Expected progress** on ``today`` for a pilot running from ``start`` to ``end``
= elapsed days ÷ total days × 100, where elapsed days = ``today - start``;
0 before the start, 100 on or after the end. Without both dates it is ``None``.

**Health** of a pilot, in this order:

1. ``closed`` — the pilot's status says it is over (completed, rolled out,
   stopped); it is no longer measured against dates.
2. ``overdue`` — at least one phase is overdue, or the end date has passed and
   progress is below 100.
3. ``at_risk`` — progress is more than ``tolerance`` points (default 15) below
   expected progress. Unmeasurable progress counts as 0 here, so a running pilot
   without phases shows up as at risk once time has elapsed.
4. ``on_track`` — otherwise (including a pilot that has not started yet).

**Next deadline**: the earliest due date, on or after ``today``, of a phase that
is not complete; days left = that date − ``today`` (0 when due today). Overdue
phases are reported by :func:`overdue_phases`, not here.

**Indicator achievement %** = (current − baseline) ÷ (target − baseline) × 100.
The same formula serves both directions: for "lower is better" the target is
below the baseline, so a fall towards it is progress. Edge cases:

- no current value → ``None``;
- target equal to baseline → 100 if the current value is at or beyond the target
  in the indicator's direction, else 0 (there is no distance to divide by);
- a target on the wrong side of the baseline for the direction (e.g. "higher is
  better" with target < baseline) → ``None``: the indicator is mis-specified;
- the result is clamped to 0–100 unless ``clamp=False`` (going backwards is 0,
  over-achieving is 100).

**Expected reports** for a cadence: one per calendar period (month, or quarter)
that overlaps the pilot's start–end range and has *ended* before ``today``
(plus ``grace_days``). A period is **covered** when a published report of the
cadence's kind starts within it; expected periods not covered are **missing**.

The phase rules (complete, effective progress, overdue, upcoming) are also needed
inside queries: their SQL form lives beside them in :mod:`.progress_sql`, one
expression per rule, and a property test checks that both forms agree.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .. import decimals

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TWO_PLACES = decimals.quantum(decimals.DISPLAY_PLACES)

HEALTH_ON_TRACK = "on_track"
HEALTH_AT_RISK = "at_risk"
HEALTH_OVERDUE = "overdue"
HEALTH_CLOSED = "closed"
HEALTH_VALUES = (HEALTH_ON_TRACK, HEALTH_AT_RISK, HEALTH_OVERDUE, HEALTH_CLOSED)

DIRECTION_HIGHER = "higher"
DIRECTION_LOWER = "lower"

CADENCE_NONE = "none"
CADENCE_MONTHLY = "monthly"
CADENCE_QUARTERLY = "quarterly"
CADENCE_MONTHS = {CADENCE_MONTHLY: 1, CADENCE_QUARTERLY: 3}

DEFAULT_TOLERANCE = Decimal(15)


_dec = decimals.to_decimal


def display(value: Decimal | None) -> Decimal | None:
    """Round half up (四舍五入) to 2 places, for display and export only
    (:func:`wagtail_pilots.decimals.display`)."""
    return decimals.display(value)


@dataclass(frozen=True)
class Phase:
    """What the rules need to know about one phase."""

    name: str = ""
    start: datetime.date | None = None
    due: datetime.date | None = None
    completed_on: datetime.date | None = None
    weight: Decimal = Decimal(1)
    progress: Decimal = ZERO

    @property
    def effective_progress(self) -> Decimal:
        return HUNDRED if self.completed_on else _dec(self.progress)

    @property
    def is_complete(self) -> bool:
        return self.effective_progress >= HUNDRED


def weighted_progress_from_totals(
    weighted_sum: Decimal | int | None, total_weight: Decimal | int | None
) -> Decimal | None:
    """Σ weight × progress ÷ Σ weight, from totals a database has summed."""
    if total_weight is None or weighted_sum is None:
        return None
    weights = _dec(total_weight)
    if weights <= ZERO:
        return None
    return _dec(weighted_sum) / weights


def weighted_progress(phases: Iterable[Phase]) -> Decimal | None:
    """Weighted mean progress (0–100) of ``phases``; ``None`` if not measurable."""
    weighted_sum = ZERO
    total_weight = ZERO
    for phase in phases:
        weight = _dec(phase.weight)
        weighted_sum += weight * phase.effective_progress
        total_weight += weight
    return weighted_progress_from_totals(weighted_sum, total_weight)


def is_overdue(phase: Phase, today: datetime.date) -> bool:
    """Due before ``today`` and not complete; SQL: ``progress_sql.overdue_q``."""
    return phase.due is not None and phase.due < today and not phase.is_complete


def overdue_phases(phases: Iterable[Phase], today: datetime.date) -> list[Phase]:
    """Phases past their due date and not complete, earliest due first."""
    return sorted(
        (p for p in phases if is_overdue(p, today)), key=lambda p: p.due or today
    )


def expected_progress(
    start: datetime.date | None, end: datetime.date | None, today: datetime.date
) -> Decimal | None:
    """Share of the pilot's time elapsed on ``today``, 0–100."""
    if start is None or end is None:
        return None
    if today <= start:
        return ZERO
    if today >= end:
        return HUNDRED
    return _dec((today - start).days) / _dec((end - start).days) * HUNDRED


def health(
    *,
    start: datetime.date | None,
    end: datetime.date | None,
    progress: Decimal | None,
    overdue_count: int,
    today: datetime.date,
    closed: bool = False,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> str:
    """One of ``HEALTH_VALUES``; the rule is in the module docstring."""
    if closed:
        return HEALTH_CLOSED
    measured = ZERO if progress is None else _dec(progress)
    if overdue_count > 0:
        return HEALTH_OVERDUE
    if end is not None and today > end and measured < HUNDRED:
        return HEALTH_OVERDUE
    expected = expected_progress(start, end, today)
    if expected is not None and measured < expected - _dec(tolerance):
        return HEALTH_AT_RISK
    return HEALTH_ON_TRACK


@dataclass(frozen=True)
class Deadline:
    due: datetime.date
    days_left: int
    phase: Phase | None = None


def next_deadline(phases: Iterable[Phase], today: datetime.date) -> Deadline | None:
    """The earliest upcoming due date of an unfinished phase, with days left."""
    upcoming = [
        (p.due, p)
        for p in phases
        if p.due is not None and p.due >= today and not p.is_complete
    ]
    if not upcoming:
        return None
    due, phase = min(upcoming, key=lambda pair: pair[0])
    return Deadline(due=due, days_left=(due - today).days, phase=phase)


def deadline_from_date(
    due: datetime.date | None, today: datetime.date
) -> Deadline | None:
    """A :class:`Deadline` from a due date a database has found (``Min``)."""
    if due is None:
        return None
    return Deadline(due=due, days_left=(due - today).days)


def achievement(
    *,
    baseline: Decimal | int | float | str | None,
    target: Decimal | int | float | str | None,
    current: Decimal | int | float | str | None,
    direction: str = DIRECTION_HIGHER,
    clamp: bool = True,
) -> Decimal | None:
    """Achievement % from baseline to target; edge cases in the module docstring."""
    if current is None or baseline is None or target is None:
        return None
    base, goal, now = _dec(baseline), _dec(target), _dec(current)
    if direction == DIRECTION_LOWER and goal > base:
        return None
    if direction != DIRECTION_LOWER and goal < base:
        return None
    if goal == base:
        reached = now <= goal if direction == DIRECTION_LOWER else now >= goal
        return HUNDRED if reached else ZERO
    result = (now - base) / (goal - base) * HUNDRED
    if clamp:
        result = min(max(result, ZERO), HUNDRED)
    return result


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date
    end: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def expected_report_periods(
    *,
    start: datetime.date | None,
    end: datetime.date | None,
    today: datetime.date,
    cadence: str = CADENCE_MONTHLY,
    grace_days: int = 0,
) -> list[Period]:
    """Calendar periods for which a report is due by ``today``.

    A period is due once ``today`` is later than its last day plus ``grace_days``.
    Periods are calendar months (or quarters starting January, April, July,
    October) that overlap ``start``–``end``; a pilot without an end date runs
    until ``today``.
    """
    months = CADENCE_MONTHS.get(cadence)
    if months is None or start is None or start > today:
        return []
    last_day = min(end, today) if end else today
    first_month = (start.month - 1) // months * months + 1
    cursor = datetime.date(start.year, first_month, 1)
    periods: list[Period] = []
    while cursor <= last_day:
        following = _add_months(cursor, months)
        period = Period(cursor, following - datetime.timedelta(days=1))
        if today > period.end + datetime.timedelta(days=grace_days):
            periods.append(period)
        cursor = following
    return periods


def missing_report_periods(
    expected: Sequence[Period], report_starts: Iterable[datetime.date]
) -> list[Period]:
    """Expected periods that no report (by its period start) falls in."""
    starts = sorted(set(report_starts))
    return [p for p in expected if not any(day in p for day in starts)]
