"""The optional modeladmin menu lists survey responses and ballots only; a
ballot listing filtered to one scorecard carries that scorecard's buttons, as
readable buttons."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_import_buttons import DESKTOP, assert_readable_button, shoot
from tests.scorecards.helpers import make_scorecard


@pytest.mark.parametrize(
    "language, locale, group, entries, more, import_ballots",
    [
        (
            "zh-hans",
            "zh-CN",
            "试点套件（modeladmin）",
            ["调查答卷", "选票"],
            "导入导出",
            "导入选票",
        ),
        (
            "en",
            "en-US",
            "Pilots (modeladmin)",
            ["Survey responses", "Ballots"],
            "Import and export",
            "Import ballots",
        ),
    ],
)
def test_modeladmin_menu_and_ballot_buttons(
    browser,
    site_url,
    admin_login,
    language,
    locale,
    group,
    entries,
    more,
    import_ballots,
):
    from example_site.demo.core import ensure_home

    scorecard = make_scorecard(
        ensure_home(),
        subjects=["甲乡"],
        criteria=[("实绩", 100, 0, 100)],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "")],
    )
    context = browser.new_context(base_url=site_url, locale=locale, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.get_by_role("button", name=group).click()
        submenu = page.locator(".sidebar-sub-menu-panel")
        expect(submenu.get_by_role("link")).to_have_text(entries)
        shoot(page, f"{language}-modeladmin-menu", phone=False)

        page.goto(f"/admin/wagtail_pilots_scorecards/ballot/?scorecard={scorecard.pk}")
        shoot(page, f"{language}-modeladmin-ballots")
        # The page's import, template and export buttons are in one dropdown.
        toggle = page.get_by_role("button", name=more, exact=True)
        assert_readable_button(toggle)
        toggle.click()
        assert_readable_button(
            page.get_by_role("link", name=import_ballots, exact=True)
        )
        shoot(page, f"{language}-modeladmin-ballots-menu", phone=False)
        buttons = page.locator(
            "[data-pilots-import], [data-pilots-template], [data-pilots-export]"
        )
        assert buttons.count() >= 4
        for index in range(buttons.count()):
            assert_readable_button(buttons.nth(index))
    finally:
        context.close()
