"""Hand-computed checks of pilots/progress.py (no database)."""

import datetime
from decimal import Decimal as D

from wagtail_pilots.pilots import progress as P

day = datetime.date
TODAY = day(2026, 6, 15)


def phase(**kwargs):
    kwargs.setdefault("weight", D(1))
    kwargs.setdefault("progress", D(0))
    return P.Phase(**kwargs)


class TestWeightedProgress:
    def test_weighted_mean(self):
        # (20*100 + 30*50 + 50*10) / 100 = (2000 + 1500 + 500) / 100 = 40
        phases = [
            phase(weight=D(20), progress=D(100)),
            phase(weight=D(30), progress=D(50)),
            phase(weight=D(50), progress=D(10)),
        ]
        assert P.weighted_progress(phases) == D(40)

    def test_uneven_weights_not_rounded(self):
        # (1*100 + 2*0) / 3 = 33.333..., shown as 33.33
        value = P.weighted_progress(
            [phase(weight=D(1), progress=D(100)), phase(weight=D(2))]
        )
        assert value == D(100) / D(3)
        assert P.display(value) == D("33.33")

    def test_completed_on_counts_as_done(self):
        # (1*100 + 1*0) / 2 = 50 even though the progress field says 40
        phases = [
            phase(progress=D(40), completed_on=day(2026, 6, 1)),
            phase(progress=D(0)),
        ]
        assert P.weighted_progress(phases) == D(50)

    def test_no_phases(self):
        assert P.weighted_progress([]) is None

    def test_zero_weights(self):
        assert P.weighted_progress([phase(weight=D(0), progress=D(80))]) is None

    def test_zero_weight_phase_is_ignored(self):
        # (0*100 + 2*30) / 2 = 30
        phases = [
            phase(weight=D(0), progress=D(100)),
            phase(weight=D(2), progress=D(30)),
        ]
        assert P.weighted_progress(phases) == D(30)

    def test_from_totals(self):
        assert P.weighted_progress_from_totals(D(4000), D(100)) == D(40)
        assert P.weighted_progress_from_totals(D(0), D(0)) is None
        assert P.weighted_progress_from_totals(None, None) is None

    def test_display_rounds_half_up(self):
        assert P.display(D("12.345")) == D("12.35")
        assert P.display(D("12.344")) == D("12.34")
        assert P.display(None) is None


class TestOverdue:
    def test_past_due_and_unfinished(self):
        late = phase(name="a", due=day(2026, 6, 14), progress=D(90))
        due_today = phase(name="b", due=day(2026, 6, 15))
        finished = phase(name="c", due=day(2026, 6, 1), progress=D(100))
        completed = phase(name="d", due=day(2026, 6, 1), completed_on=day(2026, 6, 2))
        later = phase(name="e", due=day(2026, 5, 1))
        result = P.overdue_phases([late, due_today, finished, completed, later], TODAY)
        assert [p.name for p in result] == ["e", "a"]

    def test_no_due_date_never_overdue(self):
        assert P.overdue_phases([phase()], TODAY) == []


class TestExpectedProgress:
    def test_elapsed_share(self):
        # 2026-01-01 .. 2026-01-11 is 10 days; on the 5th, 4 days elapsed = 40 %
        assert P.expected_progress(
            day(2026, 1, 1), day(2026, 1, 11), day(2026, 1, 5)
        ) == D(40)

    def test_not_started_and_finished(self):
        start, end = day(2026, 7, 1), day(2026, 12, 31)
        assert P.expected_progress(start, end, TODAY) == D(0)
        assert P.expected_progress(day(2026, 1, 1), day(2026, 6, 1), TODAY) == D(100)
        assert P.expected_progress(None, end, TODAY) is None


class TestHealth:
    START, END = day(2026, 1, 1), day(2026, 1, 11)

    def run(self, progress, today, overdue=0, **kwargs):
        return P.health(
            start=kwargs.pop("start", self.START),
            end=kwargs.pop("end", self.END),
            progress=progress,
            overdue_count=overdue,
            today=today,
            **kwargs,
        )

    def test_on_track_within_tolerance(self):
        # expected 40 on the 5th; 25 is 15 below: not more than 15 below
        assert self.run(D(25), day(2026, 1, 5)) == P.HEALTH_ON_TRACK

    def test_at_risk_beyond_tolerance(self):
        # expected 40; 24.99 is 15.01 below
        assert self.run(D("24.99"), day(2026, 1, 5)) == P.HEALTH_AT_RISK

    def test_overdue_phase_wins(self):
        assert self.run(D(90), day(2026, 1, 5), overdue=1) == P.HEALTH_OVERDUE

    def test_past_end_unfinished(self):
        assert self.run(D(99), day(2026, 1, 12)) == P.HEALTH_OVERDUE

    def test_finished_pilot(self):
        assert self.run(D(100), day(2026, 3, 1)) == P.HEALTH_ON_TRACK

    def test_not_started(self):
        assert self.run(None, day(2025, 12, 1)) == P.HEALTH_ON_TRACK

    def test_no_phases_counts_as_zero_once_started(self):
        assert self.run(None, day(2026, 1, 5)) == P.HEALTH_AT_RISK

    def test_closed(self):
        assert (
            self.run(D(0), day(2026, 3, 1), overdue=3, closed=True) == P.HEALTH_CLOSED
        )

    def test_no_dates(self):
        assert self.run(D(0), TODAY, start=None, end=None) == P.HEALTH_ON_TRACK


class TestNextDeadline:
    def test_earliest_upcoming_unfinished(self):
        phases = [
            phase(name="late", due=day(2026, 6, 1)),
            phase(name="done", due=day(2026, 6, 16), progress=D(100)),
            phase(name="next", due=day(2026, 6, 20)),
            phase(name="after", due=day(2026, 7, 1)),
        ]
        deadline = P.next_deadline(phases, TODAY)
        assert deadline.due == day(2026, 6, 20)
        assert deadline.days_left == 5
        assert deadline.phase.name == "next"

    def test_due_today_has_zero_days_left(self):
        assert P.next_deadline([phase(due=TODAY)], TODAY).days_left == 0

    def test_none(self):
        assert P.next_deadline([], TODAY) is None
        assert P.next_deadline([phase(due=day(2026, 1, 1))], TODAY) is None

    def test_from_date(self):
        assert P.deadline_from_date(day(2026, 6, 25), TODAY).days_left == 10
        assert P.deadline_from_date(None, TODAY) is None


class TestAchievement:
    def test_higher_is_better(self):
        # baseline 40, target 90, now 65: 25 / 50 = 50 %
        assert P.achievement(baseline=40, target=90, current=65) == D(50)

    def test_lower_is_better(self):
        # baseline 20 days, target 5 days, now 14: (14-20)/(5-20) = 6/15 = 40 %
        result = P.achievement(baseline=20, target=5, current=14, direction="lower")
        assert result == D(40)

    def test_clamped(self):
        assert P.achievement(baseline=40, target=90, current=30) == D(0)
        assert P.achievement(baseline=40, target=90, current=100) == D(100)
        # unclamped: (100-40)/50 = 120 %
        assert P.achievement(baseline=40, target=90, current=100, clamp=False) == D(120)

    def test_target_equal_to_baseline(self):
        assert P.achievement(baseline=5, target=5, current=5) == D(100)
        assert P.achievement(baseline=5, target=5, current=4) == D(0)
        assert P.achievement(baseline=5, target=5, current=4, direction="lower") == D(
            100
        )
        assert P.achievement(baseline=5, target=5, current=6, direction="lower") == D(0)

    def test_wrong_side_target_and_no_reading(self):
        assert P.achievement(baseline=40, target=30, current=35) is None
        assert (
            P.achievement(baseline=40, target=50, current=35, direction="lower") is None
        )
        assert P.achievement(baseline=40, target=90, current=None) is None

    def test_decimal_inputs(self):
        # baseline 0.5, target 2.5, now 1.2: 0.7 / 2 = 35 %
        assert P.achievement(baseline=D("0.5"), target=D("2.5"), current=D("1.2")) == D(
            35
        )


class TestReports:
    def test_monthly_periods_due(self):
        # Pilot 2026-03-10 .. 2026-12-31 seen on 2026-06-15: March, April, May ended.
        periods = P.expected_report_periods(
            start=day(2026, 3, 10), end=day(2026, 12, 31), today=TODAY
        )
        assert periods == [
            P.Period(day(2026, 3, 1), day(2026, 3, 31)),
            P.Period(day(2026, 4, 1), day(2026, 4, 30)),
            P.Period(day(2026, 5, 1), day(2026, 5, 31)),
        ]

    def test_grace_days(self):
        # May ended on the 31st; with 15 days' grace it is due after 2026-06-15.
        periods = P.expected_report_periods(
            start=day(2026, 5, 1), end=None, today=TODAY, grace_days=15
        )
        assert periods == []
        periods = P.expected_report_periods(
            start=day(2026, 5, 1), end=None, today=day(2026, 6, 16), grace_days=15
        )
        assert periods == [P.Period(day(2026, 5, 1), day(2026, 5, 31))]

    def test_finished_pilot_stops_at_end(self):
        periods = P.expected_report_periods(
            start=day(2025, 11, 20), end=day(2026, 1, 10), today=TODAY
        )
        assert [p.start for p in periods] == [
            day(2025, 11, 1),
            day(2025, 12, 1),
            day(2026, 1, 1),
        ]

    def test_quarterly(self):
        periods = P.expected_report_periods(
            start=day(2025, 11, 20), end=None, today=TODAY, cadence="quarterly"
        )
        assert periods == [
            P.Period(day(2025, 10, 1), day(2025, 12, 31)),
            P.Period(day(2026, 1, 1), day(2026, 3, 31)),
        ]

    def test_not_started_or_no_cadence(self):
        assert (
            P.expected_report_periods(start=day(2026, 7, 1), end=None, today=TODAY)
            == []
        )
        assert (
            P.expected_report_periods(
                start=day(2026, 1, 1), end=None, today=TODAY, cadence="none"
            )
            == []
        )
        assert P.expected_report_periods(start=None, end=None, today=TODAY) == []

    def test_missing(self):
        expected = P.expected_report_periods(
            start=day(2026, 3, 10), end=day(2026, 12, 31), today=TODAY
        )
        # A March report (period starting 3-10) and a May report; April is missing.
        missing = P.missing_report_periods(
            expected, [day(2026, 3, 10), day(2026, 5, 1)]
        )
        assert missing == [P.Period(day(2026, 4, 1), day(2026, 4, 30))]
        assert P.missing_report_periods(expected, []) == expected
