"""Anonymous surveys with access codes: nothing links a code to a response.

The proof is by swapping: two surveys receive the same two answers with the
same two codes, once paired one way and once the other way round. If the stored
rows of both surveys are the same, the database cannot tell which code went with
which answers — there is no join path, whatever the query.
"""

import datetime

import pytest
from django.db import connection, models
from django.utils import timezone

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.models import (
    Access,
    AccessCode,
    SurveyAnswer,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import access_codes_generate, response_submit

from .race import make_coded_survey

NOW = timezone.make_aware(datetime.datetime(2026, 12, 3, 14, 27, 31))


def _answers(survey, overall):
    questions = {q.field_type: q for q in survey_questions(survey)}
    q = questions["scale"]
    return {q.key: next(str(o.pk) for o in q.options if o.label == overall)}


def _code_rows(survey):
    """Every stored column of the survey's codes, in the order they were handed
    out, except the code itself and its ids."""
    skip = {"id", "survey", "code", "digest", "created_at"}
    names = [f.attname for f in AccessCode._meta.concrete_fields if f.name not in skip]
    return list(
        AccessCode.objects.filter(survey_id=survey.pk)
        .order_by("pk")
        .values_list(*names)
    )


def _response_rows(survey):
    skip = {"id", "survey"}
    names = [
        f.attname for f in SurveyResponse._meta.concrete_fields if f.name not in skip
    ]
    return [
        tuple(str(v) for v in row)
        for row in SurveyResponse.objects.filter(survey_id=survey.pk)
        .order_by("pk")
        .values_list(*names)
    ]


def _answer_rows(survey):
    return list(
        SurveyAnswer.objects.filter(survey_id=survey.pk)
        .order_by("pk")
        .values_list("question_key", "option_id", "group", "channel")
    )


def _same_codes(make_survey, slug):
    return make_survey(
        access=Access.CODE, slug=slug, title="测评", fields=[_scale_field()]
    )


def _scale_field():
    from wagtail_pilots.surveys.models import Scale

    return {
        "label": "总体评价",
        "field_type": "scale",
        "scale": Scale.objects.get(name="满意度（三级）"),
    }


@pytest.mark.django_db
class TestNoJoinPath:
    def test_the_only_relation_between_codes_and_responses_is_the_named_one(self):
        """Any new key between the two tables must be considered here."""
        linking = {
            f.name
            for f in AccessCode._meta.get_fields()
            if f.is_relation and f.related_model in (SurveyResponse, SurveyAnswer)
        }
        assert linking == {"response"}
        back = {
            f.name
            for model in (SurveyResponse, SurveyAnswer)
            for f in model._meta.get_fields()
            if f.is_relation and f.related_model is AccessCode
        }
        assert back == {"access_code"}  # the reverse side of the same field
        # Times on a code: the day, and an exact time only for named surveys.
        assert isinstance(AccessCode._meta.get_field("used_on"), models.DateField)

    def test_the_stored_rows_do_not_depend_on_which_code_went_with_which_answer(
        self, make_survey
    ):
        first = _same_codes(make_survey, "first")
        second = _same_codes(make_survey, "second")
        worlds = []
        for survey, order in ((first, (0, 1)), (second, (1, 0))):
            codes = access_codes_generate(survey=survey, count=2)
            for minutes, (overall, index) in enumerate(
                zip(("满意", "不满意"), order, strict=True)
            ):
                response_submit(
                    survey=survey,
                    data=_answers(survey, overall),
                    code=codes[index].code,
                    client="10.0.0.7",
                    now=NOW + datetime.timedelta(minutes=37 * minutes),
                )
            worlds.append(
                (_code_rows(survey), _response_rows(survey), _answer_rows(survey))
            )
        # Identical: the two pairings leave the same database behind (the
        # response ids differ between surveys but are not compared: they follow
        # the order of submission, which the codes do not keep).
        assert worlds[0] == worlds[1]
        codes = AccessCode.objects.all()
        assert {c.used_on for c in codes} == {datetime.date(2026, 12, 3)}
        assert {(c.used_at, c.response_id) for c in codes} == {(None, None)}
        for response in SurveyResponse.objects.all():
            assert response.submitted_at is None
            assert response.client_digest == ""
            assert response.user_id is None
            for code in codes:
                assert code.code not in str(response.data)

    def test_through_the_public_form(self, client, make_survey):
        survey = make_survey(access=Access.CODE)
        (code,) = access_codes_generate(survey=survey, count=1, group="党员")
        data = post_data(survey, token="x", wp_code=code.code)
        assert client.post(survey.url, data).status_code == 302
        response = SurveyResponse.objects.get()
        code.refresh_from_db()
        assert code.used_on == timezone.localdate()
        assert code.used_at is None and code.response_id is None
        assert response.submitted_at is None
        assert not hasattr(response, "access_code") or response.access_code is None

    def test_the_notification_time_is_kept_to_the_day(
        self, client, make_survey, django_capture_on_commit_callbacks
    ):
        anonymous = make_survey(notify_to="office@example.gov.cn")
        named = make_survey(
            notify_to="office@example.gov.cn", anonymous=False, slug="named"
        )
        for survey in (anonymous, named):
            with django_capture_on_commit_callbacks(execute=True):
                client.post(survey.url, post_data(survey))
        kept = timezone.localtime(
            SurveyResponse.objects.get(survey_id=anonymous.pk).notified_at
        )
        assert (kept.hour, kept.minute, kept.second, kept.microsecond) == (0, 0, 0, 0)
        assert kept.date() == timezone.localdate()
        exact = SurveyResponse.objects.get(survey_id=named.pk).notified_at
        assert exact is not None and exact > timezone.now() - datetime.timedelta(
            minutes=5
        )

    def test_a_named_survey_keeps_the_link_and_the_time(self, make_survey):
        survey = make_survey(access=Access.CODE, anonymous=False)
        (code,) = access_codes_generate(survey=survey, count=1)
        response, _ = response_submit(
            survey=survey,
            data=_answers(survey, "满意"),
            code=code.code,
            client="10.0.0.7",
            now=NOW,
        )
        code.refresh_from_db()
        assert code.response_id == response.pk
        assert code.used_at == NOW and code.used_on == datetime.date(2026, 12, 3)
        assert response.submitted_at == NOW
        assert response.client_digest != ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_transaction_id_pairs_a_code_with_its_response_on_postgresql():
    """On PostgreSQL every row keeps the id of the transaction that wrote it
    (``xmin``); the code and the response are written in one transaction, so
    without care that id would join them."""
    if connection.vendor != "postgresql":
        pytest.skip("xmin is a PostgreSQL system column")
    survey, _code = make_coded_survey()
    codes = access_codes_generate(survey=survey, count=3)
    questions = survey_questions(survey)
    key = questions[0].key
    option = str(questions[0].options[0].pk)
    for code in codes:
        response_submit(survey=survey, data={key: option}, code=code.code, now=NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xmin::text FROM wagtail_pilots_surveys_accesscode "
            "WHERE survey_id = %s AND used_on IS NOT NULL",
            [survey.pk],
        )
        code_xmins = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT xmin::text FROM wagtail_pilots_surveys_surveyresponse "
            "WHERE survey_id = %s ORDER BY id",
            [survey.pk],
        )
        response_xmins = [row[0] for row in cursor.fetchall()]
    # All of the day's used codes were last written together, by the last
    # submission: they cannot be told apart, and no earlier response matches.
    assert len(code_xmins) == 1
    assert not code_xmins & set(response_xmins[:-1])
