"""Batches: dry run, all-or-nothing, skipping invalid rows, duplicates, rollback
(restoring updated objects in detail: test_rollback.py)."""

import pytest
from wagtail.models import ModelLogEntry

from tests.fixtures.imports import UNIT_HEADER, csv_bytes, unit_rows, xlsx_bytes
from wagtail_pilots.importexport.models import ImportBatch, ImportedObject
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    DuplicateImportError,
    RollbackError,
    batch_can_import,
    batch_check,
    batch_discard,
    batch_import,
    batch_rollback,
    batch_upload,
    cleanup_abandoned,
    export_table,
)
from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db


def upload(data, *, name="units.csv", **kwargs):
    return batch_upload(kind=get_kind("units"), file_name=name, data=data, **kwargs)


def test_dry_run_counts_and_leaves_the_database_unchanged():
    Unit.objects.create(code="U0", name="旧名", kind="town")
    batch = batch_check(batch=upload(csv_bytes(unit_rows(5), encoding="gb18030")))
    assert batch.status == ImportBatch.Status.CHECKED
    assert batch.encoding == "gb18030"
    assert (batch.rows_total, batch.rows_new, batch.rows_updated) == (5, 4, 1)
    assert batch.rows_invalid == 0 and batch.errors == []
    assert [r["number"] for r in batch.preview["rows"]] == [2, 3, 4, 5, 6]
    assert batch.preview["rows"][1]["status"] == "new"
    assert list(Unit.objects.values_list("code", "name")) == [("U0", "旧名")]
    assert batch_can_import(batch)


def test_import_creates_updates_and_logs():
    Unit.objects.create(code="U0", name="旧名", kind="town")
    batch = batch_check(batch=upload(csv_bytes(unit_rows(4))))
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_new, batch.rows_updated, batch.rows_skipped) == (3, 1, 0)
    assert Unit.objects.get(code="U0").name == "总镇"
    village = Unit.objects.get(code="U2")
    assert (village.name, village.kind, village.parent.code) == ("村2", "village", "U0")
    # Created units are remembered for rollback, and the updated one with the
    # fields the import changed (before / after).
    records = ImportedObject.objects.filter(batch=batch)
    assert records.filter(action="created").count() == 3
    updated = records.get(action="updated")
    assert updated.object_id == str(Unit.objects.get(code="U0").pk)
    assert (updated.previous, updated.written) == ({"name": "旧名"}, {"name": "总镇"})
    assert batch.stored_name == ""  # the temporary file is gone
    entry = ModelLogEntry.objects.get(action="wagtail_pilots.import")
    assert entry.data["rows_new"] == 3


def test_one_bad_row_among_many_names_the_row_and_writes_nothing():
    rows = unit_rows(500, bad_row=377)
    batch = batch_check(batch=upload(csv_bytes(rows)))
    assert batch.rows_invalid == 1
    assert batch.errors == [
        {"row": 377, "column": "单位名称", "message": batch.errors[0]["message"]}
    ]
    assert not batch_can_import(batch)
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert "1 row" in batch.message
    assert Unit.objects.count() == 0


def test_all_or_nothing_even_when_data_changes_between_check_and_import():
    Unit.objects.create(code="P", name="上级", kind="town")
    rows = [UNIT_HEADER, ["A1", "甲", "村", ""], ["A2", "乙", "村", "P"]]
    batch = batch_check(batch=upload(csv_bytes(rows)))
    assert batch_can_import(batch)
    # The parent disappears before confirmation: row 3 now fails, so row 2,
    # valid on its own, must not be written either.
    Unit.objects.filter(code="P").delete()
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors[0]["row"] == 3
    assert Unit.objects.count() == 0
    assert ImportedObject.objects.count() == 0


def test_skip_invalid_imports_the_others_and_keeps_the_rejected_rows():
    rows = unit_rows(6, bad_row=4)
    rows[5][2] = "星球"  # row 6: unknown kind
    batch = batch_check(batch=upload(csv_bytes(rows), skip_invalid=True))
    assert batch.rows_invalid == 2
    assert {(e["row"], e["column"]) for e in batch.errors} == {
        (4, "单位名称"),
        (6, "类型"),
    }
    assert batch_can_import(batch)
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.DONE
    assert batch.rows_new == 4
    assert set(Unit.objects.values_list("code", flat=True)) == {"U0", "U1", "U3", "U5"}
    rejected = batch.rejected
    assert rejected["headers"] == UNIT_HEADER
    assert [r[0] for r in rejected["rows"]] == [4, 6]
    assert rejected["rows"][1][1:4] == ["U4", "村4", "星球"]


def test_the_same_file_twice_is_refused_unless_forced():
    data = csv_bytes(unit_rows(3))
    batch_import(batch=batch_check(batch=upload(data)))
    with pytest.raises(DuplicateImportError) as excinfo:
        upload(data)
    assert excinfo.value.existing.status == ImportBatch.Status.DONE
    again = batch_import(batch=batch_check(batch=upload(data, force=True)))
    # Idempotent: the second run changes nothing.
    assert (again.rows_new, again.rows_updated, again.rows_skipped) == (0, 0, 3)
    assert Unit.objects.count() == 3


def test_a_discarded_upload_may_be_uploaded_again():
    data = csv_bytes(unit_rows(2))
    discarded = batch_discard(batch=batch_check(batch=upload(data)))
    assert discarded.status == ImportBatch.Status.CANCELLED
    # Not refused as a duplicate (no force): the first one was never imported.
    again = batch_import(batch=batch_check(batch=upload(data)))
    assert again.pk != discarded.pk and not again.forced
    assert again.status == ImportBatch.Status.DONE
    assert sorted(Unit.objects.values_list("code", flat=True)) == ["U0", "U1"]


def test_rollback_removes_what_the_batch_created_and_logs_it():
    Unit.objects.create(code="U0", name="旧名", kind="town")
    batch = batch_import(
        batch=batch_check(batch=upload(xlsx_bytes(unit_rows(4)), name="u.xlsx"))
    )
    assert Unit.objects.count() == 4
    batch_rollback(batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    # The updated unit has its old name back; the created ones are gone.
    assert list(Unit.objects.values_list("code", "name")) == [("U0", "旧名")]
    entry = ModelLogEntry.objects.get(action="wagtail_pilots.import_rollback")
    assert (entry.data["deleted"], entry.data["restored"]) == (3, 1)
    with pytest.raises(RollbackError):
        batch_rollback(batch=batch)


def test_rollback_of_a_parent_and_children_in_one_batch():
    batch = batch_import(batch=batch_check(batch=upload(csv_bytes(unit_rows(3)))))
    batch_rollback(batch=batch)
    assert Unit.objects.count() == 0


def test_rollback_refused_when_other_data_depends_on_it():
    batch = batch_import(batch=batch_check(batch=upload(csv_bytes(unit_rows(2)))))
    Unit.objects.create(
        code="LATER", name="后来的村", parent=Unit.objects.get(code="U0")
    )
    with pytest.raises(RollbackError, match="refers"):
        batch_rollback(batch=batch)
    assert Unit.objects.count() == 3
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["单位名称", "类型"], "Missing column(s): 单位代码/code"),
        (["code", "单位代码", "name"], "“code” and “单位代码”"),
        (["code", "name", "颜色"], "Unknown column(s): 颜色"),
    ],
)
def test_header_problems_fail_the_check(header, message):
    data = csv_bytes([header, ["A"] * len(header)])
    batch = batch_check(batch=upload(data))
    assert batch.status == ImportBatch.Status.FAILED
    assert message in batch.message
    assert batch.errors[0]["row"] == 1


def test_english_and_bilingual_headers_are_accepted():
    data = csv_bytes(
        [["Code", "NAME", "parent code", "单位类型"], ["a1", " 甲 ", "", "village"]]
    )
    batch = batch_import(batch=batch_check(batch=upload(data)))
    assert batch.status == ImportBatch.Status.DONE
    assert Unit.objects.get(code="A1").name == "甲"


def test_formula_payload_is_stored_as_text_and_exported_safely():
    data = csv_bytes([["code", "name"], ["F1", '=HYPERLINK("http://x")']])
    batch_import(batch=batch_check(batch=upload(data)))
    headers, rows = export_table(kind=get_kind("units"))
    rows = list(rows)
    assert headers[0] == "单位代码/code"
    assert rows[0][1] == '=HYPERLINK("http://x")'
    from wagtail_pilots.spreadsheets import iter_csv

    text = "".join(iter_csv(headers, rows))
    assert "'=HYPERLINK" in text


def test_abandoned_uploads_are_cleaned_up(import_temp_dir):
    batch = upload(csv_bytes(unit_rows(2)))
    assert len(list(import_temp_dir.glob("*.upload"))) == 1
    stray = import_temp_dir / "stray.upload"
    stray.write_bytes(b"x")
    assert cleanup_abandoned(older_than_hours=1) == 0
    assert cleanup_abandoned(older_than_hours=-1) == 2
    assert list(import_temp_dir.glob("*.upload")) == []
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED


def test_missing_temporary_file_is_a_clear_failure(import_temp_dir):
    batch = upload(csv_bytes(unit_rows(2)))
    for path in import_temp_dir.glob("*.upload"):
        path.unlink()
    batch = batch_check(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert "no longer available" in batch.message


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "村", "乡镇", "是", "否", "=1+1", "U0", "None", "null", " "]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "gb18030"]),
)
def test_any_cell_values_give_a_checked_or_failed_batch(rows, encoding):
    """Whatever the cells hold, the check ends with a status and messages, and the
    database is unchanged; nothing raises."""
    import csv
    import io

    output = io.StringIO()
    csv.writer(output).writerows([UNIT_HEADER, *rows])
    try:
        data = output.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    batch = batch_check(batch=upload(data, force=True))
    assert batch.status in (ImportBatch.Status.CHECKED, ImportBatch.Status.FAILED)
    if batch.status == ImportBatch.Status.FAILED:
        assert batch.message
    for error in batch.errors:
        assert error["message"]
    assert Unit.objects.count() == 0
