from io import StringIO

from django.core.management import call_command
from playwright.sync_api import expect


def test_home_page_and_language_switch(page):
    call_command("load_demo", stdout=StringIO())
    page.goto("/")
    assert page.locator("h1").inner_text() == "示范县人民政府"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.select_option("#language-select", "en")
    page.click(".language-switch button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("navigation", name="Main navigation").is_visible()


def test_editor_logs_in_and_sees_demo_units(page, admin_login):
    call_command("load_demo", stdout=StringIO())
    admin_login(page)
    page.goto("/admin/snippets/wagtail_pilots/unit/")
    assert page.get_by_role("link", name="青石镇", exact=True).first.is_visible()
    page.fill("#id_q", "石桥")
    # The listing filters itself as the editor types.
    expect(page.get_by_text("QSZ-HS")).to_have_count(0)
    expect(page.get_by_text("QSZ-SQ")).to_be_visible()
