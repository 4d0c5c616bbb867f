from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysAppConfig(AppConfig):
    name = "wagtail_pilots.surveys"
    label = "wagtail_pilots_surveys"
    verbose_name = _("Satisfaction surveys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from .models import check_survey_pages

        checks.register(check_survey_pages)
