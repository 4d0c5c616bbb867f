"""Rolling back a whole batch: created objects removed, updated objects restored
(refused, with nothing changed, when that would overwrite a later edit or make
a record invalid); the confirmation page, the audit log and the command."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import ModelLogEntry
from wagtail.search.backends import get_search_backend

from tests.fixtures.imports import csv_bytes
from wagtail_pilots.importexport.models import ImportBatch, ImportedObject
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    DuplicateImportError,
    RollbackError,
    batch_check,
    batch_import,
    batch_rollback,
    batch_rollback_plan,
    batch_upload,
    rollback,
)
from wagtail_pilots.models import Unit
from wagtail_pilots.pilots.models import (
    IndicatorReading,
    PilotIndexPage,
    PilotIndicator,
    PilotProgramPage,
)

pytestmark = pytest.mark.django_db

HEADER = ["单位代码", "单位名称", "类型", "上级单位代码", "所属区域", "是否启用"]
ROLLBACK_ACTION = "wagtail_pilots.import_rollback"


def run(rows, *, kind="units", page=None, skip_invalid=False, force=False):
    batch = batch_upload(
        kind=get_kind(kind),
        file_name="file.csv",
        data=csv_bytes(rows),
        page=page,
        skip_invalid=skip_invalid,
        force=force,
    )
    batch = batch_import(batch=batch_check(batch=batch))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    return batch


def state(*codes):
    """Every stored field of the units, by code."""
    return {u["code"]: u for u in Unit.objects.filter(code__in=codes).values()}


@pytest.fixture
def tree():
    """A county with two towns; villages A, B and D under the first town."""
    county = Unit.objects.create(code="SFX", name="示范县", kind="county")
    t1 = Unit.objects.create(code="T1", name="青石镇", kind="town", parent=county)
    Unit.objects.create(code="T2", name="白马镇", kind="town", parent=county)
    for code, name in (("A", "甲村"), ("B", "乙村"), ("D", "丁村")):
        Unit.objects.create(
            code=code, name=name, kind="village", parent=t1, region="示范县"
        )
    return county


# A file that creates N1 and N2 and updates A (name), B (moved under the new
# N1) and D (deactivated and moved to the other town).
FILE = [
    HEADER,
    ["N1", "新村一", "村", "T2", "示范县", "是"],
    ["N2", "新村二", "村", "N1", "示范县", "是"],
    ["A", "甲村（改名）", "村", "T1", "示范县", "是"],
    ["B", "乙村", "村", "N1", "示范县", "是"],
    ["D", "丁村", "村", "T2", "示范县", "否"],
    ["T1", "青石镇", "乡镇", "SFX", "", "是"],  # unchanged: skipped
]


def test_rollback_removes_created_and_restores_updated_field_by_field(tree):
    before = state("SFX", "T1", "T2", "A", "B", "D")
    batch = run(FILE)
    assert (batch.rows_new, batch.rows_updated, batch.rows_skipped) == (2, 3, 1)
    after = state("A", "B", "D", "N1")
    assert after["A"]["name"] == "甲村（改名）"
    assert after["B"]["parent_id"] == after["N1"]["id"]
    assert (after["D"]["active"], after["D"]["parent_id"]) == (
        False,
        before["T2"]["id"],
    )
    assert batch_rollback_plan(batch=batch) == {"created": 2, "updated": 3}

    batch_rollback(batch=batch)

    assert not Unit.objects.filter(code__in=["N1", "N2"]).exists()
    assert state("SFX", "T1", "T2", "A", "B", "D") == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert batch.message == (
        "Rolled back: 2 created record(s) removed, 3 updated record(s) restored."
    )
    entry = ModelLogEntry.objects.get(action=ROLLBACK_ACTION)
    assert (entry.data["deleted"], entry.data["restored"]) == (2, 3)
    assert not ImportedObject.objects.filter(batch=batch).exists()


def test_restore_reads_and_restores_in_chunks(tree, monkeypatch):
    monkeypatch.setattr(rollback, "RESTORE_CHUNK", 2)
    before = state("A", "B", "D")
    batch_rollback(batch=run(FILE))
    assert state("A", "B", "D") == before


def test_restored_units_are_reindexed_for_search(tree):
    backend = get_search_backend()
    batch = run(FILE)
    assert [u.code for u in backend.search("甲村（改名）", Unit)] == ["A"]
    batch_rollback(batch=batch)
    assert list(backend.search("甲村（改名）", Unit)) == []
    assert [u.code for u in backend.search("甲村", Unit)] == ["A"]


def test_refused_when_an_updated_unit_was_edited_since(tree):
    batch = run(FILE)
    a = Unit.objects.get(code="A")
    a.name = "甲村（编辑改过）"
    a.save()
    d = Unit.objects.get(code="D")
    d.active = True
    d.save()
    after_edit = state("A", "B", "D", "N1", "N2")

    with pytest.raises(RollbackError) as excinfo:
        batch_rollback(batch=batch)

    message = str(excinfo.value)
    assert "2 record(s) it updated have been changed since the import" in message
    assert "甲村（编辑改过） (name)" in message and "丁村 (active)" in message
    assert "Nothing was rolled back" in message
    # Nothing changed: not B (which could have been restored), not N1/N2.
    assert state("A", "B", "D", "N1", "N2") == after_edit
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert batch_rollback_plan(batch=batch) == {"created": 2, "updated": 3}
    assert not ModelLogEntry.objects.filter(action=ROLLBACK_ACTION).exists()


def test_a_later_edit_of_a_field_the_import_did_not_change_is_kept(tree):
    batch = run(FILE)
    Unit.objects.filter(code="A").update(region="新区")
    batch_rollback(batch=batch)
    a = Unit.objects.get(code="A")
    assert (a.name, a.region) == ("甲村", "新区")


def test_refused_when_restoring_a_parent_would_make_a_loop(tree):
    # The import takes village A out of its town...
    batch = run([HEADER, ["A", "甲村", "村", "", "示范县", "是"]])
    # ...then an editor puts the town under A: putting A back would make a loop.
    t1 = Unit.objects.get(code="T1")
    t1.parent = Unit.objects.get(code="A")
    t1.full_clean()
    t1.save()
    with pytest.raises(RollbackError) as excinfo:
        batch_rollback(batch=batch)
    message = str(excinfo.value)
    assert "would make them invalid" in message
    assert "甲村: parent unit: 青石镇 is inside 甲村" in message
    assert Unit.objects.get(code="A").parent_id is None
    assert Unit.objects.get(code="T1").parent.code == "A"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


def test_refused_when_the_previous_parent_was_deleted(tree):
    batch = run([HEADER, ["A", "甲村", "村", "T2", "示范县", "是"]])
    Unit.objects.filter(code__in=["B", "D"]).delete()
    Unit.objects.filter(code="T1").delete()
    with pytest.raises(RollbackError, match="甲村: parent unit: .*not a valid choice"):
        batch_rollback(batch=batch)
    assert Unit.objects.get(code="A").parent.code == "T2"


def test_refused_when_a_restored_unique_value_is_taken(tree):
    # No units file changes a code (the code is the key); this stands for a
    # kind whose import changes a unique field: the value it replaced has since
    # been given to another unit.
    batch = run([HEADER, ["A", "甲村（改名）", "村", "T1", "示范县", "是"]])
    record = ImportedObject.objects.get(batch=batch, action="updated")
    record.previous = {**record.previous, "code": "B"}
    record.written = {**record.written, "code": "A"}
    record.save()
    with pytest.raises(RollbackError) as excinfo:
        batch_rollback(batch=batch)
    assert "甲村（改名）: code: Unit with this Code already exists." in str(
        excinfo.value
    )
    assert Unit.objects.get(code="A").name == "甲村（改名）"


def test_a_unit_updated_by_two_rows_of_one_file_gets_its_first_values_back(tree):
    rows = [
        HEADER,
        ["A", "甲村（一）", "村", "T2", "示范县", "是"],
        ["B", "乙村（改名）", "村", "T1", "示范县", "是"],
        ["A", "甲村（二）", "村", "T1", "示范县", "否"],
        ["B", "乙村", "村", "T1", "示范县", "是"],  # back to what it was
    ]
    before = state("A", "B")
    batch = run(rows)
    assert Unit.objects.get(code="A").name == "甲村（二）"
    record = ImportedObject.objects.get(batch=batch, action="updated")
    assert (record.previous, record.written) == (
        {"name": "甲村", "active": True},
        {"name": "甲村（二）", "active": False},
    )
    batch_rollback(batch=batch)
    assert state("A", "B") == before


def test_two_batches_over_the_same_units_roll_back_newest_first(tree):
    first = run(FILE)
    second = run([HEADER, ["A", "甲村（第二次）", "村", "T1", "示范县", "是"]])
    with pytest.raises(RollbackError, match="甲村（第二次） \\(name\\)"):
        batch_rollback(batch=first)
    batch_rollback(batch=second)
    assert Unit.objects.get(code="A").name == "甲村（改名）"
    batch_rollback(batch=first)
    assert Unit.objects.get(code="A").name == "甲村"


def test_an_updated_unit_deleted_since_is_left_deleted(tree):
    batch = run(FILE)
    Unit.objects.filter(code="D").delete()
    batch_rollback(batch=batch)
    assert not Unit.objects.filter(code="D").exists()
    assert Unit.objects.get(code="A").name == "甲村"
    batch.refresh_from_db()
    assert "1 updated record(s) had been deleted since the import" in batch.message
    assert ModelLogEntry.objects.get(action=ROLLBACK_ACTION).data["not_found"] == 1


def test_skip_invalid_batch_restores_only_what_it_changed(tree):
    rows = [
        HEADER,
        ["A", "甲村（改名）", "村", "T1", "示范县", "是"],
        ["B", "乙村（改名）", "星球", "T1", "示范县", "是"],  # invalid kind
        ["D", "丁村", "村", "T1", "示范县", "否"],
    ]
    batch = run(rows, skip_invalid=True)
    assert (batch.rows_updated, batch.rows_invalid) == (2, 1)
    assert Unit.objects.get(code="B").name == "乙村"
    # B was not imported: an edit of it does not block the rollback, and stays.
    Unit.objects.filter(code="B").update(name="乙村（编辑）")
    batch_rollback(batch=batch)
    assert dict(
        Unit.objects.filter(code__in=["A", "B", "D"]).values_list("code", "name")
    ) == {"A": "甲村", "B": "乙村（编辑）", "D": "丁村"}
    assert Unit.objects.get(code="D").active is True
    assert ModelLogEntry.objects.get(action=ROLLBACK_ACTION).data["restored"] == 2


def test_the_same_file_imports_again_after_its_rollback(tree):
    batch = run(FILE)
    with pytest.raises(DuplicateImportError):
        batch_upload(kind=get_kind("units"), file_name="f.csv", data=csv_bytes(FILE))
    batch_rollback(batch=batch)
    again = run(FILE)  # not refused: the first batch was rolled back
    assert (again.rows_new, again.rows_updated) == (2, 3)
    assert Unit.objects.get(code="A").name == "甲村（改名）"
    # Forced a third time, every row is unchanged: nothing is recorded.
    third = run(FILE, force=True)
    assert third.rows_skipped == 6
    assert batch_rollback_plan(batch=third) == {"created": 0, "updated": 0}
    batch_rollback(batch=again)
    assert Unit.objects.get(code="A").name == "甲村"


def test_updates_are_recorded_with_one_insert(tree):
    villages = [[f"V{i}", f"村{i}", "村", "T1", "示范县", "是"] for i in range(40)]
    run([HEADER, *villages])
    renamed = [[code, name + "（改）", *rest] for code, name, *rest in villages]
    with CaptureQueriesContext(connection) as queries:
        batch = run([HEADER, *renamed])
    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(
            'INSERT INTO "wagtail_pilots_importexport_importedobject"'
        )
    ]
    assert len(inserts) == 1
    assert ImportedObject.objects.filter(batch=batch, action="updated").count() == 40


# -- indicator readings ------------------------------------------------------------


@pytest.fixture
def pilot(home_page):
    index = home_page.add_child(
        instance=PilotIndexPage(title="试点工作", slug="pilots")
    )
    page = PilotProgramPage(
        title="小额人身保险试点",
        slug="baoxian",
        status="running",
        indicators=[PilotIndicator(name="群众满意度", baseline=D(80), target=D(95))],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


READINGS = [
    ["指标", "日期", "数值", "备注"],
    ["群众满意度", "2026-03-31", 88, "复核"],
    ["群众满意度", "2026-06-30", "92.5", ""],
]


def test_rollback_restores_an_updated_reading(pilot):
    IndicatorReading.objects.create(
        indicator=pilot.indicators.get(), date=datetime.date(2026, 3, 31), value=85
    )
    batch = run(READINGS, kind="indicator-readings", page=pilot)
    assert (batch.rows_new, batch.rows_updated) == (1, 1)
    batch_rollback(batch=batch)
    reading = IndicatorReading.objects.get()
    assert (reading.date, reading.value, reading.note) == (
        datetime.date(2026, 3, 31),
        D(85),
        "",
    )


def test_reading_edited_since_refuses_the_rollback(pilot):
    IndicatorReading.objects.create(
        indicator=pilot.indicators.get(), date=datetime.date(2026, 3, 31), value=85
    )
    batch = run(READINGS, kind="indicator-readings", page=pilot)
    IndicatorReading.objects.filter(date="2026-03-31").update(value=D("89.5"))
    with pytest.raises(RollbackError, match=r"\(value\)"):
        batch_rollback(batch=batch)
    assert IndicatorReading.objects.count() == 2
    assert IndicatorReading.objects.get(date="2026-03-31").value == D("89.5")


# -- admin and command line ---------------------------------------------------------

IMPORTER_PERMS = (
    "wagtail_pilots_importexport.import_data",
    "wagtail_pilots.add_unit",
    "wagtail_pilots.change_unit",
)


def rollback_url(batch):
    return reverse("wagtail_pilots_importexport:rollback", args=[batch.pk])


def test_confirmation_page_says_what_rollback_will_do(client, make_editor, tree):
    batch = run(FILE)
    client.force_login(make_editor(*IMPORTER_PERMS))
    content = client.get(rollback_url(batch)).content.decode()
    assert (
        "removes the 2 record(s) it created and restores the 3 record(s) it "
        "updated to their values before the import"
    ) in content

    response = client.post(rollback_url(batch), follow=True)
    content = response.content.decode()
    assert (
        "Rolled back: 2 created record(s) removed, 3 updated record(s) restored."
    ) in content
    assert Unit.objects.get(code="A").name == "甲村"


def test_refusal_is_shown_as_a_message(client, make_editor, tree):
    batch = run(FILE)
    Unit.objects.filter(code="A").update(name="甲村（编辑）")
    client.force_login(make_editor(*IMPORTER_PERMS))
    response = client.post(rollback_url(batch), follow=True)
    assert response.status_code == 200
    assert "甲村（编辑） (name)" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


def test_rollback_needs_import_rights(client, make_editor, tree):
    batch = run(FILE)
    client.force_login(
        make_editor("wagtail_pilots.add_unit", "wagtail_pilots.change_unit")
    )
    assert client.get(rollback_url(batch)).status_code == 403
    assert client.post(rollback_url(batch)).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Unit.objects.get(code="A").name == "甲村（改名）"


def test_rollback_command(tree):
    batch = run(FILE)
    out = StringIO()
    call_command("pilots_import_rollback", str(batch.pk), "--no-input", stdout=out)
    text = out.getvalue()
    assert "removes 2 created record(s) and restores 3 updated record(s)" in text
    assert "Rolled back: 2 created record(s) removed" in text
    assert Unit.objects.get(code="A").name == "甲村"
    with pytest.raises(CommandError, match="only an imported batch"):
        call_command("pilots_import_rollback", str(batch.pk), "--no-input")
    with pytest.raises(CommandError, match="no import batch #999"):
        call_command("pilots_import_rollback", "999", "--no-input")


def test_rollback_command_without_a_terminal_cancels(tree, monkeypatch):
    batch = run(FILE)

    def no_terminal(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    with pytest.raises(CommandError, match="no answer; use --no-input"):
        call_command("pilots_import_rollback", str(batch.pk), stdout=StringIO())
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Unit.objects.get(code="A").name == "甲村（改名）"


def test_a_batch_of_a_kind_no_longer_installed_is_refused(tree):
    batch = run(FILE)
    ImportBatch.objects.filter(pk=batch.pk).update(kind="retired-kind")
    batch.refresh_from_db()
    with pytest.raises(RollbackError, match="“retired-kind” is not installed"):
        batch_rollback(batch=batch)
    with pytest.raises(CommandError, match="not installed"):
        call_command(
            "pilots_import_rollback", str(batch.pk), "--no-input", stdout=StringIO()
        )
    assert Unit.objects.filter(code="N1").exists()


def test_a_second_rollback_of_a_stale_batch_is_refused(tree):
    """Two clicks (or the admin and the command) on the same batch: the second
    finds it rolled back, inside its own transaction."""
    batch = run(FILE)
    stale = ImportBatch.objects.get(pk=batch.pk)
    batch_rollback(batch=batch)
    with pytest.raises(RollbackError, match="Only an imported batch"):
        batch_rollback(batch=stale)
    assert ModelLogEntry.objects.filter(action=ROLLBACK_ACTION).count() == 1


def test_rollback_command_asks_and_refuses(tree, monkeypatch):
    batch = run(FILE)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Cancelled"):
        call_command("pilots_import_rollback", str(batch.pk), stdout=StringIO())
    assert Unit.objects.get(code="A").name == "甲村（改名）"
    Unit.objects.filter(code="A").update(name="甲村（编辑）")
    with pytest.raises(CommandError, match="changed since the import"):
        call_command(
            "pilots_import_rollback", str(batch.pk), "--no-input", stdout=StringIO()
        )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
