"""The survey results screen at 1440×900, in Chinese and in English: the
survey's screens and the exports are buttons found by role and visible name, of
a normal button size, the current screen marked; a survey without responses
shows what to do instead of empty charts."""

import pytest
from playwright.sync_api import expect

from wagtail_pilots.surveys.models import Channel, Scale, SurveyField, SurveyPage
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

from .test_import_buttons import DESKTOP, assert_readable_button
from .test_paper_entry import shoot

NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "screens": ["编辑调查", "结果", "纸质录入", "参与码"],
        "current": "结果",
        "nav": "调查管理页面",
        "exports": ["结果 CSV", "结果 XLSX", "答卷 CSV", "答卷 XLSX"],
        "print": "打印",
        "empty": "尚无答卷",
        "paper": "录入纸质问卷",
        "import": "从表格文件导入问卷",
        "filter": "应用过滤器",
        "channel": "渠道",
        "no_match": "没有符合这些筛选条件的答卷。",
    },
    "en": {
        "locale": "en-US",
        "screens": ["Edit survey", "Results", "Paper entry", "Access codes"],
        "current": "Results",
        "nav": "Survey screens",
        "exports": ["results CSV", "results XLSX", "responses CSV", "responses XLSX"],
        "print": "Print",
        "empty": "No responses yet",
        "paper": "enter paper questionnaires",
        "import": "import questionnaires from a spreadsheet",
        "filter": "Apply filters",
        "channel": "Channel",
        "no_match": "No responses match these filters.",
    },
}


def make_survey(home, slug):
    page = SurveyPage(title=f"满意度测评 {slug}", slug=slug, minimum_sample=1)
    home.add_child(instance=page)
    SurveyField.objects.create(
        page=page,
        sort_order=0,
        label="总体评价",
        field_type="scale",
        scale=Scale.objects.get(name="满意度（三级）"),
    )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_results_screen_actions_and_empty_state(
    browser, site_url, admin_login, language
):
    from example_site.demo.core import ensure_home

    names = NAMES[language]
    home = ensure_home()
    answered = make_survey(home, "answered")
    question = survey_questions(answered)[0]
    response_submit(
        survey=answered,
        data={question.key: question.options[0].pk},
        channel=Channel.PAPER,
    )
    empty = make_survey(home, "empty")

    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto(f"/admin/pilots/surveys/{answered.pk}/results/")
        screens = page.get_by_role("navigation", name=names["nav"])
        for name in names["screens"]:
            assert_readable_button(screens.get_by_role("link", name=name, exact=True))
        current = screens.get_by_role("link", name=names["current"], exact=True)
        expect(current).to_have_attribute("aria-current", "page")
        other = screens.get_by_role("link", name=names["screens"][2], exact=True)
        expect(other).not_to_have_attribute("aria-current", "page")
        # Visibly active: the current screen is filled, the others are not.
        fill = lambda el: el.evaluate("e => getComputedStyle(e).backgroundColor")  # noqa: E731
        assert fill(current) != fill(other)
        for name in names["exports"]:
            assert_readable_button(page.get_by_role("link", name=name, exact=True))
        assert_readable_button(page.get_by_role("button", name=names["print"]))
        expect(page.locator(".wp-results table.listing").first).to_be_visible()
        # The filters: a normal-size button, narrowing the figures.
        assert_readable_button(page.get_by_role("button", name=names["filter"]))
        page.get_by_label(names["channel"], exact=True).select_option("web")
        page.get_by_role("button", name=names["filter"]).click()
        expect(page.get_by_text(names["no_match"])).to_be_visible()
        shoot(page, f"results-filtered-{language}")

        page.goto(f"/admin/pilots/surveys/{empty.pk}/results/")
        expect(page.get_by_role("heading", name=names["empty"])).to_be_visible()
        expect(page.get_by_role("link", name=names["paper"])).to_be_visible()
        expect(page.get_by_role("link", name=names["import"])).to_be_visible()
        expect(page.locator(".wp-empty-state a[href$='/empty/']")).to_be_visible()
        expect(page.locator(".wp-results, .wp-chart")).to_have_count(0)
    finally:
        context.close()
