"""ModelAdmin classes for sites that use wagtail-modeladmin.

Their import/export buttons are the very buttons of the snippet listings
(``wagtail_pilots.importexport.buttons``): they lead to the same views, which
check the same permissions.
"""

from django.apps import apps
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import IndexView

from wagtail_pilots.importexport.buttons import kind_buttons, listing_buttons
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import PERMISSION_IMPORT, get_kinds
from wagtail_pilots.importexport.services import (
    batches_visible_to,
    user_can_see_batch,
)
from wagtail_pilots.models import Unit


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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pilots_buttons"] = self.get_import_export_buttons()
        return context


class ImportExportModelAdminMixin:
    index_view_class = ImportExportIndexView
    index_template_name = "wagtail_pilots/modeladmin/index.html"


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


class BallotIndexView(ImportExportIndexView):
    """Ballots of the scorecards the user may edit; once the listing is
    filtered to one scorecard, its header carries that page's import/export
    buttons (ballots, results, access codes)."""

    def selected_scorecard(self):
        from wagtail_pilots.scorecards.models import ScorecardPage

        for key, value in self.request.GET.items():
            if key.startswith("scorecard") and value.isdigit():
                page = ScorecardPage.objects.filter(pk=value).first()
                if (
                    page is not None
                    and page.permissions_for_user(self.request.user).can_edit()
                ):
                    return page
        return None

    def get_import_export_buttons(self):
        page = self.selected_scorecard()
        if page is None:
            return []
        buttons = []
        for kind in get_kinds().values():
            if kind.page_model is not None and isinstance(page, kind.page_model):
                buttons.extend(kind_buttons(kind, self.request.user, page=page))
        return buttons


class BallotModelAdmin(ImportExportModelAdminMixin, ModelAdmin):
    model = None  # set below when the scorecards app is installed
    index_view_class = BallotIndexView
    menu_label = _("Ballots")
    menu_icon = "list-ol"
    list_display = (
        "scorecard",
        "group",
        "evaluator",
        "subject",
        "criterion",
        "value",
        "vote",
        "channel",
        "created_at",
    )
    list_filter = ("scorecard", "channel")
    search_fields = ("evaluator",)
    inspect_view_enabled = False

    def get_queryset(self, request):
        from wagtail_pilots.scorecards.models import ScorecardPage

        # Scorecards are few: check each one's page permissions.
        editable = [
            page.pk
            for page in ScorecardPage.objects.all()
            if page.permissions_for_user(request.user).can_edit()
        ]
        return (
            super()
            .get_queryset(request)
            .filter(scorecard_id__in=editable)
            .select_related("scorecard", "group", "subject__unit", "criterion")
        )


class PilotsModelAdminGroup(ModelAdminGroup):
    menu_label = _("Pilots (modeladmin)")
    menu_icon = "folder-open-inverse"
    menu_order = 260
    items = (UnitModelAdmin, ImportBatchModelAdmin)

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
