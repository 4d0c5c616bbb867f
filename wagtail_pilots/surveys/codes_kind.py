"""Export-only kind: a survey's one-time access codes, for printing.

Registered from this app's ``wagtail_hooks.py``, like the survey's other
kinds, so that the import/export app never imports the surveys. The
scorecards' own evaluator codes are the ``scorecard-codes`` kind of that app.
"""

from django.utils.translation import gettext_lazy

from ..codes import format_code
from ..importexport.registry import ImportExportKind
from ..importexport.resources import ExportOnlyResource


class SurveyCodesKind(ImportExportKind):
    name = "survey-codes"
    label = gettext_lazy("survey access codes")
    resource_class = ExportOnlyResource
    importable = False

    @property
    def models(self):
        from .models import AccessCode

        return (AccessCode,)

    @property
    def page_model(self):
        # Any page built on the survey mixin, not only the default SurveyPage.
        from .models import SurveyPageMixin

        return SurveyPageMixin

    def get_export_table(self, *, page=None):
        from .models import AccessCode

        headers = [
            "参与码/code",
            "对象类别/group",
            "单位/unit",
            "批次/batch",
            "已使用/used",
        ]
        codes = (
            AccessCode.objects.filter(survey_id=page.pk)
            .select_related("unit")
            .order_by("pk")
        )
        rows = (
            [
                format_code(c.code),
                c.group,
                c.unit.name if c.unit_id else "",
                c.batch,
                "是" if c.used_on else "",
            ]
            for c in codes.iterator(chunk_size=2000)
        )
        return headers, rows

    def get_export_filename(self, *, page=None):
        return f"survey-codes-{page.slug}"
