"""Formula-safe, streaming CSV and XLSX output shared by every export of the suite.

A spreadsheet program treats a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (CSV injection). Every text value we write
goes through :func:`formula_safe`: such text is prefixed with an apostrophe in
CSV, and written as an explicit text cell in XLSX. Numbers stay numbers and empty
stays empty.

Use :func:`csv_response` / :func:`xlsx_response` from a view, or
:class:`FormulaSafeSpreadsheetExportMixin` in place of Wagtail's
``SpreadsheetExportMixin`` on report and listing views.
"""

import csv
import datetime
import decimal
from collections.abc import Iterable, Sequence

from django.http import FileResponse, StreamingHttpResponse
from django.utils.encoding import force_str
from wagtail.admin.views.mixins import SpreadsheetExportMixin

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NUMBER_TYPES = (int, float, decimal.Decimal)
PASS_THROUGH = (bool, *NUMBER_TYPES, datetime.date, datetime.time)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _needs_prefix(text: str) -> bool:
    """A formula character first, or after apostrophes (``'=x`` must come back
    as ``'=x``, not as ``=x``, from :func:`formula_unsafe`)."""
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def formula_safe(value):
    """Return ``value`` ready for a CSV cell: text that could run as a formula is
    prefixed with ``'``; numbers, booleans, dates and ``None`` are left alone."""
    if value is None or isinstance(value, PASS_THROUGH):
        return value
    text = force_str(value)
    if _needs_prefix(text):
        return "'" + text
    return text


def formula_unsafe(text: str) -> str:
    """Undo :func:`formula_safe` on a cell read back from one of our CSV files:
    ``'=SUM(A1)`` is ``=SUM(A1)`` again, so an export imports unchanged. Only an
    apostrophe before a formula character (or before the apostrophes of one) is
    removed; ``'满意`` stays as it is."""
    if text.startswith("'") and _needs_prefix(text[1:]):
        return text[1:]
    return text


# The first characters after which a text cell needs a closer look (an
# apostrophe may hide a formula character behind it, see _needs_prefix).
_RISKY_FIRST = frozenset("".join(FORMULA_PREFIXES) + "'")


def _csv_cells(row):
    """``formula_safe`` of every cell, ``None`` as empty: plain text that
    starts with an ordinary character (almost every cell) is passed as it is
    without a call."""
    risky = _RISKY_FIRST
    return [
        c
        if c.__class__ is str and (not c or c[0] not in risky)
        else ("" if c is None else formula_safe(c))
        for c in row
    ]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer."""

    def write(self, value):
        return value


def iter_csv(header: Sequence, rows: Iterable[Sequence], *, bom=True):
    """Yield CSV lines (str) for a header and rows, every cell formula-safe.

    ``bom`` starts the file with a UTF-8 byte order mark so Excel opens Chinese
    text correctly.
    """
    writer = csv.writer(_Echo())
    if bom:
        yield "\ufeff"
    yield writer.writerow([formula_safe(c) for c in header])
    writerow = writer.writerow
    for row in rows:
        yield writerow(_csv_cells(row))


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]):
    """A streaming CSV download: memory stays flat however many rows there are."""
    response = StreamingHttpResponse(
        iter_csv(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _attachment(f"{filename}.csv")
    return response


def xlsx_cell(worksheet, value):
    """A write-only cell holding ``value``; text is always a text cell."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if value is not None and not isinstance(value, PASS_THROUGH):
        value = _strip_illegal(force_str(value))
    cell = WriteOnlyCell(worksheet, value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f": text that looks like a formula stays text
    return cell


def write_xlsx(output, header: Sequence, rows: Iterable[Sequence], *, title="Sheet1"):
    """Write a workbook with openpyxl's write-only (streaming) mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([xlsx_cell(sheet, h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(sheet, c) for c in row])
    workbook.save(output)


def xlsx_response(filename: str, header: Sequence, rows: Iterable[Sequence], **kwargs):
    import tempfile

    # A temporary file rather than BytesIO: big exports do not sit in memory twice.
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(output, header, rows, **kwargs)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


def write_xlsx_template(
    output,
    header: Sequence,
    rows: Iterable[Sequence],
    *,
    choices: Sequence[Sequence] = (),
    notes: Sequence[Sequence] = (),
    notes_title="Notes",
    lists_title="lists",
    title="Sheet1",
    validation_rows=2000,
):
    """An import template: the header and sample rows; a drop-down list on
    every column with ``choices[i]`` (kept on a hidden sheet, so long lists
    work; a value outside the list gets a warning, not a refusal); and a
    sheet of ``notes``. Text stays text (formula-safe)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    for values in [header, *rows]:
        sheet.append([xlsx_cell(sheet, v) for v in values])
    lists = None
    for index, values in enumerate(choices, start=1):
        if not values:
            continue
        if lists is None:
            lists = workbook.create_sheet(lists_title[:31])
            lists.sheet_state = "hidden"
        letter = get_column_letter(index)
        for row, value in enumerate(values, start=1):
            lists.cell(row=row, column=index, value=force_str(value)).data_type = "s"
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(lists.title)}!${letter}$1:${letter}${len(values)}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        validation.add(f"{letter}2:{letter}{validation_rows}")
        sheet.add_data_validation(validation)
    if notes:
        notes_sheet = workbook.create_sheet(notes_title[:31], 1)
        for values in notes:
            notes_sheet.append([xlsx_cell(notes_sheet, v) for v in values])
        notes_sheet.column_dimensions["A"].width = 40
    workbook.save(output)


def xlsx_template_response(filename: str, header, rows, **kwargs):
    import io

    output = io.BytesIO()
    write_xlsx_template(output, header, rows, **kwargs)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


def _strip_illegal(text):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _attachment(filename):
    from django.utils.http import content_disposition_header

    return content_disposition_header(as_attachment=True, filename=filename)


class FormulaSafeSpreadsheetExportMixin(SpreadsheetExportMixin):
    """Wagtail's ``SpreadsheetExportMixin`` with formula-safe cells in CSV and XLSX."""

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: formula_safe(
                    self.preprocess_field_value(field, value, self.FORMAT_CSV)
                )
                for field, value in row_dict.items()
            }
        )

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        for cell in super().generate_xlsx_row(worksheet, row_dict, date_format):
            if isinstance(cell.value, str):
                cell.value = _strip_illegal(cell.value)
                cell.data_type = "s"
            yield cell
