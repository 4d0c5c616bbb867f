from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysAppConfig(AppConfig):
    name = "wagtail_pilots.surveys"
    label = "wagtail_pilots_surveys"
    verbose_name = _("Satisfaction surveys")
    default_auto_field = "django.db.models.BigAutoField"

    def get_suite_blocks(self):
        """The blocks this app offers to ``wagtail_pilots.blocks.suite_blocks``."""
        from .blocks import SUITE_BLOCKS

        return SUITE_BLOCKS

    def ready(self):
        from django.core import checks
        from django.db.models.signals import post_delete, post_save, pre_delete
        from wagtail.models import Locale

        from ..importexport.checks import importexport_required
        from .compiled import connect_signals
        from .models import SurveyResponse, check_survey_pages
        from .tallies import response_deleted
        from .translations import forget_locales

        checks.register(check_survey_pages)
        checks.register(importexport_required(self.name))
        # The default locale's id is kept per process (translations.py).
        post_save.connect(forget_locales, sender=Locale, dispatch_uid="wp_locales")
        post_delete.connect(forget_locales, sender=Locale, dispatch_uid="wp_locale")
        # Compiled question sets are forgotten when a survey changes.
        connect_signals()
        # A response deleted on its own (not by its survey page's deletion,
        # nor by an import's rollback) is uncounted from the tallies.
        pre_delete.connect(
            response_deleted, sender=SurveyResponse, dispatch_uid="wp_tally_delete"
        )
