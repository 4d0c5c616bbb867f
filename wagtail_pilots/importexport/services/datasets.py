"""From a stored file to django-import-export's dataset, and from its result
back to what the batch keeps: errors by row and column, counts, the preview
and the rejected rows.
"""

import logging

import tablib
from django.core.exceptions import (
    NON_FIELD_ERRORS,
)
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.results import RowResult

from ..formats import ImportFileError, Table, read_table
from ..registry import normalise_header
from .storage import read_batch_file

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 1000

# Columns our own rejected-rows file adds; ignored when that file is re-imported.
ERROR_HEADER = "错误/error"
ROW_HEADER = "行号/row"
IGNORED_HEADERS = {normalise_header(ERROR_HEADER), normalise_header(ROW_HEADER)}


def build_dataset(table: Table, kind) -> tuple[tablib.Dataset, dict]:
    """Match the file's headers to the kind's columns; returns the dataset (in the
    resource's column names) and ``{field: header as written in the file}``.

    Raises :class:`ImportFileError` listing every missing, duplicate or unknown
    header at once.
    """
    used = {}
    positions = []
    unknown = []
    duplicates = []
    for position, header in enumerate(table.headers):
        text = force_str(header).strip()
        if not text or normalise_header(text) in IGNORED_HEADERS:
            continue
        column = kind.match_header(text)
        if column is None:
            unknown.append(text)
            continue
        if column.field in used:
            duplicates.append((used[column.field], text))
            continue
        used[column.field] = text
        if column.readonly:
            # Written by exports for information (e.g. progress), never imported.
            continue
        positions.append((position, column.field))
    problems = []
    missing = [c.header for c in kind.columns if c.required and c.field not in used]
    if missing:
        problems.append(
            _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}
        )
    for first, second in duplicates:
        problems.append(
            _("Columns “%(first)s” and “%(second)s” are the same column.")
            % {"first": first, "second": second}
        )
    if unknown:
        problems.append(
            _("Unknown column(s): %(columns)s. Accepted columns: %(accepted)s.")
            % {
                "columns": ", ".join(unknown),
                "accepted": ", ".join(c.header for c in kind.template_columns()),
            }
        )
    if problems:
        raise ImportFileError(
            " ".join(problems), row=1 if table.format != "json" else None
        )
    dataset = tablib.Dataset(headers=[name for _p, name in positions])
    for values in table.rows:
        dataset.append([values[p] for p, _name in positions])
    return dataset, used


def read_batch_table(batch) -> Table:
    data = read_batch_file(batch)
    return read_table(
        data,
        filename=batch.file_name,
        fmt=batch.file_format or None,
        encoding=batch.encoding or None,
    )


def collect_errors(result, table: Table, headers: dict) -> list:
    """Every row error of a django-import-export result as
    ``{"row", "column", "message"}`` dicts, rows numbered as in the file."""
    errors = []
    for invalid in result.invalid_rows:
        row = table.row_number(invalid.number - 1)
        for field, messages in invalid.error_dict.items():
            column = "" if field == NON_FIELD_ERRORS else headers.get(field, field)
            for message in messages:
                errors.append({"row": row, "column": column, "message": str(message)})
    for number, row_errors in result.row_errors():
        row = table.row_number(number - 1)
        for error in row_errors:
            errors.append(
                {"row": row, "column": "", "message": _error_text(error.error)}
            )
    for error in result.base_errors:
        errors.append({"row": None, "column": "", "message": _error_text(error.error)})
    errors.sort(key=lambda e: (e["row"] is None, e["row"] or 0))
    return errors


def _error_text(exception):
    # Unexpected exceptions are logged in full for the developers; users see
    # one line, never a traceback.
    logger.info("import row error: %r", exception)
    return force_str(exception) or exception.__class__.__name__


def result_counts(result):
    totals = result.totals
    return {
        "rows_new": totals.get("new", 0),
        "rows_updated": totals.get("update", 0),
        "rows_skipped": totals.get("skip", 0),
        "rows_invalid": totals.get("invalid", 0) + totals.get("error", 0),
    }


# What django-import-export's row types mean to an editor, in the words of the
# batch's counts (an "error" row is counted, and shown, as invalid).
ROW_OUTCOMES = {
    RowResult.IMPORT_TYPE_NEW: gettext_lazy("new"),
    RowResult.IMPORT_TYPE_UPDATE: gettext_lazy("updated"),
    RowResult.IMPORT_TYPE_SKIP: gettext_lazy("skipped (unchanged)"),
    RowResult.IMPORT_TYPE_INVALID: gettext_lazy("invalid"),
    RowResult.IMPORT_TYPE_ERROR: gettext_lazy("invalid"),
    RowResult.IMPORT_TYPE_DELETE: gettext_lazy("deleted"),
}


def row_outcome_label(import_type):
    """The translated outcome of a preview row (its stored ``status``)."""
    return ROW_OUTCOMES.get(import_type, import_type)


def preview_table(table, dataset, result):
    statuses = [r.import_type for r in result.rows]
    if len(statuses) != len(dataset):
        statuses = [""] * len(dataset)
    rows = []
    for index in range(min(PREVIEW_ROWS, len(dataset))):
        rows.append(
            {
                "number": table.row_number(index),
                "status": statuses[index],
                "values": [_jsonable(v) for v in dataset[index]],
            }
        )
    return {"headers": list(dataset.headers), "rows": rows}


def rejected_table(table, dataset, errors, headers_by_field):
    bad_rows = {}
    for error in errors:
        if error["row"] is not None:
            bad_rows.setdefault(error["row"], []).append(
                f"{error['column']}: {error['message']}"
                if error["column"]
                else error["message"]
            )
    rows = []
    for index in range(len(dataset)):
        number = table.row_number(index)
        if number in bad_rows:
            rows.append(
                [
                    number,
                    *(_jsonable(v) for v in dataset[index]),
                    "; ".join(bad_rows[number]),
                ]
            )
    headers = [headers_by_field.get(f, f) for f in dataset.headers]
    return {"headers": headers, "rows": rows}


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return force_str(value)
