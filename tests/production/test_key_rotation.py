"""Rotating ``SECRET_KEY``: access codes printed before the rotation keep
working while the old key is in ``SECRET_KEY_FALLBACKS``."""

import pytest
from django.test import override_settings

from tests.fixtures.surveys import post_data
from tests.scorecards.helpers import assessment
from wagtail_pilots.codes import code_digest, code_digests
from wagtail_pilots.scorecards.services import (
    access_code_lookup,
)
from wagtail_pilots.scorecards.services import (
    access_codes_generate as ballot_codes,
)
from wagtail_pilots.surveys.models import Access, SurveyResponse
from wagtail_pilots.surveys.services import access_codes_generate

OLD, NEW = "old-key-" + "x" * 40, "new-key-" + "y" * 40


def test_code_digests_try_the_current_key_then_the_fallbacks():
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        digests = code_digests("K7QX-M3PD")
        assert digests[0] == code_digest("K7QXM3PD")  # new codes: current key
    with override_settings(SECRET_KEY=OLD):
        assert code_digest("k7qxm3pd") == digests[1]
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert code_digests("K7QXM3PD") == digests[:1]


@pytest.mark.django_db
def test_survey_codes_printed_before_a_key_rotation_still_work(client, make_survey):
    with override_settings(SECRET_KEY=OLD):
        survey = make_survey(access=Access.CODE)
        first, second = access_codes_generate(survey=survey, count=2)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        response = client.post(survey.url, post_data(survey, wp_code=first.code))
        assert response.status_code == 302  # stored: redirected to the thank-you page
        assert SurveyResponse.objects.count() == 1
    # Once the old key is dropped its codes are no longer recognised.
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        refused = client.post(survey.url, post_data(survey, wp_code=second.code))
        assert refused.context["form"].errors["wp_code"]
        assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db
def test_ballot_codes_printed_before_a_key_rotation_still_work(home_page):
    with override_settings(SECRET_KEY=OLD):
        page = assessment(home_page)
        (access,) = ballot_codes(scorecard=page, group=page.groups.get(), count=1)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        assert access_code_lookup(scorecard=page, code=access.code).pk == access.pk
    with override_settings(SECRET_KEY=NEW):
        assert access_code_lookup(scorecard=page, code=access.code) is None
