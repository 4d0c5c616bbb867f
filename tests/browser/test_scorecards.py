"""An evaluator scores with a code, an editor publishes, the public sees the ranking."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from example_site.demo.core import ensure_home
from tests.scorecards.helpers import assessment
from wagtail_pilots.scorecards.models import Ballot
from wagtail_pilots.scorecards.services import access_codes_generate


def test_evaluator_scores_editor_publishes_public_sees_ranking(page, admin_login):
    home = ensure_home()
    scorecard = assessment(home, slug="kaohe", bottom_size=1)
    group = scorecard.groups.get()
    codes = access_codes_generate(scorecard=scorecard, group=group, count=3)
    subjects = list(scorecard.subjects.order_by("sort_order"))
    criteria = list(scorecard.criteria.order_by("sort_order"))
    # Three evaluators: 城关镇 gets 9s, 青石镇 6s, 河东乡 3s from each.
    for access in codes:
        page.goto(scorecard.url + "score/")
        page.fill("#id_code", access.code.lower())
        page.click(".scorecard-code-form button[type=submit]")
        first_row = page.locator("[data-subject-row]").first
        for subject, value in zip(subjects, ("9", "6", "3"), strict=True):
            for criterion in criteria:
                page.fill(f"input[name=score-{subject.pk}-{criterion.pk}]", value)
        # The running total follows the entries (weighted 0–100 guide).
        expect(first_row.locator("[data-running-total]")).to_have_text("90.00")
        page.get_by_role("button", name="核对选票").click()
        expect(page.get_by_text("提交后不可修改")).to_be_visible()
        page.get_by_role("button", name="提交选票").click()
        expect(page.locator(".scorecard-thanks")).to_be_visible()
    assert Ballot.objects.filter(channel="web").count() == 36
    # Blind mode: nothing is public before publication.
    page.goto(scorecard.url)
    expect(page.locator(".scorecard-empty")).to_be_visible()

    admin_login(page)
    page.goto(reverse("wagtailadmin_pages:edit", args=[scorecard.pk]))
    results_url = reverse("wagtail_pilots_scorecards:results", args=[scorecard.pk])
    page.goto(results_url)
    expect(page.locator(".scorecard-chart svg[role=img]")).to_be_visible()
    page.click("form[action$='/publish/'] button[type=submit]")
    expect(page.locator("a[href*='/versions/1/']")).to_be_visible()

    public = page.context.browser.new_context(
        base_url=page.url.split("/admin")[0], locale="zh-CN"
    )
    visitor = public.new_page()
    visitor.goto(scorecard.url)
    rows = visitor.locator(".scorecard-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("th")).to_have_text("城关镇")
    expect(rows.nth(0).locator(".total")).to_have_text("90.00")
    expect(rows.nth(0)).to_contain_text("n = 3")
    expect(rows.nth(2)).to_have_class(re.compile(r"\bis-bottom\b"))
    public.close()
