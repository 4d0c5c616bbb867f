from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportexportAppConfig(AppConfig):
    name = "wagtail_pilots.importexport"
    label = "wagtail_pilots_importexport"
    verbose_name = _("Import and export")
    default_auto_field = "django.db.models.BigAutoField"
