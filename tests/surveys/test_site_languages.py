"""A site with languages of its own (here German, as on Wagtail's bakerydemo)
adds zh-hans to its lists, as the README says, and the suite works there."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db

SITE_LANGUAGES = [("de", "Deutsch"), ("zh-hans", "简体中文"), ("en", "English")]


def check_output():
    try:
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    except SystemCheckError as error:
        return str(error)
    return ""


@override_settings(
    LANGUAGES=SITE_LANGUAGES,
    WAGTAIL_CONTENT_LANGUAGES=SITE_LANGUAGES,
    WAGTAILADMIN_PERMITTED_LANGUAGES=SITE_LANGUAGES,
    WAGTAIL_I18N_ENABLED=True,
)
def test_survey_works_on_a_site_that_adds_zh_hans_to_its_own_languages(client, survey):
    assert check_output() == ""

    chinese = client.get(survey.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    assert chinese["Content-Language"] == "zh-hans"
    assert '<button type="submit">提交</button>' in chinese.content.decode()

    # German has no catalogue in the suite (its words fall back to English or to
    # Django's and Wagtail's German): the form is there and can be answered.
    german = client.get(survey.url, HTTP_ACCEPT_LANGUAGE="de")
    assert german.status_code == 200
    assert german["Content-Language"] == "de"
    html = german.content.decode()
    assert '<html lang="de">' in html
    assert '<form class="wp-survey"' in html and 'name="wp_token"' in html
    assert "石桥村" in html

    answered = client.post(survey.url, post_data(survey), HTTP_ACCEPT_LANGUAGE="de")
    assert answered.status_code == 302
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


@override_settings(
    LANGUAGES=[("zh-hans", "简体中文"), ("en", "English")],
    WAGTAIL_CONTENT_LANGUAGES=SITE_LANGUAGES,
    WAGTAIL_I18N_ENABLED=True,
)
def test_replacing_the_sites_languages_breaks_a_site_with_content_languages(
    client, survey
):
    """Why the README says to add zh-hans to the site's list rather than set
    ``LANGUAGES`` to the suite's two: Wagtail refuses content languages that
    ``LANGUAGES`` lacks."""
    from django.core.exceptions import ImproperlyConfigured
    from wagtail.coreutils import get_content_languages

    with pytest.raises(ImproperlyConfigured, match="The language de is specified"):
        get_content_languages()
