"""The wagtail-modeladmin survey responses listing: scoped to the surveys the
user may edit, with the chosen survey's import/export buttons."""

import pytest
from django.urls import reverse

from tests.fixtures.users import (
    ENTER_RESPONSES,
    IMPORT_EXPORT,
    assert_permission_denied,
)
from wagtail_pilots.surveys.models import Channel, SurveyResponse

pytestmark = pytest.mark.django_db

URL = "/admin/wagtail_pilots_surveys/surveyresponse/"


@pytest.fixture
def surveys(make_survey):
    a = make_survey(title="甲村测评", slug="survey-a")
    b = make_survey(title="乙村测评", slug="survey-b")
    for survey, group in ((a, "党员"), (b, "村民代表")):
        SurveyResponse.objects.create(
            survey=survey, channel=Channel.PAPER, group=group, submitted_on="2025-06-30"
        )
    return a, b


@pytest.fixture
def editor_of_a(page_editor, surveys):
    return page_editor(
        surveys[0],
        "change",
        *IMPORT_EXPORT,
        *ENTER_RESPONSES,
    )


def test_listing_shows_only_editable_surveys(surveys, editor_of_a):
    client = editor_of_a
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "党员" in content and "甲村测评" in content
    assert "村民代表" not in content
    # No survey chosen: no buttons (they need a survey).
    assert "data-pilots-import" not in content


def test_chosen_survey_has_its_import_export_buttons(surveys, editor_of_a):
    a, b = surveys
    client = editor_of_a
    content = client.get(f"{URL}?survey={a.pk}").content.decode()
    import_url = reverse("wagtail_pilots_importexport:import", args=["responses"])
    export_url = reverse(
        "wagtail_pilots_importexport:export", args=["responses", "csv"]
    )
    assert f'href="{import_url}?page={a.pk}"' in content
    assert f'href="{export_url}?page={a.pk}"' in content
    # The buttons lead to the same views, which work for this user on A ...
    assert client.get(f"{import_url}?page={a.pk}").status_code == 200
    # ... and answer 403 on B, whose buttons are never shown.
    content_b = client.get(f"{URL}?survey={b.pk}").content.decode()
    assert "data-pilots-import" not in content_b
    assert client.get(f"{import_url}?page={b.pk}").status_code == 403
    assert client.get(f"{export_url}?page={b.pk}").status_code == 403


def test_responses_cannot_be_created_or_edited_here(surveys, editor_of_a):
    client = editor_of_a
    response = SurveyResponse.objects.get(survey=surveys[0])
    assert_permission_denied(client.get(URL + "create/"))
    assert_permission_denied(client.get(f"{URL}edit/{response.pk}/"))
    assert client.get(f"{URL}inspect/{response.pk}/").status_code == 200


def test_anonymous_and_users_without_view_permission(client, surveys, make_editor):
    assert client.get(URL).status_code == 302
    client.force_login(make_editor("wagtail_pilots.view_unit", username="other"))
    assert_permission_denied(client.get(URL))


def test_editor_of_a_cannot_inspect_answers_of_b(surveys, editor_of_a):
    """The model's view permission (which importers need) does not open another
    survey's answers: inspect and history answer as the listing does."""
    a, b = surveys
    theirs = SurveyResponse.objects.get(survey=b)
    theirs.data = {"意见": "乙村的自由文本意见"}
    theirs.save()
    client = editor_of_a
    for action in ("inspect", "history"):
        response = client.get(f"{URL}{action}/{theirs.pk}/")
        assert_permission_denied(response)
        assert "乙村的自由文本意见" not in response.content.decode()
        assert "村民代表" not in response.content.decode()
    mine = SurveyResponse.objects.get(survey=a)
    assert client.get(f"{URL}inspect/{mine.pk}/").status_code == 200
    assert client.get(f"{URL}history/{mine.pk}/").status_code == 200
