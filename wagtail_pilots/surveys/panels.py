"""The admin dashboard panel of open surveys."""

from wagtail.admin.ui.components import Component
from wagtail.permission_policies.pages import PagePermissionPolicy

from .selectors import surveys_for_dashboard

PANEL_LIMIT = 20


class OpenSurveysPanel(Component):
    """The open surveys the user may edit: responses today and in total, days
    left, questions below the threshold."""

    name = "wagtail_pilots_open_surveys"
    template_name = "wagtail_pilots/surveys/admin/open_surveys_panel.html"
    order = 160

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        editable = PagePermissionPolicy().instances_user_has_permission_for(
            user, "change"
        )
        surveys = surveys_for_dashboard(pages=editable, limit=PANEL_LIMIT)
        context["surveys"] = surveys
        # The quotas column only when one of the surveys has quotas.
        context["any_quotas"] = any(s.quotas for s in surveys)
        return context
