"""Admin screens of the pilots app: the "Pilot programs" report."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import DeleteView, EditView, IndexView
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.pages import PagePermissionPolicy

from ..models import Unit
from ..spreadsheets import FormulaSafeSpreadsheetExportMixin
from .models import (
    HEALTH_CHOICES,
    STATUS_CHOICES,
    IndicatorReading,
    PilotProgramPage,
    PilotProgramPageMixin,
)
from .selectors import (
    PilotSummary,
    editable_pilots,
    pilot_page_models,
    summaries_with_reports,
    with_phase_totals,
)


def _related(model, name):
    return model._meta.get_field(name).related_model


@dataclass
class PilotReportRow:
    """One line of the report: a pilot and where it stands."""

    pilot: PilotProgramPageMixin
    summary: PilotSummary

    @property
    def pk(self):
        return self.pilot.pk

    @property
    def title(self):
        return self.pilot.title

    @property
    def code(self):
        return self.pilot.code

    @property
    def status(self):
        return self.pilot.get_status_display()

    @property
    def lead_unit(self):
        return self.pilot.lead_unit.name if self.pilot.lead_unit else ""

    @property
    def health(self):
        return self.summary.health_label

    @property
    def progress(self):
        return self.summary.progress_display

    @property
    def next_deadline(self) -> datetime.date | None:
        deadline = self.summary.next_deadline
        return deadline.due if deadline else None

    @property
    def days_left(self):
        deadline = self.summary.next_deadline
        return deadline.days_left if deadline else None

    @property
    def overdue_count(self):
        return self.summary.overdue_count

    @property
    def missing_count(self):
        return self.summary.missing_count

    @property
    def missing_reports(self):
        return ", ".join(
            p.start.strftime("%Y-%m") for p in self.summary.missing_reports
        )


def _lead_units():
    """The units leading a pilot of any pilot page type (a site's own too)."""
    lead = Q(pk__in=[])
    for model in pilot_page_models():
        lead |= Q(pk__in=model.objects.values("lead_unit"))
    return Unit.objects.filter(lead).order_by("code")


class PilotReportFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=STATUS_CHOICES)
    health = django_filters.ChoiceFilter(
        label=_("health"), choices=HEALTH_CHOICES, method="filter_health"
    )
    lead_unit = django_filters.ModelChoiceFilter(
        label=_("lead unit"),
        queryset=lambda request: _lead_units(),
    )

    class Meta:
        model = PilotProgramPage
        fields = ["status", "lead_unit", "health"]

    def filter_health(self, queryset, name, value):
        # Health is decided by the rules in Python after the SQL sums: the view
        # applies it to the summarised rows (see PilotReportView).
        return queryset


class PilotReportView(FormulaSafeSpreadsheetExportMixin, ReportView):
    """Every pilot the user may edit: status, health, progress, deadlines."""

    page_title = _("Pilot programs")
    header_icon = "tasks"
    index_url_name = "wagtail_pilots_pilots:report"
    index_results_url_name = "wagtail_pilots_pilots:report_results"
    filterset_class = PilotReportFilterSet
    permission_policy = PagePermissionPolicy()
    permission_required = "change"
    verbose_name = _("pilot program")
    verbose_name_plural = _("pilot programs")
    paginate_by = 50
    list_export = [
        "title",
        "code",
        "status",
        "lead_unit",
        "health",
        "progress",
        "next_deadline",
        "days_left",
        "overdue_count",
        "missing_count",
        "missing_reports",
    ]
    export_headings = {
        "title": _("Title"),
        "code": pgettext_lazy("pilot program", "Code"),
        "status": _("Status"),
        "lead_unit": _("Lead unit"),
        "health": _("Health"),
        "progress": _("Progress (%)"),
        "next_deadline": _("Next deadline"),
        "days_left": _("Days left"),
        "overdue_count": _("Overdue phases"),
        "missing_count": _("Missing reports"),
        "missing_reports": _("Missing report periods"),
    }

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "title",
                label=_("Title"),
                get_url=lambda row: reverse("wagtailadmin_pages:edit", args=[row.pk]),
            ),
            Column("status", label=_("Status")),
            Column("health", label=_("Health")),
            Column("progress", label=_("Progress (%)")),
            Column("next_deadline", label=_("Next deadline")),
            Column("days_left", label=_("Days left")),
            Column("overdue_count", label=_("Overdue phases")),
            Column("missing_reports", label=_("Missing reports")),
        ]

    def get_filename(self):
        return f"pilot-programs-{timezone.localdate().isoformat()}"

    def get_queryset(self):
        return with_phase_totals(
            editable_pilots(self.request.user).select_related("lead_unit"),
            today=timezone.localdate(),
        ).order_by("title", "pk")

    def get_pilots(self, model):
        return with_phase_totals(
            editable_pilots(self.request.user, model=model).select_related("lead_unit"),
            today=timezone.localdate(),
        )

    def get_filtered_queryset(self):
        # Every pilot page type (a site's own too), one set of queries each.
        rows = [
            PilotReportRow(pilot=pilot, summary=summary)
            for model in pilot_page_models()
            for pilot, summary in summaries_with_reports(
                self.filter_queryset(self.get_pilots(model)),
                today=timezone.localdate(),
            )
        ]
        rows.sort(key=lambda row: (row.pilot.title, row.pilot.pk))
        health = None
        if self.filters and self.filters.is_valid():
            health = self.filters.form.cleaned_data.get("health")
        if health:
            rows = [row for row in rows if row.summary.health == health]
        return rows

    def get_heading(self, queryset, field):
        return str(self.export_headings[field])


def editable_readings(user, *, model=None):
    """Readings (of ``model``, default :class:`IndicatorReading`) of the pilots
    ``user`` may edit: the model permission alone does not open another
    department's pilot."""
    model = model or IndicatorReading
    pilot_model = _related(_related(model, "indicator"), "pilot")
    return model.objects.filter(
        indicator__pilot__in=editable_pilots(user, model=pilot_model)
    ).select_related("indicator__pilot", "report")


class IndicatorReadingFilterSet(WagtailFilterSet):
    indicator__pilot = django_filters.ModelChoiceFilter(
        label=_("pilot"),
        queryset=lambda request: editable_pilots(request.user).order_by("title"),
    )

    class Meta:
        model = IndicatorReading
        fields = ["indicator__pilot"]


class IndicatorReadingForm(WagtailAdminModelForm):
    """Offers only indicators of pilots the editor may edit."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        indicator_model = _related(self._meta.model, "indicator")
        indicators = indicator_model.objects.select_related("pilot").order_by(
            "pilot__title", "sort_order"
        )
        if for_user is not None:
            pilot_model = _related(indicator_model, "pilot")
            indicators = indicators.filter(
                pilot__in=editable_pilots(for_user, model=pilot_model)
            )
        self.fields["indicator"].queryset = indicators


class ScopedReadingMixin:
    """For every view of one reading (edit, delete, history, usage): a reading
    of a pilot the user may not edit is refused like any other object the user
    has no permission for (Wagtail redirects to the dashboard with a message)."""

    def get_object(self, *args, **kwargs):
        reading = super().get_object(*args, **kwargs)
        readings = editable_readings(self.request.user, model=type(reading))
        if not readings.filter(pk=reading.pk).exists():
            raise PermissionDenied
        return reading


class IndicatorReadingIndexView(IndexView):
    def get_base_queryset(self):
        return editable_readings(self.request.user, model=self.model).order_by(
            "-date", "-pk"
        )


class IndicatorReadingEditView(ScopedReadingMixin, EditView):
    pass


class IndicatorReadingDeleteView(ScopedReadingMixin, DeleteView):
    pass


class IndicatorReadingHistoryView(ScopedReadingMixin, HistoryView):
    pass


class IndicatorReadingUsageView(ScopedReadingMixin, UsageView):
    pass


class IndicatorReadingViewSet(ModelViewSet):
    """Readings recorded outside a report (those in reports are edited there).

    Every screen is scoped by the pilot page's permissions, as the suite's other
    screens: the listing, its pilot filter and the add form offer only pilots
    the user may edit; edit, delete, history and usage refuse the others.
    (Imports and exports of readings are scoped to one pilot page the same
    way, by the ``indicator-readings`` kind.)"""

    model = IndicatorReading
    icon = "table"
    menu_label = _("Indicator readings")
    name = "pilot_indicator_readings"
    add_to_admin_menu = True
    list_display = ["indicator", "pilot_title", "date", "value", "report"]
    filterset_class = IndicatorReadingFilterSet
    form_fields = ["indicator", "date", "value", "note"]
    list_per_page = 50
    copy_view_enabled = False

    @property
    def menu_order(self):
        from ..conf import pilots_settings

        return pilots_settings.MENU_ORDER + 1

    index_view_class = IndicatorReadingIndexView
    edit_view_class = IndicatorReadingEditView
    delete_view_class = IndicatorReadingDeleteView
    history_view_class = IndicatorReadingHistoryView
    usage_view_class = IndicatorReadingUsageView

    def get_form_class(self, for_update=False):
        return modelform_factory(
            self.model, form=IndicatorReadingForm, fields=self.form_fields
        )
