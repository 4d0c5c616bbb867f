"""Quotas and response rates in Chromium: the editor sets a group quota and
the paper questionnaires issued in the survey editor; a respondent on a phone
whose group is full is told so on the group question; the results screen
shows the quota's fill level and the response rates (zh-hans and en)."""

import re

import pytest
from playwright.sync_api import expect

from wagtail_pilots.surveys.models import (
    Scale,
    SurveyField,
    SurveyPage,
    SurveyQuota,
    SurveyResponse,
)
from wagtail_pilots.surveys.services import access_codes_generate

from .test_import_buttons import DESKTOP
from .test_paper_entry import PHONE, SHOTS, shoot


def shoot_at(page, locator, name):
    """Screenshots of ``locator`` scrolled into view (the admin scrolls
    inside its own panel, so a full-page shot misses the lower sections)."""
    if not SHOTS:
        return
    for label, size in (("1440", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        locator.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png")
    page.set_viewport_size(DESKTOP)


TEXT = {
    "zh-hans": {
        "locale": "zh-CN",
        "panel": "按类别或单位的配额与纸质问卷发放数（可选）",
        "section": "回收率与配额",
        "codes": "已使用 4 个参与码中的 1 个（25.00%）",
        "paper": "纸质问卷，类别 村民代表",
        "full": "已满",
        "submit": "提交",
        "error": "答卷人类别“村民代表”的 1 份答卷配额已满",
    },
    "en": {
        "locale": "en-US",
        "panel": "quotas and paper questionnaires per group or unit (optional)",
        "section": "Response rate and quotas",
        "codes": "1 of 4 access codes used (25.00%)",
        "paper": "paper, group 村民代表",
        "full": "full",
        "submit": "Submit",
        "error": "The quota of 1 response for the respondent group “村民代表” is full.",
    },
}


def make_survey(home):
    page = SurveyPage(title="村民满意度测评", slug="quota", minimum_sample=1)
    home.add_child(instance=page)
    SurveyField.objects.create(
        page=page,
        sort_order=0,
        label="您的身份",
        field_type="group",
        choices="党员\n村民代表",
    )
    SurveyField.objects.create(
        page=page,
        sort_order=1,
        label="总体评价",
        field_type="scale",
        scale=Scale.objects.get(name="满意度（三级）"),
    )
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_editor_sets_a_quota_respondent_is_told_results_show_it(
    browser, site_url, admin_login, settings, language
):
    from django.db.models import F

    from example_site.demo.core import ensure_home

    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_FILL_SECONDS": 0}
    text = TEXT[language]
    survey = make_survey(ensure_home())
    codes = access_codes_generate(survey=survey, count=4, batch="第一批")
    type(codes[0])._default_manager.filter(pk=codes[0].pk).update(
        used_on=F("created_at__date")
    )

    context = browser.new_context(
        base_url=site_url, locale=text["locale"], viewport=DESKTOP
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    phone = browser.new_context(
        base_url=site_url,
        locale=text["locale"],
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone.set_default_timeout(15_000)
    public = phone.new_page()
    try:
        admin_login(page)
        # The editor: a quota of 1 for 村民代表, 10 paper questionnaires issued.
        page.goto(f"/admin/pages/{survey.pk}/edit/")
        expect(
            page.locator("[data-panel-heading-text]", has_text=text["panel"])
        ).to_be_visible()
        page.click("#id_quotas-ADD")
        page.fill("#id_quotas-0-group", "村民代表")
        page.fill("#id_quotas-0-limit", "1")
        page.fill("#id_quotas-0-paper_issued", "10")
        shoot_at(page, page.locator("#id_quotas-0-limit"), f"quota-editor-{language}")
        page.locator("button[name=action-publish]").evaluate("b => b.click()")
        page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
        quota = SurveyQuota.objects.get(page=survey)
        assert (quota.group, quota.limit, quota.paper_issued) == ("村民代表", 1, 10)

        # Two respondents of the same group on phones: the second is told.
        for attempt in range(2):
            public.goto(survey.url)
            public.get_by_role("radiogroup", name="您的身份").get_by_label(
                "村民代表"
            ).check()
            public.get_by_role("radiogroup", name="总体评价").get_by_label(
                "满意", exact=True
            ).check()
            public.locator("form.wp-survey button[type=submit]:not([name])").click()
            if attempt == 0:
                public.wait_for_load_state()
        group = public.get_by_role("radiogroup", name="您的身份")
        expect(group).to_be_visible()
        expect(public.locator(".wp-error").first).to_contain_text(text["error"])
        assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 1
        shoot(public, f"quota-public-error-{language}")

        # The results screen: the quota's fill level and the response rates.
        page.goto(f"/admin/pilots/surveys/{survey.pk}/results/")
        section = page.locator(".wp-rates")
        expect(section.get_by_role("heading", name=text["section"])).to_be_visible()
        expect(section).to_contain_text(text["codes"])
        expect(section).to_contain_text(text["paper"])
        expect(section).to_contain_text("1 / 1")
        expect(section).to_contain_text(text["full"])
        shoot_at(page, section, f"quota-results-{language}")

        # The dashboard's open surveys: the quota's fill level.
        page.goto("/admin/")
        panel = page.locator("#open-surveys-content, #open-surveys").first
        expect(panel).to_contain_text("村民代表 1 / 1")
        shoot_at(page, panel, f"quota-dashboard-{language}")
    finally:
        phone.close()
        context.close()
