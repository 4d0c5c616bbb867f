"""Anonymous surveys keep no IP address, no user and only the day of a response."""

import datetime
import json

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.models import SurveyAnswer, SurveyResponse

pytestmark = pytest.mark.django_db
IP = "203.0.113.77"


def _stored_text(response):
    rows = [model_to_dict(response)] + [
        model_to_dict(a) for a in SurveyAnswer.objects.filter(response=response)
    ]
    return json.dumps(rows, default=str, ensure_ascii=False)


def test_anonymous_survey_stores_no_ip_user_or_time(client, survey, make_editor):
    assert survey.anonymous  # the default
    user = make_editor(username="respondent-li")
    client.force_login(user)
    client.post(survey.url, post_data(survey), REMOTE_ADDR=IP)
    response = SurveyResponse.objects.get()
    assert response.user_id is None
    assert response.submitted_at is None
    assert response.client_digest == ""
    assert response.submitted_on == timezone.localdate()
    assert isinstance(response.submitted_on, datetime.date)
    assert not isinstance(response.submitted_on, datetime.datetime)
    text = _stored_text(response)
    assert IP not in text
    assert "respondent-li" not in text


def test_named_survey_keeps_user_and_time(client, make_survey, make_editor):
    survey = make_survey(anonymous=False, slug="named")
    user = make_editor(username="respondent-wang")
    client.force_login(user)
    client.post(survey.url, post_data(survey), REMOTE_ADDR=IP)
    response = SurveyResponse.objects.get()
    assert response.user_id == user.pk
    assert response.submitted_at is not None
    # Even then the address is kept only as a keyed digest, never in clear.
    assert IP not in _stored_text(response)
