"""Public results with small groups, in a real browser: the hidden slices read
"少于 5 份" in the table and the chart, a question asked of three people shows
no figure, nothing overflows a phone, and the layout holds on a desktop, in
Chinese and in English.

Set WP_SHOTS_DIR to keep the screenshots."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from wagtail_pilots.surveys.models import Channel, Scale, SurveyField, SurveyPage
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

SIZES = [(390, 844), (1440, 900)]
LOCALES = {
    "zh-hans": ("zh-CN", "少于 5 份", "被问到此题的答卷人少于 5 人"),
    "en": ("en-US", "fewer than 5 responses", "Asked of fewer than 5 respondents"),
}


def _survey():
    from wagtail.models import Page

    from wagtail_pilots.models import Unit

    home = Page.objects.filter(depth=2).first()
    survey = SurveyPage(
        title="村委会满意度测评",
        slug="small-cells",
        results_visibility="live",
        minimum_sample=2,
    )
    home.add_child(instance=survey)
    scale = Scale.objects.get(name="满意度（三级）")
    units = [
        Unit.objects.create(code=f"SC-{i}", name=name, kind="village")
        for i, name in enumerate(["石桥村", "红山村"], start=1)
    ]
    SurveyField.objects.create(
        page=survey,
        sort_order=0,
        label="您的身份",
        field_type="group",
        choices="党员\n村民代表\n其他群众",
    )
    SurveyField.objects.create(
        page=survey, sort_order=1, label="总体评价", field_type="scale", scale=scale
    )
    matrix = SurveyField.objects.create(
        page=survey,
        sort_order=2,
        label="村委会评价",
        field_type="matrix",
        scale=scale,
    )
    matrix.row_units = units
    matrix.save()
    overall = SurveyField.objects.get(page=survey, label="总体评价")
    SurveyField.objects.create(
        page=survey,
        sort_order=3,
        label="不满意的原因",
        field_type="dropdown",
        choices="办事慢\n态度差",
        conditions=[{"question": overall.clean_name, "op": "in", "values": ["不满意"]}],
    )
    survey.save_revision().publish()
    questions = {q.field_type: q for q in survey_questions(survey)}
    options = {o.label: str(o.pk) for o in questions["scale"].options}
    # 村民代表: three people, all 不满意, so only they are asked why.
    plan = [("党员", "满意")] * 6 + [("村民代表", "不满意")] * 3
    plan += [("其他群众", "基本满意")] * 5
    for number, (group, overall) in enumerate(plan):
        data = {
            questions["group"].key: group,
            questions["scale"].key: options[overall],
            questions["matrix"].key: {
                row.key: options["满意"] for row in questions["matrix"].rows
            },
        }
        if overall == "不满意":
            data[questions["dropdown"].key] = "办事慢"
        response_submit(
            survey=survey,
            data=data,
            channel=Channel.PAPER if number == 7 else Channel.WEB,
        )
    return survey


@pytest.mark.parametrize("language", list(LOCALES))
def test_small_groups_read_fewer_than_k(browser, site_url, language):
    survey = _survey()
    locale, phrase, asked_of_few = LOCALES[language]
    shots = os.environ.get("WP_SHOTS_DIR")
    for width, height in SIZES:
        context = browser.new_context(
            base_url=site_url,
            locale=locale,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": width, "height": height},
        )
        page = context.new_page()
        page.goto(survey.get_results_url())
        row = page.locator("tr.wp-suppressed").first
        expect(row).to_contain_text(phrase)
        expect(row).not_to_contain_text("%")
        assert page.locator("svg.wp-chart text", has_text=phrase).count() >= 2
        why = page.locator("section.wp-results__question", has_text="不满意的原因")
        expect(why).to_contain_text(asked_of_few)
        expect(why).not_to_contain_text("办事慢")
        assert why.locator("svg, table").count() == 0
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, (width, overflow)
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=f"{shots}/results-{language}-{width}.png", full_page=True
            )
        context.close()
