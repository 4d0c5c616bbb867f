"""Survey form pages carry a CSRF token and a signed start time: no cache may keep them."""

import pytest
from django.utils.cache import get_max_age

pytestmark = pytest.mark.django_db


def test_survey_form_is_never_cached(client, survey):
    response = client.get(survey.url)
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()
    cache_control = response["Cache-Control"]
    for directive in ("private", "no-cache", "no-store"):
        assert directive in cache_control
    assert get_max_age(response) == 0


def test_survey_answer_page_is_never_cached(client, survey):
    from tests.fixtures.surveys import post_data

    response = client.post(survey.url, post_data(survey))
    assert response.status_code == 302  # POST/redirect/GET to the thank-you page
    assert "no-store" in response["Cache-Control"]
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "no-store" in thanks["Cache-Control"]
