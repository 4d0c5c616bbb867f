"""A clerk enters whole paper ballots by keyboard on one grid, sees them in the
results, and publishes with voting closed; the results screen says when the
live figures have moved away from the published version (issue 13, items 5
and 10). Main actions are found by role and visible name and are normal-sized
buttons, in Chinese and in English.

Set ``PILOTS_SHOTS=/some/folder`` to also save screenshots at 1440×900 and
390×844.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from example_site.demo.core import ensure_home
from tests.scorecards.helpers import make_scorecard
from wagtail_pilots.scorecards.models import Ballot, ScorecardPage
from wagtail_pilots.scorecards.services import ballot_sheet_enter

from .test_import_buttons import DESKTOP, assert_readable_button, shoot

NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "save": "保存选票并录入下一张",
        "saved": "已保存评委组的选票 P-001。",
        "range": "请输入 0 到 100 之间的分值。您填写的是 150。",
        "nothing": "未保存任何内容。",
        "close": "发布时结束投票",
        "publish": "发布结果",
        "publish_again": "发布新版本",
        "differ": "当前实时结果与",
        "closed": "本次投票已结束。",
        "voting_closed": "投票已结束。",
    },
    "en": {
        "locale": "en-US",
        "save": "Save the ballot and enter the next",
        "saved": "Ballot P-001 of 评委组 saved.",
        "range": "Enter a value from 0 to 100. You entered 150.",
        "nothing": "Nothing was saved.",
        "close": "Close voting when publishing",
        "publish": "Publish the results",
        "publish_again": "Publish a new version",
        "differ": "The live figures differ from published version 1",
        "closed": "Voting on this scorecard is closed.",
        "voting_closed": "Voting is closed.",
    },
}
SUBJECTS = ["城关镇", "青石镇", "河东乡", "白沙镇", "石门乡"]
# Each row of the paper ballot: economy (50 %), environment (30 %), livelihood (20 %).
PAPER = [
    ("90", "80", "70"),  # 45 + 24 + 14 = 83.00
    ("60", "60", "60"),  # 60.00
    ("100", "50", "0"),  # 50 + 15 + 0 = 65.00
    ("70", "90", "85"),  # 35 + 27 + 17 = 79.00
    ("40", "30", "20.5"),  # 20 + 9 + 4.1 = 33.10
]


def five_by_three(slug):
    return make_scorecard(
        ensure_home(),
        subjects=SUBJECTS,
        criteria=[("经济", 50, 0, 100), ("环境", 30, 0, 100), ("民生", 20, 0, 100)],
        groups=[("评委组", 100, "scores", "mean", 0, 0, "")],
        slug=slug,
    )


def desktop_page(browser, site_url, names):
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_clerk_enters_a_paper_ballot_by_keyboard(
    browser, site_url, admin_login, language
):
    names = NAMES[language]
    scorecard = five_by_three(f"grid-{language}")
    subjects = list(scorecard.subjects.order_by("sort_order"))
    criteria = list(scorecard.criteria.order_by("sort_order"))
    context, page = desktop_page(browser, site_url, names)
    try:
        admin_login(page)
        page.goto(
            reverse("wagtail_pilots_scorecards:ballot_sheet", args=[scorecard.pk])
        )
        first = page.locator(f"#id_score-{subjects[0].pk}-{criteria[0].pk}")
        expect(first).to_be_focused()
        shoot(page, f"{language}-ballot-sheet")
        assert_readable_button(page.get_by_role("button", name=names["save"]))
        expect(first).to_be_focused()
        # Type the ballot row by row with Tab, then the ballot number, then Enter.
        for row in PAPER:
            for value in row:
                page.keyboard.type(value)
                page.keyboard.press("Tab")
        expect(page.locator("#id_evaluator")).to_be_focused()
        page.keyboard.type("P-001")
        page.keyboard.press("Enter")
        expect(page.get_by_text(names["saved"])).to_be_visible()
        assert Ballot.objects.filter(scorecard=scorecard, channel="paper").count() == 15
        # The next, blank grid has the focus on its first cell again.
        expect(
            page.locator(f"#id_score-{subjects[0].pk}-{criteria[0].pk}")
        ).to_be_focused()
        expect(
            page.locator(f"#id_score-{subjects[0].pk}-{criteria[0].pk}")
        ).to_have_value("")

        # A second ballot with one cell out of range: marked, nothing saved.
        for r, row in enumerate(PAPER):
            for c, value in enumerate(row):
                page.keyboard.type("150" if (r, c) == (3, 1) else value)
                page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        bad = page.locator(f"#id_score-{subjects[3].pk}-{criteria[1].pk}")
        expect(bad).to_have_attribute("aria-invalid", "true")
        expect(bad).to_have_value("150")
        expect(bad).to_be_focused()
        expect(
            page.locator(f"#score-{subjects[3].pk}-{criteria[1].pk}-error")
        ).to_have_text(names["range"])
        alert = page.locator(".wp-sheet-errors")
        expect(alert).to_contain_text(names["nothing"])
        expect(alert).to_contain_text(f"白沙镇 · 环境: {names['range']}")
        assert Ballot.objects.filter(scorecard=scorecard).count() == 15
        shoot(page, f"{language}-ballot-sheet-error")

        # The first ballot shows in the results.
        page.goto(reverse("wagtail_pilots_scorecards:results", args=[scorecard.pk]))
        rows = page.locator(".scorecard-table tbody tr")
        expect(rows.nth(0).locator("th")).to_have_text("城关镇")
        expect(rows.nth(0).locator(".total")).to_have_text("83.00")
        expect(rows.nth(4).locator("th")).to_have_text("石门乡")
        expect(rows.nth(4).locator(".total")).to_have_text("33.10")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_publish_closes_voting_and_results_flag_changes(
    browser, site_url, admin_login, language
):
    names = NAMES[language]
    scorecard = five_by_three(f"close-{language}")
    subjects = list(scorecard.subjects.order_by("sort_order"))
    criteria = list(scorecard.criteria.order_by("sort_order"))
    group = scorecard.groups.get()

    def paper(evaluator, rows):
        ballot_sheet_enter(
            scorecard=ScorecardPage.objects.get(pk=scorecard.pk),
            group=group,
            evaluator=evaluator,
            entries={
                (s.pk, c.pk): v
                for s, row in zip(subjects, rows, strict=True)
                for c, v in zip(criteria, row, strict=True)
            },
        )

    paper("P-001", PAPER)
    context, page = desktop_page(browser, site_url, names)
    try:
        admin_login(page)
        results = reverse("wagtail_pilots_scorecards:results", args=[scorecard.pk])
        page.goto(results)
        close = page.get_by_role("checkbox", name=names["close"])
        expect(close).to_be_checked()
        publish = page.get_by_role("button", name=names["publish"])
        assert_readable_button(publish)
        # An interim publication: voting stays open.
        close.uncheck()
        publish.click()
        expect(page.locator("a[href*='/versions/1/']")).to_be_visible()
        # Voting still open: the public notice invites evaluators to vote.
        page.goto(scorecard.url)
        expect(page.locator(f"a[href$='{scorecard.url}score/']")).to_have_count(1)
        # A late ballot swaps 青石镇 (60 → 30) and 石门乡 (33.10 → 51.55).
        paper(
            "P-002", [PAPER[0], ("0", "0", "0"), PAPER[2], PAPER[3], ("70", "70", "70")]
        )
        page.goto(results)
        stale = page.locator(".scorecard-stale")
        expect(stale).to_contain_text(names["differ"])
        changed = stale.locator("tbody th")
        expect(changed).to_have_text(["石门乡", "青石镇"])
        shoot(page, f"{language}-results-stale")
        # Publish again, closing voting this time.
        expect(page.get_by_role("checkbox", name=names["close"])).to_be_checked()
        again = page.get_by_role("button", name=names["publish_again"])
        assert_readable_button(again)
        again.click()
        expect(page.locator("a[href*='/versions/2/']")).to_be_visible()
        expect(page.locator(".scorecard-voting-closed")).to_have_text(
            names["voting_closed"]
        )
        expect(page.locator(".scorecard-stale")).to_have_count(0)
        expect(page.get_by_role("checkbox", name=names["close"])).to_have_count(0)
        assert ScorecardPage.objects.get(pk=scorecard.pk).ballots_open is False
        # The public notice no longer invites evaluators to vote, and the
        # ballot page says voting is closed.
        page.goto(scorecard.url)
        expect(page.locator(".scorecard-closed")).to_have_text(names["closed"])
        expect(page.locator(f"a[href$='{scorecard.url}score/']")).to_have_count(0)
        shoot(page, f"{language}-notice-closed")
        page.goto(scorecard.url + "score/")
        expect(page.locator(".scorecard-closed")).to_have_text(names["closed"])
        expect(page.locator("#id_code")).to_have_count(0)
        shoot(page, f"{language}-ballot-closed")
    finally:
        context.close()
