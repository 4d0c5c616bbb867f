from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsAppConfig(AppConfig):
    name = "wagtail_pilots.scorecards"
    label = "wagtail_pilots_scorecards"
    verbose_name = _("Weighted scorecards")
    default_auto_field = "django.db.models.BigAutoField"

    def get_suite_blocks(self):
        """The blocks this app offers to ``wagtail_pilots.blocks.suite_blocks``."""
        from .blocks import SUITE_BLOCKS

        return SUITE_BLOCKS

    def ready(self):
        from django.core import checks

        from ..importexport.checks import importexport_required
        from .models import check_scorecard_pages

        checks.register(check_scorecard_pages)
        checks.register(importexport_required(self.name))
