"""pilots_import / pilots_export / pilots_import_cleanup."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.fixtures.imports import csv_bytes, unit_rows, xlsx_bytes
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("pilots_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_progress_and_summary(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(unit_rows(4), encoding="gb18030"))
    out, err = run("units", str(path))
    assert "4/4" in out and "#" * 30 in out
    assert "new: 4" in out and "imported" in out
    assert err == ""
    assert Unit.objects.count() == 4


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(xlsx_bytes(unit_rows(3)))
    out, _err = run("units", str(path), "--dry-run")
    assert "Dry run" in out
    assert Unit.objects.count() == 0
    assert not ImportBatch.objects.filter(status=ImportBatch.Status.DONE).exists()


def test_bad_row_is_named_and_nothing_written(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(unit_rows(50, bad_row=31)))
    out = StringIO()
    err = StringIO()
    with pytest.raises(CommandError, match="1 invalid row"):
        call_command("pilots_import", "units", str(path), stdout=out, stderr=err)
    assert "row 31, column 单位名称" in err.getvalue()
    assert Unit.objects.count() == 0


def test_skip_invalid(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(unit_rows(5, bad_row=3)))
    out, err = run("units", str(path), "--skip-invalid")
    assert "row 3" in err
    assert Unit.objects.count() == 4


def test_reimport_refused_unless_forced(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(unit_rows(2)))
    run("units", str(path))
    with pytest.raises(CommandError, match="--force"):
        run("units", str(path))
    out, _err = run("units", str(path), "--force")
    assert "skipped: 2" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothing", "x.csv"], "Unknown kind"),
        (["units", "/no/such/file.csv"], "No such file"),
        (["units", "FILE", "--page", "no-such-page"], "No page"),
        (["units", "FILE", "--encoding", "klingon"], "Nothing was written"),
    ],
)
def test_bad_arguments(tmp_path, args, message):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(unit_rows(2)))
    args = [str(path) if a == "FILE" else a for a in args]
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Unit.objects.count() == 0


def test_units_take_no_page(tmp_path, home_page):
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(unit_rows(2)))
    with pytest.raises(CommandError, match="not imported into a page"):
        run("units", str(path), "--page", str(home_page.pk))


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_export(tmp_path, fmt):
    Unit.objects.create(code="X1", name="@SUM(A1)", kind="town")
    output = tmp_path / f"units.{fmt}"
    call_command("pilots_export", "units", "--format", fmt, "-o", str(output))
    if fmt == "csv":
        assert "'@SUM(A1)" in output.read_text("utf-8-sig")
    elif fmt == "json":
        assert json.loads(output.read_text())[0]["单位名称/name"] == "@SUM(A1)"
    else:
        from openpyxl import load_workbook

        cell = load_workbook(output).active["B2"]
        assert (cell.value, cell.data_type) == ("@SUM(A1)", "s")


def test_export_round_trips_through_import(tmp_path):
    Unit.objects.create(code="R1", name="往返镇", kind="town")
    Unit.objects.create(
        code="R2", name="往返村", kind="village", parent=Unit.objects.get(code="R1")
    )
    output = tmp_path / "units.csv"
    call_command("pilots_export", "units", "-o", str(output))
    out, _err = run("units", str(output))
    assert "skipped: 2" in out


def test_cleanup_command():
    out = StringIO()
    call_command("pilots_import_cleanup", "--hours", "1", stdout=out)
    assert "0 abandoned" in out.getvalue()


def test_exit_status_of_the_real_command(tmp_path):
    """The process exits non-zero with a message (no traceback) on a bad file and
    writes nothing; zero on a good file. Run as a real process on its own
    migrated SQLite file, as an operator would."""
    database = tmp_path / "cli.sqlite3"
    env = {
        "DJANGO_SETTINGS_MODULE": "example_site.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO / "example_site",
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    assert manage("migrate", "--noinput", "-v0").returncode == 0
    bad = tmp_path / "units.csv"
    bad.write_bytes(b"\x00\x01binary")
    result = manage("pilots_import", "units", str(bad))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "Nothing was written" in result.stderr
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(unit_rows(3), encoding="gb18030"))
    result = manage("pilots_import", "units", str(good))
    assert result.returncode == 0, result.stderr
    assert "new: 3" in result.stdout

    import sqlite3

    with sqlite3.connect(database) as db:
        (units,) = db.execute("SELECT COUNT(*) FROM wagtail_pilots_unit").fetchone()
    assert units == 3


def test_a_wrong_encoding_option_is_refused_naming_the_likely_one(tmp_path):
    """``--encoding gb18030`` on a UTF-8 file would import "测试" as "娴嬭瘯"."""
    path = tmp_path / "units.csv"
    rows = unit_rows(3)
    rows[2][1] = "测试"
    path.write_bytes(csv_bytes(rows))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command(
            "pilots_import",
            "units",
            str(path),
            "--encoding",
            "gb18030",
            stdout=out,
            stderr=err,
        )
    assert "GB18030" in err.getvalue() and "looks like UTF-8" in err.getvalue()
    assert Unit.objects.count() == 0
    run("units", str(path), "--encoding", "utf-8")
    assert Unit.objects.get(code="U1").name == "测试"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path, import_temp_dir
):
    from django.test import override_settings

    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(unit_rows(200)))
    limits = {
        "IMPORT_TEMP_DIR": str(import_temp_dir),
        "IMPORT_MAX_FILE_SIZE": path.stat().st_size - 1,
    }
    with (
        override_settings(WAGTAIL_PILOTS=limits),
        pytest.raises(CommandError, match="too large.*Nothing was written"),
    ):
        run("units", str(path))
    # Refused as it is: no batch, no copy waiting in the temporary folder.
    assert ImportBatch.objects.count() == 0
    assert list(import_temp_dir.glob("*")) == []
    assert Unit.objects.count() == 0
