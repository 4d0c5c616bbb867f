"""Survey logic in Chromium, keyboard only, on a phone (issue 15): a respondent
follows a branch (不满意 opens a page and a follow-up), goes back, changes the
answer so that page disappears, and sends."""

from playwright.sync_api import expect

from wagtail_pilots.surveys.models import (
    Scale,
    SurveyField,
    SurveyNotAsked,
    SurveyPage,
    SurveyResponse,
)


def make_logic_survey():
    from example_site.demo.core import ensure_home

    home = ensure_home()
    scale = Scale.objects.get(name="满意度（三级）")
    survey = SurveyPage(title="分页与条件测评", slug="logic", minimum_sample=2)
    home.add_child(instance=survey)
    specs = [
        {"label": "您的身份", "field_type": "group", "choices": "党员\n群众"},
        {
            "label": "总体评价",
            "field_type": "scale",
            "scale": scale,
            "follow_up_options": "不满意",
            "follow_up_label": "请说明不满意的地方",
        },
        {
            "label": "主要原因",
            "field_type": "radio",
            "choices": "办事慢\n态度差",
            "other_option": True,
            "page_break": True,
            "page_title": "不满意的原因",
            "conditions": [{"question": "总体评价", "op": "in", "values": ["不满意"]}],
        },
        {
            "label": "村里的变化",
            "field_type": "scale",
            "scale": scale,
            "page_break": True,
        },
        {
            "label": "党建工作评价",
            "field_type": "scale",
            "scale": scale,
            "conditions": [{"question": "您的身份", "op": "in", "values": ["党员"]}],
        },
    ]
    keys = {}
    for position, spec in enumerate(specs):
        for rule in spec.get("conditions", []):
            rule["question"] = keys[rule["question"]]
        field = SurveyField.objects.create(page=survey, sort_order=position, **spec)
        keys[field.label] = field.clean_name
    survey.save_revision().publish()
    return SurveyPage.objects.get(pk=survey.pk), keys


def tab_to(page, selector, *, limit=80):
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_branch_back_change_and_send_by_keyboard(phone_page, settings):
    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_FILL_SECONDS": 0}
    survey, keys = make_logic_survey()
    page = phone_page
    page.goto(survey.url)
    expect(page.get_by_text("第 1 页，共 2 页")).to_be_visible()
    follow_up = page.locator(f"#id_{keys['总体评价']}__followup")
    # The script hides the follow-up until 不满意 is chosen.
    expect(follow_up).to_be_hidden()

    # Page 1: 党员 (Space on the first option), 不满意 (two arrows down).
    tab_to(page, f"input[name={keys['您的身份']}]")
    page.keyboard.press("Space")
    tab_to(page, f"input[name={keys['总体评价']}]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(follow_up).to_be_visible()
    tab_to(page, f"#id_{keys['总体评价']}__followup")
    page.keyboard.type("排队太久")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")

    # 不满意 opened the "why" page: three pages now.
    expect(page.get_by_text("第 2 页，共 3 页")).to_be_visible()
    expect(page.get_by_role("heading", name="不满意的原因")).to_be_visible()
    tab_to(page, f"input[name={keys['主要原因']}]")
    page.keyboard.press("Space")
    tab_to(page, "button[value=back]")
    page.keyboard.press("Enter")

    # Back on page 1 with the answers kept; 满意 instead (two arrows up).
    expect(page.get_by_text("第 1 页，共 3 页")).to_be_visible()
    expect(page.get_by_role("radio", name="不满意")).to_be_checked()
    expect(follow_up).to_have_value("排队太久")
    tab_to(page, f"input[name={keys['总体评价']}]:checked")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name="满意", exact=True)).to_be_checked()
    expect(follow_up).to_be_hidden()
    tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")

    # The "why" page is gone: page 2 of 2, with the party members' question.
    expect(page.get_by_text("第 2 页，共 2 页")).to_be_visible()
    expect(page.get_by_text("不满意的原因")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab_to(page, f"input[name={keys['村里的变化']}]")
    page.keyboard.press("Space")
    tab_to(page, f"input[name={keys['党建工作评价']}]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]:not([name])")
    page.keyboard.press("Enter")

    expect(page.get_by_text("您的回答已记录")).to_be_visible()
    response = SurveyResponse.objects.get(survey_id=survey.pk)
    assert response.data[keys["总体评价"]] == "满意"
    assert response.data[keys["主要原因"]] is None  # not asked, after going back
    assert keys["总体评价"] + "__followup" not in response.data
    assert response.data[keys["党建工作评价"]] == "满意"
    assert list(
        SurveyNotAsked.objects.filter(response=response).values_list(
            "question_key", flat=True
        )
    ) == [keys["主要原因"]]
