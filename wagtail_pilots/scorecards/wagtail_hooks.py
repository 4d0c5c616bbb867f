from django.templatetags.static import static
from django.urls import include, path
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.widgets import Button, ListingButton

from . import urls
from .importexport import BallotsKind, ScorecardCodesKind, ScorecardResultsKind
from .models import ScorecardPageMixin
from .panels import ScorecardsPanel
from .views.admin import scorecard_admin_buttons


@hooks.register("register_admin_urls")
def register_scorecard_urls():
    return [path("scorecards/", include(urls, namespace="wagtail_pilots_scorecards"))]


def _scorecard_buttons(page, user, priority, button_class=Button):
    if not isinstance(page.specific_deferred, ScorecardPageMixin):
        return
    if not page.permissions_for_user(user).can_edit():
        return
    for offset, (label, url, icon) in enumerate(scorecard_admin_buttons(page)):
        yield button_class(label, url, icon_name=icon, priority=priority + offset)


@hooks.register("register_page_header_buttons")
def scorecard_header_buttons(page, user, view_name, next_url=None):
    # The edit form shows these as buttons at its top (ScreenLinksPanel).
    if view_name != "edit":
        yield from _scorecard_buttons(page, user, 80)


@hooks.register("register_page_listing_buttons")
def scorecard_listing_buttons(page, user, next_url=None):
    # Beside the scorecard's title in page listings, not inside the "⋯" menu.
    yield from _scorecard_buttons(page, user, 15, ListingButton)


@hooks.register("register_pilots_importexport_kind")
def register_ballots_kind():
    return BallotsKind()


@hooks.register("register_pilots_importexport_kind")
def register_scorecard_results_kind():
    return ScorecardResultsKind()


@hooks.register("register_pilots_importexport_kind")
def register_scorecard_codes_kind():
    return ScorecardCodesKind()


@hooks.register("construct_homepage_panels")
def add_scorecards_panel(request, panels):
    panels.append(ScorecardsPanel())


@hooks.register("insert_editor_js")
def criterion_questions_js():
    # A survey criterion's question list follows the survey chosen (no save).
    return format_html(
        '<script src="{}" defer></script>',
        static("wagtail_pilots/scorecards/criterion_questions.js"),
    )
