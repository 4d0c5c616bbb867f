"""Export-only kinds of access codes: the one way codes leave the site.

:class:`AccessCodesKind` is the base of both apps' kinds (``survey-codes``,
``scorecard-codes``): the same columns first (code, unit, day of use), headed
``zh/en`` like every other kind, then each app's own. The admin code screens
link to these exports (``views.code_export_links``); there is no other export
path for codes.

:class:`SurveyCodesKind` only reads ``wagtail_pilots.surveys`` models
(registered from this app's ``wagtail_hooks.py`` when the surveys app is
installed).
"""

from django.utils.translation import gettext_lazy

from .registry import Column, ImportExportKind
from .resources import ExportOnlyResource

CODE_COLUMNS = (
    Column("code", en="code", zh="参与码"),
    Column("unit", en="unit", zh="单位"),
    Column("used_on", en="used on", zh="使用日期"),
)


class AccessCodesKind(ImportExportKind):
    """Base of the code kinds. A subclass sets ``extra_columns`` and
    :meth:`extra_values` (the app's own fields) and :meth:`code_queryset`."""

    resource_class = ExportOnlyResource
    importable = False
    extra_columns = ()

    @property
    def columns(self):
        return CODE_COLUMNS + tuple(self.extra_columns)

    def code_queryset(self, page):
        raise NotImplementedError

    def extra_values(self, code):
        return []

    def get_export_table(self, *, page=None):
        headers = [column.header for column in self.columns]
        codes = self.code_queryset(page).select_related("unit")
        rows = (
            [
                code.formatted,
                code.unit.name if code.unit_id else "",
                code.used_on,
                *self.extra_values(code),
            ]
            for code in codes.iterator(chunk_size=2000)
        )
        return headers, rows


class SurveyCodesKind(AccessCodesKind):
    name = "survey-codes"
    label = gettext_lazy("survey access codes")
    extra_columns = (
        Column("group", en="respondent group", zh="答卷人类别"),
        Column("batch", en="batch", zh="批次"),
    )

    @property
    def models(self):
        from ..surveys.models import AccessCode

        return (AccessCode,)

    @property
    def page_model(self):
        # Any page built on the survey mixin, not only the default SurveyPage.
        from ..surveys.models import SurveyPageMixin

        return SurveyPageMixin

    def code_queryset(self, page):
        from ..surveys.models import AccessCode

        return AccessCode.for_page(page).order_by("pk")

    def extra_values(self, code):
        return [code.group, code.batch]

    def get_export_filename(self, *, page=None):
        return f"survey-codes-{page.slug}"
