"""Finding things in the admin (issue 13 item 11): page type descriptions and
child rules, the survey and scorecard screens as visible buttons on the edit
form and in page listings, titles, the promote tab."""

import re

import pytest
from django.utils import translation

from tests.fixtures.users import assert_permission_denied
from wagtail_pilots.pilots.models import PilotIndexPage, PilotProgramPage
from wagtail_pilots.scorecards.models import ScorecardPage
from wagtail_pilots.surveys.models import SurveyPage

from ..scorecards.helpers import assessment

pytestmark = pytest.mark.django_db


def buttons(html):
    """Visible (href, label) of the links styled as buttons on a page."""
    found = []
    for attrs, inner in re.findall(r"<a\b([^>]*)>(.*?)</a>", html, re.S):
        if not re.search(r'class="[^"]*\bbutton\b', attrs):
            continue
        href = re.search(r'href="([^"]+)"', attrs)
        label = " ".join(re.sub(r"<[^>]+>", " ", inner).split())
        if href:
            found.append((href.group(1), label))
    return found


def test_page_types_have_real_descriptions():
    with translation.override("zh-hans"):
        for model in (SurveyPage, ScorecardPage, PilotIndexPage, PilotProgramPage):
            description = str(model.get_page_description())
            assert description and "页面类型的页面" not in description
        assert "满意度调查" in str(SurveyPage.get_page_description())


def test_surveys_and_scorecards_take_no_child_pages(admin_client, survey):
    assert SurveyPage.allowed_subpage_models() == []
    assert ScorecardPage.allowed_subpage_models() == []
    assert_permission_denied(admin_client.get(f"/admin/pages/{survey.pk}/add_subpage/"))


def test_survey_edit_form_has_screen_buttons(admin_client, survey):
    html = admin_client.get(f"/admin/pages/{survey.pk}/edit/").content.decode()
    base = f"/admin/pilots/surveys/{survey.pk}"
    found = dict(buttons(html))
    assert found[f"{base}/results/"] == "结果"
    assert found[f"{base}/responses/"] == "答卷"
    assert found[f"{base}/paper/"] == "纸质录入"
    assert found[f"{base}/codes/"] == "参与码"
    # Not repeated in the header's "⋯" menu of the edit view.
    assert html.count(f'href="{base}/paper/"') == 1


def test_survey_create_form_has_no_screen_buttons(admin_client, home_page):
    html = admin_client.get(
        f"/admin/pages/add/wagtail_pilots_surveys/surveypage/{home_page.pk}/"
    ).content.decode()
    assert "/admin/pilots/surveys/" not in html


def test_listing_shows_survey_and_scorecard_buttons_beside_the_title(
    admin_client, survey, home_page
):
    card = assessment(home_page)
    html = admin_client.get(f"/admin/pages/{home_page.pk}/").content.decode()
    found = buttons(html)
    assert (f"/admin/pilots/surveys/{survey.pk}/results/", "结果") in found
    assert (f"/admin/pilots/surveys/{survey.pk}/responses/", "答卷") in found
    assert (f"/admin/pilots/surveys/{survey.pk}/paper/", "纸质录入") in found
    assert (f"/admin/scorecards/{card.pk}/results/", "结果") in found
    assert (f"/admin/scorecards/{card.pk}/ballots/sheet/", "录入纸质选票") in found


def test_listing_buttons_need_edit_rights(survey, home_page, page_editor):
    client = page_editor(home_page, "publish", username="viewer")
    html = client.get(f"/admin/pages/{home_page.pk}/").content.decode()
    assert f"/admin/pilots/surveys/{survey.pk}/results/" not in html


def test_scorecard_results_title_does_not_say_results_twice(admin_client, home_page):
    card = assessment(home_page, title="2025年度考核结果")
    with translation.override("zh-hans"):
        html = admin_client.get(
            f"/admin/scorecards/{card.pk}/results/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert "结果的结果" not in html
    assert "2025年度考核结果" in html


def test_pilot_promote_tab_has_wagtails_name(admin_client, home_page):
    index = PilotIndexPage(title="试点", slug="pilots")
    home_page.add_child(instance=index)
    pilot = PilotProgramPage(title="试点一", slug="p1")
    index.add_child(instance=pilot)
    admin_client.cookies["django_language"] = "zh-hans"
    html = admin_client.get(
        f"/admin/pages/{pilot.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    tabs = re.findall(r'role="tab"[^>]*>\s*(?:<[^>]+>\s*)*([^<\s][^<]*?)\s*<', html)
    assert "推荐" in tabs and "推广设置" not in html, tabs
