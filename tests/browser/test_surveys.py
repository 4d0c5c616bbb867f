"""The whole survey flow in Chromium: an editor builds a survey in the admin, a
member of the public answers it on a phone, the editor reads the results and the
export."""

import re

from playwright.sync_api import expect

from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.models import SurveyPage, SurveyResponse


def test_build_answer_read(page, phone_page, admin_login, settings):
    from example_site.demo.core import ensure_home

    settings.WAGTAIL_PILOTS = {"SURVEY_MIN_FILL_SECONDS": 0}
    home = ensure_home()
    for code, name in [("QSZ-SQ", "石桥村"), ("QSZ-HS", "红山村")]:
        Unit.objects.create(code=code, name=name, kind="village")

    # The editor builds the survey.
    admin_login(page)
    page.goto(f"/admin/pages/add/wagtail_pilots_surveys/surveypage/{home.pk}/")
    page.fill("#id_title", "两村两会测评")
    page.click("#id_form_fields-ADD")
    page.fill("#id_form_fields-0-label", "您的身份")
    page.select_option("#id_form_fields-0-field_type", "group")
    page.fill("#id_form_fields-0-choices", "党员\n村民代表\n其他群众")
    page.click("#id_form_fields-ADD")
    page.fill("#id_form_fields-1-label", "村委会评价")
    page.select_option("#id_form_fields-1-field_type", "matrix")
    page.select_option("#id_form_fields-1-scale", label="满意度（三级）")
    page.locator("#id_form_fields-1-row_units").get_by_label("石桥村").check()
    page.locator("#id_form_fields-1-row_units").get_by_label("红山村").check()
    # "Publish" sits in the footer's "more actions" menu.
    page.locator("button[name=action-publish]").evaluate("button => button.click()")
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    survey = SurveyPage.objects.get(title="两村两会测评")
    assert survey.live

    # A member of the public answers on a phone.
    phone_page.goto(survey.url)
    assert phone_page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    )
    phone_page.get_by_role("radiogroup", name="您的身份").get_by_label(
        "村民代表"
    ).check()
    phone_page.get_by_role("radiogroup", name="石桥村").get_by_label(
        "满意", exact=True
    ).check()
    # Forgetting a row gives a clear message next to it.
    phone_page.get_by_role("button", name="提交").click()
    expect(phone_page.locator(".wp-error")).to_have_count(1)
    assert SurveyResponse.objects.count() == 0
    phone_page.get_by_role("radiogroup", name="红山村").get_by_label("不满意").check()
    phone_page.get_by_role("button", name="提交").click()
    expect(phone_page.get_by_text("您的回答已记录")).to_be_visible()
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 1

    # The editor sees it in the results and the export.
    page.goto(f"/admin/pilots/surveys/{survey.pk}/results/")
    expect(page.locator(".wp-results svg").first).to_be_visible()
    expect(page.locator(".wp-results table").first).to_contain_text("村民代表")
    expect(page.locator(".wp-results")).to_contain_text("石桥村")
    export = page.request.get(
        f"/admin/pilots/surveys/{survey.pk}/responses/export/csv/"
    )
    assert export.ok
    text = export.text()
    assert "村民代表" in text and "不满意" in text
