"""The survey builder in Chromium: each question shows only the fields of its
type (a static script, also for questions added later), the units are a
searchable list, ready question sets are inserted from a button, and a
13-question survey's editor is a fraction of its old height.
"""

import pytest
from playwright.sync_api import expect

from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.models import Scale, SurveyField, SurveyPage

DESKTOP = {"width": 1440, "height": 900}
FORM_HEIGHT = (
    "Math.round(document.querySelector('#page-edit-form')"
    ".getBoundingClientRect().height)"
)


@pytest.fixture
def big_survey(site_url):
    """Like the demo's village survey, with 13 questions and 39 units."""
    from wagtail.models import Page

    home = Page.objects.get(depth=2)
    units = [
        Unit.objects.create(code=f"B-{i:02}", name=f"第{i}村", kind="village")
        for i in range(1, 39)
    ] + [Unit.objects.create(code="B-99", name="石桥村", kind="village")]
    scale = Scale.objects.get(name="满意度（三级）")
    page = home.add_child(instance=SurveyPage(title="十三题测评", slug="big"))
    specs = [
        {"label": "您的身份", "field_type": "group", "choices": "党员\n群众"},
        *[
            {"label": f"第{i}项工作评价", "field_type": "scale", "scale": scale}
            for i in range(1, 9)
        ],
        {"label": "各村评价", "field_type": "matrix", "scale": scale, "units": units},
        {"label": "各项评价", "field_type": "matrix", "scale": scale, "rows": "甲\n乙"},
        {"label": "您的年龄段", "field_type": "radio", "choices": "青年\n中年\n老年"},
        {"label": "意见建议", "field_type": "multiline", "required": False},
    ]
    for position, spec in enumerate(specs):
        spec = dict(spec)
        chosen = spec.pop("units", None)
        field = SurveyField(page=page, sort_order=position, **spec)
        if chosen:
            field.row_units = chosen
        field.save()
    page.save_revision().publish()
    return page


def open_editor(browser, site_url, admin_login, survey, *, enhanced=True):
    """The survey's editor; ``enhanced=False`` blocks the editor's script and
    stylesheet, as a browser that does not load them (and as before them)."""
    context = browser.new_context(base_url=site_url, locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    if not enhanced:
        context.route("**/question_editor.*", lambda route: route.abort())
    page = context.new_page()
    admin_login(page)
    page.goto(f"/admin/pages/{survey.pk}/edit/")
    page.wait_for_load_state("networkidle")
    return context, page


def wrapper_of(page, name):
    return page.locator(f"[name='{name}']").first.locator(
        "xpath=ancestor::div[contains(@class,'w-panel__wrapper')][1]"
    )


def test_the_editor_shows_only_what_applies_and_is_much_shorter(
    browser, site_url, admin_login, big_survey
):
    context, page = open_editor(
        browser, site_url, admin_login, big_survey, enhanced=False
    )
    without_script = page.evaluate(FORM_HEIGHT)
    # Without the script every field is shown (progressive enhancement).
    expect(wrapper_of(page, "form_fields-1-rows")).to_be_visible()
    for name in ("scale", "rows", "row_units", "choices", "default_value"):
        assert wrapper_of(page, f"form_fields-1-{name}").get_attribute("hidden") is None
    context.close()

    context, page = open_editor(browser, site_url, admin_login, big_survey)
    with_script = page.evaluate(FORM_HEIGHT)
    print(
        f"\n13-question survey editor at 1440×900: {without_script} px without "
        f"the editor's script and stylesheet (every field, every unit a "
        f"checkbox: as before), {with_script} px with them"
    )
    assert with_script < 12_000
    assert with_script < without_script / 2

    # A scale question: its scale, no matrix rows, choices or default.
    expect(wrapper_of(page, "form_fields-1-scale")).to_be_visible()
    for name in ("rows", "row_units", "choices", "default_value"):
        expect(wrapper_of(page, f"form_fields-1-{name}")).to_be_hidden()
    # Changing its type to a matrix shows the matrix fields at once.
    page.select_option("[name='form_fields-1-field_type']", "matrix")
    expect(wrapper_of(page, "form_fields-1-rows")).to_be_visible()
    expect(wrapper_of(page, "form_fields-1-row_units")).to_be_visible()
    page.select_option("[name='form_fields-1-field_type']", "singleline")
    expect(wrapper_of(page, "form_fields-1-scale")).to_be_hidden()
    expect(wrapper_of(page, "form_fields-1-default_value")).to_be_visible()

    # The 39 units: a search field filters them; the count says how many are chosen.
    box = page.locator("[data-wp-filterable]:has([name='form_fields-9-row_units'])")
    search = box.get_by_role("searchbox", name="搜索单位")
    expect(search).to_be_visible()
    search.fill("石桥")
    expect(box.get_by_label("石桥村")).to_be_visible()
    expect(box.get_by_label("第1村", exact=True)).to_be_hidden()
    expect(box.locator("[data-wp-count]")).to_have_text("已选 39 / 共 39")
    # Enter in the search field does not submit the page.
    search.press("Enter")
    assert "/edit/" in page.url
    context.close()


def test_a_question_added_later_follows_its_type_too(
    browser, site_url, admin_login, big_survey
):
    context, page = open_editor(browser, site_url, admin_login, big_survey)
    page.get_by_role("button", name="增加 题目").click()
    new_type = page.locator("[name='form_fields-13-field_type']")
    expect(new_type).to_be_visible()
    new_type.select_option("scale")
    expect(wrapper_of(page, "form_fields-13-scale")).to_be_visible()
    expect(wrapper_of(page, "form_fields-13-row_units")).to_be_hidden()
    new_type.select_option("matrix")
    expect(wrapper_of(page, "form_fields-13-row_units")).to_be_visible()
    expect(
        page.locator(
            "[data-wp-filterable]:has([name='form_fields-13-row_units'])"
        ).get_by_role("searchbox")
    ).to_be_visible()
    context.close()


def test_inserting_a_question_set(page, admin_login, big_survey):
    page.set_viewport_size(DESKTOP)
    admin_login(page)
    page.goto(f"/admin/pilots/surveys/{big_survey.pk}/question-sets/")
    button = page.get_by_role("button", name="插入“单位服务评价”")
    box = button.bounding_box()
    assert box is not None and box["height"] <= 60 and box["width"] < 400
    button.click()
    page.wait_for_url(f"**/admin/pages/{big_survey.pk}/edit/")
    expect(page.get_by_text("已添加到调查末尾")).to_be_visible()
    expect(page.locator("[name='form_fields-13-label']")).to_have_value(
        "您对该单位的服务是否满意？"
    )
    expect(page.locator("[name='form_fields-14-label']")).to_have_value(
        "您的意见和建议"
    )
    # The inserted matrix shows its rows, not choices.
    expect(wrapper_of(page, "form_fields-13-rows")).to_be_visible()
    expect(wrapper_of(page, "form_fields-13-choices")).to_be_hidden()
