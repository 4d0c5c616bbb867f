import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from wagtail_pilots.spreadsheets import (
    formula_safe,
    formula_unsafe,
    iter_csv,
    write_xlsx,
)

PAYLOADS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tX", "\rY", '=HYPERLINK("x")']


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_like_text_is_prefixed(payload):
    assert formula_safe(payload) == "'" + payload


@pytest.mark.parametrize(
    "value", [0, -3, 2.5, Decimal("-98.50"), True, None, datetime.date(2026, 6, 5)]
)
def test_numbers_dates_and_empty_are_untouched(value):
    assert formula_safe(value) is value


@pytest.mark.parametrize(
    "payload",
    [*PAYLOADS, "'=x", "''+1", "'满意", "'", "满意", "a=b", ""],
)
def test_formula_unsafe_undoes_formula_safe(payload):
    """Whatever was stored comes back from an exported CSV exactly, including
    text that already started with an apostrophe."""
    assert formula_unsafe(formula_safe(payload)) == payload


def test_formula_unsafe_keeps_other_apostrophes():
    assert formula_unsafe("'满意") == "'满意"
    assert formula_unsafe("'") == "'"
    assert formula_safe("'=x") == "''=x"  # still text in a spreadsheet
    assert formula_unsafe("''=1") == "'=1"


def test_plain_text_is_untouched():
    assert formula_safe("满意") == "满意"
    assert formula_safe("a=b") == "a=b"


def test_csv_stream_is_formula_safe_with_bom():
    text = "".join(
        iter_csv(["单位", "得分"], [["=cmd|' /C calc'!A0", -5], ["石桥村", None]])
    )
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["单位", "得分"], ["'=cmd|' /C calc'!A0", "-5"], ["石桥村", ""]]


def test_xlsx_keeps_numbers_and_makes_formulas_text(tmp_path):
    path = tmp_path / "out.xlsx"
    with path.open("wb") as fh:
        write_xlsx(
            fh, ["a", "b", "c"], [["=1+1", Decimal("96.97"), None], ["-x", 3, "ok"]]
        )
    sheet = load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1] == ["=1+1", 96.97, None]
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].data_type == "n"
    assert rows[2] == ["-x", 3, "ok"]


ROW_CELLS = [
    *PAYLOADS,
    "'=x",
    "''+1",
    "'满意",
    "'",
    "满意",
    "a=b",
    "",
    None,
    -5,
    Decimal("-98.50"),
    datetime.date(2026, 6, 5),
    True,
]


def test_csv_rows_are_escaped_exactly_as_formula_safe_cell_by_cell():
    """The CSV writer's fast path (a cell's first character checked before
    anything else) writes every kind of cell as ``formula_safe`` does."""
    from django.utils.translation import gettext_lazy

    cells = [*ROW_CELLS, gettext_lazy("=lazy"), gettext_lazy("plain")]
    text = "".join(iter_csv(["h"], [cells], bom=False))
    expected = io.StringIO()
    csv.writer(expected).writerows(
        [["h"], ["" if c is None else formula_safe(c) for c in cells]]
    )
    assert text == expected.getvalue()
    written = list(csv.reader(io.StringIO(text, newline="")))[1]
    assert written[:3] == ["'=1+1", "'+SUM(A1)", "'-2+3"]
    assert written[7:14] == ["''=x", "'''+1", "'满意", "'", "满意", "a=b", ""]
