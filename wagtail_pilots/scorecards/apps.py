from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsAppConfig(AppConfig):
    name = "wagtail_pilots.scorecards"
    label = "wagtail_pilots_scorecards"
    verbose_name = _("Weighted scorecards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from .models import check_scorecard_pages

        checks.register(check_scorecard_pages)
