"""The admin dashboard panel of scorecards."""

from wagtail.admin.ui.components import Component
from wagtail.permission_policies.pages import PagePermissionPolicy

from .selectors import scorecards_for_dashboard

PANEL_LIMIT = 20


class ScorecardsPanel(Component):
    """The scorecards the user may edit: ballots in, and what has changed since
    the published version (new ballots, unpublished page edits)."""

    name = "wagtail_pilots_scorecards"
    template_name = "wagtail_pilots/scorecards/admin/scorecards_panel.html"
    order = 170

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = parent_context["request"].user
        editable = PagePermissionPolicy().instances_user_has_permission_for(
            user, "change"
        )
        context["scorecards"] = list(
            scorecards_for_dashboard(pages=editable, limit=PANEL_LIMIT)
        )
        return context
