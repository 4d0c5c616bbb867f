"""The public side of the demo on phones: every suite page fits a 320 px and a
390 px screen without sideways scrolling and with a compact header; a new survey
shows up in the open-surveys listing; the error summary leads to the question;
the thank-you page survives a reload."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from wagtail_pilots.scorecards.models import ScorecardPage
from wagtail_pilots.surveys.models import SurveyPage, SurveyResponse

from .conftest import axe_violations

PHONES = [(390, 844), (320, 640)]
HEADER_MAX = 120


@pytest.fixture
def phone(browser, site_url):
    def open_context(width, height, locale="zh-CN", axe=False):
        context = browser.new_context(
            base_url=site_url,
            locale=locale,
            viewport={"width": width, "height": height},
            is_mobile=True,
            has_touch=True,
            # The site's CSP refuses axe-core's injected script tag; only the
            # contexts that run axe bypass it (tests/browser/test_csp.py checks
            # the policy itself).
            bypass_csp=axe,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    contexts = []
    yield open_context
    for context in contexts:
        context.close()


def _suite_urls():
    """Every public page of the demo a visitor can reach from the menu."""
    from wagtail.models import Page

    urls = [p.url for p in Page.objects.live().public().filter(depth__gte=2)]
    for survey in SurveyPage.objects.live():
        if survey.results_are_public():
            urls.append(survey.get_results_url())
    for scorecard in ScorecardPage.objects.live():
        urls.append(scorecard.ballot_url)
    return sorted(set(urls))


MEASURE = """() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
    header: document.querySelector('.site-header').getBoundingClientRect().height,
})"""


def _check(page, width, label, problems):
    """No sideways scrolling, a compact header, no serious or critical axe
    violation on the page as it is now."""
    measured = page.evaluate(MEASURE)
    if measured["scroll"] > measured["inner"] or measured["inner"] != width:
        problems.append((label, "overflow", measured))
    if measured["header"] > HEADER_MAX:
        problems.append((label, "header", measured))
    violations = axe_violations(page)
    if violations:
        problems.append((label, "axe", violations))


def _answer_everything(page):
    for group in page.get_by_role("radiogroup").all():
        group.locator("input").first.check()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_public_page_fits_a_phone_and_passes_axe(phone, settings, locale):
    """Every public suite page of the demo — listings, pilot index and pages,
    reports, survey forms (and one with errors, and its thank-you page), code
    steps, results, notices and ballot pages — at 390×844 and 320×640: no
    horizontal overflow, header at most 120 px, axe clean (serious/critical)."""
    from example_site.demo.surveys import OPEN_SLUG

    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_FILL_SECONDS": 0}
    call_command("load_demo", stdout=StringIO())
    urls = _suite_urls()
    assert any("/results/" in u for u in urls) and any("/score/" in u for u in urls)
    assert any("/pilots/programs/" in u for u in urls)
    survey_url = SurveyPage.objects.get(slug=OPEN_SLUG).url
    problems = []
    thanks_url = None
    for width, height in PHONES:
        page = phone(width, height, locale=locale, axe=True)
        for url in urls:
            page.goto(url)
            _check(page, width, (width, url), problems)
        # The survey after a failed submit: the error summary on top.
        page.goto(survey_url)
        page.locator(".wp-survey button[type=submit]:not([name])").click()
        expect(page.locator(".wp-error-summary")).to_be_visible()
        _check(page, width, (width, survey_url, "errors"), problems)
        # The thank-you page (after the redirect), answered once, seen twice.
        if thanks_url is None:
            page.goto(survey_url)
            _answer_everything(page)
            page.locator(".wp-survey button[type=submit]:not([name])").click()
            expect(page.locator(".wp-receipt")).to_be_visible()
            thanks_url = page.url
        else:
            page.goto(thanks_url)
            expect(page.locator(".wp-receipt")).to_be_visible()
        _check(page, width, (width, thanks_url, "thank-you"), problems)
    assert problems == []


def test_newly_published_survey_is_listed(phone, settings):
    from example_site.demo import core
    from example_site.demo.surveys import open_survey

    home = core.load()
    parent = home.get_children().get(slug="surveys").specific
    core.ensure_block(parent, "open_surveys", {"heading": "正在进行的调查"})
    page = phone(390, 844)
    page.goto(parent.url)
    expect(page.locator(".wp-open-surveys")).to_contain_text("目前没有正在进行的调查")
    survey, _created = open_survey(parent)
    page.reload()
    item = page.locator(".wp-listing__item", has_text=survey.title)
    expect(item).to_contain_text("人人可答，无需参与码")
    closes = timezone.localtime(survey.closes_at).date()
    expect(item).to_contain_text(f"截止日期：{closes:%Y-%m-%d}")
    # A survey published a moment later shows up too.
    new = SurveyPage(
        title="新发布的意见征集",
        slug="new",
        closes_at=timezone.now() + datetime.timedelta(days=3),
    )
    parent.add_child(instance=new)
    new.save_revision().publish()
    page.reload()
    page.locator(".wp-listing__item", has_text="新发布的意见征集").get_by_role(
        "link", name="参与调查"
    ).click()
    expect(page.locator("h1")).to_have_text("新发布的意见征集")


def test_error_summary_focus_and_thank_you_after_redirect(phone, settings):
    from example_site.demo import core
    from example_site.demo.surveys import open_survey

    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_FILL_SECONDS": 0}
    home = core.load()
    survey, _created = open_survey(home.get_children().get(slug="surveys").specific)
    page = phone(390, 844)
    page.goto(survey.url)
    page.get_by_role("radiogroup", name="您的身份").get_by_label("其他群众").check()
    page.get_by_role("button", name="提交").click()

    summary = page.locator(".wp-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # no script: autofocus on the summary
    expect(summary).to_contain_text("第2题：")
    assert summary.bounding_box()["y"] < 844  # at the top, not 4,000 px below
    links = summary.get_by_role("link")
    expect(links).to_have_count(6)  # the overall question and five towns
    links.first.click()
    question = page.locator("fieldset.wp-invalid").first
    expect(question).to_be_focused()
    expect(question).to_have_attribute("id", links.first.get_attribute("href")[1:])
    assert question.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
    expect(page.locator('[aria-invalid="true"]').first).to_be_attached()

    # The chosen option is highlighted; options sit in one column.
    choice = page.get_by_role("radiogroup", name="对办事效率的总体评价")
    choice.get_by_label("满意", exact=True).check()
    labels = choice.locator("label")
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    assert len({round(b["x"]) for b in boxes}) == 1
    assert [b["y"] for b in boxes] == sorted(b["y"] for b in boxes)
    chosen = labels.first.evaluate("e => getComputedStyle(e).backgroundColor")
    other = labels.nth(1).evaluate("e => getComputedStyle(e).backgroundColor")
    assert chosen != other
    for group in page.get_by_role("radiogroup").all()[2:]:
        group.get_by_label("基本满意").check()
    page.get_by_role("button", name="提交").click()

    expect(page.locator(".wp-receipt")).to_contain_text("回执号")
    assert "?done=" in page.url
    receipt = page.locator(".wp-receipt strong").inner_text()
    page.reload()  # a GET: no "resend the form?" and nothing stored twice
    expect(page.locator(".wp-receipt strong")).to_have_text(receipt)
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 1
    page.get_by_role("link", name="返回首页").click()
    expect(page.locator("h1")).to_have_text(home.title)


ACTIVE = """() => {
    const e = document.activeElement;
    const group = e.closest('[role=radiogroup]');
    return {
        tag: e.tagName, type: e.type || '', id: e.id || '',
        group: group ? group.getAttribute('aria-label') : null,
        checked: !!e.checked,
    };
}"""


def test_keyboard_path_through_the_survey(phone, settings):
    """With the keyboard alone: the error summary's links move focus to the
    question; each question is one tab stop (Space chooses, arrows move within
    it); Tab reaches the submit button and Enter sends the answers."""
    from example_site.demo import core
    from example_site.demo.surveys import open_survey

    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_FILL_SECONDS": 0}
    home = core.load()
    survey, _created = open_survey(home.get_children().get(slug="surveys").specific)
    page = phone(390, 844)
    page.goto(survey.url)
    groups = [
        g.get_attribute("aria-label") for g in page.get_by_role("radiogroup").all()
    ]
    assert len(groups) >= 3

    # A failed submit from the keyboard: focus lands on the summary, Tab reaches
    # its first link, Enter moves focus to that question.
    page.locator(".wp-survey button[type=submit]:not([name])").focus()
    page.keyboard.press("Enter")
    summary = page.locator(".wp-error-summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    link = summary.get_by_role("link").first
    expect(link).to_be_focused()
    target = link.get_attribute("href")[1:]
    page.keyboard.press("Enter")
    expect(page.locator(f"fieldset#{target}")).to_be_focused()

    # From the top of the form: one tab stop per question, in order.
    page.locator(".wp-survey").evaluate(
        "form => form.querySelector('input, button').focus()"
    )
    page.keyboard.press("Shift+Tab")
    visited = []
    for _step in range(200):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active["tag"] == "BUTTON" and active["type"] == "submit":
            break
        if active["group"] is not None:
            assert active["group"] not in visited, "two tab stops in one question"
            visited.append(active["group"])
            page.keyboard.press("Space")
            if active["group"] == groups[1]:
                # Arrows move the choice within the question, without leaving it.
                page.keyboard.press("ArrowDown")
                moved = page.evaluate(ACTIVE)
                assert moved["group"] == groups[1] and moved["checked"]
                assert moved["id"] != active["id"]
    else:
        pytest.fail("Tab never reached the submit button")
    assert visited == groups
    page.keyboard.press("Enter")
    expect(page.locator(".wp-receipt")).to_contain_text("回执号")
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 1
