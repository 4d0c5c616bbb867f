"""Admin viewsets of the surveys app."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Scale


class ScaleViewSet(SnippetViewSet):
    model = Scale
    icon = "list-ol"
    menu_label = _("Survey scales")
    menu_name = "wagtail_pilots_scales"
    add_to_admin_menu = True
    list_display = ["name", "description"]
    search_backend_name = None
    search_fields = ["name"]
    copy_view_enabled = False

    @property
    def menu_order(self):
        from wagtail_pilots.conf import pilots_settings

        return pilots_settings.MENU_ORDER + 10
