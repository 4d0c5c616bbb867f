from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysAppConfig(AppConfig):
    name = "wagtail_pilots.surveys"
    label = "wagtail_pilots_surveys"
    verbose_name = _("Satisfaction surveys")
    default_auto_field = "django.db.models.BigAutoField"
