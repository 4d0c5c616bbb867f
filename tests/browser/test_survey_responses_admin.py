"""The survey's responses list and one response's answers at 1440×900, in
Chinese and in English: the screen is reached from the results' screen list,
its filters, search, pages and "view answers" links are buttons found by role
and visible name, of a normal button size; a filter matching nothing says so."""

import pytest
from playwright.sync_api import expect

from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.models import Channel, Scale, SurveyField, SurveyPage
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

from .test_import_buttons import DESKTOP, PHONE, assert_readable_button
from .test_paper_entry import SHOTS, shoot

NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "nav": "调查管理页面",
        "results": "结果",
        "responses": "答卷",
        "filter": "应用过滤器",
        "clear": "清除筛选",
        "channel": "渠道",
        "search": "问卷编号或答卷号",
        "view": "查看答案",
        "next": "下一页",
        "back": "返回答卷列表",
        "no_match": "没有符合这些筛选条件的答卷。",
        "unanswered": "未答",
        "empty": "尚无答卷",
        "paper_link": "录入纸质问卷",
    },
    "en": {
        "locale": "en-US",
        "nav": "Survey screens",
        "results": "Results",
        "responses": "Responses",
        "filter": "Apply filters",
        "clear": "Clear filters",
        "channel": "Channel",
        "search": "Serial or response number",
        "view": "View answers",
        "next": "Next",
        "back": "Back to the responses",
        "no_match": "No responses match these filters.",
        "unanswered": "Unanswered",
        "empty": "No responses yet",
        "paper_link": "enter paper questionnaires",
    },
}


def make_survey(home, slug="responses"):
    """Named (not anonymous), so the list shows times: who answers, overall,
    speed, two towns rated in a matrix, remarks."""
    page = SurveyPage(
        title="窗口服务满意度测评", slug=slug, minimum_sample=1, anonymous=False
    )
    home.add_child(instance=page)
    scale = Scale.objects.get(name="满意度（三级）")
    SurveyField.objects.create(
        page=page,
        sort_order=0,
        label="您的身份",
        field_type="group",
        choices="企业\n群众",
    )
    for position, label in enumerate(["总体评价", "办事效率"], start=1):
        SurveyField.objects.create(
            page=page, sort_order=position, label=label, field_type="scale", scale=scale
        )
    towns = SurveyField.objects.create(
        page=page, sort_order=3, label="各镇窗口评价", field_type="matrix", scale=scale
    )
    towns.row_units.set(
        Unit.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in (("CG", "城关镇"), ("QS", "青石镇"))
    )
    towns.save()
    SurveyField.objects.create(
        page=page,
        sort_order=4,
        label="意见建议",
        field_type="multiline",
        required=False,
    )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_responses_list_and_detail(browser, site_url, admin_login, language):
    from example_site.demo.core import ensure_home

    names = NAMES[language]
    home = ensure_home()
    survey = make_survey(home)
    empty = make_survey(home, "no-responses")
    who, overall, speed, towns, remarks = survey_questions(survey)
    for number in range(1, 53):
        response_submit(
            survey=survey,
            data={
                who.key: who.choices[number % 2],
                towns.key: {
                    row.key: overall.options[0].pk
                    for row in towns.rows[: 1 + number % 2]
                },
                overall.key: overall.options[number % 3].pk,
                speed.key: "" if number == 52 else speed.options[0].pk,
                remarks.key: "<b>窗口少</b>，排队久" if number == 52 else "",
            },
            channel=Channel.PAPER,
            serial=f"2026-{number:03}",
        )

    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto(f"/admin/pilots/surveys/{survey.pk}/results/")
        screens = page.get_by_role("navigation", name=names["nav"])
        link = screens.get_by_role("link", name=names["responses"], exact=True)
        assert_readable_button(link)
        link.click()
        screens = page.get_by_role("navigation", name=names["nav"])
        current = screens.get_by_role("link", name=names["responses"], exact=True)
        expect(current).to_have_attribute("aria-current", "page")
        table = page.locator("table.listing.wp-responses")
        expect(table.locator("tbody tr")).to_have_count(50)
        assert_readable_button(page.get_by_role("button", name=names["filter"]))
        views = page.get_by_role("link", name=names["view"])
        expect(views).to_have_count(50)
        assert_readable_button(views.first)
        shoot(page, f"responses-list-{language}")
        if SHOTS:  # on a phone the table is below the filters: look at it too
            page.set_viewport_size(PHONE)
            table.scroll_into_view_if_needed()
            page.screenshot(path=f"{SHOTS}/responses-table-{language}-390.png")
            page.set_viewport_size(DESKTOP)

        # The search, then the next page keeps it.
        page.get_by_label(names["search"], exact=True).fill("2026-0")
        page.get_by_role("button", name=names["filter"]).click()
        expect(table.locator("tbody tr")).to_have_count(50)
        page.get_by_role("link", name=names["next"]).click()
        expect(table.locator("tbody tr")).to_have_count(2)
        expect(page.get_by_label(names["search"], exact=True)).to_have_value("2026-0")

        # A filter matching nothing says so.
        page.get_by_label(names["channel"], exact=True).select_option("web")
        page.get_by_role("button", name=names["filter"]).click()
        expect(page.get_by_text(names["no_match"])).to_be_visible()
        assert_readable_button(page.get_by_role("link", name=names["clear"]))
        page.get_by_role("link", name=names["clear"]).click()

        # One response: every question, the blank one as unanswered, text escaped.
        page.get_by_role("link", name=names["view"]).first.click()
        answers = page.locator("table.wp-answers")
        # Header, 您的身份, 总体评价, 办事效率, the matrix and its 2 towns, 意见建议.
        expect(answers.get_by_role("row")).to_have_count(8)
        expect(answers.get_by_text("<b>窗口少</b>，排队久")).to_be_visible()
        # 办事效率 left blank, and the second town not rated on this one.
        expect(answers.get_by_text(names["unanswered"], exact=True)).to_have_count(2)
        shoot(page, f"response-detail-{language}")
        back = page.get_by_role("link", name=names["back"])
        assert_readable_button(back)
        back.click()
        expect(page.locator("table.wp-responses tbody tr")).to_have_count(50)

        # A survey without responses: what to do, no table.
        page.goto(f"/admin/pilots/surveys/{empty.pk}/responses/")
        expect(page.get_by_role("heading", name=names["empty"])).to_be_visible()
        expect(page.get_by_role("link", name=names["paper_link"])).to_be_visible()
        expect(page.locator("main table")).to_have_count(0)
        shoot(page, f"responses-empty-{language}")
    finally:
        context.close()
