"""Surveys and scorecards share one access-code component
(``wagtail_pilots.access_codes``): the same limit and messages when codes are
generated, the same printed slips, the same export headers, and codes marked
used by the same conditional UPDATE."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wagtail_pilots.access_codes import count_message
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services.exports import export_table
from wagtail_pilots.scorecards.models import AccessCode as ScorecardCode
from wagtail_pilots.scorecards.services import (
    access_codes_generate as scorecard_codes,
)
from wagtail_pilots.scorecards.services import ballot_submit
from wagtail_pilots.surveys.models import AccessCode as SurveyCode
from wagtail_pilots.surveys.services import access_codes_generate as survey_codes

from ..scorecards.helpers import assessment

pytestmark = pytest.mark.django_db

SHARED_HEADERS = ["参与码/code", "单位/unit", "使用日期/used on"]


@pytest.fixture
def scorecard(home_page):
    return assessment(home_page, slug="kaohe")


@pytest.fixture
def limit_three(settings):
    settings.WAGTAIL_PILOTS = {
        **getattr(settings, "WAGTAIL_PILOTS", {}),
        "ACCESS_CODES_MAX": 3,
    }


def survey_codes_url(survey):
    return reverse("wagtail_pilots_surveys:codes", args=[survey.pk])


def scorecard_codes_url(scorecard):
    return reverse("wagtail_pilots_scorecards:codes", args=[scorecard.pk])


def test_both_services_refuse_more_codes_than_the_setting_with_one_message(
    survey, scorecard, limit_three
):
    message = count_message(3)
    assert message == "每次可生成 1 至 3 个参与码。"
    for make in (
        lambda n: survey_codes(survey=survey, count=n),
        lambda n: scorecard_codes(
            scorecard=scorecard, group=scorecard.groups.get(), count=n
        ),
    ):
        for count in (0, 4):
            with pytest.raises(ValidationError) as caught:
                make(count)
            assert caught.value.message_dict["count"] == [message]
        assert len(make(3)) == 3
    assert SurveyCode.objects.count() == ScorecardCode.objects.count() == 3


def test_both_admin_forms_have_the_same_limit_and_message(
    admin_client, survey, scorecard, limit_three
):
    survey_form = admin_client.post(survey_codes_url(survey), {"count": 4})
    scorecard_form = admin_client.post(
        scorecard_codes_url(scorecard),
        {"count": 4, "group": scorecard.groups.get().pk},
    )
    for response in (survey_form, scorecard_form):
        assert response.status_code == 200
        assert response.context["form"].errors["count"] == [count_message(3)]
        assert 'max="3"' in response.content.decode()
    assert not SurveyCode.objects.exists() and not ScorecardCode.objects.exists()
    ok = admin_client.post(survey_codes_url(survey), {"count": 3}, follow=True)
    assert "已生成 3 个参与码。" in ok.content.decode()
    ok = admin_client.post(
        scorecard_codes_url(scorecard),
        {"count": 3, "group": scorecard.groups.get().pk},
        follow=True,
    )
    assert "已生成 3 个参与码。" in ok.content.decode()


def test_both_apps_print_the_same_slips_of_unused_codes(
    admin_client, survey, scorecard
):
    used, unused = survey_codes(survey=survey, count=2, group="党员")
    assert used.consume()
    printed = admin_client.get(
        reverse("wagtail_pilots_surveys:print_codes", args=[survey.pk])
    )
    ballot_used, ballot_unused = scorecard_codes(
        scorecard=scorecard, group=scorecard.groups.get(), count=2
    )
    assert ballot_used.consume()
    ballot_printed = admin_client.get(
        scorecard_codes_url(scorecard), {"print": 1, "group": ballot_used.group_id}
    )
    for response, code, gone, line in (
        (printed, unused, used, "党员"),
        (ballot_printed, ballot_unused, ballot_used, "考核组"),
    ):
        assert [t.name for t in response.templates][0] == (
            "wagtail_pilots/admin/codes_print.html"
        )
        html = response.content.decode()
        assert code.formatted in html and gone.formatted not in html
        assert f"<p>{line}</p>" in html
        assert html.count('class="slip"') == 1 and 'class="wp-qr"' in html
        assert "每个参与码只能使用一次，请妥善保管。" in html
    assert "/kaohe/score/" in ballot_printed.content.decode()


def test_both_exports_go_through_the_kinds_with_one_header_style(
    admin_client, survey, scorecard
):
    survey_codes(survey=survey, count=1, group="党员", batch="一批")
    scorecard_codes(scorecard=scorecard, group=scorecard.groups.get(), count=1)
    survey_headers, survey_rows = export_table(
        kind=get_kind("survey-codes"), page=survey
    )
    card_headers, card_rows = export_table(
        kind=get_kind("scorecard-codes"), page=scorecard
    )
    assert survey_headers == [
        *SHARED_HEADERS,
        "答卷人类别/respondent group",
        "批次/batch",
    ]
    assert card_headers == [
        *SHARED_HEADERS,
        "评价主体/evaluator group",
        "属于评价对象/belongs to subject",
    ]
    assert all("/" in header for header in survey_headers + card_headers)
    (row,) = list(survey_rows)
    assert row[0] == SurveyCode.objects.get().formatted and row[3:] == ["党员", "一批"]
    # The code screens link to those exports and to no other.
    for url, kind, page in (
        (survey_codes_url(survey), "survey-codes", survey),
        (scorecard_codes_url(scorecard), "scorecard-codes", scorecard),
    ):
        html = admin_client.get(url).content.decode()
        for fmt in ("csv", "xlsx"):
            export = reverse("wagtail_pilots_importexport:export", args=[kind, fmt])
            assert f'href="{export}?page={page.pk}"' in html
    with pytest.raises(NoReverseMatch):
        reverse("wagtail_pilots_surveys:export_codes", args=[survey.pk, "csv"])
    page = admin_client.get(scorecard_codes_url(scorecard), {"format": "csv"})
    assert page["Content-Type"].startswith("text/html")


def test_a_code_is_consumed_exactly_once_by_either_app(survey, scorecard):
    (code,) = survey_codes(survey=survey, count=1)
    stale = SurveyCode.objects.get(pk=code.pk)  # loaded before the first use
    assert code.consume() is True
    assert stale.consume() is False
    (ballot_code,) = scorecard_codes(
        scorecard=scorecard, group=scorecard.groups.get(), count=1
    )
    stale = ScorecardCode.objects.get(pk=ballot_code.pk)
    assert ballot_code.consume() is True
    assert stale.consume() is False
    stored = ScorecardCode.objects.get(pk=ballot_code.pk)
    assert stored.used_on is not None and stored.used_at is not None


def test_an_anonymous_use_keeps_the_day_only(make_survey):
    survey = make_survey(anonymous=True, slug="anon")
    first, second = survey_codes(survey=survey, count=2)
    assert first.consume(anonymous=True)
    assert second.consume(anonymous=True)
    for code in SurveyCode.objects.filter(survey_id=survey.pk):
        assert code.used_on is not None
        assert code.used_at is None and code.response_id is None


def test_a_ballot_marks_its_code_used_through_the_component(scorecard):
    (code,) = scorecard_codes(
        scorecard=scorecard, group=scorecard.groups.get(), count=1
    )
    entries = {
        (subject.pk, criterion.pk): "8"
        for subject in scorecard.subjects.all()
        for criterion in scorecard.criteria.all()
    }
    ballot_submit(scorecard=scorecard, code=code.code, entries=entries)
    stored = ScorecardCode.objects.get(pk=code.pk)
    assert stored.is_used
    assert stored.used_on == timezone.localtime(stored.used_at).date()
