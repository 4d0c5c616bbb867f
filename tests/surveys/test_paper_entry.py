"""Paper entry: "unanswered" per question, serial numbers, double entry."""

import pytest
from django.test import Client

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.forms import UNANSWERED
from wagtail_pilots.surveys.models import PaperEntryDraft, SurveyAnswer, SurveyResponse
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.selectors import survey_results

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on the English source messages, whatever ran before."""
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def paper_url(survey):
    return f"/admin/pilots/surveys/{survey.pk}/paper/"


def questions(survey):
    return {q.field_type: q for q in survey_questions(survey)}


def clerk(django_user_model, username):
    django_user_model.objects.create_superuser(username, f"{username}@x.cn", "pw")
    client = Client()
    client.login(username=username, password="pw")
    return client


def test_unanswered_counts_as_missing_not_as_an_answer(admin_client, survey):
    q = questions(survey)
    scale, matrix = q["scale"], q["matrix"]
    data = post_data(survey, wp_serial="A-001")
    data[scale.key] = UNANSWERED
    first_row = matrix.row_field_name(matrix.rows[0])
    data[first_row] = UNANSWERED
    response = admin_client.post(paper_url(survey), data)
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.serial == "A-001"
    assert stored.data[scale.key] == ""
    assert stored.data[matrix.key][matrix.rows[0].key] == ""
    # No answer row for the two blanks: only the group and two matrix rows.
    assert SurveyAnswer.objects.filter(question_key=scale.key).count() == 0
    assert SurveyAnswer.objects.filter(question_key=matrix.key).count() == 2
    results = survey_results(survey=survey)
    overall = next(r for r in results.questions if r.question.key == scale.key)
    assert overall.answered == 0 and results.responses == 1


def test_unanswered_choice_is_shown_apart_and_blank_is_still_refused(
    admin_client, survey
):
    html = admin_client.get(paper_url(survey)).content.decode()
    q = questions(survey)
    # Every question with options offers 未答 (here in English: Unanswered), set
    # apart from the options.
    assert html.count('class="wp-unanswered"') == 1 + 1 + len(q["matrix"].rows)
    assert f'value="{UNANSWERED}"' in html
    # Leaving a required question out is still an error: a blank on paper is
    # typed in as "unanswered", never skipped by mistake.
    data = post_data(survey)
    del data[q["scale"].key]
    response = admin_client.post(paper_url(survey), data)
    assert response.status_code == 200
    assert response.context["form"].errors[q["scale"].key]
    assert not SurveyResponse.objects.exists()


def test_duplicate_serial_is_refused_with_a_clear_message(admin_client, survey):
    assert admin_client.post(paper_url(survey), post_data(survey, wp_serial="17"))
    response = admin_client.post(
        paper_url(survey), post_data(survey, group="党员", wp_serial=" 17 ")
    )
    assert response.status_code == 200
    first = SurveyResponse.objects.get()
    error = response.context["form"].errors["wp_serial"][0]
    assert error == (
        f"Questionnaire number 17 has already been entered (response #{first.pk}). "
        "Check the number on the paper."
    )
    assert "Questionnaire number 17 has already been entered" in (
        response.content.decode()
    )
    assert SurveyResponse.objects.count() == 1
    # Another survey may use the same numbers.


def test_double_entry_matching_entries_store_one_response(survey, django_user_model):
    survey.paper_double_entry = True
    survey.save()
    first, second = clerk(django_user_model, "wang"), clerk(django_user_model, "li")
    # The serial number is required under double entry.
    response = first.post(paper_url(survey), post_data(survey))
    assert response.context["form"].errors["wp_serial"]
    response = first.post(paper_url(survey), post_data(survey, wp_serial="B-9"))
    assert response.status_code == 302
    assert not SurveyResponse.objects.exists()
    assert PaperEntryDraft.objects.get().serial == "B-9"
    page = first.get(paper_url(survey)).content.decode()
    assert "1 first entry waits for its second" in page
    # The same clerk cannot make the second entry.
    again = first.post(paper_url(survey), post_data(survey, wp_serial="B-9"))
    assert (
        "must be made by another clerk" in again.context["form"].errors["wp_serial"][0]
    )
    # A second clerk types the same answers: stored once, the draft is gone.
    response = second.post(paper_url(survey), post_data(survey, wp_serial="B-9"))
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.serial == "B-9" and stored.entered_by.username == "li"
    assert not PaperEntryDraft.objects.exists()
    # A third entry of the same number is refused.
    third = first.post(paper_url(survey), post_data(survey, wp_serial="B-9"))
    assert "has already been entered" in third.context["form"].errors["wp_serial"][0]
    assert SurveyResponse.objects.count() == 1


def test_double_entry_differences_are_shown_before_saving(survey, django_user_model):
    survey.paper_double_entry = True
    survey.save()
    first, second = clerk(django_user_model, "wang"), clerk(django_user_model, "li")
    q = questions(survey)
    first.post(paper_url(survey), post_data(survey, overall="满意", wp_serial="C-3"))
    data = post_data(survey, overall="不满意", wp_serial="C-3")
    data[q["matrix"].row_field_name(q["matrix"].rows[1])] = UNANSWERED
    response = second.post(paper_url(survey), data)
    # Nothing stored: the differences side by side, in page order.
    assert response.status_code == 200
    assert not SurveyResponse.objects.exists()
    differences = response.context["differences"]
    assert differences == [
        {"label": "总体评价", "first": "满意", "second": "不满意"},
        {
            "label": f"村委会评价 / {q['matrix'].rows[1].label}",
            "first": "满意",
            "second": "Unanswered",
        },
    ]
    html = response.content.decode()
    assert "The two entries of questionnaire number C-3 differ" in html
    assert 'name="wp_confirm" value="C-3"' in html
    # Saved once the second clerk confirms the checked answers.
    data["wp_confirm"] = "C-3"
    response = second.post(paper_url(survey), data)
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.data[q["scale"].key] == "不满意"
    assert stored.data[q["matrix"].key][q["matrix"].rows[1].key] == ""
    assert not PaperEntryDraft.objects.exists()
