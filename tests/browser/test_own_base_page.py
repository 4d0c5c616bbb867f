"""The suite's page types on a department's own base page (tests/custom_site),
in a browser: an evaluator scores a scorecard of the site's own type with a
code, an editor publishes it, the public sees the ranking on the site's
template; a pilot of the site's own type shows its progress and is listed.

With ``SHOTS_DIR`` set, each screen is also saved there at phone and desktop
sizes, in Chinese and English, to be looked at."""

import os
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from example_site.demo.core import ensure_home
from tests.custom_site.models import (
    DepartmentBallot,
    DepartmentCriterion,
    DepartmentEvaluatorGroup,
    DepartmentPilotIndexPage,
    DepartmentPilotPhase,
    DepartmentPilotProgramPage,
    DepartmentScorecardPage,
    DepartmentSubject,
)
from wagtail_pilots.scorecards.services import access_codes_generate

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


def shoot(browser, base_url, path, name):
    """Save ``path`` at both sizes in both languages, when SHOTS_DIR is set."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for language, locale in LOCALES.items():
        for size, (width, height) in SIZES.items():
            context = browser.new_context(
                base_url=base_url,
                locale=locale,
                viewport={"width": width, "height": height},
                extra_http_headers={"Accept-Language": locale},
            )
            shot = context.new_page()
            shot.goto(path)
            shot.screenshot(
                path=f"{folder}/{name}-{language}-{size}.png", full_page=True
            )
            context.close()


def make_scorecard(home):
    page = DepartmentScorecardPage(
        title="年度考核",
        slug="annual",
        office="县委组织部",
        blind_mode=True,
        subjects=[
            DepartmentSubject(name="张三", sort_order=0),
            DepartmentSubject(name="李四", sort_order=1),
        ],
        criteria=[
            DepartmentCriterion(
                name="实绩", weight=D(60), minimum=D(0), maximum=D(100), sort_order=0
            ),
            DepartmentCriterion(
                name="作风", weight=D(40), minimum=D(0), maximum=D(100), sort_order=1
            ),
        ],
        groups=[DepartmentEvaluatorGroup(name="考核组", weight=D(100))],
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return DepartmentScorecardPage.objects.get(pk=page.pk)


def test_scorecard_of_the_sites_own_type(page, admin_login, browser, site_url):
    home = ensure_home()
    scorecard = make_scorecard(home)
    group = scorecard.groups.get()
    codes = access_codes_generate(scorecard=scorecard, group=group, count=2)
    subjects = list(scorecard.subjects.order_by("sort_order"))
    criteria = list(scorecard.criteria.order_by("sort_order"))
    for access, values in zip(codes, (("90", "50"), ("70", "50")), strict=True):
        page.goto(scorecard.url + "score/")
        page.fill("#id_code", access.code.lower())
        page.click(".scorecard-code-form button[type=submit]")
        for subject, value in zip(subjects, values, strict=True):
            for criterion in criteria:
                page.fill(f"input[name=score-{subject.pk}-{criterion.pk}]", value)
        page.click(".scorecard-ballot button[type=submit]")
        # The confirmation step, then the once-only submit.
        page.get_by_role("button", name="提交选票").click()
        expect(page.locator(".scorecard-thanks")).to_be_visible()
    assert DepartmentBallot.objects.filter(channel="web").count() == 8
    shoot(browser, site_url, scorecard.url + "score/", "scorecard-ballot")

    admin_login(page)
    page.goto(reverse("wagtail_pilots_scorecards:results", args=[scorecard.pk]))
    page.click("form[action$='/publish/'] button[type=submit]")
    expect(page.locator("a[href*='/versions/1/']")).to_be_visible()

    visitor = browser.new_context(base_url=site_url, locale="zh-CN").new_page()
    visitor.goto(scorecard.url)
    expect(visitor.locator(".office")).to_have_text("Office in charge: 县委组织部")
    rows = visitor.locator(".scorecard-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text("张三")
    expect(rows.nth(0).locator(".total")).to_have_text("80.00")  # mean 80 on both
    visitor.context.close()
    shoot(browser, site_url, scorecard.url, "scorecard-public")


def test_pilot_of_the_sites_own_type(page, browser, site_url):
    home = ensure_home()
    index = DepartmentPilotIndexPage(
        title="本局试点", slug="our-pilots", office="县政府办"
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    today = timezone.localdate()
    pilot = DepartmentPilotProgramPage(
        title="一网通办试点",
        slug="one-window",
        office="县政务服务中心",
        status="running",
        start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=60),
        phases=[
            DepartmentPilotPhase(
                name="梳理事项",
                due_date=today + timedelta(days=5),
                weight=D(40),
                progress=50,
            ),
            DepartmentPilotPhase(
                name="上线运行",
                due_date=today + timedelta(days=50),
                weight=D(60),
                progress=0,
            ),
        ],
    )
    index.add_child(instance=pilot)
    pilot.save_revision().publish()

    page.goto(pilot.url)
    expect(page.locator(".office")).to_have_text("Office in charge: 县政务服务中心")
    expect(page.locator("body")).to_contain_text("梳理事项")
    expect(page.locator("body")).to_contain_text("20%")  # 40 × 50 ÷ 100
    page.goto(index.url)
    expect(page.locator("body")).to_contain_text("一网通办试点")
    shoot(browser, site_url, pilot.url, "pilot-page")
    shoot(browser, site_url, index.url, "pilot-index")
