"""Export-only kind: a survey's one-time access codes, for printing.

Registered from this app's ``wagtail_hooks.py``, like the survey's other
kinds, so that the import/export app never imports the surveys. The columns
common to every code kind come from
:class:`wagtail_pilots.importexport.access_codes.AccessCodesKind`; the
scorecards' evaluator codes are the ``scorecard-codes`` kind of that app.
"""

from django.utils.translation import gettext_lazy

from ..importexport.access_codes import AccessCodesKind
from ..importexport.registry import Column


class SurveyCodesKind(AccessCodesKind):
    name = "survey-codes"
    label = gettext_lazy("survey access codes")
    extra_columns = (
        Column("group", en="respondent group", zh="答卷人类别"),
        Column("batch", en="batch", zh="批次"),
    )

    @property
    def models(self):
        from .models import AccessCode

        return (AccessCode,)

    @property
    def page_model(self):
        # Any page built on the survey mixin, not only the default SurveyPage.
        from .models import SurveyPageMixin

        return SurveyPageMixin

    def code_queryset(self, page):
        from .models import AccessCode

        return AccessCode.for_page(page).order_by("pk")

    def extra_values(self, code):
        return [code.group, code.batch]

    def get_export_filename(self, *, page=None):
        return f"survey-codes-{page.slug}"
