"""The admin dashboard panel: overdue phases and missing reports."""

from django.utils import timezone
from wagtail.admin.ui.components import Component

from .selectors import (
    editable_pilots,
    missing_reports,
    overdue_phases,
    pilot_page_models,
)

PANEL_LIMIT = 20


class PilotDeadlinesPanel(Component):
    """Overdue phases and missing reports of the pilots the user may edit."""

    name = "wagtail_pilots_deadlines"
    template_name = "wagtail_pilots/pilots/admin/deadlines_panel.html"
    order = 150

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        request = parent_context["request"]
        today = timezone.localdate()
        overdue, missing = [], []
        # Every pilot page type (a site's own too), a fixed number of queries each.
        for model in pilot_page_models():
            pilots = editable_pilots(request.user, model=model).live()
            overdue += overdue_phases(pilots=pilots, today=today)[: PANEL_LIMIT + 1]
            missing += missing_reports(pilots=pilots, today=today)
        overdue.sort(key=lambda phase: (phase.due_date, phase.pk))
        context.update(
            {
                "overdue_phases": [
                    (phase, (today - phase.due_date).days)
                    for phase in overdue[:PANEL_LIMIT]
                ],
                "more_overdue": len(overdue) > PANEL_LIMIT,
                "missing_reports": missing[:PANEL_LIMIT],
                "more_missing": len(missing) > PANEL_LIMIT,
            }
        )
        return context
