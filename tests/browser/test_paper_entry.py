"""Paper entry at 1440×900, in Chinese and in English: a clerk types in a
questionnaire with one question left blank as 未答, under double entry; a second
clerk's differing entry shows the differences side by side before anything is
stored; the save button is found by role and name and has a normal size."""

import os

import pytest
from playwright.sync_api import expect

from wagtail_pilots.surveys.models import (
    PaperEntryDraft,
    Scale,
    SurveyField,
    SurveyPage,
    SurveyResponse,
)

from .test_import_buttons import DESKTOP, PHONE, assert_readable_button

NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "serial": "问卷编号",
        "save": "保存并录入下一份",
        "save_checked": "保存核对后的答案",
        "unanswered": "未答",
        "satisfied": "满意",
        "dissatisfied": "不满意",
        "first_saved": "首次录入已保存",
        "differ": "编号 P-7 问卷的两次录入不一致",
        "saved": "编号 P-7 问卷已按您核对的答案保存",
    },
    "en": {
        "locale": "en-US",
        "serial": "Questionnaire serial number",
        "save": "Save and enter the next",
        "save_checked": "Save the checked answers",
        "unanswered": "Unanswered",
        "satisfied": "满意",
        "dissatisfied": "不满意",
        "first_saved": "First entry of questionnaire number P-7 saved",
        "differ": "The two entries of questionnaire number P-7 differ",
        "saved": "Questionnaire number P-7 saved with the answers you confirmed",
    },
}

SHOTS = os.environ.get("WP_SHOTS_DIR")


def shoot(page, name):
    """Screenshots to look at, when WP_SHOTS_DIR is set (at both sizes)."""
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for label, size in (("1440", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def make_survey(home):
    page = SurveyPage(
        title="窗口服务满意度", slug="paper", minimum_sample=1, paper_double_entry=True
    )
    home.add_child(instance=page)
    scale = Scale.objects.get(name="满意度（三级）")
    for position, label in enumerate(["服务态度", "办事效率"]):
        SurveyField.objects.create(
            page=page,
            sort_order=position,
            label=label,
            field_type="scale",
            scale=scale,
        )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def choose(page, question, option):
    group = page.get_by_role("radiogroup", name=question)
    group.get_by_label(option, exact=True).check()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_double_entry_with_unanswered(browser, site_url, admin_login, language):
    from example_site.demo.core import ensure_home

    names = NAMES[language]
    survey = make_survey(ensure_home())
    url = f"/admin/pilots/surveys/{survey.pk}/paper/"
    contexts = []

    def clerk(username):
        context = browser.new_context(
            base_url=site_url, locale=names["locale"], viewport=DESKTOP
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        admin_login(page, username=username)
        page.goto(url)
        return page

    try:
        first = clerk("wang")
        # The cursor starts in the serial number: the clerk types at once.
        serial = first.get_by_role("textbox", name=names["serial"])
        expect(serial).to_be_focused()
        shoot(first, f"paper-entry-{language}")
        serial.fill("P-7")
        choose(first, "服务态度", names["satisfied"])
        choose(first, "办事效率", names["unanswered"])
        save = first.get_by_role("button", name=names["save"])
        assert_readable_button(save)
        save.click()
        expect(first.get_by_text(names["first_saved"])).to_be_visible()
        assert PaperEntryDraft.objects.count() == 1
        assert not SurveyResponse.objects.exists()

        second = clerk("li")
        second.get_by_role("textbox", name=names["serial"]).fill("P-7")
        choose(second, "服务态度", names["dissatisfied"])
        choose(second, "办事效率", names["unanswered"])
        second.get_by_role("button", name=names["save"]).click()
        expect(second.get_by_role("heading", name=names["differ"])).to_be_visible()
        table = second.locator("table.wp-differences")
        expect(table.locator("tbody tr")).to_have_count(1)
        expect(table.locator("tbody tr")).to_contain_text(
            ["服务态度" + names["satisfied"] + names["dissatisfied"]]
        )
        assert not SurveyResponse.objects.exists()
        shoot(second, f"paper-entry-differences-{language}")
        # The form keeps the second entry; the clerk checked the paper: save.
        checked = second.get_by_role("button", name=names["save_checked"])
        assert_readable_button(checked)
        checked.click()
        expect(second.get_by_text(names["saved"])).to_be_visible()
        stored = SurveyResponse.objects.get()
        assert stored.serial == "P-7"
        assert list(stored.data.values()) == ["不满意", ""]
        assert not PaperEntryDraft.objects.exists()
    finally:
        for context in contexts:
            context.close()
