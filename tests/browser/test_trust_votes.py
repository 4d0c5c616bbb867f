"""An own-unit trust vote in the admin and on the notice: the editor issues
参与码 per unit (and one to a candidate who also votes), the results show each
candidate's turnout against its electorate and flag one below the quorum, and
the published notice carries the same flag.

Set SCREENSHOT_DIR to keep a picture of each screen."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from example_site.demo.core import ensure_home
from tests.scorecards.helpers import make_scorecard
from wagtail_pilots.models import Unit
from wagtail_pilots.scorecards.models import AccessCode
from wagtail_pilots.scorecards.services import ballot_submit

TEXT = {
    "zh-hans": {
        "create": "生成参与码",
        "unit": "评价人所在单位",
        "subject": "属于评价对象",
        "flag": "应参与 2 人，仅 0 人参与，低于有效参与比例 2/3（至少需 2 人）",
        "turnout": "应参与 2 人，实际参与 2 人（100.00%）",
        "publish": "发布",
    },
    "en": {
        "create": "Create codes",
        "unit": "evaluator's unit",
        "subject": "belongs to subject",
        "flag": "only 0 of 2 voted, below the quorum of 2/3 (2 needed)",
        "turnout": "2 of 2 voted (100.00%)",
        "publish": "Publish",
    },
}


def shoot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width, height", [(390, 844), (1440, 900)])
def test_codes_per_unit_turnout_and_quorum_flag(
    browser, site_url, admin_login, language, width, height
):
    from wagtail.users.models import UserProfile

    text = TEXT[language]
    tag = f"{'zh' if language == 'zh-hans' else 'en'}-{width}"
    town = Unit.objects.create(name="城关镇", code="CG")
    hills = Unit.objects.create(name="青石镇", code="QS")
    scorecard = make_scorecard(
        ensure_home(),
        subjects=["甲", "乙", "丙"],
        criteria=[("推荐", 100, 0, 100)],
        groups=[("信任投票", 100, "votes", "mean", 0, 0, "")],
        slug="xinren",
        title="书记人选信任投票结果",
        quorum="2/3",
    )
    homes = {"甲": town, "乙": town, "丙": hills}
    for subject in scorecard.subjects.all():
        subject.home_unit = homes[subject.name]
        subject.save()
    group = scorecard.groups.get()
    group.own_unit_only = True
    group.save()

    context = browser.new_context(
        base_url=site_url, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    profile = UserProfile.get_for_user(admin_login(page))
    profile.preferred_language = language
    profile.save()
    page.goto(reverse("wagtail_pilots_scorecards:codes", args=[scorecard.pk]))
    page.locator("select[name=group]").select_option(str(group.pk))
    page.locator("input[name=count]").fill("2")
    page.locator("select[name=unit]").select_option(str(town.pk))
    expect(page.get_by_text(text["unit"]).first).to_be_visible()
    expect(page.get_by_text(text["subject"]).first).to_be_visible()
    shoot(page, f"trust-codes-{tag}")
    page.get_by_role("button", name=text["create"]).click()
    expect(page.locator(".messages")).to_be_visible()
    page.locator("input[name=count]").fill("2")
    page.locator("select[name=group]").select_option(str(group.pk))
    page.locator("select[name=unit]").select_option(str(hills.pk))
    page.get_by_role("button", name=text["create"]).click()
    expect(page.locator(".messages")).to_be_visible()
    assert AccessCode.objects.filter(unit=town).count() == 2
    assert AccessCode.objects.filter(unit=hills).count() == 2

    subjects = {s.name: s for s in scorecard.subjects.all()}
    for access in AccessCode.objects.filter(unit=town):
        ballot_submit(
            scorecard=scorecard,
            code=access.code,
            entries={subjects["甲"].pk: "yes", subjects["乙"].pk: "yes"},
        )
    page.goto(reverse("wagtail_pilots_scorecards:results", args=[scorecard.pk]))
    # 丙's two electors have not voted: flagged; 甲 and 乙 show 2 of 2.
    expect(page.get_by_text(text["flag"]).first).to_be_visible()
    expect(page.get_by_text(text["turnout"]).first).to_be_visible()
    shoot(page, f"trust-results-{tag}")
    page.get_by_role("button", name=text["publish"], exact=False).first.click()
    expect(page.locator("a[href*='/versions/1/']")).to_be_visible()

    visitor = browser.new_context(
        base_url=site_url,
        viewport={"width": width, "height": height},
        locale="zh-CN" if language == "zh-hans" else "en-GB",
    )
    notice = visitor.new_page()
    notice.goto(scorecard.url)
    expect(notice.get_by_text(text["flag"]).first).to_be_visible()
    assert notice.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(notice, f"trust-notice-{tag}")
    visitor.close()
    context.close()


def test_a_candidates_own_code_is_issued_from_the_codes_screen(
    browser, site_url, admin_login
):
    town = Unit.objects.create(name="城关镇", code="CG")
    scorecard = make_scorecard(
        ensure_home(),
        subjects=["甲", "乙"],
        criteria=[("推荐", 100, 0, 100)],
        groups=[("信任投票", 100, "votes", "mean", 0, 0, "")],
        slug="xinren",
    )
    for subject in scorecard.subjects.all():
        subject.home_unit = town
        subject.save()
    group = scorecard.groups.get()
    group.own_unit_only = True
    group.save()
    甲 = scorecard.subjects.get(name="甲")
    context = browser.new_context(base_url=site_url)
    page = context.new_page()
    admin_login(page)
    page.goto(reverse("wagtail_pilots_scorecards:codes", args=[scorecard.pk]))
    page.locator("select[name=group]").select_option(str(group.pk))
    page.locator("input[name=count]").fill("1")
    page.locator("select[name=subject]").select_option(str(甲.pk))
    page.get_by_role("button", name="Create codes").click()
    expect(page.locator(".messages")).to_be_visible()
    access = AccessCode.objects.get()
    # The unit came from the candidate's home unit.
    assert access.subject == 甲 and access.unit == town
    # An own-unit group refuses a code without a unit, and says so at the field.
    page.locator("select[name=group]").select_option(str(group.pk))
    page.locator("input[name=count]").fill("1")
    page.get_by_role("button", name="Create codes").click()
    expect(
        page.get_by_text("every access code needs the evaluator's unit")
    ).to_be_visible()
    assert AccessCode.objects.count() == 1
    context.close()
