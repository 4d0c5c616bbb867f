"""Export-only kinds of access codes: the one way codes leave the site.

:class:`AccessCodesKind` is the base of both apps' kinds (``survey-codes``,
``scorecard-codes``): the same columns first (code, unit, day of use), headed
``zh/en`` like every other kind, then each app's own. The admin code screens
link to these exports (``links.code_export_links``); there is no other export
path for codes.

Each app's kind lives in that app (``surveys/codes_kind.py``,
``scorecards/importexport.py``) and is registered from its
``wagtail_hooks.py``, so this app never imports a feature app.
"""

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
