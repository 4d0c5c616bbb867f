"""An editor imports the department's list of pilot programs (an Excel file)
from the pilot listing: a bad unit code is named in the preview, the fixed file
creates a draft pilot and revises a live one, and rolling the batch back
removes the draft and puts the live pilot back as it was."""

import io
import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from wagtail_pilots.models import Unit
from wagtail_pilots.pilots.models import PilotIndexPage, PilotProgramPage

HEADER = ["编号", "名称", "状态", "牵头单位代码", "试点单位代码"]


@pytest.fixture
def import_dir(tmp_path, settings):
    settings.WAGTAIL_PILOTS = {
        **getattr(settings, "WAGTAIL_PILOTS", {}),
        "IMPORT_TEMP_DIR": str(tmp_path / "uploads"),
    }
    return tmp_path / "uploads"


def workbook(rows, name):
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return {
        "name": name,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": output.getvalue(),
    }


def make_index():
    from example_site.demo.core import ensure_home

    home = ensure_home()
    Unit.objects.create(code="MZJ", name="县民政局", kind="department")
    Unit.objects.create(code="CGZ", name="城关镇", kind="town")
    Unit.objects.create(code="QSZ", name="青石镇", kind="town")
    index = PilotIndexPage(title="试点项目", slug="programs")
    home.add_child(instance=index)
    index.save_revision().publish()
    pilot = PilotProgramPage(
        title="城市医疗救助试点", slug="medical", code="SFX-MZ-03", status="running"
    )
    index.add_child(instance=pilot)
    pilot.save_revision().publish()
    return index, pilot


def test_editor_imports_the_pilot_list(page, admin_login, import_dir):
    index, pilot = make_index()
    admin_login(page)

    # The pilot index's header menu leads to the import of its pilots.
    page.goto(f"/admin/pages/{index.pk}/edit/")
    page.locator("header [data-w-dropdown-target='toggle']").first.click()
    page.locator('[data-pilots-import="pilots"]').click()
    page.wait_for_url(re.compile(r"/pilots-import/import/pilots/\?page=\d+"))

    # Row 3 names a unit code that does not exist.
    rows = [
        ["SFX-MZ-03", "城市医疗救助试点（扩面）", "评估中", "MZJ", "CGZ"],
        ["GRID-01", "社区网格化管理试点", "", "MZJ", "QSZ、XXX"],
    ]
    page.set_input_files("input[name=file]", workbook(rows, "试点清单.xlsx"))
    page.click("[data-pilots-import-form] button[type=submit]")
    errors = page.locator("[data-pilots-errors] tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("3")
    expect(errors.first.locator("td").nth(1)).to_have_text("试点单位代码")
    expect(errors.first).to_contain_text("XXX")
    assert not PilotProgramPage.objects.filter(code="GRID-01").exists()

    # Fixed and uploaded again: one new, one updated.
    page.click("button[value=discard]")
    rows[1][4] = "QSZ"
    page.set_input_files("input[name=file]", workbook(rows, "试点清单-改.xlsx"))
    page.click("[data-pilots-import-form] button[type=submit]")
    expect(page.locator("[data-count=new]")).to_have_text("1")
    expect(page.locator("[data-count=updated]")).to_have_text("1")
    page.click("button[value=import]")
    expect(page.locator("[data-pilots-batch-status]")).to_have_attribute(
        "data-pilots-batch-status", "done"
    )
    batch_url = page.url

    # The listing shows the new pilot as a draft and the revised title live.
    page.goto(f"/admin/pages/{index.pk}/")
    listing = page.locator("table.listing")
    new_row = listing.locator("tr", has_text="社区网格化管理试点")
    expect(new_row).to_contain_text("草稿")
    expect(listing).to_contain_text("城市医疗救助试点（扩面）")
    page.goto("/programs/medical/")
    expect(page.locator("h1")).to_contain_text("城市医疗救助试点（扩面）")

    # Rolling back removes the draft and restores the live pilot.
    page.goto(batch_url)
    page.click("[data-pilots-rollback]")
    # One pilot created (the draft), one updated (the live one).
    expect(page.locator("[data-pilots-rollback-plan]")).to_contain_text(
        re.compile(r"新建的 1 条记录，并把它更新的 1 条记录")
    )
    page.get_by_role("button", name=re.compile("确定回滚")).click()
    expect(page.locator("[data-pilots-batch-status]")).to_have_attribute(
        "data-pilots-batch-status", "rolled_back"
    )
    page.goto(f"/admin/pages/{index.pk}/")
    expect(page.locator("table.listing")).not_to_contain_text("社区网格化管理试点")
    page.goto("/programs/medical/")
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*城市医疗救助试点\s*$"))
    pilot.refresh_from_db()
    assert (pilot.title, pilot.status) == ("城市医疗救助试点", "running")
