"""Reading files: encodings, delimiters, XLSX, JSON and every kind of bad input."""

import codecs
import io
import json
import zipfile

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.imports import csv_bytes, xlsx_bytes
from wagtail_pilots.importexport.formats import ImportFileError, read_table

ROWS = [["单位代码", "单位名称"], ["QSZ", "青石镇"], ["QSZ-SQ", "石桥村"]]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (csv_bytes(ROWS), "utf-8"),
        (codecs.BOM_UTF8 + csv_bytes(ROWS), "utf-8-sig"),
        (csv_bytes(ROWS, encoding="gb18030"), "gb18030"),
        (csv_bytes(ROWS, encoding="gbk"), "gb18030"),
        (codecs.BOM_UTF16_LE + csv_bytes(ROWS, encoding="utf-16-le"), "utf-16"),
    ],
)
def test_csv_encodings_are_detected(data, encoding):
    table = read_table(data, filename="units.csv")
    assert table.encoding == encoding
    assert table.headers == ["单位代码", "单位名称"]
    assert table.rows == [["QSZ", "青石镇"], ["QSZ-SQ", "石桥村"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(delimiter):
    table = read_table(csv_bytes(ROWS, delimiter=delimiter), filename="u.csv")
    assert table.delimiter == delimiter
    assert table.rows[1] == ["QSZ-SQ", "石桥村"]


def test_explicit_encoding_is_checked():
    data = csv_bytes(ROWS, encoding="gb18030")
    assert read_table(data, encoding="gb18030").rows[0][1] == "青石镇"
    with pytest.raises(ImportFileError, match="UTF-8|utf-8"):
        read_table(data, encoding="utf-8")
    with pytest.raises(ImportFileError, match="klingon"):
        read_table(data, encoding="klingon")


TEST_ROWS = [["code", "名称"], ["U1", "测试"]]


def test_utf8_file_labelled_gb18030_is_refused_naming_utf8():
    """The report: "测试" in a UTF-8 file, imported as GB18030, became "娴嬭瘯"."""
    with pytest.raises(ImportFileError) as excinfo:
        read_table(csv_bytes(TEST_ROWS), filename="u.csv", encoding="gb18030")
    message = str(excinfo.value)
    assert "chosen encoding GB18030" in message
    assert "it looks like UTF-8" in message
    assert "Choose UTF-8" in message
    # Where and how: the first line that differs, as it would be garbled.
    assert "line 1" in message
    assert "“code,鍚嶇О” instead of “code,名称”" in message


@pytest.mark.parametrize(
    ("data", "chosen", "likely"),
    [
        (codecs.BOM_UTF8 + csv_bytes(ROWS), "gb18030", "UTF-8 with BOM"),
        (csv_bytes(ROWS), "utf-16", "UTF-8"),
        (csv_bytes(ROWS), "latin-1", "UTF-8"),
        (csv_bytes(ROWS, encoding="gb18030"), "utf-8", "GB18030"),
        # No NUL byte: whatever it is, it is not UTF-16.
        (csv_bytes(ROWS, encoding="gb18030"), "utf-16", "GB18030"),
        (
            codecs.BOM_UTF16_LE + csv_bytes(ROWS, encoding="utf-16-le"),
            "gb18030",
            "UTF-16",
        ),
    ],
)
def test_a_chosen_encoding_the_bytes_contradict_is_refused(data, chosen, likely):
    with pytest.raises(ImportFileError) as excinfo:
        read_table(data, filename="u.csv", encoding=chosen)
    assert f"like {likely}" in str(excinfo.value)


@pytest.mark.parametrize(
    ("data", "chosen"),
    [
        (csv_bytes(ROWS), "utf-8"),
        (codecs.BOM_UTF8 + csv_bytes(ROWS), "utf-8"),
        (codecs.BOM_UTF8 + csv_bytes(ROWS), "utf-8-sig"),
        (csv_bytes(ROWS, encoding="gb18030"), "gb18030"),
        (csv_bytes(ROWS, encoding="gb18030"), "gbk"),
        (codecs.BOM_UTF16_LE + csv_bytes(ROWS, encoding="utf-16-le"), "utf-16"),
        (csv_bytes(ROWS, encoding="utf-16-le"), "utf-16-le"),
        # Plain ASCII reads the same in every ASCII-compatible encoding.
        (csv_bytes([["code", "name"], ["QSZ", "Qingshi"]]), "gb18030"),
    ],
)
def test_a_right_chosen_encoding_is_accepted(data, chosen):
    table = read_table(data, filename="u.csv", encoding=chosen)
    assert table.encoding == chosen
    assert table.rows[0][0] == "QSZ"


def test_csv_formula_escapes_of_our_exports_are_undone():
    table = read_table(csv_bytes([["'=名称", "备注"], ["'+考核组", "'满意"]]))
    assert table.headers == ["=名称", "备注"]
    assert table.rows == [["+考核组", "'满意"]]


def test_xlsx_is_read_with_row_numbers_counting_blank_rows():
    data = xlsx_bytes([ROWS[0], ROWS[1], [None, None], ROWS[2]])
    table = read_table(data, filename="units.xlsx")
    assert table.format == "xlsx"
    assert table.rows == [["QSZ", "青石镇"], ["QSZ-SQ", "石桥村"]]
    assert [table.row_number(0), table.row_number(1)] == [2, 4]


def test_xlsx_detected_by_content_whatever_the_name():
    assert read_table(xlsx_bytes(ROWS), filename="units.csv").format == "xlsx"


def test_json_list_of_objects():
    data = json.dumps([{"code": "QSZ", "name": "青石镇"}], ensure_ascii=False).encode()
    table = read_table(data, filename="u.json")
    assert table.headers == ["code", "name"]
    assert table.rows == [["QSZ", "青石镇"]]
    assert table.row_number(0) == 1


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "u.csv", "empty"),
        (b"  \n\n ", "u.csv", "empty"),
        (b"code,name\n", "u.csv", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "u.csv", "binary"),
        (b"%PDF-1.4 not a workbook", "u.xlsx", "renamed"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "u.xls", "97-2003"),
        (b"PK\x03\x04 damaged", "u.xlsx", "damaged"),
        (b"[1, 2", "u.json", "not valid JSON"),
        (b"[1, 2]", "u.json", "object"),
        (b'[{"a": {"b": 1}}]', "u.json", "Nested"),
        (b"a,b\n1,2,3\n", "u.csv", "row 2"),
    ],
)
def test_bad_files_get_clear_messages(data, filename, message):
    with pytest.raises(ImportFileError) as excinfo:
        read_table(data, filename=filename)
    assert message in str(excinfo.value)


def test_a_zip_that_is_not_a_workbook():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        read_table(output.getvalue(), filename="report.xlsx")


def test_zip_bomb_is_refused_before_parsing():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    data = output.getvalue()
    assert len(data) < 100_000
    with pytest.raises(ImportFileError, match="zip bomb"):
        read_table(data, filename="bomb.xlsx")


def test_total_uncompressed_size_is_limited():
    data = xlsx_bytes(ROWS)
    with (
        override_settings(WAGTAIL_PILOTS={"IMPORT_MAX_UNCOMPRESSED_SIZE": 1000}),
        pytest.raises(ImportFileError, match="zip bomb"),
    ):
        read_table(data, filename="u.xlsx")


def test_mixed_encodings_are_refused_with_line_numbers():
    data = "代码,名称\n".encode() + "QSZ,青石镇\n".encode("gb18030")
    with pytest.raises(ImportFileError) as excinfo:
        read_table(data, filename="u.csv")
    assert "line 1" in str(excinfo.value) and "line 2" in str(excinfo.value)


def test_bom_then_invalid_utf8_is_refused():
    data = codecs.BOM_UTF8 + "代码,名称\nQSZ,青石镇\n".encode("gb18030")
    with pytest.raises(ImportFileError, match="mix encodings"):
        read_table(data, filename="u.csv")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_one_megabyte_cell_is_refused_with_row_and_column(fmt):
    big = "长" * (1024 * 1024)
    rows = [["代码", "名称"], ["A", "ok"], ["B", big]]
    if fmt == "csv":
        data = csv_bytes(rows)
    elif fmt == "xlsx":
        data = xlsx_bytes(rows)
    else:
        data = json.dumps(
            [{"代码": "A", "名称": "ok"}, {"代码": "B", "名称": big}]
        ).encode()
    # openpyxl itself stops at Excel's 32,767 characters per cell, so for XLSX
    # the limit is lowered to see ours at work.
    limit = 32767 if fmt != "xlsx" else 1000
    with (
        override_settings(WAGTAIL_PILOTS={"IMPORT_MAX_CELL_CHARS": limit}),
        pytest.raises(ImportFileError) as excinfo,
    ):
        read_table(data, filename=f"u.{fmt}")
    assert excinfo.value.row == (3 if fmt != "json" else 2)
    assert str(limit) in str(excinfo.value)


def test_row_limit():
    rows = [["代码"], *[[f"U{i}"] for i in range(11)]]
    with override_settings(WAGTAIL_PILOTS={"IMPORT_MAX_ROWS": 10}):
        for data, name in ((csv_bytes(rows), "u.csv"), (xlsx_bytes(rows), "u.xlsx")):
            with pytest.raises(ImportFileError, match="more than 10 rows"):
                read_table(data, filename=name)


def test_file_size_limit():
    with (
        override_settings(WAGTAIL_PILOTS={"IMPORT_MAX_FILE_SIZE": 10}),
        pytest.raises(ImportFileError, match="too large"),
    ):
        read_table(csv_bytes(ROWS), filename="u.csv")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(min_size=0, max_size=2000),
    name=st.sampled_from(["f.csv", "f.xlsx", "f.json", "f"]),
)
def test_random_bytes_never_raise_anything_else(data, name):
    try:
        table = read_table(data, filename=name)
    except ImportFileError as error:
        assert str(error)
    else:
        assert table.rows


@settings(max_examples=100, deadline=None)
@given(
    cells=st.lists(
        st.lists(st.text(max_size=20), min_size=2, max_size=2), min_size=1, max_size=10
    ),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
    cut=st.integers(min_value=0, max_value=200),
)
def test_garbled_csv_files_never_raise_anything_else(cells, encoding, cut):
    import csv

    output = io.StringIO()
    csv.writer(output).writerows([["代码", "名称"], *cells])
    try:
        data = output.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    # Truncate, or flip a byte in the middle, to garble the file.
    data = data[: max(len(data) - cut, 0)]
    if len(data) > 4:
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x80]) + data[middle + 1 :]
    try:
        read_table(data, filename="garbled.csv")
    except ImportFileError as error:
        assert str(error)


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=1, max_value=4000))
def test_truncated_xlsx_never_raises_anything_else(cut):
    data = xlsx_bytes([["代码", "名称"], ["QSZ", "青石镇"]])
    try:
        read_table(data[: max(len(data) - cut, 4)], filename="u.xlsx")
    except ImportFileError as error:
        assert str(error)
