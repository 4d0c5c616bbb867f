"""Finding things at 1440×900, in Chinese and English: the dashboard's open
surveys panel, and a survey's screens as buttons on its edit form and beside
its title in the page listing, found by role and name, of a normal size."""

import pytest
from playwright.sync_api import expect

from wagtail_pilots.surveys.models import Channel
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

from .test_import_buttons import DESKTOP, assert_readable_button
from .test_paper_entry import shoot
from .test_survey_results_admin import make_survey

NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "panel": "进行中的调查",
        "screens": ["结果", "答卷", "纸质录入", "参与码"],
    },
    "en": {
        "locale": "en-US",
        "panel": "Open surveys",
        "screens": ["Results", "Responses", "Paper entry", "Access codes"],
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dashboard_and_survey_buttons(browser, site_url, admin_login, language):
    from example_site.demo.core import ensure_home

    names = NAMES[language]
    home = ensure_home()
    survey = make_survey(home, "finding")
    question = survey_questions(survey)[0]
    response_submit(
        survey=survey,
        data={question.key: question.options[-1].pk},
        channel=Channel.PAPER,
    )
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto("/admin/")
        panel = page.locator("#open-surveys-section, #open-surveys").first
        expect(page.get_by_role("heading", name=names["panel"])).to_be_visible()
        expect(page.get_by_role("link", name=survey.title)).to_be_visible()
        shoot(page, f"dashboard-{language}")
        del panel

        page.goto(f"/admin/pages/{survey.pk}/edit/")
        for name in names["screens"]:
            assert_readable_button(page.get_by_role("link", name=name, exact=True))
        shoot(page, f"survey-edit-{language}")

        page.goto(f"/admin/pages/{home.pk}/")
        row = page.get_by_role("row").filter(has_text=survey.title)
        for name in names["screens"]:
            assert_readable_button(row.get_by_role("link", name=name, exact=True))
        shoot(page, f"page-listing-{language}")
    finally:
        context.close()


SCORECARD_NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "nav": "考核评价管理页面",
        "edit": "编辑考核评价表",
        "screens": ["结果", "参与码", "录入纸质选票"],
        "titles": ["结果", "参与码", "录入纸质选票"],
        "promote": "推荐",
    },
    "en": {
        "locale": "en-US",
        "nav": "Scorecard screens",
        "edit": "Edit the scorecard",
        "screens": ["Results", "Access codes", "Enter a paper ballot"],
        "titles": ["Results", "Access codes", "Enter a paper ballot"],
        "promote": "Promote",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_scorecard_screens_are_buttons(browser, site_url, admin_login, language):
    """A scorecard's results, codes and paper-ballot screens are buttons on its
    edit form, beside its title in the listing and on each of those screens;
    each screen is titled by its name over the scorecard's title (a title
    ending in 结果 never reads "…结果的结果"), and the promote tab has
    Wagtail's own name."""
    from example_site.demo.core import ensure_home
    from tests.scorecards.helpers import make_scorecard

    names = SCORECARD_NAMES[language]
    home = ensure_home()
    scorecard = make_scorecard(
        home,
        subjects=["城关镇", "青石镇"],
        criteria=[("经济", 100, 0, 100)],
        groups=[("评委组", 100, "scores", "mean", 0, 0, "")],
        title="乡镇考核评价结果",
        slug=f"screens-{language}",
    )
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto(f"/admin/pages/{scorecard.pk}/edit/")
        for name in names["screens"]:
            assert_readable_button(page.get_by_role("link", name=name, exact=True))
        tabs = page.get_by_role("tab")
        expect(tabs.filter(has_text=names["promote"])).to_have_count(1)
        shoot(page, f"scorecard-edit-{language}")

        page.goto(f"/admin/pages/{home.pk}/")
        row = page.get_by_role("row").filter(has_text=scorecard.title)
        for name in names["screens"]:
            assert_readable_button(row.get_by_role("link", name=name, exact=True))

        for screen, title in zip(names["screens"], names["titles"], strict=True):
            page.goto(f"/admin/pages/{scorecard.pk}/edit/")
            page.get_by_role("link", name=screen, exact=True).click()
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_contain_text(title)
            expect(heading).to_contain_text(scorecard.title)
            expect(page).to_have_title(f"{title}: {scorecard.title} - Wagtail")
            assert "结果的结果" not in page.content()
            nav = page.get_by_role("navigation", name=names["nav"])
            current = nav.get_by_role("link", name=screen, exact=True)
            expect(current).to_have_attribute("aria-current", "page")
            for name in [names["edit"], *names["screens"]]:
                assert_readable_button(nav.get_by_role("link", name=name, exact=True))
            shoot(page, f"scorecard-{screen}-{language}")
    finally:
        context.close()
