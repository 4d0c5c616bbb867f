"""Reads of pilot programs: the database sums, :mod:`.progress` decides.

Listings annotate every pilot with its phase totals in one query
(:func:`with_phase_totals`) and turn those into a :class:`PilotSummary` with the
pure rules, so the number of queries does not grow with the number of pilots.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
)
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from ..conf import pilots_settings
from ..models import Unit
from ..pages import root_page_models_using
from . import progress as rules
from . import progress_sql as sql
from .models import (
    CADENCE_REPORT_KINDS,
    CLOSED_STATUSES,
    HEALTH_CHOICES,
    STATUS_CHOICES,
    AbstractPilotPhase,
    PilotProgramPage,
    PilotProgramPageMixin,
    PilotReportPageMixin,
)


def pilot_page_models():
    """The pilot page types to query so that every pilot is found once: the
    suite's :class:`~.models.PilotProgramPage` (with a site's subclasses of it)
    and a site's own page types built on the mixin."""
    return root_page_models_using(PilotProgramPageMixin)


def editable_pilots(user, *, model=None):
    """Pilot pages of type ``model`` (default :class:`PilotProgramPage`) that
    ``user`` may edit (Wagtail page permissions)."""
    model = model or PilotProgramPage
    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    return model.objects.filter(pk__in=editable.values("pk"))


@dataclass
class PilotSummary:
    """Where a pilot stands on a day; every figure from :mod:`.progress`."""

    progress: Decimal | None
    health: str
    overdue_count: int
    next_deadline: rules.Deadline | None
    missing_reports: list = field(default_factory=list)

    @property
    def progress_display(self):
        return rules.display(self.progress)

    @property
    def health_label(self):
        return dict(HEALTH_CHOICES)[self.health]

    @property
    def missing_count(self):
        return len(self.missing_reports)


def with_phase_totals(queryset, *, today: datetime.date):
    """Annotate pilots with phase totals summed by the database.

    ``phase_total_weight``, ``phase_weighted_sum`` (Σ weight × progress, a
    completed phase counting 100), ``phase_overdue_count`` and
    ``phase_next_due``. Only the phases are joined, so the sums are not
    multiplied by other inlines.
    """
    return queryset.annotate(
        phase_total_weight=Sum("phases__weight"),
        phase_weighted_sum=Sum(
            ExpressionWrapper(
                F("phases__weight") * sql.effective_progress("phases__"),
                output_field=DecimalField(max_digits=20, decimal_places=4),
            )
        ),
        phase_overdue_count=Count("phases", filter=sql.overdue_q(today, "phases__")),
        phase_next_due=Min(
            "phases__due_date", filter=sql.upcoming_q(today, "phases__")
        ),
    )


def _health(*, pilot, progress, overdue_count, today):
    return rules.health(
        start=pilot.start_date,
        end=pilot.end_date,
        progress=progress,
        overdue_count=overdue_count,
        today=today,
        closed=pilot.status in CLOSED_STATUSES,
        tolerance=rules._dec(pilots_settings.PILOT_AT_RISK_TOLERANCE),
    )


def _missing(*, pilot, report_starts, today):
    kinds = CADENCE_REPORT_KINDS.get(pilot.report_cadence)
    if not kinds:
        return []
    expected = rules.expected_report_periods(
        start=pilot.start_date,
        end=pilot.end_date,
        today=today,
        cadence=pilot.report_cadence,
        grace_days=pilots_settings.PILOT_REPORT_GRACE_DAYS,
    )
    return rules.missing_report_periods(expected, report_starts)


def summarize(pilot, *, today: datetime.date, report_starts=None) -> PilotSummary:
    """A summary from the annotations of :func:`with_phase_totals`.

    Pass ``report_starts`` (period starts of the pilot's published reports of the
    cadence's kinds) to get missing reports too.
    """
    progress = rules.weighted_progress_from_totals(
        pilot.phase_weighted_sum, pilot.phase_total_weight
    )
    overdue_count = pilot.phase_overdue_count or 0
    return PilotSummary(
        progress=progress,
        health=_health(
            pilot=pilot, progress=progress, overdue_count=overdue_count, today=today
        ),
        overdue_count=overdue_count,
        next_deadline=rules.deadline_from_date(pilot.phase_next_due, today),
        missing_reports=(
            []
            if report_starts is None or pilot.status in CLOSED_STATUSES
            else _missing(pilot=pilot, report_starts=report_starts, today=today)
        ),
    )


def cadence_report_starts(pilot):
    kinds = CADENCE_REPORT_KINDS.get(pilot.report_cadence, ())
    return list(
        pilot.get_report_model()
        .objects.child_of(pilot)
        .live()
        .filter(kind__in=kinds)
        .values_list("period_start", flat=True)
    )


def pilot_summary(*, pilot, today: datetime.date) -> PilotSummary:
    """The summary of one pilot, from its own phases (works on previews too)."""
    phases = pilot.phase_facts()
    progress = rules.weighted_progress(phases)
    overdue = rules.overdue_phases(phases, today)
    report_starts = cadence_report_starts(pilot) if pilot.pk else []
    return PilotSummary(
        progress=progress,
        health=_health(
            pilot=pilot, progress=progress, overdue_count=len(overdue), today=today
        ),
        overdue_count=len(overdue),
        next_deadline=rules.next_deadline(phases, today),
        missing_reports=(
            []
            if pilot.status in CLOSED_STATUSES
            else _missing(pilot=pilot, report_starts=report_starts, today=today)
        ),
    )


def report_starts_by_pilot(pilot_paths):
    """``{pilot path: [period starts]}`` of live reports under the given pilots.

    One query: reports are found by depth and matched to their parent by path.
    """
    if not pilot_paths:
        return {}
    kinds = {k for ks in CADENCE_REPORT_KINDS.values() for k in ks}
    depths = {len(path) // Page.steplen + 1 for path in pilot_paths}
    rows = [
        row
        # One query per report page type (one for the suite's alone).
        for model in root_page_models_using(PilotReportPageMixin)
        for row in model.objects.live()
        .filter(kind__in=kinds, depth__in=depths)
        .values_list("path", "kind", "period_start")
    ]
    result = defaultdict(list)
    for path, kind, period_start in rows:
        result[path[: -Page.steplen]].append((kind, period_start))
    return result


def pilots_under(index, *, today: datetime.date | None = None):
    """The pilots under ``index`` in the explorer's order, with their lead unit
    and their sites (and the sites' units); with ``today``, also the phase
    totals of :func:`with_phase_totals`. The ``pilots`` export reads a chunk of
    them with a fixed number of queries (the pilots, their sites), however many
    there are.
    """
    pilot_model = index.get_pilot_model()
    sites = (
        pilot_model.get_site_model()
        .objects.select_related("unit")
        .order_by("sort_order", "pk")
    )
    pilots = (
        pilot_model.objects.child_of(index)
        .select_related("lead_unit")
        .prefetch_related(Prefetch("sites", queryset=sites))
        .order_by("path")
    )
    return pilots if today is None else with_phase_totals(pilots, today=today)


def summaries_with_reports(pilots, *, today):
    """``[(pilot, summary)]`` with missing reports, for annotated ``pilots``."""
    pilots = list(pilots)
    reports = report_starts_by_pilot([p.path for p in pilots])
    result = []
    for pilot in pilots:
        kinds = CADENCE_REPORT_KINDS.get(pilot.report_cadence, ())
        starts = [start for kind, start in reports.get(pilot.path, ()) if kind in kinds]
        result.append((pilot, summarize(pilot, today=today, report_starts=starts)))
    return result


# --- Index page ----------------------------------------------------------------


def _capitalised(choices):
    # The public filters start each label with a capital in English.
    return [(value, capfirst(label)) for value, label in choices]


class PilotFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", pgettext_lazy("filter choice", "All"))]
        + _capitalised(STATUS_CHOICES),
    )
    health = forms.ChoiceField(
        label=_("Health"),
        required=False,
        choices=[("", pgettext_lazy("filter choice", "All"))]
        + _capitalised(HEALTH_CHOICES),
    )
    unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=pgettext_lazy("filter choice", "All"),
    )
    year = forms.TypedChoiceField(
        label=_("Year"), required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(self, *args, units, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["year"].choices = [("", pgettext_lazy("filter choice", "All"))] + [
            (y, y) for y in years
        ]


def filter_pilots(queryset, cleaned):
    if cleaned.get("q"):
        q = cleaned["q"]
        # Substring search in SQL: full-text backends do not split Chinese words.
        queryset = queryset.filter(
            Q(title__icontains=q) | Q(code__icontains=q) | Q(summary__icontains=q)
        )
    if cleaned.get("status"):
        queryset = queryset.filter(status=cleaned["status"])
    if cleaned.get("unit"):
        queryset = queryset.filter(lead_unit=cleaned["unit"])
    if cleaned.get("year"):
        year = cleaned["year"]
        queryset = queryset.filter(
            Q(start_date__year__lte=year) | Q(start_date__isnull=True),
            Q(end_date__year__gte=year) | Q(end_date__isnull=True),
        )
    return queryset


def pilot_index_listing(*, pilots, params, per_page, today):
    """Context for a pilot index: rows, filter form, counts per status.

    A fixed number of queries whatever the number of pilots: status counts, the
    year range, the unit menu, and the pilots with their phase totals.
    """
    counts = dict(
        pilots.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    status_counts = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in STATUS_CHOICES
    ]
    bounds = pilots.aggregate(first=Min("start_date"), last=Max("end_date"))
    first = bounds["first"].year if bounds["first"] else None
    last = bounds["last"].year if bounds["last"] else first
    years = list(range(last, first - 1, -1)) if first else []
    units = Unit.objects.filter(pk__in=pilots.order_by().values("lead_unit")).order_by(
        "code"
    )
    form = PilotFilterForm(params or None, units=units, years=years)
    cleaned = form.cleaned_data if form.is_valid() else {}
    queryset = with_phase_totals(
        filter_pilots(pilots, cleaned).select_related("lead_unit"), today=today
    ).order_by("-start_date", "title")
    rows = [(pilot, summarize(pilot, today=today)) for pilot in queryset]
    if cleaned.get("health"):
        rows = [row for row in rows if row[1].health == cleaned["health"]]
    page = Paginator(rows, per_page).get_page(params.get("page"))
    query = params.copy() if hasattr(params, "copy") else {}
    if hasattr(query, "pop"):
        query.pop("page", None)
    return {
        "pilot_rows": page,
        "filter_form": form,
        "status_counts": status_counts,
        "total_count": sum(counts.values()),
        "is_filtered": bool(cleaned and any(cleaned.values())),
        "page_query": query.urlencode() if hasattr(query, "urlencode") else "",
    }


# --- Pilot page ------------------------------------------------------------------


@dataclass
class TimelineRow:
    phase: AbstractPilotPhase
    overdue: bool
    complete: bool
    left: Decimal  # % of the timeline width
    width: Decimal
    done_width: Decimal  # the completed part of the bar, % of the timeline width


def timeline(phases, *, today, pilot_start=None, pilot_end=None):
    """Bars for the phase timeline, as percentages of the whole span.

    A phase without a start begins where the previous one was due (or at the
    pilot's start); one without a due date ends at the pilot's end.
    """
    dates = [d for p in phases for d in (p.start_date, p.due_date) if d]
    dates += [d for d in (pilot_start, pilot_end) if d]
    if not dates:
        return None
    span_start, span_end = min(dates), max(dates)
    total = Decimal(max((span_end - span_start).days, 1))
    rows = []
    previous_due = pilot_start or span_start
    for phase in phases:
        start = phase.start_date or previous_due
        end = phase.due_date or pilot_end or span_end
        if end < start:
            end = start
        left = Decimal((start - span_start).days) / total * 100
        width = max(Decimal((end - start).days) / total * 100, Decimal(1))
        facts = phase.as_rule_phase()
        width = min(width, 100 - left)
        done = facts.effective_progress
        rows.append(
            TimelineRow(
                phase=phase,
                overdue=rules.is_overdue(facts, today),
                complete=facts.is_complete,
                left=rules.display(left),
                width=rules.display(width),
                done_width=rules.display(width * done / 100),
            )
        )
        previous_due = phase.due_date or previous_due
    today_at = None
    if span_start <= today <= span_end:
        today_at = rules.display(Decimal((today - span_start).days) / total * 100)
    return {
        "rows": rows,
        "start": span_start,
        "end": span_end,
        "today_at": today_at,
    }


@dataclass
class IndicatorRow:
    indicator: object
    latest_value: Decimal | None
    latest_date: datetime.date | None
    achievement: Decimal | None

    @property
    def achievement_display(self):
        return rules.display(self.achievement)


def indicator_rows(indicators):
    reading_model = indicators.model._meta.get_field("readings").related_model
    latest = reading_model.objects.filter(indicator=OuterRef("pk")).order_by(
        "-date", "-pk"
    )
    rows = []
    for indicator in indicators.annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_date=Subquery(latest.values("date")[:1]),
    ):
        rows.append(
            IndicatorRow(
                indicator=indicator,
                latest_value=indicator.latest_value,
                latest_date=indicator.latest_date,
                achievement=indicator.achievement_of(indicator.latest_value),
            )
        )
    return rows


def pilot_page_context(*, pilot, today):
    phases = list(pilot.phases.all())
    return {
        "summary": pilot.progress_summary,
        "timeline": timeline(
            phases, today=today, pilot_start=pilot.start_date, pilot_end=pilot.end_date
        ),
        "indicator_rows": indicator_rows(pilot.indicators.all()) if pilot.pk else [],
        "sites": pilot.sites.all(),
        "members": pilot.members.all(),
        "reports": (
            pilot.get_report_model()
            .objects.child_of(pilot)
            .live()
            .order_by("-period_start")
            if pilot.pk
            else []
        ),
        "evaluation_links": [
            link for link in pilot.evaluation_links.all() if link.page.live
        ],
        "today": today,
    }


# --- Dashboard and reminders -----------------------------------------------------


def overdue_phases(*, pilots, today):
    """Overdue phases of ``pilots`` (a queryset of one pilot page type), with
    their pilot, one query."""
    return (
        pilots.model.get_phase_model()
        .objects.filter(pilot__in=pilots)
        .overdue(today)
        .select_related("pilot", "owner_unit")
        .order_by("due_date", "pk")
    )


def phases_due_soon(*, pilots, today, days):
    return (
        pilots.model.get_phase_model()
        .objects.filter(pilot__in=pilots)
        .due_within(today, days)
        .select_related("pilot", "owner_unit")
        .order_by("due_date", "pk")
    )


def missing_reports(*, pilots, today):
    """``[(pilot, [periods])]`` for pilots that lack expected reports."""
    pilots = with_phase_totals(pilots.select_related("lead_unit"), today=today)
    return [
        (pilot, summary.missing_reports)
        for pilot, summary in summaries_with_reports(pilots, today=today)
        if summary.missing_reports
    ]
