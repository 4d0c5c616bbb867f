"""The survey responses listing (only when ``wagtail_pilots.surveys`` is installed)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page
from wagtail_modeladmin.options import ModelAdmin

from wagtail_pilots.importexport.buttons import kind_buttons
from wagtail_pilots.importexport.registry import get_kinds
from wagtail_pilots.surveys.models import SurveyResponse

from .options import (
    ImportExportModelAdminMixin,
    PageRecordPermissionHelper,
    editable_page_ids,
)


def editable_survey_ids(user):
    """Ids of the survey pages ``user`` may edit (their responses are listed)."""
    return editable_page_ids(user)


class SurveyFilter(admin.SimpleListFilter):
    """Surveys with responses that the user may edit; choosing one scopes the
    import/export buttons to it."""

    title = _("survey")
    parameter_name = "survey"

    def lookups(self, request, model_admin):
        pages = Page.objects.filter(survey_responses__isnull=False).distinct()
        if not request.user.is_superuser:
            pages = pages.filter(pk__in=editable_survey_ids(request.user))
        return [(str(p.pk), p.title) for p in pages.order_by("title")[:200]]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(survey_id=int(self.value()))
        return queryset


class SurveyResponsePermissionHelper(PageRecordPermissionHelper):
    """Responses are listed and inspected by those who may edit their survey;
    they are written by the survey, paper entry or an import only, and removed
    by rolling an import back."""

    page_field = "survey"


class SurveyResponseModelAdmin(ImportExportModelAdminMixin, ModelAdmin):
    """Survey responses of the surveys the user may edit. With a survey chosen
    in the filter, the header carries that survey's import/export buttons."""

    model = SurveyResponse
    menu_label = _("Survey responses")
    menu_icon = "form"
    permission_helper_class = SurveyResponsePermissionHelper
    inspect_view_enabled = True
    inspect_view_fields = (
        "survey",
        "channel",
        "group",
        "submitted_on",
        "entered_by",
        "import_batch",
        "data",
    )
    list_display = ("__str__", "survey", "channel", "group", "submitted_on")
    list_filter = (SurveyFilter, "channel")
    search_fields = ("group",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("survey").defer("data")
        if not request.user.is_superuser:
            queryset = queryset.filter(survey_id__in=editable_survey_ids(request.user))
        return queryset

    def get_page_buttons(self, request):
        value = request.GET.get("survey", "")
        if not value.isdigit():
            return []
        page = Page.objects.filter(pk=int(value)).first()
        if page is None:
            return []
        page = page.specific
        return [
            button
            for kind in get_kinds().values()
            if kind.page_model is not None and isinstance(page, kind.page_model)
            for button in kind_buttons(kind, request.user, page=page)
        ]
