"""The SQL forms of the phase rules (``pilots/progress_sql.py``) agree with the
pure rules of ``pilots/progress.py`` on random phases and days.

Each example writes random phases under one pilot, asks the database (the
queryset methods, and the listing's ``with_phase_totals`` annotations) and the
pure functions the same question, and rolls back.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_pilots.pilots import progress as rules
from wagtail_pilots.pilots.models import PilotPhase, PilotProgramPage
from wagtail_pilots.pilots.selectors import with_phase_totals

pytestmark = pytest.mark.django_db

DAY0 = datetime.date(2026, 3, 1)
DAYS = st.integers(min_value=-20, max_value=20).map(
    lambda n: DAY0 + datetime.timedelta(days=n)
)
PHASE = st.fixed_dictionaries(
    {
        "due_date": st.one_of(st.none(), DAYS),
        "completed_on": st.one_of(st.none(), DAYS),
        "progress": st.one_of(
            st.integers(min_value=0, max_value=100), st.sampled_from([0, 99, 100])
        ),
        "weight": st.one_of(
            st.sampled_from([Decimal(0), Decimal(1)]),
            st.decimals(min_value=0, max_value=1000, places=2),
        ),
    }
)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Rollback(Exception):
    pass


def with_phases(pilot, phases, check):
    """Run ``check(saved phases)`` with ``phases`` stored, then undo them."""
    try:
        with transaction.atomic():
            saved = [
                PilotPhase.objects.create(pilot=pilot, name=f"P{i}", **phase)
                for i, phase in enumerate(phases)
            ]
            check(saved)
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def pilot(make_pilot):
    return make_pilot(phases=[])


@PROPERTY
@given(phases=st.lists(PHASE, max_size=6), today=DAYS, days=st.integers(0, 10))
def test_phase_querysets_select_what_the_pure_rules_select(pilot, phases, today, days):
    def check(saved):
        facts = {p.pk: p.as_rule_phase() for p in saved}
        objects = PilotPhase.objects.filter(pilot=pilot)
        assert set(objects.overdue(today).values_list("pk", flat=True)) == {
            pk for pk, f in facts.items() if rules.is_overdue(f, today)
        }
        assert set(objects.incomplete().values_list("pk", flat=True)) == {
            pk for pk, f in facts.items() if not f.is_complete
        }
        soon = today + datetime.timedelta(days=days)
        assert set(objects.due_within(today, days).values_list("pk", flat=True)) == {
            pk
            for pk, f in facts.items()
            if not f.is_complete and f.due is not None and today <= f.due <= soon
        }
        assert {
            p.pk: Decimal(p.effective_progress)
            for p in objects.with_effective_progress()
        } == {pk: f.effective_progress for pk, f in facts.items()}

    with_phases(pilot, phases, check)


@PROPERTY
@given(phases=st.lists(PHASE, max_size=6), today=DAYS)
def test_listing_totals_agree_with_the_pure_rules(pilot, phases, today):
    def check(saved):
        facts = [p.as_rule_phase() for p in saved]
        annotated = with_phase_totals(
            PilotProgramPage.objects.filter(pk=pilot.pk), today=today
        ).get()
        assert annotated.phase_overdue_count == len(rules.overdue_phases(facts, today))
        deadline = rules.next_deadline(facts, today)
        assert annotated.phase_next_due == (deadline.due if deadline else None)
        from_sql = rules.weighted_progress_from_totals(
            annotated.phase_weighted_sum, annotated.phase_total_weight
        )
        pure = rules.weighted_progress(facts)
        if pure is None:
            assert from_sql is None
        else:
            assert from_sql is not None
            assert abs(from_sql - pure) < Decimal("1e-9")

    with_phases(pilot, phases, check)
