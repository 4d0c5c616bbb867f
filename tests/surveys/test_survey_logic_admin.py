"""The editor's side of survey logic: conditions typed one per line, stored
as data by question key, and refused (naming the question) when they look
forward, at the question itself, at a deleted question or at an option that
does not exist."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from wagtail_pilots.surveys.models import SurveyField, SurveyPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def question(label, scale=None, **extra):
    row = {
        "label": label,
        "field_type": "scale" if scale else "multiline",
        "scale": scale.pk if scale else "",
        "required": "on",
        "rows": "",
        "choices": "",
        "default_value": "",
        "help_text": "",
        "conditions": "",
        "conditions_match": "all",
        "page_title": "",
        "follow_up_options": "",
        "follow_up_label": "",
    }
    row.update(extra)
    return row


def form_data(rows, **overrides):
    data = {
        "title": "测评",
        "slug": "ceping",
        "intro": rich_text(""),
        "thank_you_text": rich_text(""),
        "form_fields": inline_formset(rows),
        "group_populations": inline_formset([]),
        "quotas": inline_formset([]),
        "minimum_sample": "30",
        "threshold": "60",
        "access": "anyone",
        "results_visibility": "never",
        "anonymous": "on",
        "notify_to": "",
    }
    data.update(overrides)
    return nested_form_data(data)


def add_url(home_page):
    return f"/admin/pages/add/wagtail_pilots_surveys/surveypage/{home_page.pk}/"


def condition_errors(response):
    formset = response.context["form"].formsets["form_fields"]
    return [" ".join(f.errors.get("conditions", [])) for f in formset.forms]


def test_conditions_typed_by_label_are_stored_by_key(admin_client, home_page, scale):
    rows = [
        question("总体评价", scale),
        question(
            "不满意的原因",
            page_break="on",
            page_title="原因",
            conditions="总体评价 = 不满意, 基本满意\n总体评价 = *",
            conditions_match="any",
        ),
    ]
    response = admin_client.post(add_url(home_page), form_data(rows))
    assert response.status_code == 302, response.context["form"].errors
    page = SurveyPage.objects.get(slug="ceping")
    first, second = page.form_fields.order_by("sort_order")
    assert second.page_break and second.page_title == "原因"
    assert second.conditions == [
        {"question": first.clean_name, "op": "in", "values": ["不满意", "基本满意"]},
        {"question": first.clean_name, "op": "answered"},
    ]
    assert second.conditions_match == "any"
    # Shown again as lines, by label.
    edit = admin_client.get(f"/admin/pages/{page.pk}/edit/")
    assert "总体评价 = 不满意, 基本满意\n总体评价 = *" in edit.content.decode()


def test_a_forward_reference_is_refused_naming_the_question(
    admin_client, home_page, scale
):
    rows = [
        question("第一题", scale, conditions="第二题 = 满意"),
        question("第二题", scale),
    ]
    response = admin_client.post(add_url(home_page), form_data(rows))
    assert response.status_code == 200
    errors = condition_errors(response)
    assert "“第一题” depends on “第二题”, which comes after it" in errors[0]
    assert not SurveyPage.objects.filter(slug="ceping").exists()


def test_a_question_cannot_depend_on_itself(admin_client, home_page, scale):
    rows = [question("第一题", scale, conditions="第一题 = 满意")]
    response = admin_client.post(add_url(home_page), form_data(rows))
    assert "“第一题” cannot depend on itself" in condition_errors(response)[0]


def test_an_unknown_question_or_option_is_refused(admin_client, home_page, scale):
    rows = [
        question("第一题", scale),
        question("第二题", scale, conditions="第一题 = 很好\n第九题 = *"),
    ]
    response = admin_client.post(add_url(home_page), form_data(rows))
    errors = condition_errors(response)[1]
    assert "“很好” is not an option of “第一题”" in errors
    assert "there is no question “第九题”" in errors


def test_a_line_that_is_not_a_condition_says_which_line(admin_client, home_page, scale):
    rows = [question("第一题", scale), question("第二题", scale, conditions="第一题")]
    response = admin_client.post(add_url(home_page), form_data(rows))
    assert "Line 1 (“第一题”) is not a condition" in condition_errors(response)[1]


def test_deleting_a_question_others_depend_on_is_refused(admin_client, logic_survey):
    """Deleting 总体评价 while 主要原因 depends on it names both."""
    fields = list(logic_survey.form_fields.order_by("sort_order"))
    rows = []
    for field in fields:
        rows.append(
            {
                "id": field.pk,
                "label": field.label,
                "field_type": field.field_type,
                "scale": field.scale_id or "",
                "required": "on" if field.required else "",
                "rows": "",
                "choices": field.choices,
                "default_value": "",
                "help_text": "",
                "conditions": SurveyField._meta.get_field("conditions")
                .formfield()
                .prepare_value(field.conditions),
                "conditions_match": field.conditions_match,
                "page_break": "on" if field.page_break else "",
                "page_title": field.page_title,
                "other_option": "on" if field.other_option else "",
                "follow_up_options": field.follow_up_options,
                "follow_up_label": field.follow_up_label,
                "DELETE": "1" if field.label == "总体评价" else "",
            }
        )
    data = form_data(rows, title=logic_survey.title, slug=logic_survey.slug)
    data["form_fields-INITIAL_FORMS"] = str(len(rows))
    response = admin_client.post(f"/admin/pages/{logic_survey.pk}/edit/", data)
    assert response.status_code == 200
    errors = " ".join(condition_errors(response))
    assert "“主要原因” is shown depending on “总体评价”, which is being deleted" in (
        errors
    )
    assert logic_survey.form_fields.count() == len(fields)


def folds(html):
    """The question editor's folded settings, in order: True where open."""
    import re

    return [
        " open" in tag
        for tag in re.findall(r'<details class="wp-folded-panel"[^>]*>', html)
    ]


def test_the_logic_settings_are_folded_unless_used(admin_client, logic_survey):
    """Five questions; 总体评价 (follow-up), 主要原因 (page, condition, other),
    村里的变化 (page) and 党建工作评价 (condition) use them, 您的身份 not."""
    html = admin_client.get(f"/admin/pages/{logic_survey.pk}/edit/").content.decode()
    assert folds(html)[:5] == [False, True, True, True, True]
    assert "<summary" in html and "pages, conditions and follow-ups" in html


def test_a_folded_setting_with_an_error_opens(admin_client, home_page, scale):
    rows = [question("第一题", scale), question("第二题", scale, conditions="第一题")]
    response = admin_client.post(add_url(home_page), form_data(rows))
    assert folds(response.content.decode())[:2] == [False, True]
