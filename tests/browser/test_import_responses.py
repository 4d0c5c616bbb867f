"""An editor imports paper questionnaires (GB18030 CSV) into a survey, fixes a
bad row named in the preview, imports, sees the results change, rolls the batch
back and sees them restored."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect
from wagtail.models import GroupPagePermission

from wagtail_pilots.surveys.models import Scale, SurveyField, SurveyPage, SurveyResponse

HEADER = "您的身份,总体评价,村委会评价 - 石桥村,村委会评价 - 红山村,数字编码\n"
# Numbers are read as each row's 数字编码 declares.
GOOD = [
    "党员,满意,满意,不满意,",
    "村民代表,2,满意,满意,正序",  # 2 = the second option, 基本满意
    "其他群众,0,不满意,基本满意,分值",  # score 0 = 不满意
    "党员,满意,80,满意,分值",
    "其他群众,不满意,满意,满意,",
]


@pytest.fixture
def import_dir(tmp_path, settings):
    settings.WAGTAIL_PILOTS = {
        **getattr(settings, "WAGTAIL_PILOTS", {}),
        "IMPORT_TEMP_DIR": str(tmp_path / "uploads"),
    }
    return tmp_path / "uploads"


def csv_file(lines, name):
    return {
        "name": name,
        "mimeType": "text/csv",
        "buffer": (HEADER + "\n".join(lines) + "\n").encode("gb18030"),
    }


def make_survey():
    from example_site.demo.core import ensure_home

    home = ensure_home()
    scale = Scale.objects.get(name="满意度（三级）")
    survey = SurveyPage(title="纸质问卷测评", slug="paper-survey", minimum_sample=2)
    home.add_child(instance=survey)
    specs = [
        {
            "label": "您的身份",
            "field_type": "group",
            "choices": "党员\n村民代表\n其他群众",
        },
        {"label": "总体评价", "field_type": "scale", "scale": scale},
        {
            "label": "村委会评价",
            "field_type": "matrix",
            "scale": scale,
            "rows": "石桥村\n红山村",
        },
    ]
    for position, spec in enumerate(specs):
        SurveyField.objects.create(page=survey, sort_order=position, **spec)
    survey.save_revision().publish()
    return survey


def make_editor(django_user_model, survey):
    user = django_user_model.objects.create_user(
        "li", "li@example.gov.cn", "correct-horse-battery"
    )
    group = Group.objects.create(name="纸质问卷录入")
    GroupPagePermission.objects.create(
        group=group,
        page=survey,
        permission=Permission.objects.get(codename="change_page"),
    )
    user.groups.add(group)
    for app_label, codename in [
        ("wagtailadmin", "access_admin"),
        ("wagtail_pilots_importexport", "import_data"),
        ("wagtail_pilots_importexport", "export_data"),
        ("wagtail_pilots_surveys", "add_surveyresponse"),
        ("wagtail_pilots_surveys", "change_surveyresponse"),
        ("wagtail_pilots_surveys", "view_surveyresponse"),
    ]:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def summary(page, survey):
    page.goto(f"/admin/pilots/surveys/{survey.pk}/results/")
    # The figures, or the empty state of a survey without responses.
    return page.locator(".wp-results, .wp-empty-state").first.inner_text()


def test_editor_imports_paper_questionnaires(page, django_user_model, import_dir):
    survey = make_survey()
    make_editor(django_user_model, survey)
    page.goto("/admin/login/")
    page.fill("input[name=username]", "li")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    before = summary(page, survey)

    # The survey's header menu leads to the import of its responses.
    page.goto(f"/admin/pages/{survey.pk}/edit/")
    page.locator("header [data-w-dropdown-target='toggle']").first.click()
    page.locator('[data-pilots-import="responses"]').click()
    page.wait_for_url(re.compile(r"/pilots-import/import/responses/\?page=\d+"))

    # Row 4 (the third questionnaire) has an option the scale does not have.
    bad = list(GOOD)
    bad[2] = "其他群众,很满意,不满意,基本满意,"
    page.set_input_files("input[name=file]", csv_file(bad, "问卷.csv"))
    page.click("[data-pilots-import-form] button[type=submit]")
    errors = page.locator("[data-pilots-errors] tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("4")
    expect(errors.first.locator("td").nth(1)).to_have_text("总体评价")
    expect(errors.first).to_contain_text("很满意")
    assert SurveyResponse.objects.count() == 0

    # Fixed and uploaded again, it imports.
    page.click("button[value=discard]")
    page.set_input_files("input[name=file]", csv_file(GOOD, "问卷-改.csv"))
    page.click("[data-pilots-import-form] button[type=submit]")
    expect(page.locator("[data-count=new]")).to_have_text("5")
    expect(page.locator("[data-pilots-errors]")).to_have_count(0)
    page.click("button[value=import]")
    expect(page.locator("[data-pilots-batch-status]")).to_have_attribute(
        "data-pilots-batch-status", "done"
    )
    batch_url = page.url
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 5

    # The results changed: 5 paper questionnaires; 总体评价 3 satisfied of 5.
    after = summary(page, survey)
    assert after != before
    expect(page.locator(".wp-results__summary")).to_contain_text("5")
    overall = page.locator(".wp-results__question", has_text="总体评价")
    expect(overall).to_contain_text("60.00%")

    # Rolling the batch back restores them.
    page.goto(batch_url)
    page.click("[data-pilots-rollback]")
    page.get_by_role("button", name=re.compile("确定回滚")).click()
    expect(page.locator("[data-pilots-batch-status]")).to_have_attribute(
        "data-pilots-batch-status", "rolled_back"
    )
    assert summary(page, survey) == before
    survey.refresh_from_db()
    assert survey.response_count == 0
