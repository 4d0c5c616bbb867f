from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsAppConfig(AppConfig):
    name = "wagtail_pilots.pilots"
    label = "wagtail_pilots_pilots"
    verbose_name = _("Pilot programs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from .models import check_pilot_pages

        checks.register(check_pilot_pages)
