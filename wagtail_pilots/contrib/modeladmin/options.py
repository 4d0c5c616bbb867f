"""ModelAdmin classes for sites that use wagtail-modeladmin.

Their import/export buttons are the very buttons of the snippet listings
(``wagtail_pilots.importexport.buttons``): they lead to the same views, which
check the same permissions.

Records that belong to a page (ballots of a scorecard, responses of a survey)
are listed, inspected and their history shown only to users who may edit that
page, by one rule (:func:`user_can_edit_page`, the rule of the listings); they
are never created, edited or deleted here: ballots are written only by the
ballot service (the public ballot page, the scorecard's ballot entry, imports),
responses by the survey, paper entry and imports.
"""

from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets.button import Button, ButtonWithDropdown
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import HistoryView, IndexView, InspectView

from wagtail_pilots.importexport.buttons import kind_buttons, listing_buttons
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import PERMISSION_IMPORT, get_kinds
from wagtail_pilots.importexport.services import (
    batches_visible_to,
    user_can_see_batch,
)
from wagtail_pilots.models import Unit


def editable_page_ids(user):
    """Ids of the pages ``user`` may edit: their records are listed."""
    return (
        PagePermissionPolicy()
        .instances_user_has_any_permission_for(user, ["change"])
        .values("pk")
    )


def user_can_edit_page(user, page):
    """The same rule for one page (Wagtail caches the user's page permissions,
    so a listing asking it for every row makes no query per row)."""
    return PagePermissionPolicy().user_has_permission_for_instance(user, "change", page)


class PageRecordPermissionHelper(PermissionHelper):
    """Records of a page (``page_field`` names it): listed to users with a
    permission on the model, each record shown only to those who may edit its
    page; never created, edited or deleted here."""

    page_field = None

    def user_can_edit_page_of(self, user, obj):
        return user_can_edit_page(user, getattr(obj, self.page_field))

    def user_can_inspect_obj(self, user, obj):
        return super().user_can_inspect_obj(user, obj) and self.user_can_edit_page_of(
            user, obj
        )

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class ScopedHistoryView(HistoryView):
    """wagtail-modeladmin's history view checks no permission at all: here it
    needs the right to inspect or edit the object."""

    def check_action_permitted(self, user):
        helper = self.permission_helper
        return helper.user_can_inspect_obj(
            user, self.instance
        ) or helper.user_can_edit_obj(user, self.instance)


class ImportExportIndexView(IndexView):
    def get_import_export_buttons(self):
        user = self.request.user
        page_buttons = getattr(self.model_admin, "get_page_buttons", None)
        if page_buttons is not None:
            return page_buttons(self.request)
        if self.model is ImportBatch:
            buttons = []
            for kind in get_kinds().values():
                if kind.page_model is None:
                    buttons.extend(
                        b
                        for b in kind_buttons(kind, user)
                        if "data-pilots-import" in b.attrs
                    )
            return buttons
        return listing_buttons(self.model, user)

    def get_header_action_buttons(self):
        """Buttons shown as they are in the header (the import/export entries
        go into one menu, which keeps the header within the screen)."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pilots_buttons"] = self.get_header_action_buttons()
        menu = list(self.get_import_export_buttons())
        context["pilots_menu"] = (
            ButtonWithDropdown(
                _("Import and export"),
                buttons=menu,
                icon_name="arrow-down",
                classname="button button-secondary",
                attrs={"data-pilots-menu": ""},
            )
            if menu
            else None
        )
        return context


class ImportExportModelAdminMixin:
    index_view_class = ImportExportIndexView
    index_template_name = "wagtail_pilots/modeladmin/index.html"
    history_view_class = ScopedHistoryView


class UnitModelAdmin(ImportExportModelAdminMixin, ModelAdmin):
    model = Unit
    menu_label = _("Units")
    menu_icon = "site"
    list_display = ("name", "code", "kind", "parent", "region", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "code", "region")
    ordering = ("code",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


class ImportBatchPermissionHelper(PermissionHelper):
    """Batches are listed to importers; they are created by imports only."""

    def user_can_list(self, user):
        return user.has_perm(PERMISSION_IMPORT)

    def user_can_inspect_obj(self, user, obj):
        # Called for every row of the listing: one batch's rights, not the
        # whole visibility scan of batches_visible_to.
        return user_can_see_batch(user, obj)

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class ImportBatchModelAdmin(ImportExportModelAdminMixin, ModelAdmin):
    model = ImportBatch
    menu_label = _("Import batches")
    menu_icon = "upload"
    permission_helper_class = ImportBatchPermissionHelper
    inspect_view_enabled = True
    inspect_view_fields = (
        "kind",
        "file_name",
        "sha256",
        "page",
        "user",
        "created_at",
        "finished_at",
        "status",
        "rows_total",
        "rows_new",
        "rows_updated",
        "rows_skipped",
        "rows_invalid",
        "message",
    )
    list_display = (
        "batch_link",
        "kind",
        "file_name",
        "user",
        "created_at",
        "status",
        "rows_new",
        "rows_updated",
        "rows_skipped",
        "rows_invalid",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "sha256")

    def get_queryset(self, request):
        # As the suite's own batch list: an editor of survey A does not see
        # the imports of survey B.
        return batches_visible_to(request.user).select_related("user", "page")

    @staticmethod
    def batch_link(obj):
        from django.urls import reverse

        return format_html(
            '<a href="{}">#{}</a>',
            reverse("wagtail_pilots_importexport:batch", args=[obj.pk]),
            obj.pk,
        )

    batch_link.short_description = _("batch")


class ScorecardFilter(admin.SimpleListFilter):
    """Scorecards the user may edit; choosing one scopes the header buttons."""

    title = _("scorecard")
    parameter_name = "scorecard"

    def lookups(self, request, model_admin):
        from wagtail_pilots.scorecards.models import ScorecardPage

        pages = ScorecardPage.objects.filter(pk__in=editable_page_ids(request.user))
        return [(str(p.pk), p.title) for p in pages.order_by("title")[:200]]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(scorecard_id=int(self.value()))
        return queryset


class BallotIndexView(ImportExportIndexView):
    """Ballots of the scorecards the user may edit; once the listing is
    filtered to one scorecard, its header carries that page's ballot entry
    and import/export buttons (ballots, results, access codes)."""

    def selected_scorecard(self):
        from wagtail_pilots.scorecards.models import ScorecardPage

        value = self.request.GET.get(ScorecardFilter.parameter_name, "")
        if not value.isdigit():
            return None
        page = ScorecardPage.objects.filter(pk=int(value)).first()
        if page is None or not user_can_edit_page(self.request.user, page):
            return None
        return page

    def get_header_action_buttons(self):
        page = self.selected_scorecard()
        if page is None:
            return []
        # Ballots are entered on the scorecard's own screen, by the ballot
        # service and its checks.
        return [
            Button(
                _("Enter a ballot"),
                url=reverse("wagtail_pilots_scorecards:ballot_add", args=[page.pk]),
                icon_name="form",
                attrs={"data-pilots-ballot-entry": page.pk},
            )
        ]

    def get_import_export_buttons(self):
        page = self.selected_scorecard()
        if page is None:
            return []
        buttons = []
        for kind in get_kinds().values():
            if kind.page_model is not None and isinstance(page, kind.page_model):
                buttons.extend(kind_buttons(kind, self.request.user, page=page))
        return buttons


class BallotPermissionHelper(PageRecordPermissionHelper):
    page_field = "scorecard"


class BallotInspectView(InspectView):
    def get_page_subtitle(self):
        ballot = self.instance
        what = ballot.criterion.name if ballot.criterion else ballot.get_vote_display()
        return f"{ballot.evaluator} · {ballot.subject.display_name} · {what}"

    def get_field_label(self, field_name, field=None):
        # The model's field has no translated name of its own.
        if field_name == "scorecard":
            return capfirst(_("scorecard"))
        return super().get_field_label(field_name, field)


class BallotModelAdmin(ImportExportModelAdminMixin, ModelAdmin):
    """Ballots of the scorecards the user may edit, read-only."""

    model = None  # set below when the scorecards app is installed
    index_view_class = BallotIndexView
    permission_helper_class = BallotPermissionHelper
    menu_label = _("Ballots")
    menu_icon = "list-ol"
    list_display = (
        "scorecard_title",
        "group",
        "evaluator",
        "subject",
        "criterion",
        "value",
        "vote",
        "channel",
        "created_at",
    )
    list_filter = (ScorecardFilter, "channel")
    search_fields = ("evaluator",)
    inspect_view_enabled = True
    inspect_view_fields = (
        "scorecard",
        "group",
        "evaluator",
        "subject",
        "criterion",
        "value",
        "vote",
        "channel",
        "import_batch",
        "created_at",
    )

    inspect_view_class = BallotInspectView

    @admin.display(description=_("scorecard"), ordering="scorecard__title")
    def scorecard_title(self, obj):
        return obj.scorecard.title

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(scorecard_id__in=editable_page_ids(request.user))
            .select_related("scorecard", "group", "subject__unit", "criterion")
        )


class PilotsModelAdminGroup(ModelAdminGroup):
    menu_label = _("Pilots (modeladmin)")
    menu_icon = "folder-open-inverse"
    menu_order = 260
    items = (UnitModelAdmin, ImportBatchModelAdmin)
    # The suite's own admin already lists these (Units; Settings › Import
    # batches): their listings here keep their URLs but stay out of the menu,
    # which shows only what the suite's own viewsets do not.
    menu_excluded = (UnitModelAdmin, ImportBatchModelAdmin)

    def get_submenu_items(self):
        shown = [
            instance
            for instance in self.modeladmin_instances
            if not isinstance(instance, self.menu_excluded)
        ]
        return [
            instance.get_menu_item(order=order)
            for order, instance in enumerate(shown, start=1)
        ]

    def __init__(self, *args, **kwargs):
        # Survey responses and ballots are listed when their apps are installed.
        items = [UnitModelAdmin]
        if apps.is_installed("wagtail_pilots.surveys"):
            from .surveys import SurveyResponseModelAdmin

            items.append(SurveyResponseModelAdmin)
        if apps.is_installed("wagtail_pilots.scorecards"):
            from wagtail_pilots.scorecards.models import Ballot

            BallotModelAdmin.model = Ballot
            items.append(BallotModelAdmin)
        self.items = (*items, ImportBatchModelAdmin)
        super().__init__(*args, **kwargs)
