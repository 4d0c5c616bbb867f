"""Question keys: a question with a Chinese label gets a readable key (q1, q2…),
kept for good once created, unique in its survey, never reused."""

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.surveys.models import SurveyAnswer, SurveyField, SurveyPage
from wagtail_pilots.surveys.questions import next_question_key, survey_questions

pytestmark = pytest.mark.django_db


def test_next_question_key_never_reuses_a_number():
    assert next_question_key([]) == "q1"
    assert next_question_key(["q1", "q3", "name", "q10x", ""]) == "q4"
    assert next_question_key({"q9", "q10"}) == "q11"


def test_chinese_labels_get_numbered_keys(survey):
    keys = [q.key for q in survey_questions(survey)]
    assert keys == ["q1", "q2", "q3", "q4"]


def test_ascii_labels_keep_their_label_key(home_page):
    page = home_page.add_child(instance=SurveyPage(title="S", slug="s"))
    field = SurveyField.objects.create(
        page=page, label="Your email", field_type="email"
    )
    assert field.clean_name == "your_email"
    other = SurveyField.objects.create(page=page, label="意见", field_type="multiline")
    assert other.clean_name == "q1"


def question_row(field=None, **values):
    data = {
        "label": "",
        "field_type": "multiline",
        "scale": "",
        "required": "",
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
    if field is not None:
        data.update(
            id=field.pk,
            label=field.label,
            field_type=field.field_type,
            scale=field.scale_id or "",
            required="on" if field.required else "",
            rows=field.rows,
            choices=field.choices,
            default_value=field.default_value,
            help_text=field.help_text,
        )
    data.update(values)
    return data


def edit(admin_client, survey, rows, *, initial, action="action-publish"):
    data = nested_form_data(
        {
            "title": survey.title,
            "slug": survey.slug,
            "intro": rich_text(""),
            "thank_you_text": rich_text(""),
            "form_fields": inline_formset(rows, initial=initial),
            "group_populations": inline_formset([]),
            "quotas": inline_formset([]),
            "minimum_sample": "2",
            "threshold": "60",
            "access": "anyone",
            "results_visibility": "never",
            "anonymous": "on",
            "notify_to": "",
        }
    )
    data[action] = "1"
    # Multiple values (the matrix's units) go in after flattening.
    for index, field in enumerate(survey.form_fields.order_by("sort_order")):
        units = [u.pk for u in field.row_units.all()]
        if units:
            data[f"form_fields-{index}-row_units"] = units
    response = admin_client.post(f"/admin/pages/{survey.pk}/edit/", data)
    if response.status_code != 302:
        ctx = response.context
        raise AssertionError(
            [
                (f.errors, f.non_field_errors())
                for f in ctx["form"].formsets["form_fields"].forms
            ]
            + [ctx["form"].non_field_errors(), [m.message for m in ctx["messages"]]]
        )
    return response


def test_existing_keys_stay_and_new_questions_take_the_next_number(
    admin_client, survey
):
    fields = list(survey.form_fields.order_by("sort_order"))
    # A survey made before readable keys: its keys are kept as they are.
    SurveyField.objects.filter(pk=fields[3].pk).update(
        clean_name="u610fu89c1u5efau8bae"
    )
    fields[3].refresh_from_db()
    # Answers stored under a deleted question's key q7 keep q7 taken.
    response = survey.survey_responses.create(submitted_on="2025-06-01")
    SurveyAnswer.objects.create(
        response=response, survey=survey, question_key="q7", channel="web"
    )
    rows = [question_row(f) for f in fields]
    rows[1]["label"] = "总体评价（改）"  # renaming keeps the key
    rows.append(question_row(label="您的建议"))
    edit(admin_client, survey, rows, initial=len(fields))
    survey = SurveyPage.objects.get(pk=survey.pk)
    keys = {q.label: q.key for q in survey_questions(survey)}
    assert keys == {
        "您的身份": "q1",
        "总体评价（改）": "q2",
        "村委会评价": "q3",
        "意见建议": "u610fu89c1u5efau8bae",
        "您的建议": "q8",
    }


def test_a_draft_carries_the_key_its_publication_keeps(admin_client, survey):
    fields = list(survey.form_fields.order_by("sort_order"))
    rows = [question_row(f) for f in fields] + [question_row(label="补充意见")]
    edit(admin_client, survey, rows, initial=len(fields), action="action-submit")
    draft = SurveyPage.objects.get(pk=survey.pk).get_latest_revision_as_object()
    assert [f.clean_name for f in draft.form_fields.all()][-1] == "q5"
    draft.save_revision().publish()
    assert survey_questions(SurveyPage.objects.get(pk=survey.pk))[-1].key == "q5"


def test_templates_accept_the_readable_keys(survey):
    columns = get_kind("responses").for_page(survey).columns
    # Templates are headed by the questions' text; the keys are accepted too.
    assert [c.header for c in columns[:2]] == ["您的身份", "总体评价"]
    assert "q1" in columns[0].aliases and "q2" in columns[1].aliases
    assert columns[2].aliases[1].startswith("q3__u")
    assert not any("u60a8" in a or "u603b" in a for c in columns for a in c.aliases)
