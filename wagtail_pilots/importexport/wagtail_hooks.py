from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from . import urls
from .buttons import ImportBatchesMenuItem, listing_buttons, page_header_buttons
from .kinds import UnitsKind
from .registry import HOOK_NAME
from .services import ACTION_IMPORT, ACTION_ROLLBACK


@hooks.register(HOOK_NAME)
def register_units_kind():
    return UnitsKind()


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("pilots-import/", include(urls, namespace=urls.app_name))]


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(ACTION_IMPORT, _("Import"), _("Imported a file"))
    actions.register_action(
        ACTION_ROLLBACK, _("Roll back import"), _("Rolled back an import")
    )


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(
        content_type__app_label="wagtail_pilots_importexport",
        codename__in=["import_data", "export_data"],
    )


@hooks.register("register_settings_menu_item")
def register_batches_menu_item():
    return ImportBatchesMenuItem(
        _("Import batches"),
        reverse("wagtail_pilots_importexport:batches"),
        icon_name="upload",
        order=900,
    )


hooks.register("register_pilots_listing_buttons", listing_buttons)
hooks.register("register_page_header_buttons", page_header_buttons)
