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
