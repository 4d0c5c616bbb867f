from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from . import urls
from .importexport import BallotsKind, ScorecardCodesKind, ScorecardResultsKind
from .models import ScorecardPageMixin


@hooks.register("register_admin_urls")
def register_scorecard_urls():
    return [path("scorecards/", include(urls, namespace="wagtail_pilots_scorecards"))]


@hooks.register("register_page_header_buttons")
def scorecard_header_buttons(page, user, view_name, next_url=None):
    if not isinstance(page.specific_deferred, ScorecardPageMixin):
        return
    if not page.permissions_for_user(user).can_edit():
        return
    for name, label, icon, priority in (
        ("results", _("Results"), "list-ol", 80),
        ("codes", _("Access codes"), "key", 81),
        ("ballot_sheet", _("Enter a paper ballot"), "form", 82),
    ):
        yield Button(
            label,
            reverse(f"wagtail_pilots_scorecards:{name}", args=[page.pk]),
            icon_name=icon,
            priority=priority,
        )


@hooks.register("register_pilots_importexport_kind")
def register_ballots_kind():
    return BallotsKind()


@hooks.register("register_pilots_importexport_kind")
def register_scorecard_results_kind():
    return ScorecardResultsKind()


@hooks.register("register_pilots_importexport_kind")
def register_scorecard_codes_kind():
    return ScorecardCodesKind()
