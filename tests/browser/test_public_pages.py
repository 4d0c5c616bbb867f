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

from tests.browser.axe import axe_violations
from wagtail_pilots.pilots.models import PilotProgramPage
from wagtail_pilots.scorecards.models import ScorecardPage
from wagtail_pilots.surveys.models import SurveyPage, SurveyResponse

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


def _ballot_codes():
    """One unused 参与码 per voter group of every scorecard of the demo, per
    walk: ``{ballot url: [code of group 1, code of group 2, …]}``. An own-unit
    group's code carries the unit of the scorecard's first subject that has
    one (such a code is refused without a unit)."""
    from wagtail_pilots.scorecards.services import access_codes_generate

    def code(scorecard, group):
        unit = None
        if group.own_unit_only:
            subject = scorecard.subjects.filter(home_unit__isnull=False).first()
            unit = subject.home_unit
        return access_codes_generate(
            scorecard=scorecard, group=group, count=1, unit=unit
        )[0].code

    return {
        scorecard.ballot_url: [
            code(scorecard, group) for group in scorecard.groups.order_by("pk")
        ]
        for scorecard in ScorecardPage.objects.live()
    }


def _walk_ballots(page, width, codes, problems):
    """Each scorecard's ballot as a voter sees it: for every voter group the
    ballot itself; for the first group also the ballot sent empty (the error
    summary), filled in (the confirmation, 提交后不可修改) and submitted."""
    for url, group_codes in codes.items():
        for index, code in enumerate(group_codes):
            page.goto(url)
            page.locator("#id_code").fill(code)
            page.locator("form.wp-code-step button[type=submit]").click()
            expect(page.locator("form.scorecard-ballot")).to_be_visible()
            _check(page, width, (width, url, index, "ballot"), problems)
            if index:
                continue
            page.locator("button[value=review]").click()
            expect(page.locator(".wp-error-summary")).to_be_visible()
            _check(page, width, (width, url, "ballot errors"), problems)
            for number in page.locator("input[type=number]").all():
                number.fill(number.get_attribute("data-max"))
            _answer_everything(page)
            page.locator("button[value=review]").click()
            expect(page.locator(".wp-confirm")).to_be_visible()
            _check(page, width, (width, url, "ballot confirmation"), problems)
            page.locator("button[value=submit]").click()
            expect(page.locator(".scorecard-thanks")).to_be_visible()
            _check(page, width, (width, url, "ballot recorded"), problems)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_public_page_fits_a_phone_and_passes_axe(phone, settings, locale):
    """Every public suite page of the demo — listings, pilot index and pages,
    reports, survey forms (and one with errors, and its thank-you page), code
    steps, results, notices and ballot pages (the code step, each voter group's
    ballot, one with errors, its confirmation and its receipt) — at 390×844 and
    320×640: no horizontal overflow, header at most 120 px, axe clean
    (serious/critical)."""
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
        _walk_ballots(page, width, _ballot_codes(), problems)
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


@pytest.mark.parametrize("slug", ["OPEN_SLUG", "LOGIC_SLUG"])
def test_demo_survey_page_within_the_byte_and_request_budget(browser, site_url, slug):
    """The demo's open surveys as a phone loads them, JavaScript off: at most
    4 requests and 50 KB in all (page, stylesheets, icon), and the questions
    are there to answer."""
    from example_site.demo import surveys

    call_command("load_demo", stdout=StringIO())
    survey = SurveyPage.objects.get(slug=getattr(surveys, slug))
    context = browser.new_context(
        base_url=site_url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
    )
    loaded = []
    context.on("requestfinished", lambda request: loaded.append(request))
    page = context.new_page()
    page.goto(survey.url)
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("radiogroup").count() >= 1
    sizes = {r.url: len(r.response().body()) for r in loaded}
    context.close()
    assert len(sizes) <= 4, sizes
    assert sum(sizes.values()) <= 50 * 1024, sizes


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_pilot_tables_are_cards_on_a_phone(phone, locale):
    """At 320 px a pilot's phases and indicators are one card per row with
    "heading value" lines, not seven columns a character wide."""
    from example_site.demo import core, pilots

    pilots.load(home=core.load(), stdout=StringIO())
    pilot = PilotProgramPage.objects.get(slug="urban-medical-assistance")
    page = phone(320, 640, locale=locale)
    page.goto(pilot.url)
    due = page.locator(".wp-table--cards td[data-label]").nth(1)
    label = "完成期限" if locale == "zh-CN" else "Due"
    expect(due).to_have_attribute("data-label", label)
    date = due.inner_text().strip()
    assert len(date) == 10 and date.count("-") == 2, date
    # The date on one line: the card's cell is about one line tall and wide
    # enough for its label and the date side by side.
    box = due.bounding_box()
    assert box["height"] < 40 and box["width"] > 250, box
    before = due.evaluate("e => getComputedStyle(e, '::before').content")
    assert label in before
    # Wider screens keep the table.
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.locator(".wp-table--cards thead").first).to_be_visible()
    assert due.evaluate("e => getComputedStyle(e).display") == "table-cell"
