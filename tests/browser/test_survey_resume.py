"""Save and resume in Chromium (issue 15, item 3), keyboard only on a phone:
a respondent follows a branch, goes back, changes an answer so a page
disappears, leaves (saves), comes back by the link in another browser and
sends; the stored response has exactly the answers of the questions shown.
Then the screens in zh-hans and en, checked by axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations
from wagtail_pilots.surveys.models import (
    Access,
    SurveyDraft,
    SurveyNotAsked,
    SurveyPage,
    SurveyResponse,
)
from wagtail_pilots.surveys.selectors import survey_results
from wagtail_pilots.surveys.services import access_codes_generate

from .test_paper_entry import shoot
from .test_survey_logic import make_logic_survey, tab_to


def test_branch_back_change_save_resume_and_send_by_keyboard(
    browser, site_url, phone_page, settings
):
    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_FILL_SECONDS": 0}
    survey, keys = make_logic_survey()
    page = phone_page
    page.goto(survey.url)
    expect(page.get_by_text("第 1 页，共 2 页")).to_be_visible()

    # Page 1: 党员, 不满意 with its follow-up: the "why" page opens.
    tab_to(page, f"input[name={keys['您的身份']}]")
    page.keyboard.press("Space")
    tab_to(page, f"input[name={keys['总体评价']}]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, f"#id_{keys['总体评价']}__followup")
    page.keyboard.type("排队太久")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("第 2 页，共 3 页")).to_be_visible()
    tab_to(page, f"input[name={keys['主要原因']}]")
    page.keyboard.press("Space")

    # Back, and 满意 instead: the "why" page disappears.
    tab_to(page, "button[value=back]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("第 1 页，共 3 页")).to_be_visible()
    tab_to(page, f"input[name={keys['总体评价']}]:checked")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    expect(page.get_by_text("第 2 页，共 2 页")).to_be_visible()
    tab_to(page, f"input[name={keys['村里的变化']}]")
    page.keyboard.press("Space")

    # Leave: save, and keep the link.
    tab_to(page, "button[value=save]")
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name="您的回答已保存")
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    link = page.get_by_label("继续填写的链接").input_value()
    assert "?resume=" in link
    code = page.locator(".wp-resume-code").inner_text()
    assert len(code) == 9
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert SurveyDraft.objects.count() == 1
    assert not SurveyResponse.objects.exists()
    # The draft keeps the answers shown, not the reason the change hid.
    assert keys["主要原因"] not in SurveyDraft.objects.get().data

    # Later, in another browser: the link opens page 2 of 2 as it was left.
    later = browser.new_context(
        base_url=site_url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    try:
        again = later.new_page()
        again.goto(link)
        expect(again.get_by_text("第 2 页，共 2 页")).to_be_visible()
        village = again.locator(f"input[name={keys['村里的变化']}]:checked")
        expect(village).to_have_count(1)
        tab_to(again, f"input[name={keys['党建工作评价']}]")
        again.keyboard.press("Space")
        tab_to(again, "button[type=submit]:not([name])")
        again.keyboard.press("Enter")
        expect(again.get_by_text("您的回答已记录")).to_be_visible()
        receipt = again.locator("body").inner_text()
        # Reloading the thank-you page sends nothing again.
        again.reload()
        expect(again.get_by_text("您的回答已记录")).to_be_visible()
        assert again.locator("body").inner_text() == receipt
        # The link has done its work: it opens nothing any more.
        again.goto(link)
        expect(again.get_by_text("续填码或链接无效")).to_be_visible()
    finally:
        later.close()

    response = SurveyResponse.objects.get(survey_id=survey.pk)
    assert response.data == {
        keys["您的身份"]: "党员",
        keys["总体评价"]: "满意",
        keys["主要原因"]: None,  # not asked after the change
        keys["村里的变化"]: "满意",
        keys["党建工作评价"]: "满意",
    }
    assert list(SurveyNotAsked.objects.values_list("question_key", flat=True)) == [
        keys["主要原因"]
    ]
    assert not SurveyDraft.objects.exists()
    # Counted once: the survey's count and its results.
    assert SurveyPage.objects.get(pk=survey.pk).response_count == 1
    assert survey_results(survey=survey).responses == 1


TEXT = {
    "zh-hans": {
        "locale": "zh-CN",
        "save": "保存，稍后继续",
        "saved": "您的回答已保存",
        "entry": "继续填写已保存的问卷",
        "continue": "继续",
        "wrong": "续填码或链接无效",
    },
    "en": {
        "locale": "en-US",
        "save": "Save and continue later",
        "saved": "Your answers are saved",
        "entry": "Continue a saved questionnaire",
        "continue": "Continue",
        "wrong": "This resume code or link is not valid",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_screens_read_well_and_pass_axe(browser, site_url, language):
    text = TEXT[language]
    survey, _keys = make_logic_survey()
    context = browser.new_context(
        base_url=site_url,
        locale=text["locale"],
        viewport={"width": 390, "height": 844},
        bypass_csp=True,
    )
    try:
        page = context.new_page()
        page.goto(survey.url)
        shoot(page, f"resume-form-{language}")
        # The entry is folded; a wrong code opens it with the message on it.
        entry = page.get_by_text(text["entry"])
        expect(entry).to_be_visible()
        entry.click()
        page.get_by_role(
            "textbox", name={"zh-hans": "续填码", "en": "Resume code"}[language]
        ).fill("2222-2222")
        page.get_by_role("button", name=text["continue"], exact=True).click()
        expect(page.get_by_text(text["wrong"])).to_be_visible()
        assert axe_violations(page) == []
        shoot(page, f"resume-entry-{language}")

        page.get_by_role("button", name=text["save"]).click()
        expect(page.get_by_role("heading", name=text["saved"])).to_be_visible()
        assert axe_violations(page) == []
        assert page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        )
        shoot(page, f"resume-saved-{language}")

        # A survey that requires a 参与码 resumes by it: no link, no code.
        SurveyPage.objects.filter(pk=survey.pk).update(access=Access.CODE)
        code = access_codes_generate(survey=survey, count=1)[0].code
        page.goto(survey.url)
        page.locator("input[name=wp_code]").fill(code)
        page.locator("form.wp-code-step button").click()
        page.get_by_role("button", name=text["save"]).click()
        expect(page.get_by_role("heading", name=text["saved"])).to_be_visible()
        expect(page.locator(".wp-resume-code")).to_have_count(0)
        assert axe_violations(page) == []
        shoot(page, f"resume-saved-code-{language}")
    finally:
        context.close()
