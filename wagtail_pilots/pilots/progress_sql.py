"""The SQL form of the phase rules of :mod:`.progress`, one beside each pure rule.

:mod:`.progress` holds the rules as pure functions of a :class:`~.progress.Phase`;
listings and reminders need the same rules inside a query (a filter, a
``Count(filter=…)``, a ``Sum``). Each expression here is written once, documented
as the SQL of the pure function it mirrors, and a property test
(``tests/pilots/test_progress_sql.py``) checks on random phases and days that the
database and the pure function agree. Selectors use these and never spell a rule
out again.

``prefix`` lets a query over pilots reach their phases (``prefix="phases__"``);
over the phase table itself it is empty.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When

from .progress import HUNDRED

# The progress at which a phase is complete (``progress.HUNDRED``).
COMPLETE = int(HUNDRED)


def incomplete_q(prefix: str = "") -> Q:
    """SQL of ``not progress.Phase.is_complete``: no completion date and progress
    below 100."""
    return Q(
        **{f"{prefix}completed_on__isnull": True, f"{prefix}progress__lt": COMPLETE}
    )


def overdue_q(today: datetime.date, prefix: str = "") -> Q:
    """SQL of :func:`progress.is_overdue`: due before ``today`` and incomplete (a
    phase without a due date is never overdue)."""
    return incomplete_q(prefix) & Q(**{f"{prefix}due_date__lt": today})


def upcoming_q(today: datetime.date, prefix: str = "") -> Q:
    """SQL of the phases :func:`progress.next_deadline` chooses from: due on or
    after ``today`` and incomplete."""
    return incomplete_q(prefix) & Q(**{f"{prefix}due_date__gte": today})


def effective_progress(prefix: str = "") -> Case:
    """SQL of ``progress.Phase.effective_progress``: a phase with a completion
    date counts 100, otherwise its progress."""
    return Case(
        When(**{f"{prefix}completed_on__isnull": False}, then=Value(COMPLETE)),
        default=F(f"{prefix}progress"),
        output_field=IntegerField(),
    )


class PilotPhaseQuerySet(models.QuerySet):
    """Phases filtered by the rules of :mod:`.progress`, in SQL."""

    def incomplete(self):
        """Phases for which ``progress.Phase.is_complete`` is false."""
        return self.filter(incomplete_q())

    def overdue(self, today: datetime.date):
        """Phases for which :func:`progress.is_overdue` is true on ``today``."""
        return self.filter(overdue_q(today))

    def due_within(self, today: datetime.date, days: int):
        """Incomplete phases due from ``today`` to ``days`` days later."""
        return self.filter(
            upcoming_q(today),
            due_date__lte=today + datetime.timedelta(days=days),
        )

    def with_effective_progress(self):
        """Annotate ``effective_progress`` (``progress.Phase.effective_progress``)."""
        return self.annotate(effective_progress=effective_progress())
