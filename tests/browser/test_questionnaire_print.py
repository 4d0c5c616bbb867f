"""The printable questionnaire at 1440×900 and 390×844, in Chinese and in
English: reached from the survey's header buttons, a normal-size Print button,
the conditions written out; printed (print media, A4 PDF) it is the
questionnaire alone — no sidebar, header or screen buttons — with no question
split across sheets."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.models import Access, Scale, SurveyField, SurveyPage

from .test_import_buttons import DESKTOP, PHONE, assert_readable_button
from .test_paper_entry import SHOTS

NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "button": "打印问卷",
        "print": "打印",
        "condition": "若第2题选“不满意”，请答第3题。",
        "part": "若第1题未选“其他群众”，请答本部分（第4—7题）；否则跳过本部分。",
        "slip": "参与码",
        "serial": "问卷编号",
    },
    "en": {
        "locale": "en-US",
        "button": "Printable questionnaire",
        "print": "Print",
        "condition": "If you chose “不满意” in question 2, answer question 3.",
        "part": "If you did not choose “其他群众” in question 1, answer this part "
        "(questions 4–7); otherwise skip it.",
        "slip": "Access code",
        "serial": "Questionnaire serial number",
    },
}


def make_survey(home):
    page = SurveyPage(
        title="村务公开满意度问卷",
        slug="printed",
        minimum_sample=1,
        access=Access.CODE,
        intro="<p>本问卷不记名。请在所选答案前的方框内打“√”。</p>",
    )
    home.add_child(instance=page)
    scale = Scale.objects.get(name="满意度（三级）")
    villages = [
        Unit.objects.create(code=f"P-{i}", name=name, kind="village")
        for i, name in enumerate(["石桥村", "红山村", "龙口村", "白沙村"], start=1)
    ]
    fields = [
        {
            "label": "您的身份",
            "field_type": "group",
            "choices": "党员\n村民代表\n其他群众",
        },
        {
            "label": "您对村务公开工作的总体评价",
            "field_type": "scale",
            "scale": scale,
            "follow_up_options": "不满意",
            "follow_up_label": "请说明不满意的地方",
        },
        {
            "label": "不满意的主要原因",
            "field_type": "checkboxes",
            "choices": "公开不及时\n内容看不懂\n没有公开栏",
            "other_option": True,
            "conditions": [{"question": "q2", "op": "in", "values": ["不满意"]}],
        },
        {
            "label": "请评价各村的村务公开",
            "field_type": "matrix",
            "scale": scale,
            "page_break": True,
            "page_title": "各村评价",
            "conditions": [{"question": "q1", "op": "not_in", "values": ["其他群众"]}],
        },
        {"label": "您的年龄", "field_type": "number", "required": False},
        {
            "label": "您是否看过村务公开栏",
            "field_type": "radio",
            "choices": "看过\n没看过",
        },
        {"label": "意见建议", "field_type": "multiline", "required": False},
    ]
    for position, spec in enumerate(fields):
        field = SurveyField(page=page, sort_order=position, **spec)
        if spec["field_type"] == "matrix":
            field.row_units = villages
        field.save()
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def shoot(browser, page, name, locale):
    """Screenshots to look at, when WP_SHOTS_DIR is set: 1440×900, the whole
    sheet at 1440 wide, and 390×844 in a phone's own context (a desktop page
    resized keeps its sidebar's place)."""
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}-1440.png")
    height = page.evaluate("document.querySelector('main').scrollHeight")
    page.set_viewport_size({"width": DESKTOP["width"], "height": height + 40})
    page.screenshot(path=f"{SHOTS}/{name}-1440-full.png")
    page.set_viewport_size(DESKTOP)
    phone = browser.new_context(
        base_url=page.url.split("/admin/")[0],
        locale=locale,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        storage_state=page.context.storage_state(),
    )
    try:
        small = phone.new_page()
        small.goto(page.url)
        small.screenshot(path=f"{SHOTS}/{name}-390.png")
        height = small.evaluate("document.querySelector('main').scrollHeight")
        small.set_viewport_size({"width": PHONE["width"], "height": height + 40})
        small.screenshot(path=f"{SHOTS}/{name}-390-full.png")
    finally:
        phone.close()


def pdf_pages(pdf):
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_printable_questionnaire(browser, site_url, admin_login, language):
    from example_site.demo.core import ensure_home

    names = NAMES[language]
    survey = make_survey(ensure_home())
    # bypass_csp: axe-core is injected as a script (the admin itself runs
    # under its policy; tests/browser/test_csp.py).
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto(f"/admin/pages/{survey.pk}/edit/")
        button = page.get_by_role("link", name=names["button"], exact=True).first
        assert_readable_button(button)
        button.click()
        page.wait_for_url(f"**/admin/pilots/surveys/{survey.pk}/questionnaire/")
        nav = page.locator("nav.wp-noprint")
        current = nav.get_by_role("link", name=names["button"], exact=True)
        expect(current).to_have_attribute("aria-current", "page")
        assert_readable_button(page.get_by_role("button", name=names["print"]))

        sheet = page.locator(".wp-questionnaire")
        expect(sheet.get_by_role("heading", name=survey.title)).to_be_visible()
        expect(sheet.get_by_text(names["condition"], exact=True)).to_be_visible()
        expect(sheet.get_by_text(names["part"], exact=True)).to_be_visible()
        expect(sheet.locator(".wp-q-slip")).to_contain_text(names["slip"])
        expect(sheet.locator(".wp-q-office")).to_contain_text(names["serial"])
        expect(sheet.locator(".wp-q-num")).to_have_text([f"{n}." for n in range(1, 8)])
        # The grid: a header of 3 coded options, a row per village.
        grid = sheet.locator(".wp-q-grid")
        expect(grid.locator("thead th")).to_have_count(3)
        expect(grid.locator("tbody tr")).to_have_count(4)
        assert axe_violations(page) == []
        shoot(browser, page, f"questionnaire-{language}", names["locale"])

        # Printed: the questionnaire alone.
        page.set_viewport_size(DESKTOP)
        page.emulate_media(media="print")
        for chrome in ("#wagtail-sidebar", ".w-header", "nav.wp-noprint"):
            expect(page.locator(chrome).first).to_be_hidden()
        expect(page.get_by_role("button", name=names["print"])).to_be_hidden()
        expect(sheet).to_be_visible()
        left = sheet.evaluate("e => e.getBoundingClientRect().left")
        assert left < 20, f"the sheet starts {left:.0f} px from the edge"
        breaks = sheet.locator(".wp-q").first.evaluate(
            "e => getComputedStyle(e).breakInside"
        )
        assert breaks == "avoid"
        pdf = page.pdf(format="A4", print_background=False)
        assert 1 <= pdf_pages(pdf) <= 3, pdf_pages(pdf)
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            page.screenshot(
                path=f"{SHOTS}/questionnaire-print-{language}.png", full_page=True
            )
            with open(f"{SHOTS}/questionnaire-{language}.pdf", "wb") as out:
                out.write(pdf)
    finally:
        context.close()


def test_a_translated_survey_prints_in_english(
    browser, site_url, admin_login, settings
):
    """A survey with an English translation: the screen offers both
    languages; English prints the translation's words with the same codes."""
    from wagtail.models import Locale

    from example_site.demo.core import ensure_home
    from tests.surveys.test_translations import (
        LANGUAGES,
        english,
        translate_scale,
        translate_survey,
    )

    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
    settings.ROOT_URLCONF = "tests.surveys.urls_i18n"
    survey = make_survey(ensure_home())
    en = Locale.objects.get_or_create(language_code="en")[0]
    translate_scale(Scale.objects.get(name="满意度（三级）"), en)
    words = {"村务公开满意度问卷": "Village affairs openness questionnaire"}
    translate_survey(survey, en, words=lambda t: words.get(t) or english(t))

    context = browser.new_context(
        base_url=site_url, locale="zh-CN", viewport=DESKTOP, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto(f"/admin/pilots/surveys/{survey.pk}/questionnaire/")
        choice = page.locator(".wp-q-languages")
        expect(choice).to_contain_text("问卷语言")
        sheet = page.locator(".wp-questionnaire")
        expect(sheet).to_have_attribute("lang", "zh-hans")
        shoot(browser, page, "questionnaire-i18n-zh-hans", "zh-CN")
        choice.get_by_role("link", name="English").click()
        page.wait_for_url("**/questionnaire/?language=en")
        expect(sheet).to_have_attribute("lang", "en")
        expect(
            sheet.get_by_role("heading", name="Village affairs openness questionnaire")
        ).to_be_visible()
        expect(
            sheet.get_by_text(
                "If you chose “Dissatisfied” in question 2, answer question 3.",
                exact=True,
            )
        ).to_be_visible()
        expect(sheet.locator(".wp-q-num")).to_have_text([f"{n}." for n in range(1, 8)])
        current = choice.get_by_role("link", name="English")
        expect(current).to_have_attribute("aria-current", "page")
        assert axe_violations(page) == []
        shoot(browser, page, "questionnaire-i18n-en", "zh-CN")
    finally:
        context.close()
