"""With the suite installed, Wagtail's and Django's own screens keep their own
Chinese. Django merges every app's catalogue and the suite's apps come first, so
a suite entry with a msgid of theirs would rename their admin ("Pages" shown as
分页, Settings › Sites as 试点单位, "live" as 实时)."""

import re
from pathlib import Path

import polib
import pytest
import wagtail
from django import forms
from django.utils import translation

from tests.admin_menu import flatten, menu

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def wagtail_catalogue():
    """msgid -> Chinese of Wagtail's own catalogues (no context)."""
    out = {}
    for path in Path(wagtail.__file__).parent.glob(
        "**/locale/zh_Hans/LC_MESSAGES/django.po"
    ):
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.msgctxt and not entry.obsolete:
                out.setdefault(entry.msgid, entry.msgstr)
    return out


def menu_items(client, headers):
    """{item name: label} of the admin's main menu, submenus included."""
    return {item["name"]: item["label"] for item in flatten(menu(client, headers))}


def test_wagtails_menus_keep_wagtails_chinese(admin_client):
    zh = menu_items(admin_client, ZH)
    assert zh["explorer"] == "页面"
    assert zh["settings"] == "设置"
    assert zh["sites"] == "站点"
    assert zh["reports"] == "报告"
    assert zh["images"] == "图片"

    # Every menu item whose English label is one of Wagtail's reads as Wagtail
    # translates it.
    wagtails = wagtail_catalogue()
    en = menu_items(admin_client, EN)
    checked = 0
    for name, label in en.items():
        if label in wagtails:
            assert zh[name] == wagtails[label], (name, label)
            checked += 1
    assert checked >= 8


def test_dashboard_and_settings_keep_wagtails_chinese(admin_client, home_page):
    dashboard = admin_client.get("/admin/", **ZH).content.decode()
    assert "分页" not in dashboard
    assert "试点单位" not in dashboard

    sites = admin_client.get("/admin/sites/", **ZH).content.decode()
    assert re.search(r"<h1[^>]*>\s*站点\s*</h1>", sites), "Settings › Sites"
    assert "试点单位" not in sites

    # A live page is 在用 in Wagtail's page listing, not the suite's 实时.
    listing = admin_client.get(f"/admin/pages/{home_page.get_parent().pk}/", **ZH)
    statuses = [
        re.sub(r"<[^>]*>.*?</[^>]*>|\s", "", tag)
        for tag in re.findall(
            r'class="w-status[^"]*"[^>]*>(.*?)</a>', listing.content.decode(), re.S
        )
    ]
    assert "在用" in statuses
    assert "实时" not in statuses


def test_django_form_messages_keep_djangos_wording():
    with translation.override("zh-hans"):
        with pytest.raises(forms.ValidationError) as number:
            forms.DecimalField().clean("x")
        with pytest.raises(forms.ValidationError) as whole:
            forms.IntegerField().clean("x")
    assert number.value.messages == ["输入一个数字。"]
    assert whole.value.messages == ["输入整数。"]


def test_required_column_says_yes_not_a_vote(admin_client):
    """The import help table marks required columns 是; 赞成 is a vote."""
    html = admin_client.get("/admin/pilots-import/import/units/", **ZH)
    text = html.content.decode()
    assert re.search(r"<td>\s*是\s*</td>", text)
    assert "赞成" not in text
