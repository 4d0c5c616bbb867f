from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.widgets import Button, ListingButton
from wagtail.snippets.models import register_snippet

from ..importexport.registry import HOOK_NAME as IMPORTEXPORT_HOOK
from . import urls
from .codes_kind import SurveyCodesKind
from .importexport import ResponsesKind, SurveyResultsKind
from .models import SurveyPageMixin
from .panels import OpenSurveysPanel
from .services import quotas_recount
from .views.admin import survey_admin_buttons
from .viewsets import ScaleViewSet

register_snippet(ScaleViewSet)


@hooks.register("register_admin_urls")
def register_survey_admin_urls():
    return [path("pilots/surveys/", include(urls, namespace="wagtail_pilots_surveys"))]


# The screens a page listing row shows beside a survey's title: the daily
# ones (the printable questionnaire is on the survey's own header and edit form).
LISTING_SCREENS = 4


def _survey_buttons(page, user, priority, button_class=Button, limit=None):
    if not isinstance(page.specific_deferred, SurveyPageMixin):
        return
    if not page.permissions_for_user(user).can_edit():
        return
    for offset, (label, url, icon) in enumerate(survey_admin_buttons(page)[:limit]):
        yield button_class(label, url, icon_name=icon, priority=priority + offset)


@hooks.register("register_page_header_buttons")
def survey_header_buttons(page, user, view_name, next_url=None):
    # The edit form shows these as buttons at its top (ScreenLinksPanel).
    if view_name != "edit":
        yield from _survey_buttons(page, user, 40)
    if (
        view_name == "edit"
        and isinstance(page.specific_deferred, SurveyPageMixin)
        and page.permissions_for_user(user).can_edit()
    ):
        yield Button(
            _("Add a question set"),
            reverse("wagtail_pilots_surveys:question_sets", args=[page.pk]),
            icon_name="list-ol",
            priority=39,
        )


@hooks.register("register_page_listing_buttons")
def survey_listing_buttons(page, user, next_url=None):
    # Beside the survey's title in page listings, not inside the "⋯" menu.
    yield from _survey_buttons(page, user, 15, ListingButton, LISTING_SCREENS)


@hooks.register(IMPORTEXPORT_HOOK)
def register_responses_kind():
    return ResponsesKind()


@hooks.register(IMPORTEXPORT_HOOK)
def register_survey_results_kind():
    return SurveyResultsKind()


@hooks.register(IMPORTEXPORT_HOOK)
def register_survey_codes_kind():
    return SurveyCodesKind()


@hooks.register("construct_homepage_panels")
def add_open_surveys_panel(request, panels):
    panels.append(OpenSurveysPanel())


@hooks.register("after_publish_page")
def recount_survey_quotas(request, page):
    # A quota published on a running survey starts from the responses stored.
    # (A translation's quotas are its source's: nothing to count there.)
    if isinstance(page.specific_deferred, SurveyPageMixin):
        survey = page.specific
        if survey.get_survey_source().pk == survey.pk:
            quotas_recount(survey=survey)
