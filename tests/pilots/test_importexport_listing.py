"""The ``pilots`` kind: the pilot programs under a pilot index page."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, Revision

from tests.fixtures.imports import (
    IMPORT_TEST_MARKS,
    csv_bytes,
    upload_check_import,
    xlsx_bytes,
)
from tests.fixtures.pilots import days
from tests.fixtures.users import IMPORT_EXPORT
from wagtail_pilots import spreadsheets
from wagtail_pilots.importexport.buttons import page_header_buttons
from wagtail_pilots.importexport.formats import read_table
from wagtail_pilots.importexport.models import ImportBatch, ImportedObject
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    RollbackError,
    batch_check,
    batch_import,
    batch_rollback,
    batch_rollback_plan,
    batch_upload,
    export_table,
)
from wagtail_pilots.models import Unit
from wagtail_pilots.pilots.models import (
    PilotIndexPage,
    PilotPageImport,
    PilotPhase,
    PilotProgramPage,
    PilotSite,
)

pytestmark = IMPORT_TEST_MARKS

HEADER = [
    "编号/code",
    "名称/title",
    "摘要/summary",
    "状态/status",
    "牵头单位代码/lead unit code",
    "开始日期/start date",
    "结束日期/end date",
    "报告周期/report cadence",
    "试点单位代码/pilot sites",
    "示范点代码/demonstration sites",
]


@pytest.fixture
def units(db):
    codes = {
        "MZJ": ("县民政局", "department"),
        "CGZ": ("城关镇", "town"),
        "QSZ": ("青石镇", "town"),
        "CGZ-DJ": ("城关镇东街社区", "village"),
        "RMYY": ("县人民医院", "department"),
    }
    return {
        code: Unit.objects.create(code=code, name=name, kind=kind)
        for code, (name, kind) in codes.items()
    }


@pytest.fixture
def index(home_page):
    page = PilotIndexPage(title="试点项目", slug="programs")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return PilotIndexPage.objects.get(pk=page.pk)


def add_pilot(index, *, publish=True, sites=(), **fields):
    fields.setdefault("status", "running")
    page = PilotProgramPage(
        sites=[
            PilotSite(unit=unit, role=role, sort_order=position)
            for position, (unit, role) in enumerate(sites)
        ],
        **fields,
    )
    if not publish:
        page.live = False
    index.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return PilotProgramPage.objects.get(pk=page.pk)


@pytest.fixture
def medical(index, units):
    """A live pilot with a code, sites of three roles and a dated plan."""
    return add_pilot(
        index,
        title="城市医疗救助试点",
        slug="medical",
        code="SFX-MZ-03",
        summary="一站式即时结算",
        lead_unit=units["MZJ"],
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 12, 31),
        sites=[
            (units["CGZ"], "pilot"),
            (units["CGZ-DJ"], "demonstration"),
            (units["RMYY"], "responsible"),
        ],
    )


def run(data, page, *, name="pilots.csv", skip_invalid=False, user=None):
    return upload_check_import(
        "pilots",
        data,
        page=page,
        name=name,
        skip_invalid=skip_invalid,
        user=user,
        force=True,
    )


def errors_of(batch):
    return {(e["row"], e["column"]): e["message"] for e in batch.errors}


def sites_of(page, role):
    return list(
        PilotSite.objects.filter(pilot=page, role=role)
        .order_by("sort_order")
        .values_list("unit__code", flat=True)
    )


def exported_csv(index):
    headers, rows = export_table(kind=get_kind("pilots"), page=index)
    return "".join(spreadsheets.iter_csv(headers, rows)).encode("utf-8")


# -- import ------------------------------------------------------------------------


def test_import_creates_draft_pilots_with_sites(index, units, admin_user, medical):
    rows = [
        HEADER,
        [
            "SFX-ZF-06",
            "社区网格化管理试点",
            "每格配一名网格员",
            "筹备中",
            "mzj",
            "2026/7/1",
            "2027年6月30日",
            "每月",
            "CGZ；QSZ",
            "CGZ-DJ",
        ],
        ["", "城市医疗救助试点 二期", "", "running", "", "", "", "quarterly", "", ""],
    ]
    batch = run(xlsx_bytes(rows), index, name="p.xlsx", user=admin_user)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_new, batch.rows_updated, batch.rows_skipped) == (2, 0, 0)

    grid = PilotProgramPage.objects.get(code="SFX-ZF-06")
    assert grid.get_parent().pk == index.pk
    # A draft with a first revision, for editors to review and publish.
    assert not grid.live and grid.has_unpublished_changes
    assert grid.latest_revision.user == admin_user and grid.owner == admin_user
    assert grid.slug == "社区网格化管理试点"  # Wagtail's own slug from the title
    assert (grid.status, grid.lead_unit, grid.report_cadence) == (
        "planning",
        units["MZJ"],
        "monthly",
    )
    assert (grid.start_date, grid.end_date) == (
        datetime.date(2026, 7, 1),
        datetime.date(2027, 6, 30),
    )
    assert sites_of(grid, "pilot") == ["CGZ", "QSZ"]
    assert sites_of(grid, "demonstration") == ["CGZ-DJ"]
    # The first revision holds what was imported.
    assert [s.unit.code for s in grid.latest_revision.as_object().sites.all()] == [
        "CGZ",
        "QSZ",
        "CGZ-DJ",
    ]
    second = PilotProgramPage.objects.get(title="城市医疗救助试点 二期")
    assert (second.status, second.report_cadence, second.live) == (
        "running",
        "quarterly",
        False,
    )
    index.refresh_from_db()
    assert index.numchild == 3 == index.get_children().count()
    # The rollback records live in the pilots app, not as ImportedObject rows.
    assert not ImportedObject.objects.exists()
    assert PilotPageImport.objects.filter(batch=batch, created=True).count() == 2


def test_slugs_are_unique_and_fall_back_to_the_code(index, units):
    add_pilot(index, title="网格化试点", slug="网格化试点")
    rows = [["编号", "名称"], ["G-2", "网格化试点"]]
    assert run(csv_bytes(rows), index).status == ImportBatch.Status.DONE
    assert PilotProgramPage.objects.get(code="G-2").slug == "网格化试点-2"
    with override_settings(WAGTAIL_ALLOW_UNICODE_SLUGS=False):
        rows = [["编号", "名称"], ["SFX-ZF-07", "平安乡村试点"], ["", "智慧社区试点"]]
        batch = run(csv_bytes(rows), index)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert PilotProgramPage.objects.get(code="SFX-ZF-07").slug == "sfx-zf-07"
    assert PilotProgramPage.objects.get(title="智慧社区试点").slug == "pilot"


def test_update_saves_a_revision_and_republishes_a_live_pilot(
    index, units, medical, admin_user
):
    revisions = Revision.objects.for_instance(medical).count()
    rows = [
        ["编号", "名称", "摘要", "试点单位代码", "示范点代码"],
        ["SFX-MZ-03", "城市医疗救助试点", "出院时一站式结算", "QSZ、CGZ", ""],
    ]
    batch = run(csv_bytes(rows), index, user=admin_user)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_new, batch.rows_updated) == (0, 1)
    medical.refresh_from_db()
    assert medical.summary == "出院时一站式结算"
    assert medical.live and not medical.has_unpublished_changes
    assert Revision.objects.for_instance(medical).count() == revisions + 1
    assert medical.latest_revision.user == admin_user
    assert medical.live_revision_id == medical.latest_revision_id
    assert sites_of(medical, "pilot") == ["QSZ", "CGZ"]
    # An empty cell removes the sites of that role; other roles stay.
    assert sites_of(medical, "demonstration") == []
    assert sites_of(medical, "responsible") == ["RMYY"]
    # Columns the file does not have are left alone.
    assert (medical.lead_unit, medical.start_date) == (
        units["MZJ"],
        datetime.date(2026, 3, 1),
    )


def test_a_blank_code_matches_the_exact_title(index, units, medical):
    rows = [["编号", "名称", "状态"], ["", "城市医疗救助试点", "评估中"]]
    batch = run(csv_bytes(rows), index)
    assert (batch.rows_new, batch.rows_updated) == (0, 1), batch.errors
    medical.refresh_from_db()
    # The blank code cell only chose the match: the pilot keeps its code.
    assert medical.status == "evaluating" and medical.code == "SFX-MZ-03"


def test_blank_status_and_cadence_keep_an_existing_pilots_values(index, units, medical):
    medical.report_cadence = "quarterly"
    medical.save_revision().publish()
    rows = [
        ["编号", "名称", "状态", "报告周期"],
        ["SFX-MZ-03", "城市医疗救助试点（修订）", "", ""],
        ["NEW-1", "新试点", "", ""],
    ]
    batch = run(csv_bytes(rows), index)
    assert (batch.rows_new, batch.rows_updated) == (1, 1), batch.errors
    medical.refresh_from_db()
    assert medical.title == "城市医疗救助试点（修订）"
    assert (medical.status, medical.report_cadence) == ("running", "quarterly")
    new = PilotProgramPage.objects.get(code="NEW-1")
    assert (new.status, new.report_cadence) == ("planning", "monthly")


def test_a_draft_only_pilot_is_updated_as_a_draft(index, units):
    draft = add_pilot(index, title="草稿试点", code="D-1", publish=False)
    rows = [["编号", "名称", "摘要"], ["D-1", "草稿试点", "新的摘要"]]
    batch = run(csv_bytes(rows), index)
    assert batch.rows_updated == 1, batch.errors
    draft.refresh_from_db()
    assert not draft.live and draft.summary == "新的摘要"
    assert draft.latest_revision.as_object().summary == "新的摘要"


def test_export_then_import_changes_nothing(index, units, medical):
    add_pilot(index, title="草稿试点", code="D-1", publish=False, decision="extend")
    data = exported_csv(index)
    revisions = Revision.objects.count()
    batch = run(data, index, name="export.csv")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_new, batch.rows_updated, batch.rows_skipped) == (0, 0, 2)
    assert Revision.objects.count() == revisions
    # The same through an Excel file written by the export.
    headers, rows = export_table(kind=get_kind("pilots"), page=index)
    batch = run(xlsx_bytes([headers, *rows]), index, name="export.xlsx")
    assert (batch.rows_new, batch.rows_updated, batch.rows_skipped) == (0, 0, 2)


def test_a_live_pilot_with_a_draft_is_refused_on_its_row(index, units, medical):
    medical.summary = "编辑尚未发布的修改"
    medical.save_revision()
    rows = [
        ["编号", "名称", "摘要"],
        ["SFX-NEW", "新试点", ""],
        ["SFX-MZ-03", "城市医疗救助试点", "导入的摘要"],
    ]
    batch = run(csv_bytes(rows), index)
    assert batch.status == ImportBatch.Status.CHECKED
    assert errors_of(batch) == {
        (3, ""): "“城市医疗救助试点” has unpublished changes: publish or discard the "
        "draft first (the import saves a new version of the page)."
    }
    assert not PilotProgramPage.objects.filter(code="SFX-NEW").exists()
    # A row that changes nothing is not refused (nothing would be written).
    rows = [
        ["编号", "名称", "摘要"],
        ["SFX-MZ-03", "城市医疗救助试点", "一站式即时结算"],
    ]
    assert run(csv_bytes(rows), index).rows_skipped == 1


def test_bad_cells_are_named_by_row_and_column(index, units, medical):
    rows = [
        HEADER + ["决定/decision", "决定日期/decision date"],
        [
            "A-1",
            "甲",
            "",
            "暂停",
            "XX",
            "2026-05-01",
            "2026-04-01",
            "每周",
            "",
            "",
            "",
            "",
        ],
        ["A-2", "", "", "", "", "2026-13-01", "", "", "CGZ;NOPE;NADA", "", "", ""],
        [
            "A-1",
            "乙",
            "",
            "",
            "",
            "2026-05-01",
            "",
            "",
            "QSZ、qsz",
            "",
            "推广",
            "2026-04-01",
        ],
        ["A-3", "丙" * 256, "", "", "", "", "", "", "", "", "继续", ""],
        ["A-4", "丁", "", "", "", "", "", "", "", "", "", ""],
    ]
    batch = run(csv_bytes(rows), index)
    assert batch.status == ImportBatch.Status.CHECKED, (batch.message, batch.errors)
    assert (batch.rows_invalid, batch.rows_new) == (4, 1)
    errors = errors_of(batch)
    assert errors[(2, "状态/status")].startswith("“暂停” is not one of: planning, ")
    assert (
        errors[(2, "牵头单位代码/lead unit code")] == "There is no unit with code “XX”."
    )
    assert (
        errors[(2, "结束日期/end date")] == "The end date cannot be before the start."
    )
    assert errors[(2, "报告周期/report cadence")].startswith("“每周” is not one of:")
    assert errors[(3, "名称/title")] == "Enter the pilot's title."
    assert errors[(3, "开始日期/start date")] == (
        "“2026-13-01” is not a date (write it as 2026-06-05)."
    )
    assert errors[(3, "试点单位代码/pilot sites")] == (
        "There is no unit with code(s) “NOPE”、“NADA”."
    )
    assert errors[(4, "编号/code")] == "This code is already in row 2 of this file."
    assert errors[(4, "试点单位代码/pilot sites")] == "Code(s) written twice: QSZ."
    assert errors[(4, "决定日期/decision date")] == (
        "The decision date cannot be before the start."
    )
    assert errors[(5, "名称/title")] == (
        "Ensure this value has at most 255 characters (it has 256)."
    )
    assert errors[(5, "决定/decision")].startswith("“继续” is not one of: roll out")
    assert (6, "") not in errors and len({e["row"] for e in batch.errors}) == 4
    # All or nothing: the good row was not imported either.
    assert not PilotProgramPage.objects.filter(code="A-4").exists()


def test_the_real_run_is_all_or_nothing(index, units, medical):
    rows = [
        ["编号", "名称", "摘要", "试点单位代码"],
        ["SFX-MZ-03", "城市医疗救助试点", "改了", "CGZ"],
        ["N-1", "甲", "", "CGZ"],
        ["N-2", "乙", "", "QSZ"],
    ]
    batch = batch_check(
        batch=batch_upload(
            kind=get_kind("pilots"), file_name="p.csv", data=csv_bytes(rows), page=index
        )
    )
    assert (batch.rows_new, batch.rows_updated, batch.rows_invalid) == (2, 1, 0)
    # The dry run wrote nothing.
    counts = (PilotProgramPage.objects.count(), Revision.objects.count())
    assert not PilotPageImport.objects.exists()
    # Row 4 becomes invalid between the preview and the confirmation.
    Unit.objects.filter(code="QSZ").delete()
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert errors_of(batch) == {
        (4, "试点单位代码"): "There is no unit with code(s) “QSZ”."
    }
    assert (PilotProgramPage.objects.count(), Revision.objects.count()) == counts
    assert PilotProgramPage.objects.get(pk=medical.pk).summary == "一站式即时结算"
    assert not PilotPageImport.objects.exists()


def test_duplicates_of_existing_pilots_in_one_file(index, units, medical):
    add_pilot(index, title="同名试点", slug="same-1")
    add_pilot(index, title="同名试点", slug="same-2")
    rows = [
        ["编号", "名称"],
        ["", "城市医疗救助试点"],
        ["SFX-MZ-03", "城市医疗救助试点（改名）"],
        ["", "同名试点"],
    ]
    errors = errors_of(run(csv_bytes(rows), index))
    assert errors == {
        (3, "编号"): "This pilot is already in row 2 of this file.",
        (4, "名称"): "Several pilots under this index are titled “同名试点”: write "
        "the code of the one you mean.",
    }


def test_a_new_title_twice_without_codes_names_the_first_row(index, units):
    rows = [["编号", "名称"], ["", "新试点"], [], ["", "新试点"]]
    errors = errors_of(run(csv_bytes(rows), index))
    # Blank rows count: the second one is row 4 of the spreadsheet.
    assert errors == {
        (4, "名称"): "A pilot with this title is already in row 2 of this file: "
        "give each row its own code."
    }


def test_skip_invalid_imports_the_other_rows(index, units):
    rows = [
        ["编号", "名称", "牵头单位代码"],
        ["B-1", "甲试点", "MZJ"],
        ["B-2", "乙试点", "?"],
    ]
    batch = run(csv_bytes(rows), index, skip_invalid=True)
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_new, batch.rows_invalid) == (1, 1)
    assert list(PilotProgramPage.objects.values_list("code", flat=True)) == ["B-1"]
    assert batch.rejected["rows"] == [
        [3, "B-2", "乙试点", "?", "牵头单位代码: There is no unit with code “?”."]
    ]


def test_read_only_columns_come_from_the_selectors_and_are_ignored(index, units):
    pilot = add_pilot(
        index,
        title="进度试点",
        code="P-1",
        start_date=days(-30),
        end_date=days(300),
        phases=[
            PilotPhase(name="一", weight=1, progress=100, due_date=days(-20)),
            PilotPhase(name="二", weight=3, progress=40, due_date=days(-1)),
        ],
    )
    table = read_table(exported_csv(index), filename="e.csv")
    row = dict(zip(table.headers, table.rows[0], strict=True))
    # (1 × 100 + 3 × 40) ÷ 4 = 55; phase 二 is past due and not complete.
    assert row["进度(%)/progress (%)"] == "55"
    assert row["逾期阶段数/overdue phases"] == "1"
    assert row["进展状况/health"] == "overdue"
    # Changing them in the file changes nothing: they are not imported.
    rows = [
        ["编号/code", "名称/title", "进度(%)/progress (%)", "进展状况/health"],
        ["P-1", "进度试点", "99", "on track"],
    ]
    batch = run(csv_bytes(rows), index)
    assert (batch.rows_skipped, batch.rows_updated) == (1, 0), batch.errors
    assert pilot.phases.count() == 2


def test_export_queries_do_not_grow_with_the_pilots(index, units):
    def count():
        with CaptureQueriesContext(connection) as queries:
            headers, rows = export_table(kind=get_kind("pilots"), page=index)
            rows = list(rows)
        return len(queries), len(rows)

    for number in range(2):
        add_pilot(
            index,
            title=f"试点{number}",
            code=f"Q-{number}",
            sites=[(units["CGZ"], "pilot"), (units["CGZ-DJ"], "demonstration")],
            phases=[PilotPhase(name="一", weight=1, progress=50)],
        )
    few, rows = count()
    assert rows == 2
    for number in range(2, 8):
        add_pilot(
            index,
            title=f"试点{number}",
            code=f"Q-{number}",
            sites=[(units["QSZ"], "pilot")],
            phases=[PilotPhase(name="一", weight=1, progress=50)],
        )
    many, rows = count()
    assert rows == 8
    # The pilots with their phase totals, and their sites with the units.
    assert few == many == 2


# -- rollback -----------------------------------------------------------------------


def test_rollback_deletes_created_and_restores_updated(
    index, units, medical, admin_user
):
    before_sites = sites_of(medical, "pilot")
    rows = [
        ["编号", "名称", "摘要", "试点单位代码", "状态"],
        ["SFX-MZ-03", "城市医疗救助试点（扩面）", "扩大到全县", "QSZ", "评估中"],
        ["N-1", "新试点", "", "CGZ", ""],
    ]
    batch = run(csv_bytes(rows), index, user=admin_user)
    assert (batch.rows_new, batch.rows_updated) == (1, 1), batch.errors
    created = PilotProgramPage.objects.get(code="N-1")
    # What the command (and the admin) announce before asking: the pages.
    assert batch_rollback_plan(batch=batch) == {"created": 1, "updated": 1}

    batch_rollback(batch=batch, user=admin_user)

    assert not PilotProgramPage.objects.filter(pk=created.pk).exists()
    index.refresh_from_db()
    assert index.numchild == 1 == index.get_children().count()
    medical.refresh_from_db()
    assert (medical.title, medical.summary, medical.status) == (
        "城市医疗救助试点",
        "一站式即时结算",
        "running",
    )
    assert sites_of(medical, "pilot") == before_sites
    assert medical.live and not medical.has_unpublished_changes
    assert medical.latest_revision.as_object().title == "城市医疗救助试点"
    assert medical.latest_revision.user == admin_user
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    # The message and the audit log count the pages.
    assert "1 created record(s) removed, 1 updated record(s) restored" in (
        batch.message
    )
    entry = ModelLogEntry.objects.get(action="wagtail_pilots.import_rollback")
    assert (entry.data["deleted"], entry.data["restored"]) == (1, 1)


def test_rollback_command_announces_the_pages(index, units, medical):
    rows = [
        ["编号", "名称"],
        ["SFX-MZ-03", "城市医疗救助试点（改）"],
        ["N-2", "另一试点"],
    ]
    batch = run(csv_bytes(rows), index)
    assert (batch.rows_new, batch.rows_updated) == (1, 1), batch.errors
    out = io.StringIO()
    call_command("pilots_import_rollback", str(batch.pk), "--no-input", stdout=out)
    assert "removes 1 created record(s) and restores 1 updated record(s)" in (
        out.getvalue()
    )
    assert not PilotProgramPage.objects.filter(code="N-2").exists()
    medical.refresh_from_db()
    assert medical.title == "城市医疗救助试点"


def test_rollback_restores_a_page_that_had_no_revision(index, units):
    page = PilotProgramPage(title="代码建的试点", code="C-1", status="running")
    index.add_child(instance=page)  # live, but never saved as a revision
    rows = [["编号", "名称", "状态"], ["C-1", "代码建的试点", "已完成"]]
    batch = run(csv_bytes(rows), index)
    assert PilotProgramPage.objects.get(pk=page.pk).status == "completed"
    batch_rollback(batch=batch)
    assert PilotProgramPage.objects.get(pk=page.pk).status == "running"


def test_rollback_is_refused_after_a_later_edit(index, units, medical):
    rows = [
        ["编号", "名称", "摘要"],
        ["SFX-MZ-03", "城市医疗救助试点", "导入"],
        ["N-2", "乙", ""],
    ]
    batch = run(csv_bytes(rows), index)
    medical.refresh_from_db()
    medical.summary = "导入之后编辑"
    medical.save_revision().publish()
    with pytest.raises(RollbackError) as refused:
        batch_rollback(batch=batch)
    assert str(refused.value) == (
        "This batch cannot be rolled back: “城市医疗救助试点” was changed after "
        "this import (it has a newer version)."
    )
    # Nothing was changed: the created pilot is still there, the edit stays.
    assert PilotProgramPage.objects.filter(code="N-2").exists()
    medical.refresh_from_db()
    assert medical.summary == "导入之后编辑"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE


def test_two_batches_over_one_pilot_roll_back_newest_first(index, units, medical):
    header = ["编号", "名称", "摘要"]
    first = run(
        csv_bytes([header, ["SFX-MZ-03", "城市医疗救助试点", "第一次导入"]]), index
    )
    second = run(
        csv_bytes([header, ["SFX-MZ-03", "城市医疗救助试点", "第二次导入"]]), index
    )
    assert first.rows_updated == 1, first.errors
    assert second.rows_updated == 1, (second.status, second.message, second.errors)
    with pytest.raises(RollbackError, match="was changed after this import"):
        batch_rollback(batch=first)
    batch_rollback(batch=second)
    medical.refresh_from_db()
    assert medical.summary == "第一次导入"
    # The page is again as the first batch left it: that one rolls back too.
    batch_rollback(batch=first)
    medical.refresh_from_db()
    assert medical.summary == "一站式即时结算"
    assert medical.live and not medical.has_unpublished_changes


def test_a_page_locked_by_another_editor_is_not_changed(
    index, units, medical, admin_user, django_user_model
):
    """As in Wagtail's editor: a locked pilot is neither updated by an import
    nor put back by a rollback, until it is unlocked."""
    header = ["编号", "名称", "摘要"]
    batch = run(
        csv_bytes([header, ["SFX-MZ-03", "城市医疗救助试点", "导入"]]),
        index,
        user=admin_user,
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    other = django_user_model.objects.create_user("other", password="x")
    PilotProgramPage.objects.filter(pk=medical.pk).update(
        locked=True, locked_by=other, locked_at=timezone.now()
    )
    with pytest.raises(
        RollbackError, match="“城市医疗救助试点” is locked: it must be unlocked first."
    ):
        batch_rollback(batch=batch, user=admin_user)
    again = run(
        csv_bytes([header, ["SFX-MZ-03", "城市医疗救助试点", "再次导入"]]),
        index,
        user=admin_user,
        name="again.csv",
    )
    assert again.status == ImportBatch.Status.CHECKED
    assert errors_of(again) == {
        (2, ""): "“城市医疗救助试点” is locked: it must be unlocked first."
    }
    medical.refresh_from_db()
    assert medical.summary == "导入"

    PilotProgramPage.objects.filter(pk=medical.pk).update(locked=False)
    batch_rollback(batch=batch, user=admin_user)
    medical.refresh_from_db()
    assert medical.summary == "一站式即时结算"


def test_rollback_is_refused_when_a_created_pilot_was_published(index, units):
    batch = run(csv_bytes([["编号", "名称"], ["N-3", "丙试点"]]), index)
    page = PilotProgramPage.objects.get(code="N-3")
    page.latest_revision.publish()
    with pytest.raises(RollbackError, match="“丙试点” was published after this"):
        batch_rollback(batch=batch)
    assert PilotProgramPage.objects.filter(code="N-3").exists()


# -- permissions and views ------------------------------------------------------------


@pytest.fixture
def two_indexes(home_page, units):
    a = PilotIndexPage(title="甲的试点", slug="pilots-a")
    b = PilotIndexPage(title="乙的试点", slug="pilots-b")
    home_page.add_child(instance=a)
    home_page.add_child(instance=b)
    for index in (a, b):
        add_pilot(index, title=f"{index.title}一", code=f"{index.slug}-1")
    return a, b


@pytest.fixture
def editor_of_a(page_editor, two_indexes):
    return page_editor(
        two_indexes[0],
        "add",
        "change",
        "publish",
        *IMPORT_EXPORT,
        username="li",
    )


def kind_urls(index):
    query = f"?page={index.pk}"
    return [
        reverse("wagtail_pilots_importexport:import", args=["pilots"]) + query,
        reverse("wagtail_pilots_importexport:export", args=["pilots", "csv"]) + query,
        reverse("wagtail_pilots_importexport:export", args=["pilots", "xlsx"]) + query,
        reverse("wagtail_pilots_importexport:template", args=["pilots", "xlsx"])
        + query,
    ]


def test_editor_of_index_a_is_refused_index_b(two_indexes, editor_of_a):
    a, b = two_indexes
    batch_b = run(csv_bytes([["编号", "名称"], ["B-9", "乙九"]]), b)
    client = editor_of_a
    for url in kind_urls(a):
        assert client.get(url).status_code == 200, url
    for url in kind_urls(b):
        assert client.get(url).status_code == 403, url
    response = client.post(
        kind_urls(b)[0],
        {"file": SimpleUploadedFile("p.csv", csv_bytes([["名称"], ["x"]]))},
    )
    assert response.status_code == 403
    for name in ("batch", "rollback"):
        url = reverse(f"wagtail_pilots_importexport:{name}", args=[batch_b.pk])
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert PilotProgramPage.objects.filter(code="B-9").exists()
    # A pilot is not a pilot index: the kind does not apply to other page
    # types, whoever asks (404, as for every page-scoped kind).
    pilot = PilotProgramPage.objects.get(code="pilots-a-1")
    assert client.get(kind_urls(pilot)[1]).status_code == 404


def test_index_header_menu_offers_the_pilots_kind(two_indexes, editor_of_a):
    a, b = two_indexes
    kinds = [
        btn.attrs.get("data-pilots-import")
        for btn in page_header_buttons(a, editor_of_a.user)
    ]
    assert "pilots" in kinds
    assert list(page_header_buttons(b, editor_of_a.user)) == []
    client = editor_of_a
    content = client.get(reverse("wagtailadmin_explore", args=[a.pk])).content.decode()
    assert 'data-pilots-import="pilots"' in content
    assert 'data-pilots-export="pilots-xlsx"' in content


def test_exporter_without_add_permission_may_export_but_not_import(
    page_editor, two_indexes
):
    a, _b = two_indexes
    client = page_editor(
        a,
        "change",
        *IMPORT_EXPORT,
    )
    import_url, export_url, *_rest = kind_urls(a)
    assert client.get(import_url).status_code == 403
    assert client.get(export_url).status_code == 200


def test_rows_of_pilots_the_importer_may_not_publish_are_refused(
    page_editor, two_indexes
):
    a, _b = two_indexes
    user = page_editor(
        a, "add", "change", "wagtail_pilots_importexport.import_data"
    ).user
    rows = [
        ["编号", "名称", "摘要"],
        ["pilots-a-1", "甲的试点一", "改"],
        ["A-2", "新", ""],
    ]
    batch = run(csv_bytes(rows), a, user=user)
    assert errors_of(batch) == {
        (2, ""): "“甲的试点一” is live and you may not publish it, so the import "
        "cannot update it."
    }
    # All or nothing: the good row is not imported either.
    assert batch.status == ImportBatch.Status.CHECKED
    assert not PilotProgramPage.objects.filter(code="A-2").exists()
    assert PilotProgramPage.objects.get(code="pilots-a-1").summary != "改"


def test_upload_preview_confirm_and_rollback_in_the_admin(two_indexes, editor_of_a):
    a, _b = two_indexes
    client = editor_of_a
    template = client.get(kind_urls(a)[3])
    table = read_table(b"".join(template.streaming_content), filename="t.xlsx")
    assert table.headers[:2] == ["编号/code", "名称/title"]
    assert "进度(%)/progress (%)" not in table.headers  # export only
    assert table.rows[0][1] == "社区网格化管理试点"
    # The template's own sample row imports (the demo's unit codes aside).
    sample = [list(table.headers), [*table.rows[0]]]
    sample[1][table.headers.index("试点单位代码/pilot sites")] = "CGZ"
    sample[1][table.headers.index("示范点代码/demonstration sites")] = "CGZ-DJ"
    response = client.post(
        kind_urls(a)[0],
        {"file": SimpleUploadedFile("t.xlsx", xlsx_bytes(sample)), "page": a.pk},
    )
    batch = ImportBatch.objects.get(kind="pilots")
    assert response["Location"] == reverse(
        "wagtail_pilots_importexport:batch", args=[batch.pk]
    )
    assert batch.status == ImportBatch.Status.CHECKED and batch.rows_new == 1
    assert not PilotProgramPage.objects.filter(code="SFX-ZF-06").exists()
    batch_url = reverse("wagtail_pilots_importexport:batch", args=[batch.pk])
    client.post(batch_url, {"action": "import"})
    page = PilotProgramPage.objects.get(code="SFX-ZF-06")
    assert not page.live and page.latest_revision.user == editor_of_a.user
    rollback_url = reverse("wagtail_pilots_importexport:rollback", args=[batch.pk])
    content = client.get(rollback_url).content.decode()
    assert (
        "Rolling back removes the 1 record(s) that “t.xlsx” created and puts the "
        "0 record(s) it updated back"
    ) in content
    client.post(rollback_url)
    assert not PilotProgramPage.objects.filter(code="SFX-ZF-06").exists()


def test_cli_round_trip(index, units, medical, tmp_path):
    out = tmp_path / "pilots.csv"
    call_command("pilots_export", "pilots", "--page", index.slug, "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("编号/code,名称/title,摘要/summary")
    assert "SFX-MZ-03,城市医疗救助试点,一站式即时结算" in text
    PilotProgramPage.objects.filter(pk=medical.pk).update(summary="被改动")
    stdout = io.StringIO()
    call_command(
        "pilots_import", "pilots", str(out), "--page", str(index.pk), stdout=stdout
    )
    assert "updated: 1" in stdout.getvalue()
    medical.refresh_from_db()
    assert medical.summary == "一站式即时结算"
    assert medical.latest_revision.as_object().summary == "一站式即时结算"


def test_demo_pilots_export_and_import_cleanly():
    from io import StringIO

    from example_site.demo import core
    from example_site.demo import pilots as demo_pilots

    home = core.load(home=None, stdout=StringIO())
    index = demo_pilots.load(home=home)
    pilots = PilotProgramPage.objects.child_of(index).count()
    assert pilots == 5
    batch = run(exported_csv(index), index)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_skipped, batch.rows_new, batch.rows_updated) == (5, 0, 0)
    # The demo's progress figures come out as the pilot pages show them.
    table = read_table(exported_csv(index), filename="e.csv")
    overdue = [
        r
        for r in table.rows
        if r[table.headers.index("名称/title")] == "城市医疗救助试点"
    ]
    assert overdue[0][table.headers.index("逾期阶段数/overdue phases")] == "1"
