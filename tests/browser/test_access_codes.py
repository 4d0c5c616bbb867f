"""The two code screens and their slips, from one component, in both languages
and at phone and desktop width: the limit shown on the form, the export links
of the kinds, and one sheet of slips with a QR code each."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.scorecards.helpers import assessment
from wagtail_pilots.scorecards.services import access_codes_generate as ballot_codes
from wagtail_pilots.surveys.services import access_codes_generate as survey_codes

from .test_import_buttons import DESKTOP, PHONE
from .test_paper_entry import shoot
from .test_survey_results_admin import make_survey

NAMES = {
    "zh-hans": {"locale": "zh-CN", "limit": "每次最多 5000 个", "once": "只能使用一次"},
    "en": {"locale": "en-US", "limit": "at most 5000 at a time", "once": "used once"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_code_screens_and_slips_of_both_apps(browser, site_url, admin_login, language):
    from example_site.demo.core import ensure_home

    names = NAMES[language]
    home = ensure_home()
    survey = make_survey(home, "codes")
    survey_codes(survey=survey, count=4, batch="一批")
    scorecard = assessment(home, slug="kaohe")
    ballot_codes(scorecard=scorecard, group=scorecard.groups.get(), count=4)
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        screens = (
            ("survey", "wagtail_pilots_surveys:codes", survey, "survey-codes"),
            (
                "scorecard",
                "wagtail_pilots_scorecards:codes",
                scorecard,
                "scorecard-codes",
            ),
        )
        for name, view, owner, kind in screens:
            page.goto(reverse(view, args=[owner.pk]))
            expect(page.get_by_text(names["limit"])).to_be_visible()
            for fmt in ("csv", "xlsx"):
                export = reverse("wagtail_pilots_importexport:export", args=[kind, fmt])
                link = page.locator(f"[data-pilots-codes-export={fmt}]")
                expect(link).to_have_attribute("href", f"{export}?page={owner.pk}")
            shoot(page, f"codes-{name}-{language}")
            page.locator("a[href*='print']").first.click()
            expect(page.locator(".slip")).to_have_count(4)
            expect(page.locator(".slip .wp-qr")).to_have_count(4)
            expect(page.locator(".slip").first).to_contain_text(names["once"])
            page.set_viewport_size(PHONE)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > window.innerWidth"
            )
            assert not overflow
            page.set_viewport_size(DESKTOP)
            shoot(page, f"slips-{name}-{language}")
    finally:
        context.close()
