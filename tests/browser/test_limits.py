"""What a visitor sees when a limit holds, and an editor when an export cannot
be made — in Chinese and English, on a phone and a desktop. Screenshots go to
``$SCREENSHOT_DIR`` when it is set."""

import os
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from tests.scorecards.helpers import assessment, make_scorecard
from wagtail_pilots import ratelimit
from wagtail_pilots.scorecards.views.ballots import (
    code_ceiling_scope as ballot_ceiling,
)
from wagtail_pilots.surveys.models import Access
from wagtail_pilots.surveys.views.public import code_ceiling_scope as survey_ceiling

VIEWPORTS = {"phone": (390, 844), "desktop": (1440, 900)}
LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}
TEXTS = {
    "survey": {"zh-hans": "已暂停输入参与码", "en": "Code entry is paused"},
    "ballot": {"zh-hans": "已暂停输入参与码", "en": "Code entry is paused"},
    "export": {"zh-hans": "无法导出", "en": "cannot be exported"},
}


def shoot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def pause_codes(scope):
    for _ in range(3):
        ratelimit.record_failure(scope, "all", lockout_seconds=3600)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_paused_code_entry_and_refused_export(
    browser,
    site_url,
    home_page,
    make_survey,
    admin_login,
    language,
    viewport,
):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        base_url=site_url,
        locale=LANGUAGES[language],
        extra_http_headers={"Accept-Language": LANGUAGES[language]},
        viewport={"width": width, "height": height},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    with override_settings(WAGTAIL_PILOTS={"CODE_FAILURES_PER_HOUR": 3}):
        survey = make_survey(access=Access.CODE)
        pause_codes(survey_ceiling(survey))
        page.goto(survey.url)
        page.fill("input[name=wp_code]", "K7QX-M3PD")
        page.evaluate("document.querySelector('input[name=wp_code]').form.submit()")
        expect(page.get_by_text(TEXTS["survey"][language])).to_be_visible()
        shoot(page, f"survey-paused-{language}-{viewport}")

        scorecard = assessment(home_page, slug="kaohe")
        pause_codes(ballot_ceiling(scorecard))
        page.goto(scorecard.url + "score/")
        page.fill("#id_code", "K7QX-M3PD")
        page.click(".scorecard-code-form button[type=submit]")
        # In the error summary at the top and again at the field.
        expect(page.get_by_text(TEXTS["ballot"][language]).first).to_be_visible()
        shoot(page, f"ballot-paused-{language}-{viewport}")

    degenerate = make_scorecard(
        home_page,
        subjects=["张三"],
        criteria=[],
        groups=[("考核组", 60, "scores", "mean", 0, 0, "")],
        slug="empty",
        title="空考核",
    )
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_login(page))
    profile.preferred_language = language
    profile.save()
    page.goto(reverse("wagtailadmin_pages:edit", args=[degenerate.pk]))
    export = reverse(
        "wagtail_pilots_importexport:export", args=["scorecard-results", "xlsx"]
    )
    page.goto(f"{export}?page={degenerate.pk}")
    expect(page.get_by_text(TEXTS["export"][language])).to_be_visible()
    assert page.url.endswith(f"/admin/pages/{degenerate.pk}/edit/")
    shoot(page, f"export-refused-{language}-{viewport}")
    context.close()
