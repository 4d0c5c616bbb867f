from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailPilotsAppConfig(AppConfig):
    name = "wagtail_pilots"
    label = "wagtail_pilots"
    verbose_name = _("Wagtail pilots")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from .conf import check_settings

        checks.register(check_settings)
