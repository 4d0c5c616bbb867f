"""Admin viewsets of the core app."""

import django_filters
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .models import Unit


class UnitFilterSet(WagtailFilterSet):
    # Only units that have children can be a parent worth filtering by; listing
    # every village here would make the menu useless on a county-sized tree.
    parent = django_filters.ModelChoiceFilter(
        label=_("parent unit"),
        queryset=lambda request: (
            Unit.objects.filter(children__isnull=False).distinct().order_by("code")
        ),
    )

    class Meta:
        model = Unit
        fields = ["kind", "parent", "active"]


class SuiteIndexView(IndexView):
    """A listing whose header menu also shows the buttons that functions
    registered with the ``register_pilots_listing_buttons`` hook return for
    ``(model, user)`` — e.g. import and export from ``wagtail_pilots.importexport``.
    """

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        for hook in hooks.get_hooks("register_pilots_listing_buttons"):
            buttons.extend(hook(self.model, self.request.user) or ())
        return buttons


class UnitViewSet(SnippetViewSet):
    model = Unit
    index_view_class = SuiteIndexView
    icon = "site"
    menu_label = _("Units")
    menu_name = "wagtail_pilots_units"
    add_to_admin_menu = True
    list_display = ["name", "code", "kind", "parent", "region", "active"]
    filterset_class = UnitFilterSet
    list_per_page = 50
    # Substring search in SQL: full-text backends do not split Chinese words, so
    # "石桥" would not find "石桥村" through them.
    search_backend_name = None
    search_fields = ["name", "code", "region"]
    ordering = ["code"]
    copy_view_enabled = False

    @property
    def menu_order(self):
        from .conf import pilots_settings

        return pilots_settings.MENU_ORDER

    def get_queryset(self, request):
        return Unit.objects.select_related("parent")
