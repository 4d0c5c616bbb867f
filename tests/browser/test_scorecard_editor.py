"""The scorecard editor picks from the scorecard's own rows (issue 13, item 4):
an editor ticks the criteria a group scores and chooses a gate's group from a
drop-down, in Chinese and in English, at 1440×900; the save button is found by
role and name and is a normal button.

Set ``PILOTS_SHOTS=/some/folder`` to also save screenshots.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from example_site.demo.core import ensure_home
from tests.scorecards.helpers import make_scorecard
from wagtail_pilots.scorecards.models import ScorecardPage
from wagtail_pilots.surveys.questions import survey_questions

from .test_import_buttons import DESKTOP, assert_readable_button, shoot

NAMES = {
    "zh-hans": {"locale": "zh-CN", "save": "保存草稿", "gate": "评价主体或指标"},
    "en": {"locale": "en-US", "save": "Save draft", "gate": "Group or criterion"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_editor_ticks_criteria_and_chooses_the_gate(
    browser, site_url, admin_login, language
):
    names = NAMES[language]
    scorecard = make_scorecard(
        ensure_home(),
        subjects=["城关镇", "青石镇"],
        criteria=[("经济", 50, 0, 10), ("环境", 30, 0, 10), ("民生", 20, 0, 10)],
        groups=[
            ("考核组", 70, "scores", "mean", 0, 0, "经济, 民生"),
            ("群众代表", 30, "scores", "mean", 0, 0, ""),
        ],
        gates=[("group", "群众代表", 50)],
        slug=f"editor-{language}",
    )
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto(reverse("wagtailadmin_pages:edit", args=[scorecard.pk]))
        page.locator("#id_gates-0-target_name").scroll_into_view_if_needed()
        shoot(page, f"{language}-scorecard-editor-gate")
        boxes = page.locator("#id_groups-0-criteria_scored")
        expect(boxes.get_by_role("checkbox", name="经济")).to_be_checked()
        expect(boxes.get_by_role("checkbox", name="环境")).not_to_be_checked()
        expect(boxes.get_by_role("checkbox", name="民生")).to_be_checked()
        boxes.get_by_role("checkbox", name="环境").check()
        gate = page.get_by_role("combobox", name=names["gate"])
        expect(gate).to_have_value("群众代表")
        page.locator("#id_gates-0-target").select_option("criterion")
        gate.select_option("民生")
        boxes.scroll_into_view_if_needed()
        shoot(page, f"{language}-scorecard-editor", phone=False)
        save = page.get_by_role("button", name=names["save"], exact=True)
        assert_readable_button(save)
        save.click()
        page.wait_for_load_state()
        latest = ScorecardPage.objects.get(
            pk=scorecard.pk
        ).get_latest_revision_as_object()
        assert [g.criteria_scored for g in latest.groups.all()] == [
            "经济, 环境, 民生",
            "",
        ]
        assert [(g.target, g.target_name) for g in latest.gates.all()] == [
            ("criterion", "民生")
        ]
    finally:
        context.close()


QUESTION_NAMES = {
    "zh-hans": {
        "locale": "zh-CN",
        "save": "保存草稿",
        "choose": "选择一个页面",
        "every": "所有对单位评价的题目",
        "screens": ["结果", "参与码", "录入纸质选票"],
    },
    "en": {
        "locale": "en-US",
        "save": "Save draft",
        "choose": "Choose a page",
        "every": "every question that rates units",
        "screens": ["Results", "Access codes", "Enter a paper ballot"],
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_survey_criterion_lists_the_chosen_surveys_questions(
    browser, site_url, admin_login, language
):
    """Choosing the survey in Wagtail's page chooser fills the criterion's
    question drop-down at once, with the questions' text (no key, no save)."""
    from .test_survey_responses_admin import make_survey

    names = QUESTION_NAMES[language]
    home = ensure_home()
    survey = make_survey(home, slug=f"towns-{language}")
    scorecard = make_scorecard(
        home,
        subjects=["城关镇", "青石镇"],
        criteria=[("实绩", 60, 0, 10), ("满意度", 40, 0, 100, "survey")],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "实绩")],
        slug=f"question-{language}",
    )
    context = browser.new_context(
        base_url=site_url, locale=names["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        admin_login(page)
        page.goto(reverse("wagtailadmin_pages:edit", args=[scorecard.pk]))
        # The scorecard's screens are buttons at the top of its edit form.
        for name in names["screens"]:
            assert_readable_button(page.get_by_role("link", name=name, exact=True))
        question = page.locator("#id_criteria-1-question_key")
        expect(question.locator("option")).to_have_text([names["every"]])
        choose = page.locator(
            "#id_criteria-1-survey-chooser [data-chooser-action-choose]"
        )
        expect(choose).to_have_text(names["choose"])
        assert_readable_button(choose)
        choose.click()
        modal = page.locator(".modal-content")
        modal.get_by_role("textbox").fill("窗口服务")
        modal.get_by_role("link", name=survey.title).click()
        expect(modal).to_be_hidden()
        expect(page.locator("#id_criteria-1-survey-title")).to_have_text(survey.title)
        expect(question.locator("option")).to_have_text(
            [names["every"], "各镇窗口评价"]
        )
        question.select_option(label="各镇窗口评价")
        question.scroll_into_view_if_needed()
        shoot(page, f"{language}-scorecard-editor-question", phone=False)
        page.get_by_role("button", name=names["save"], exact=True).click()
        page.wait_for_load_state()
        latest = ScorecardPage.objects.get(
            pk=scorecard.pk
        ).get_latest_revision_as_object()
        stored = next(c for c in latest.criteria.all() if c.name == "满意度")
        assert stored.survey_id == survey.pk
        matrix = next(q for q in survey_questions(survey) if q.field_type == "matrix")
        assert stored.question_key == matrix.key
    finally:
        context.close()
