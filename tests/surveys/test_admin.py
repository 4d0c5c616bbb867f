"""Admin screens: permissions, results, exports, codes, paper entry, and the
editor-side validation of surveys and scales."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.models import (
    AccessCode,
    Scale,
    SurveyPage,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions

pytestmark = pytest.mark.django_db


def urls(survey):
    base = f"/admin/pilots/surveys/{survey.pk}"
    return [
        f"{base}/results/",
        f"{base}/results/export/csv/",
        f"{base}/results/export/xlsx/",
        f"{base}/responses/export/csv/",
        f"{base}/responses/export/xlsx/",
        f"{base}/codes/",
        f"{base}/codes/print/",
        f"{base}/paper/",
    ]


def test_anonymous_is_sent_to_login(client, survey):
    for url in urls(survey):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]


def test_editor_without_page_rights_gets_403(client, survey, make_editor):
    make_editor(username="nobody")
    client.login(username="nobody", password="password")
    for url in urls(survey):
        assert client.get(url).status_code == 403, url


def test_editor_with_edit_rights_sees_results(survey, page_editor, home_page):
    client = page_editor(home_page, "change", username="li")
    assert client.get(urls(survey)[0]).status_code == 200
    edit = client.get(f"/admin/pages/{survey.pk}/edit/")
    assert f"/admin/pilots/surveys/{survey.pk}/results/" in edit.content.decode()


def test_results_page_tables_and_svg(
    admin_client, client, survey, django_assert_max_num_queries
):
    for i in range(4):
        client.post(
            survey.url,
            post_data(survey, token=f"t{i}", rows={"红山村": "不满意"}),
        )
    with django_assert_max_num_queries(40):
        response = admin_client.get(urls(survey)[0])
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<table" in html
    assert "<script src" not in html.split("wp-results", 1)[1]
    assert "红山村" in html
    assert "100.00%" in html  # 石桥村: 4 of 4
    assert "0.00%" in html  # 红山村: 0 of 4


def test_exports_are_formula_safe(admin_client, client, survey):
    q = next(q for q in survey_questions(survey) if q.field_type == "multiline")
    client.post(survey.url, post_data(survey, **{q.key: "=HYPERLINK(1)"}))
    csv = b"".join(admin_client.get(urls(survey)[3]).streaming_content).decode()
    assert "'=HYPERLINK(1)" in csv
    xlsx = admin_client.get(urls(survey)[4])
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "=HYPERLINK(1)" in values  # a text cell, not a formula
    results_csv = b"".join(admin_client.get(urls(survey)[1]).streaming_content).decode()
    assert "rate_percent" in results_csv and "100.00" in results_csv
    results_xlsx = admin_client.get(urls(survey)[2])
    sheet = load_workbook(io.BytesIO(b"".join(results_xlsx.streaming_content))).active
    assert sheet.max_row > 1


def test_generate_export_and_print_codes(admin_client, survey, villages):
    response = admin_client.post(
        urls(survey)[5],
        {"count": "5", "group": "村民代表", "unit": villages[0].pk, "batch": "第一批"},
    )
    assert response.status_code == 302
    assert AccessCode.objects.filter(survey_id=survey.pk, batch="第一批").count() == 5
    code = AccessCode.objects.first()
    assert code.digest != code.code and len(code.digest) == 64
    # Exported through the survey-codes kind (the code screen's only export).
    export = reverse("wagtail_pilots_importexport:export", args=["survey-codes", "csv"])
    csv = b"".join(
        admin_client.get(export, {"page": survey.pk}).streaming_content
    ).decode()
    assert csv.count("\n") == 6 and csv.count("第一批") == 5
    sheet = admin_client.get(urls(survey)[6] + "?batch=第一批").content.decode()
    assert str(code) in sheet
    bad = admin_client.post(urls(survey)[5], {"count": "0"})
    assert bad.status_code == 200 and bad.context["form"].errors["count"]


def test_paper_entry(admin_client, survey, django_user_model):
    data = post_data(survey, group="其他群众", token="paper-1")
    response = admin_client.post(urls(survey)[7], data)
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.channel == "paper"
    assert stored.entered_by == django_user_model.objects.get(username="admin")
    # A required answer left out: field error, nothing stored.
    q = next(q for q in survey_questions(survey) if q.field_type == "scale")
    data = post_data(survey, token="paper-2")
    del data[q.key]
    response = admin_client.post(urls(survey)[7], data)
    assert response.status_code == 200
    assert response.context["form"].errors[q.key]
    assert SurveyResponse.objects.count() == 1


# Editor validation -----------------------------------------------------------


def survey_form_data(scale, **overrides):
    data = {
        "title": "测评",
        "slug": "ceping",
        "intro": rich_text(""),
        "thank_you_text": rich_text(""),
        "form_fields": inline_formset(
            [
                {
                    "label": "总体评价",
                    "field_type": "scale",
                    "scale": scale.pk,
                    "required": "on",
                    "rows": "",
                    "choices": "",
                    "default_value": "",
                    "help_text": "",
                    "conditions_match": "all",
                }
            ]
        ),
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


def test_editor_creates_survey(admin_client, home_page, scale):
    response = admin_client.post(add_url(home_page), survey_form_data(scale))
    assert response.status_code == 302, response.context["form"].errors
    assert SurveyPage.objects.get(slug="ceping").form_fields.count() == 1


@pytest.mark.parametrize("threshold", ["-1", "100.01", "150"])
def test_threshold_outside_0_100(admin_client, home_page, scale, threshold):
    response = admin_client.post(
        add_url(home_page), survey_form_data(scale, threshold=threshold)
    )
    assert response.status_code == 200
    assert "threshold" in response.context["form"].errors
    assert not SurveyPage.objects.filter(slug="ceping").exists()


def test_close_before_open(admin_client, home_page, scale):
    now = timezone.localtime()
    response = admin_client.post(
        add_url(home_page),
        survey_form_data(
            scale,
            opens_at=(now + datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M"),
            closes_at=(now + datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        ),
    )
    assert response.status_code == 200
    assert "closes_at" in response.context["form"].errors


def test_question_on_scale_without_satisfied_option(admin_client, home_page):
    scale = Scale.objects.create(name="无满意项")
    scale.options.create(label="一般", score=50)
    scale.options.create(label="差", score=0)
    response = admin_client.post(add_url(home_page), survey_form_data(scale))
    assert response.status_code == 200
    field_form = response.context["form"].formsets["form_fields"].forms[0]
    assert "scale" in field_form.errors


def test_scale_without_satisfied_option_is_refused(admin_client):
    data = nested_form_data(
        {
            "name": "坏量表",
            "description": "",
            "options": inline_formset(
                [
                    {"label": "一般", "score": "50"},
                    {"label": "差", "score": "0"},
                ]
            ),
        }
    )
    response = admin_client.post(
        "/admin/snippets/wagtail_pilots_surveys/scale/add/", data
    )
    assert response.status_code == 200
    assert not Scale.objects.filter(name="坏量表").exists()
    options = response.context["form"].formsets["options"].forms
    assert "satisfied" in options[0].errors


def test_wagtail_forms_listing_links_to_results(admin_client, survey):
    # Wagtail's own "Forms" listing includes surveys; its submissions link
    # leads to our results.
    assert admin_client.get("/admin/forms/").status_code == 200
    response = admin_client.get(f"/admin/forms/submissions/{survey.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pilots/surveys/{survey.pk}/results/"
    keys = [key for key, _label in survey.get_data_fields()]
    assert keys[0] == "submit_time" and len(keys) == 1 + 1 + 1 + 3 + 1


def test_results_compare_two_surveys(admin_client, client, make_survey):
    before = make_survey(slug="before")
    after = make_survey(slug="after")
    for i in range(2):
        client.post(before.url, post_data(before, token=f"b{i}", overall="不满意"))
        client.post(after.url, post_data(after, token=f"a{i}"))
    response = admin_client.get(urls(after)[0] + f"?compare={before.pk}")
    assert response.status_code == 200
    comparison = response.context["comparison"]
    # before: overall 0/2 + matrix 6/6 = 6/8; after: 8/8 → +25 points.
    assert (comparison.before.satisfied, comparison.before.valid) == (6, 8)
    assert comparison.after.rate == 1
    assert "25.00%" in response.content.decode()
    # A survey the user may not edit, or a junk id, is ignored.
    assert admin_client.get(urls(after)[0] + "?compare=x").context["comparison"] is None


def test_option_with_answers_cannot_be_deleted(admin_client, client, survey, scale):
    client.post(survey.url, post_data(survey))
    options = list(scale.options.all())
    rows = [
        {
            "id": o.pk,
            "label": o.label,
            "score": str(o.score),
            "satisfied": "on" if o.satisfied else "",
            "excluded": "",
            "DELETE": "on" if o.label == "满意" else "",
        }
        for o in options
    ]
    for row in rows:
        for key in [k for k, v in row.items() if v == ""]:
            del row[key]
    data = nested_form_data(
        {
            "name": scale.name,
            "description": scale.description,
            "options": inline_formset(rows, initial=len(rows)),
        }
    )
    response = admin_client.post(
        f"/admin/snippets/wagtail_pilots_surveys/scale/edit/{scale.pk}/", data
    )
    assert response.status_code == 200
    assert scale.options.count() == 3


def test_copied_survey_starts_empty(client, survey):
    client.post(survey.url, post_data(survey))
    survey.refresh_from_db()
    assert survey.response_count == 1
    copy = survey.copy(update_attrs={"slug": "copy", "title": "副本"})
    assert copy.specific.response_count == 0


def test_results_without_responses_show_what_to_do(admin_client, survey):
    html = admin_client.get(urls(survey)[0]).content.decode()
    assert "尚无答卷" in html
    # Where answers come from: the public form, paper entry, an import.
    assert f'href="http://testserver{survey.url}"' in html
    assert f'href="/admin/pilots/surveys/{survey.pk}/paper/"' in html
    assert f"/import/responses/?page={survey.pk}" in html
    # No empty charts, tables or exports of nothing.
    content = html.split("<main", 1)[1]
    assert "wp-results" not in content and "<table" not in content
    assert "<svg" not in content.split("wp-empty-state", 1)[1]
    assert "/results/export/" not in html


def test_results_header_and_export_buttons(admin_client, client, survey):
    client.post(survey.url, post_data(survey))
    html = admin_client.get(urls(survey)[0]).content.decode()
    assert "尚无答卷" not in html
    current = re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]*)</a>', html)
    assert current == ["结果"]
    assert re.search(
        rf'class="button"[^>]*href="{urls(survey)[0]}"[^>]*aria-current="page"', html
    )
    # The exports are buttons in a list: no "·" left dangling after the last.
    exports = html.split('class="wp-export-links', 1)[1].split("</ul>", 1)[0]
    assert exports.count('class="button button-small button-secondary"') == 4
    assert "·" not in exports and "·" not in html.split("</ul>", 1)[1][:300]
    # Wagtail's listing tables, figures in their own cells.
    assert 'class="listing wp-listing-numbers"' in html
    assert "wp-table" not in html


def test_current_screen_is_marked_on_other_survey_screens(admin_client, survey):
    html = admin_client.get(urls(survey)[-1]).content.decode()
    current = re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]*)</a>', html)
    assert current == ["纸质录入"]


def test_editor_creates_survey_with_a_chinese_title_and_gets_a_pinyin_address(
    admin_client, client, home_page, scale
):
    """As the admin's title field fills the slug: Chinese in, pinyin out — the
    public address is readable, not a run of percent-encoded bytes."""
    response = admin_client.post(
        add_url(home_page),
        survey_form_data(
            scale,
            title="政务服务满意度调查",
            slug="政务服务满意度调查",
            **{"action-publish": "publish"},
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    survey = SurveyPage.objects.get(title="政务服务满意度调查")
    assert survey.slug == "zheng-wu-fu-wu-man-yi-du-diao-cha"
    assert survey.url.isascii() and "%" not in survey.url
    assert client.get(survey.url).status_code == 200
