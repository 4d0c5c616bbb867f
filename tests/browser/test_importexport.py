"""An editor imports units from a GB18030 CSV, fixes a bad row, rolls back."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from wagtail_pilots.models import Unit

HEADER = "单位代码,单位名称,类型,上级单位代码\n"
GOOD = [
    "BR0,浏览镇,乡镇,",
    "BR1,东村,村,BR0",
    "BR2,西村,村,BR0",
    "BR3,南村,村,BR0",
    "BR4,北村,村,BR0",
]


@pytest.fixture
def import_dir(tmp_path, settings):
    """Uploads waiting for confirmation go to a folder of the test's own."""
    settings.WAGTAIL_PILOTS = {
        **getattr(settings, "WAGTAIL_PILOTS", {}),
        "IMPORT_TEMP_DIR": str(tmp_path / "uploads"),
    }
    return tmp_path / "uploads"


def csv_file(lines, name):
    return {
        "name": name,
        "mimeType": "text/csv",
        "buffer": (HEADER + "\n".join(lines) + "\n").encode("gb18030"),
    }


def make_importer(django_user_model):
    user = django_user_model.objects.create_user(
        "zhang", "zhang@example.gov.cn", "correct-horse-battery"
    )
    codenames = [
        ("wagtailadmin", "access_admin"),
        ("wagtail_pilots_importexport", "import_data"),
        ("wagtail_pilots_importexport", "export_data"),
        ("wagtail_pilots", "add_unit"),
        ("wagtail_pilots", "change_unit"),
        ("wagtail_pilots", "view_unit"),
    ]
    for app_label, codename in codenames:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def test_editor_imports_fixes_and_rolls_back_units(page, django_user_model, import_dir):
    make_importer(django_user_model)
    page.goto("/admin/login/")
    page.fill("input[name=username]", "zhang")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")

    # From the unit listing's header menu to the import form.
    page.goto("/admin/snippets/wagtail_pilots/unit/")
    import_link = page.locator('[data-pilots-import="units"]')
    page.locator("header [data-w-dropdown-target='toggle']").first.click()
    import_link.click()
    page.wait_for_url("**/pilots-import/import/units/")

    # Row 5 (the fourth data row) has no name.
    bad = list(GOOD)
    bad[3] = "BR3,,村,BR0"
    page.set_input_files("input[name=file]", csv_file(bad, "单位.csv"))
    page.click("[data-pilots-import-form] button[type=submit]")
    errors = page.locator("[data-pilots-errors] tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("5")
    expect(errors.first.locator("td").nth(1)).to_have_text("单位名称")
    expect(page.locator("[data-count=invalid]")).to_have_text("1")
    assert Unit.objects.count() == 0

    # Fix the file and upload it again.
    page.click("button[value=discard]")
    page.set_input_files("input[name=file]", csv_file(GOOD, "单位-改.csv"))
    page.click("[data-pilots-import-form] button[type=submit]")
    expect(page.locator("[data-count=new]")).to_have_text("5")
    expect(page.locator("[data-pilots-errors]")).to_have_count(0)
    page.click("button[value=import]")
    expect(page.locator("[data-pilots-batch-status]")).to_have_attribute(
        "data-pilots-batch-status", "done"
    )
    batch_url = page.url

    page.goto("/admin/snippets/wagtail_pilots/unit/")
    expect(page.get_by_role("link", name="浏览镇", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="北村", exact=True)).to_be_visible()

    # Roll the batch back: the units are gone.
    page.goto(batch_url)
    page.click("[data-pilots-rollback]")
    page.get_by_role("button", name=re.compile("确定回滚")).click()
    expect(page.locator("[data-pilots-batch-status]")).to_have_attribute(
        "data-pilots-batch-status", "rolled_back"
    )
    page.goto("/admin/snippets/wagtail_pilots/unit/")
    expect(page.get_by_role("link", name="浏览镇", exact=True)).to_have_count(0)
    assert Unit.objects.filter(code__startswith="BR").count() == 0
