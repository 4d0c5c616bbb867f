"""The import screens' main actions are buttons a clerk can read at 1440×900, in
Chinese and in English: found by their role and visible name, of a normal button
size, with the whole label inside the button and the icon icon-sized.

Set ``PILOTS_SHOTS=/some/folder`` to also save screenshots of every screen at
1440×900 and 390×844.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from wagtail_pilots.models import Unit

HEADER = "单位代码,单位名称,类型,上级单位代码\n"
ROWS = [
    "BT0,按钮镇,乡镇,",
    "BT1,东村,村,BT0",
    "BT2,,村,BT0",  # no name: left out when invalid rows are skipped
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "upload": "上传并检查",
        "template_xlsx": "下载模板（Excel）",
        "template_csv": "下载模板（CSV）",
        "skip": "跳过无效行，导入其余行",
        "import": "导入",
        "discard": "放弃",
        "rejected_csv": "下载这些行以便修改（CSV）",
        "rejected_xlsx": "下载这些行以便修改（Excel）",
        "rollback": "回滚此批次",
        "again": "导入其他文件",
        "import_units": "导入单位",
        "confirm_rollback": "确定回滚",
        "cancel": "取消",
        "outcomes": ["新增", "新增", "无效"],
        "kind": "单位",
    },
    "en": {
        "locale": "en-US",
        "upload": "Upload and check",
        "template_xlsx": "Download the template (Excel)",
        "template_csv": "Download the template (CSV)",
        "skip": "Skip the invalid rows and import the others",
        "import": "Import",
        "discard": "Discard",
        "rejected_csv": "Download them to fix (CSV)",
        "rejected_xlsx": "Download them to fix (Excel)",
        "rollback": "Roll back this batch",
        "again": "Import another file",
        "import_units": "Import units",
        "confirm_rollback": "Yes, roll back",
        "cancel": "Cancel",
        "outcomes": ["new", "new", "invalid"],
        "kind": "units",
    },
}

# The label's text boxes and every icon's box, in page coordinates.
MEASURE = """el => {
    el.scrollIntoView({block: "center", inline: "nearest"});
    const texts = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.textContent.trim()) continue;
        const parent = node.parentElement;
        if (parent.closest('.w-sr-only')) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const r = range.getBoundingClientRect();
        texts.push({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
    }
    const icons = [...el.querySelectorAll('svg')].map(svg => {
        const r = svg.getBoundingClientRect();
        return {width: r.width, height: r.height};
    });
    const r = el.getBoundingClientRect();
    return {
        viewport: {width: document.documentElement.clientWidth},
        box: {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
              width: r.width, height: r.height},
        texts, icons,
    };
}"""


def assert_readable_button(locator):
    """A normal button: at most 60 px tall, inside the window, wide enough for
    its whole label, which is inside it, and an icon no bigger than the text
    around it."""
    expect(locator).to_be_visible()
    # Playwright's actionability checks: visible, not moving (a dropdown that
    # has finished opening), enabled and not covered by another element.
    locator.click(trial=True)
    m = locator.evaluate(MEASURE)
    box = m["box"]
    name = locator.inner_text()
    assert box["height"] <= 60, f"{name!r} is {box['height']:.0f} px tall"
    assert box["left"] >= 0 and box["right"] <= m["viewport"]["width"], (
        f"{name!r} is partly out of the window: {box}"
    )
    assert m["texts"], f"{name!r} shows no text"
    for text in m["texts"]:
        assert box["left"] - 1 <= text["left"] and text["right"] <= box["right"] + 1, (
            f"the label of {name!r} runs out of the button: {text} not in {box}"
        )
        assert box["top"] - 1 <= text["top"] and text["bottom"] <= box["bottom"] + 1, (
            f"the label of {name!r} is pushed out of the button: {text} not in {box}"
        )
    text_width = sum(t["right"] - t["left"] for t in m["texts"])
    assert box["width"] >= text_width
    for icon in m["icons"]:
        assert icon["width"] <= 24 and icon["height"] <= 24, (
            f"the icon of {name!r} is {icon['width']:.0f}×{icon['height']:.0f} px"
        )


def shoot(page, name, *, phone=True):
    """Screenshots at 1440×900 (full page) and, unless told not to (a resize
    closes open menus), at 390×844."""
    folder = os.environ.get("PILOTS_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=f"{folder}/{name}-1440.png", full_page=phone)
    if phone:
        page.set_viewport_size(PHONE)
        page.reload()  # laid out for the phone from the start
        page.screenshot(path=f"{folder}/{name}-390.png", full_page=True)
        page.set_viewport_size(DESKTOP)


@pytest.fixture
def import_dir(tmp_path, settings):
    settings.WAGTAIL_PILOTS = {
        **getattr(settings, "WAGTAIL_PILOTS", {}),
        "IMPORT_TEMP_DIR": str(tmp_path / "uploads"),
    }
    return tmp_path / "uploads"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_import_screens_have_readable_buttons(
    browser, site_url, admin_login, import_dir, language
):
    names = NAMES[language]
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        button = lambda name: page.get_by_role("button", name=name, exact=True)  # noqa: E731
        link = lambda name: page.get_by_role("link", name=name, exact=True)  # noqa: E731

        # Upload, with the template downloads.
        page.goto("/admin/pilots-import/import/units/")
        shoot(page, f"{language}-upload")
        for action in (
            button(names["upload"]),
            link(names["template_xlsx"]),
            link(names["template_csv"]),
        ):
            assert_readable_button(action)

        # Preview: one row of three has no name.
        page.set_input_files(
            "input[name=file]",
            {
                "name": "units.csv",
                "mimeType": "text/csv",
                "buffer": (HEADER + "\n".join(ROWS) + "\n").encode("utf-8"),
            },
        )
        button(names["upload"]).click()
        expect(page.locator("[data-count=invalid]")).to_have_text("1")
        expect(page.locator("[data-outcome]")).to_have_text(names["outcomes"])
        shoot(page, f"{language}-preview")
        for action in (button(names["import"]), button(names["discard"])):
            assert_readable_button(action)

        # The imported batch, with the rejected row to download.
        page.get_by_label(names["skip"]).check()
        button(names["import"]).click()
        expect(page.locator("[data-pilots-batch-status]")).to_have_attribute(
            "data-pilots-batch-status", "done"
        )
        assert Unit.objects.filter(code__startswith="BT").count() == 2
        shoot(page, f"{language}-batch")
        for action in (
            link(names["rejected_csv"]),
            link(names["rejected_xlsx"]),
            link(names["rollback"]),
            link(names["again"]),
        ):
            assert_readable_button(action)

        # The rollback confirmation.
        link(names["rollback"]).click()
        shoot(page, f"{language}-rollback")
        for action in (button(names["confirm_rollback"]), link(names["cancel"])):
            assert_readable_button(action)

        # The batch list.
        page.goto("/admin/pilots-import/")
        expect(
            page.locator("[data-pilots-batches] tbody td:nth-child(3)")
        ).to_have_text([names["kind"]])
        shoot(page, f"{language}-batches")
        assert_readable_button(link(names["import_units"]))
    finally:
        context.close()
