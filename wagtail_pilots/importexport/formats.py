"""Reading uploaded files into rows, defensively.

Whatever a user uploads — a CSV saved by Excel in GB18030, a UTF-8 file with a
byte order mark, a semicolon- or tab-separated export, an XLSX workbook, a JSON
list — :func:`read_table` returns a :class:`Table` of headers and rows, or raises
:class:`ImportFileError` with a message that says what is wrong and where. It
never lets a parser's traceback reach the user.

Guards: a size limit, a row limit, a cell-length limit, strict decoding (a file
that is half UTF-8 and half GBK is refused rather than silently garbled), and a
zip-bomb check of an XLSX's members *before* openpyxl opens it.
"""

import codecs
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..conf import pilots_settings
from ..spreadsheets import formula_unsafe

FORMATS = ("csv", "xlsx", "json")
EXTENSIONS = {
    "csv": "csv",
    "txt": "csv",
    "tsv": "csv",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "json": "json",
}
DELIMITERS = ",;\t"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls / .doc
# Control characters that never appear in a real text spreadsheet.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportFileError(Exception):
    """A problem with the uploaded file as a whole, shown to the user as is."""

    def __init__(self, message, *, row=None, column=None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column

    def __str__(self):
        parts = []
        if self.row is not None:
            parts.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            parts.append(_("column “%(column)s”") % {"column": self.column})
        prefix = ", ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


@dataclass
class Table:
    """Headers and rows as read from a file, before columns are matched."""

    headers: list
    rows: list
    format: str
    encoding: str = ""
    # The spreadsheet row number of ``rows[0]``: 2 under a header line, 1 in JSON.
    first_row_number: int = 2
    delimiter: str = ""
    # The row number a spreadsheet program shows for each row (blank rows are
    # skipped when reading but still counted), when known.
    numbers: list = field(default_factory=list)

    def row_number(self, index):
        """The number a user sees for ``rows[index]`` (0-based)."""
        if index < len(self.numbers):
            return self.numbers[index]
        return self.first_row_number + index


def detect_format(data: bytes, filename: str = "", fmt: str | None = None) -> str:
    """``csv``, ``xlsx`` or ``json``: the contents win over the file's name."""
    if fmt:
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ImportFileError(
                _("Unknown format “%(format)s”: use one of %(formats)s.")
                % {"format": fmt, "formats": ", ".join(FORMATS)}
            )
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(
            _(
                "This is an old Excel 97-2003 (.xls) file or another Office "
                "document. Save it as an Excel workbook (.xlsx) or as CSV and "
                "upload that."
            )
        )
    if fmt:
        if fmt == "xlsx":
            raise ImportFileError(
                _("This file is not an Excel workbook (.xlsx), whatever its name.")
            )
        return fmt
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in EXTENSIONS and EXTENSIONS[extension] != "xlsx":
        return EXTENSIONS[extension]
    if extension == "xlsx":
        raise ImportFileError(
            _(
                "This file is named .xlsx but is not an Excel workbook: it may "
                "have been renamed. Open it in Excel and save it as .xlsx again."
            )
        )
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return "json"
    return "csv"


def read_table(
    data: bytes,
    *,
    filename: str = "",
    fmt: str | None = None,
    encoding: str | None = None,
) -> Table:
    """Read ``data`` (the whole uploaded file) into a :class:`Table`.

    Raises :class:`ImportFileError` for anything that is not a readable table.
    """
    check_file_size(len(data))
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    detected = detect_format(data, filename, fmt)
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}[detected]
    table = reader(data, encoding=encoding)
    _check_table(table)
    return table


def megabytes(size) -> str:
    """``size`` bytes as megabytes for a message: "50", "55.3"."""
    return f"{round(size / 1048576, 1):g}"


def file_too_large(size=None) -> ImportFileError:
    """The refusal of a file over ``IMPORT_MAX_FILE_SIZE``; ``size`` in bytes
    when known (an upload refused while it streams is only known to be over)."""
    limit = megabytes(pilots_settings.IMPORT_MAX_FILE_SIZE)
    if size is None:
        return ImportFileError(
            _("The file is too large: the limit is %(limit)s MB.") % {"limit": limit}
        )
    return ImportFileError(
        _("The file is too large (%(size)s MB; the limit is %(limit)s MB).")
        % {"size": megabytes(size), "limit": limit}
    )


def check_file_size(size: int):
    """Raise :func:`file_too_large` when ``size`` bytes are over the limit."""
    if size > pilots_settings.IMPORT_MAX_FILE_SIZE:
        raise file_too_large(size)


# -- CSV ---------------------------------------------------------------------


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode CSV bytes strictly; returns ``(text, encoding)``.

    Without ``encoding`` it tries, in order: a byte order mark; UTF-8; GB18030
    (a superset of GBK and GB2312, what Chinese Excel writes); then
    charset-normalizer's best guess. A guess is only accepted when it decodes
    every byte and yields no control characters.

    An ``encoding`` the user chose is checked, not trusted: when the bytes
    certainly are something else (a byte order mark, or valid UTF-8 with
    non-ASCII text) and that reads differently, the file is refused with the
    likely encoding and a line as it would be garbled — a UTF-8 "测试" read as
    GB18030 would import as "娴嬭瘯". A legacy encoding is not second-guessed
    against another legacy one (GB18030 reads almost any bytes, so a guess
    between them is not evidence), except that UTF-16 and UTF-32 are refused
    for a file without a NUL byte.
    """
    if encoding:
        return _decode_chosen(data, encoding)
    detected = _detect(data)
    return detected.text, detected.encoding


@dataclass
class _Detected:
    text: str
    encoding: str
    # A byte order mark or valid UTF-8: not a guess.
    certain: bool


def _detect(data: bytes) -> _Detected:
    if data.startswith(codecs.BOM_UTF8):
        text = _decode_strict(data[3:], "utf-8", encoding_label("utf-8-sig"))
        return _Detected(text, "utf-8-sig", True)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _Detected(_decode_strict(data, "utf-16", "UTF-16"), "utf-16", True)
    if b"\x00" in data:
        raise ImportFileError(
            _(
                "This file contains binary data: it is not a CSV text file. If it "
                "is a spreadsheet, save it as .xlsx or .csv and upload that."
            )
        )
    try:
        return _Detected(_check_text(data.decode("utf-8")), "utf-8", True)
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data)
    try:
        return _Detected(_check_text(data.decode("gb18030")), "gb18030", False)
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        try:
            text = _check_text(data.decode(best.encoding))
        except (UnicodeDecodeError, LookupError, ImportFileError):
            pass
        else:
            return _Detected(text, best.encoding, False)
    raise ImportFileError(
        _(
            "The file's text encoding could not be recognised. Save it as "
            "“CSV UTF-8” (or as .xlsx) and upload it again."
        )
    )


def encoding_label(encoding: str) -> str:
    """How users know an encoding: "UTF-8", "GB18030", "UTF-8 with BOM"…"""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    if name == "utf-8-sig":
        return str(_("UTF-8 with BOM"))
    return name.upper()


def _decode_chosen(data: bytes, encoding: str) -> tuple[str, str]:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFileError(
            _("Unknown encoding “%(encoding)s”.") % {"encoding": encoding}
        ) from None
    try:
        likely = _detect(data)
    except ImportFileError:
        likely = None
    chosen = encoding_label(encoding)
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as error:
        message = _(
            "The file cannot be read as %(encoding)s: the bytes at "
            "position %(position)s are not valid in that encoding."
        ) % {"encoding": chosen, "position": error.start}
        if likely is not None:
            message += " " + _(
                "It looks like %(likely)s: choose that, or let the encoding be "
                "detected automatically."
            ) % {"likely": encoding_label(likely.encoding)}
        raise ImportFileError(message) from None
    # Text in UTF-16 or UTF-32 has NUL bytes (every ASCII character, the
    # delimiters and line ends included); a file without one is not in them.
    wide = codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    evidence = likely is not None and (likely.certain or (wide and b"\x00" not in data))
    if evidence and likely.text != text:
        line, right, wrong = _first_difference(likely.text, text)
        raise ImportFileError(
            _(
                "The file is not in the chosen encoding %(chosen)s: it looks like "
                "%(likely)s. Read as %(chosen)s, line %(line)s would be imported "
                "as “%(wrong)s” instead of “%(right)s”. Choose %(likely)s, or let "
                "the encoding be detected automatically."
            )
            % {
                "chosen": chosen,
                "likely": encoding_label(likely.encoding),
                "line": line,
                "wrong": wrong,
                "right": right,
            }
        )
    return _check_text(text), encoding


SNIPPET_CHARS = 30


def _first_difference(right: str, wrong: str) -> tuple[int, str, str]:
    """The first line that differs, as ``(number, right text, wrong text)``,
    both cut to a short window around the first difference."""
    right_lines = right.splitlines() or [""]
    wrong_lines = wrong.splitlines() or [""]
    pairs = zip(right_lines, wrong_lines, strict=False)
    number = next(
        (n for n, (good, bad) in enumerate(pairs, 1) if good != bad),
        min(len(right_lines), len(wrong_lines)) + 1,
    )
    good = right_lines[min(number, len(right_lines)) - 1]
    bad = wrong_lines[min(number, len(wrong_lines)) - 1]
    column = next(
        (i for i, (a, b) in enumerate(zip(good, bad, strict=False)) if a != b),
        min(len(good), len(bad)),
    )
    start = max(0, column - SNIPPET_CHARS // 3)

    def cut(text):
        piece = CONTROL_RE.sub("\ufffd", text[start : start + SNIPPET_CHARS])
        return (
            ("…" if start else "")
            + piece
            + ("…" if len(text) > start + SNIPPET_CHARS else "")
        )

    return number, cut(good), cut(bad)


def _decode_strict(data, encoding, label):
    try:
        return _check_text(data.decode(encoding))
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _(
                "The file says it is %(encoding)s but the bytes at position "
                "%(position)s are not: it may mix encodings."
            )
            % {"encoding": label, "position": error.start}
        ) from None


def _refuse_mixed_encodings(data):
    """Refuse a file where some lines are UTF-8 and others are not.

    Such files come from pasting rows from two sources; decoding them with one
    codec would silently garble half of the names.
    """
    utf8_line = other_line = None
    for number, line in enumerate(data.splitlines(), 1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or number
        else:
            utf8_line = utf8_line or number
        if utf8_line and other_line:
            raise ImportFileError(
                _(
                    "The file mixes text encodings: line %(utf8)s is UTF-8 but "
                    "line %(other)s is not. Save the whole file again in one "
                    "encoding (“CSV UTF-8”)."
                )
                % {"utf8": utf8_line, "other": other_line}
            )


def _check_text(text):
    match = CONTROL_RE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise ImportFileError(
            _(
                "Line %(line)s contains control characters: this is not a text "
                "file, or it was read with the wrong encoding."
            )
            % {"line": line}
        )
    return text


def sniff_delimiter(text: str) -> str:
    """``,`` ``;`` or tab, from the first lines."""
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    first_line = sample.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(data, *, encoding=None):
    text, used_encoding = decode_text(data, encoding)
    delimiter = sniff_delimiter(text)
    max_cell = pilots_settings.IMPORT_MAX_CELL_CHARS
    max_rows = pilots_settings.IMPORT_MAX_ROWS
    previous_limit = csv.field_size_limit()
    # Let the csv module read one character more than our limit, so that we,
    # not it, report the cell with its row and column.
    csv.field_size_limit(max(max_cell + 1, 1))
    headers = None
    rows = []
    numbers = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for record, values in enumerate(reader, 1):
            if headers is None:
                if not any(v.strip() for v in values):
                    continue  # blank lines before the header
                headers = values
                continue
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= max_rows:
                raise _too_many_rows(max_rows)
            rows.append(values)
            numbers.append(record)
    except csv.Error as error:
        line = reader.line_num
        if "field larger than field limit" in str(error):
            raise ImportFileError(
                _("A cell is longer than %(limit)s characters.") % {"limit": max_cell},
                row=line,
            ) from None
        raise ImportFileError(
            _("The CSV file is malformed: %(error)s") % {"error": error}, row=line
        ) from None
    finally:
        csv.field_size_limit(previous_limit)
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    width = len(headers)
    for index, values in enumerate(rows):
        if len(values) > width and any(v.strip() for v in values[width:]):
            raise ImportFileError(
                _(
                    "This row has %(cells)s cells but the header has only "
                    "%(headers)s columns."
                )
                % {"cells": len(values), "headers": width},
                row=numbers[index],
            )
        rows[index] = [formula_unsafe(v) for v in (values + [""] * width)[:width]]
    return Table(
        headers=[formula_unsafe(h) for h in headers],
        rows=rows,
        format="csv",
        encoding=used_encoding,
        delimiter=delimiter,
        numbers=numbers,
    )


# -- XLSX --------------------------------------------------------------------


def check_zip(data: bytes):
    """Refuse zip bombs and zips that are not workbooks, before parsing any XML."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ImportFileError(
            _("This file is damaged: it starts like an Excel workbook but is not one.")
        ) from None
    with archive:
        names = set()
        total = 0
        max_total = pilots_settings.IMPORT_MAX_UNCOMPRESSED_SIZE
        max_ratio = pilots_settings.IMPORT_MAX_COMPRESSION_RATIO
        for info in archive.infolist():
            names.add(info.filename)
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > max_total or (info.file_size > 1048576 and ratio > max_ratio):
                raise ImportFileError(
                    _(
                        "This workbook expands to far more data than it contains "
                        "(a “zip bomb”), so it was not opened."
                    )
                )
    if "xl/workbook.xml" not in names:
        raise ImportFileError(
            _(
                "This file is a ZIP archive but not an Excel workbook (for example "
                "a Word document or a renamed archive)."
            )
        )


def _read_xlsx(data, *, encoding=None):
    check_zip(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception:
        # openpyxl raises many kinds of errors on damaged XML; none is useful
        # to the user, and none must become a 500.
        raise ImportFileError(
            _("This Excel workbook is damaged and could not be opened.")
        ) from None
    max_rows = pilots_settings.IMPORT_MAX_ROWS
    headers = None
    rows = []
    numbers = []
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("The workbook has no sheet."))
        scanned = 0
        for values in sheet.iter_rows(values_only=True):
            scanned += 1
            if scanned > 2 * max_rows + 1:
                # Mostly blank rows: stop reading rather than walk a huge sheet.
                raise _too_many_rows(max_rows)
            values = ["" if v is None else v for v in values]
            if headers is None:
                if not any(_filled(v) for v in values):
                    continue
                headers = [str(v).strip() for v in values]
                while headers and not headers[-1]:
                    headers.pop()
                continue
            if not any(_filled(v) for v in values):
                continue
            if len(rows) >= max_rows:
                raise _too_many_rows(max_rows)
            width = len(headers)
            if len(values) > width and any(_filled(v) for v in values[width:]):
                raise ImportFileError(
                    _("This row has cells to the right of the last header."),
                    row=scanned,
                )
            rows.append((list(values) + [""] * width)[:width])
            numbers.append(scanned)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            _("This Excel workbook is damaged and could not be read.")
        ) from None
    finally:
        workbook.close()
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    return Table(headers=headers, rows=rows, format="xlsx", numbers=numbers)


def _filled(value):
    return value != "" and not (isinstance(value, str) and not value.strip())


# -- JSON --------------------------------------------------------------------


def _read_json(data, *, encoding=None):
    try:
        text, _used = decode_text(data, encoding)
        records = json.loads(text)
    except ImportFileError:
        raise
    except (ValueError, RecursionError) as error:
        raise ImportFileError(
            _("The file is not valid JSON: %(error)s") % {"error": error}
        ) from None
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list):
        raise ImportFileError(_("The JSON file must hold a list of objects."))
    if len(records) > pilots_settings.IMPORT_MAX_ROWS:
        raise _too_many_rows(pilots_settings.IMPORT_MAX_ROWS)
    headers = []
    seen = set()
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise ImportFileError(_("Each item must be an object."), row=number)
        for key, value in record.items():
            if isinstance(value, (dict, list)):
                raise ImportFileError(
                    _("Nested values are not supported."), row=number, column=key
                )
            if key not in seen:
                seen.add(key)
                headers.append(key)
    rows = [["" if r.get(h) is None else r.get(h) for h in headers] for r in records]
    return Table(headers=headers, rows=rows, format="json", first_row_number=1)


# -- common checks -------------------------------------------------------------


def _too_many_rows(limit):
    return ImportFileError(
        _("The file has more than %(limit)s rows: split it into several files.")
        % {"limit": limit}
    )


def _check_table(table):
    if not any(str(h).strip() for h in table.headers):
        raise ImportFileError(_("The first row must hold the column headers."))
    if not table.rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    max_cell = pilots_settings.IMPORT_MAX_CELL_CHARS
    for index, values in enumerate(table.rows):
        for column, value in zip(table.headers, values, strict=False):
            if isinstance(value, str) and len(value) > max_cell:
                raise ImportFileError(
                    _("This cell is longer than %(limit)s characters.")
                    % {"limit": max_cell},
                    row=table.row_number(index),
                    column=column,
                )
