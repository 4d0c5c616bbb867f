"""The site's Content-Security-Policy holds: pages load without violations."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def csp_violations(page):
    violations = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    return violations


def test_public_pages_have_no_csp_violations(page, csp_violations):
    """Every live page of the demo site, whatever app it comes from."""
    from wagtail.models import Page

    call_command("load_demo", stdout=StringIO())
    paths = [p.url for p in Page.objects.live().filter(depth__gte=2).specific()]
    assert len(paths) > 5
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert csp_violations == [], path


def test_admin_works_under_its_policy(page, admin_login, csp_violations):
    call_command("load_demo", stdout=StringIO())
    admin_login(page)
    from wagtail_pilots.surveys.models import SurveyPage, SurveyResponse

    survey = SurveyPage.objects.filter(survey_responses__isnull=False).first()
    assert survey is not None
    response = SurveyResponse.objects.filter(survey_id=survey.pk).first()
    assert response is not None
    base = f"/admin/pilots/surveys/{survey.pk}"
    for path in (
        "/admin/",
        "/admin/snippets/wagtail_pilots/unit/",
        "/admin/pages/",
        f"{base}/responses/",
        f"{base}/responses/{response.pk}/",
    ):
        loaded = page.goto(path)
        assert loaded is not None and loaded.status == 200, path
        page.wait_for_load_state("networkidle")
    assert csp_violations == []
