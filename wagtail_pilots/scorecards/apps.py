from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsAppConfig(AppConfig):
    name = "wagtail_pilots.scorecards"
    label = "wagtail_pilots_scorecards"
    verbose_name = _("Weighted scorecards")
    default_auto_field = "django.db.models.BigAutoField"
