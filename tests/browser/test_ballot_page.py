"""The ballot page in Chromium, on a phone and a desktop: buttons found by role
and name, nothing wider than a 320 px screen, an out-of-range score marked in
the running total, the error summary moving focus to the field, the
confirmation before the once-only submit, and the whole ballot by keyboard.

Set SCREENSHOT_DIR to keep a picture of each step."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from example_site.demo.core import ensure_home
from tests.scorecards.helpers import assessment, structured
from wagtail_pilots.models import Unit
from wagtail_pilots.scorecards.models import Ballot
from wagtail_pilots.scorecards.services import access_codes_generate

VIEWPORTS = [(390, 844), (1440, 900)]
TEXT = {
    "zh-CN": {
        "open": "打开选票",
        "review": "核对选票",
        "submit": "提交选票",
        "edit": "返回修改",
        "final": "提交后不可修改",
        "outside": "未计入：有分值超出范围",
        "code": "参与码",
        "thanks": "您的选票已记录",
    },
    "en-GB": {
        "open": "Open the ballot",
        "review": "Review my ballot",
        "submit": "Submit ballot",
        "edit": "Change my answers",
        "final": "Once submitted, the ballot cannot be changed.",
        "outside": "not counted: a value is outside its range",
        "code": "Access code",
        "thanks": "Your ballot has been recorded",
    },
}


def shoot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def new_page(browser, site_url):
    contexts = []

    def make(width, height, locale):
        context = browser.new_context(
            base_url=site_url,
            locale=locale,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
@pytest.mark.parametrize("width, height", VIEWPORTS)
def test_a_score_ballot_from_code_to_confirmation(new_page, width, height, locale):
    text = TEXT[locale]
    tag = f"{'zh' if locale == 'zh-CN' else 'en'}-{width}"
    scorecard = assessment(
        ensure_home(), slug="kaohe", title="年度乡镇综合考核评价结果"
    )
    (access,) = access_codes_generate(
        scorecard=scorecard, group=scorecard.groups.get(), count=1
    )
    page = new_page(width, height, locale)
    page.goto(scorecard.url + "score/")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text(text["code"])
    expect(page.get_by_role("textbox", name=text["code"], exact=True)).to_be_visible()
    shoot(page, f"ballot-code-{tag}")
    # A wrong code: the error summary at the top links to the field.
    page.get_by_role("textbox", name=text["code"], exact=True).fill("ZZZZ-ZZZZ")
    page.get_by_role("button", name=text["open"]).click()
    summary = page.locator("#wp-error-summary")
    expect(summary).to_be_visible()
    shoot(page, f"ballot-code-error-{tag}")
    summary.get_by_role("link").first.click()
    expect(page.get_by_role("textbox", name=text["code"], exact=True)).to_be_focused()

    page.get_by_role("textbox", name=text["code"], exact=True).fill(access.code.lower())
    page.get_by_role("button", name=text["open"]).click()
    fieldsets = page.locator("fieldset[data-subject-row]")
    expect(fieldsets).to_have_count(3)
    inputs = page.locator("input[type=number]")
    expect(inputs).to_have_count(12)
    for index in range(12):
        inputs.nth(index).fill("8")
    first_total = fieldsets.first.locator("[data-running-total]")
    expect(first_total).to_have_text("80.00")
    # 11 on a 0–10 criterion: marked, and the total says it is not counted.
    inputs.first.fill("11")
    expect(first_total).to_contain_text(text["outside"])
    expect(inputs.first).to_have_attribute("aria-invalid", "true")
    shoot(page, f"ballot-out-of-range-{tag}")
    # The server refuses it; the summary's link moves focus to the field.
    page.get_by_role("button", name=text["review"]).click()
    summary = page.locator("#wp-error-summary")
    expect(summary).to_be_visible()
    shoot(page, f"ballot-errors-{tag}")
    summary.get_by_role("link").first.click()
    expect(page.locator("input[type=number]").first).to_be_focused()
    page.locator("input[type=number]").first.fill("9")
    page.get_by_role("button", name=text["review"]).click()
    expect(page.get_by_text(text["final"]).first).to_be_visible()
    expect(page.get_by_role("button", name=text["edit"])).to_be_visible()
    shoot(page, f"ballot-confirm-{tag}")
    assert Ballot.objects.count() == 0
    page.get_by_role("button", name=text["submit"]).click()
    expect(page.get_by_text(text["thanks"])).to_be_visible()
    assert Ballot.objects.count() == 12


@pytest.mark.parametrize("width, height", VIEWPORTS)
def test_the_ballot_by_keyboard_alone(new_page, width, height):
    """Tab to the code, type it, Enter; arrows choose in each radio group; Tab
    to the review button, Enter; Tab to the submit button, Enter."""
    home = ensure_home()
    scorecard = structured(home)
    units = (Unit.objects.create(name="城关镇", code="CG"),)
    for subject in scorecard.subjects.all():
        subject.home_unit = units[0]
        subject.save()
    group = scorecard.groups.get(name="信任投票")
    group.own_unit_only = True
    group.save()
    甲 = scorecard.subjects.get(name="甲")
    (access,) = access_codes_generate(
        scorecard=scorecard, group=group, count=1, subject=甲
    )
    page = new_page(width, height, "zh-CN")
    page.goto(scorecard.url + "score/")
    page.locator("#id_code").focus()
    page.keyboard.type(access.code)
    page.keyboard.press("Enter")
    # 甲 holds the code: the ballot asks about 乙 and 丙 only.
    groups = page.get_by_role("radiogroup")
    expect(groups).to_have_count(2)
    expect(page.locator("legend", has_text="甲")).to_have_count(0)
    shoot(page, f"ballot-votes-zh-{width}")
    # Into the first radio group: the first radio; arrows move and choose.
    for _press in range(40):
        if page.evaluate("document.activeElement.type === 'radio'"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")  # 乙: yes
    page.keyboard.press("Tab")  # to the next group
    page.keyboard.press("ArrowDown")  # 丙: no
    expect(groups.nth(0).get_by_role("radio").nth(0)).to_be_checked()
    expect(groups.nth(1).get_by_role("radio").nth(1)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="核对选票")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("提交后不可修改").first).to_be_visible()
    # Tab from the top of the page (past the site's header) to the submit button.
    for _press in range(40):
        if page.evaluate("document.activeElement.value === 'submit'"):
            break
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="提交选票")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("您的选票已记录")).to_be_visible()
    assert sorted(Ballot.objects.values_list("subject__name", "vote")) == [
        ("丙", "no"),
        ("乙", "yes"),
    ]


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_no_horizontal_scroll_at_320_px(new_page, locale):
    scorecard = assessment(ensure_home(), slug="kaohe")
    (access,) = access_codes_generate(
        scorecard=scorecard, group=scorecard.groups.get(), count=1
    )
    text = TEXT[locale]
    page = new_page(320, 640, locale)
    page.goto(scorecard.url + "score/")
    assert no_horizontal_scroll(page)
    page.get_by_role("textbox", name=text["code"], exact=True).fill(access.code)
    page.get_by_role("button", name=text["open"]).click()
    expect(page.get_by_role("button", name=text["review"])).to_be_visible()
    assert no_horizontal_scroll(page)
    for index in range(12):
        page.locator("input[type=number]").nth(index).fill("5")
    page.get_by_role("button", name=text["review"]).click()
    expect(page.get_by_role("button", name=text["submit"])).to_be_visible()
    assert no_horizontal_scroll(page)
    shoot(page, f"ballot-confirm-{'zh' if locale == 'zh-CN' else 'en'}-320")
