from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies.pages import PagePermissionPolicy

from . import urls
from .importexport import IndicatorReadingsKind, PilotPhasesKind, PilotsKind
from .panels import PilotDeadlinesPanel
from .views import IndicatorReadingViewSet


class PilotReportMenuItem(MenuItem):
    def is_shown(self, request):
        return PagePermissionPolicy().user_has_permission(request.user, "change")


@hooks.register("register_admin_urls")
def register_pilots_urls():
    return [path("pilots/", include(urls, namespace="wagtail_pilots_pilots"))]


@hooks.register("register_reports_menu_item")
def register_pilot_report_menu_item():
    return PilotReportMenuItem(
        _("Pilot programs"),
        reverse("wagtail_pilots_pilots:report"),
        name="pilot-programs",
        icon_name="tasks",
        order=900,
    )


@hooks.register("construct_homepage_panels")
def add_pilot_deadlines_panel(request, panels):
    panels.append(PilotDeadlinesPanel())


@hooks.register("register_admin_viewset")
def register_indicator_reading_viewset():
    return IndicatorReadingViewSet()


@hooks.register("register_pilots_importexport_kind")
def register_pilots_kind():
    return PilotsKind()


@hooks.register("register_pilots_importexport_kind")
def register_pilot_phases_kind():
    return PilotPhasesKind()


@hooks.register("register_pilots_importexport_kind")
def register_indicator_readings_kind():
    return IndicatorReadingsKind()
