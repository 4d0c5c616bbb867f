"""Answering a survey: the happy path and every bad input of the issue."""

import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.models import (
    Access,
    AccessCode,
    SurveyAnswer,
    SurveyPage,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import access_codes_generate

pytestmark = pytest.mark.django_db


def test_get_renders_accessible_form(client, survey, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(survey.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "石桥村" in html and "基本满意" in html
    assert 'role="radiogroup"' in html
    assert "<legend>" in html
    assert 'name="wp_token"' in html


def test_valid_post_stores_response_and_answer_rows(client, survey):
    data = post_data(survey, rows={"红山村": "不满意"}, token="t1")
    response = client.post(survey.url, data, follow=True)
    assert response.redirect_chain[0][1] == 302  # POST/redirect/GET
    assert "谢谢" in response.content.decode() or "Thank" in response.content.decode()
    stored = SurveyResponse.objects.get()
    assert stored.group == "党员"
    assert stored.channel == "web"
    assert stored.submitted_at is None  # anonymous by default: date only
    assert stored.client_digest == ""
    # group + overall + 3 matrix rows
    assert SurveyAnswer.objects.count() == 5
    assert SurveyAnswer.objects.filter(unit__isnull=False).count() == 3
    assert SurveyAnswer.objects.get(row_label="红山村").option.label == "不满意"
    survey.refresh_from_db()
    assert survey.response_count == 1


def test_posting_costs_fixed_queries_and_no_reference_index_rows(
    client, survey, django_assert_max_num_queries
):
    """A response is a record, not content: it stays out of Wagtail's reference
    index, so the survey's "Usage" in the admin does not list thousands of
    responses and a submission does not pay for indexing them."""
    from wagtail.models import ReferenceIndex

    before = ReferenceIndex.get_references_to(survey).count()
    client.post(survey.url, post_data(survey, token="warm-up"))
    data = post_data(survey, token="counted")
    # Routing and view restrictions 5, the write 5 (the questions and the
    # quotas come from the compiled question set: no query, compiled.py), the
    # tally changes 1 (one bulk insert, tallies.py).
    with django_assert_max_num_queries(12):
        response = client.post(survey.url, data)
    assert response.status_code == 302
    assert SurveyResponse.objects.count() == 2
    assert ReferenceIndex.get_references_to(survey).count() == before


def test_double_post_with_same_token_stores_one(client, survey):
    data = post_data(survey, token="same-token")
    first = client.post(survey.url, data)
    second = client.post(survey.url, data)
    assert first.status_code == second.status_code == 302
    # The same response, so the same receipt.
    receipts = {client.get(r["Location"]).context["receipt"] for r in (first, second)}
    assert len(receipts) == 1
    assert SurveyResponse.objects.count() == 1
    survey.refresh_from_db()
    assert survey.response_count == 1


def test_not_yet_open(client, make_survey):
    survey = make_survey(opens_at=timezone.now() + datetime.timedelta(days=1))
    from wagtail_pilots.surveys.views.public import STATE_MESSAGES

    shown = client.get(survey.url)
    assert shown.context["survey_message"] == STATE_MESSAGES["not_open"]
    response = client.post(survey.url, post_data(survey))
    assert response.status_code == 200
    assert SurveyResponse.objects.count() == 0
    assert 'name="wp_token"' not in response.content.decode()


def test_closed(client, make_survey):
    survey = make_survey(
        opens_at=timezone.now() - datetime.timedelta(days=2),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    response = client.post(survey.url, post_data(survey))
    assert SurveyResponse.objects.count() == 0
    assert 'name="wp_token"' not in response.content.decode()


def test_full(client, make_survey):
    survey = make_survey(max_responses=1)
    client.post(survey.url, post_data(survey, token="a"))
    response = client.post(survey.url, post_data(survey, token="b"))
    assert SurveyResponse.objects.count() == 1
    assert 'name="wp_token"' not in response.content.decode()
    assert response.context["survey_message"]


def test_invalid_choice(client, survey):
    q = next(q for q in survey_questions(survey) if q.field_type == "scale")
    response = client.post(survey.url, post_data(survey, **{q.key: "999999"}))
    assert response.status_code == 200
    assert response.context["form"].errors[q.key]
    assert SurveyResponse.objects.count() == 0


def test_missing_required_matrix_row(client, survey):
    response = client.post(survey.url, post_data(survey, rows={"龙口村": None}))
    form = response.context["form"]
    q = next(q for q in survey_questions(survey) if q.field_type == "matrix")
    row = next(r for r in q.rows if r.label == "龙口村")
    assert list(form.errors) == [q.row_field_name(row)]
    assert SurveyResponse.objects.count() == 0


def test_missing_required_answer(client, survey):
    response = client.post(survey.url, post_data(survey, overall=None))
    assert response.context["form"].errors
    assert SurveyResponse.objects.count() == 0


def test_errors_are_announced_and_tied_to_their_inputs(client, survey):
    """A screen reader hears which answer is wrong: the question's inputs are
    marked invalid and point at the message, which exists with that id."""
    import re

    response = client.post(survey.url, post_data(survey, overall=None))
    html = response.content.decode()
    q = next(
        q for q in survey_questions(survey) if q.key in response.context["form"].errors
    )
    error_id = f"id_{q.key}_error"
    assert re.search(rf'<p class="wp-error" id="{error_id}">[^<]+</p>', html)
    assert re.search(
        rf'role="radiogroup"[^>]*aria-invalid="true" aria-describedby="{error_id}"',
        html,
    )
    assert html.count('aria-invalid="true"') >= 2  # the group and its radios
    # Questions answered correctly are not marked.
    other = next(
        q
        for q in survey_questions(survey)
        if q.key not in response.context["form"].errors
    )
    assert f"id_{other.key}_error" not in html


@override_settings(WAGTAIL_PILOTS={"SURVEY_TEXT_MAX_LENGTH": 50})
def test_text_over_limit(client, survey):
    q = next(q for q in survey_questions(survey) if q.field_type == "multiline")
    response = client.post(survey.url, post_data(survey, **{q.key: "长" * 51}))
    assert response.status_code == 200
    assert response.context["form"].errors[q.key]
    assert SurveyResponse.objects.count() == 0


def test_multi_megabyte_post_is_400(client, survey):
    q = next(q for q in survey_questions(survey) if q.field_type == "multiline")
    response = client.post(survey.url, post_data(survey, **{q.key: "x" * 4_000_000}))
    assert response.status_code == 400
    assert SurveyResponse.objects.count() == 0


def test_forged_extra_fields_are_ignored(client, survey):
    q = next(q for q in survey_questions(survey) if q.field_type == "matrix")
    data = post_data(
        survey,
        **{f"{q.key}__u999999": "1", "unknown_field": "x", "channel": "paper"},
    )
    assert client.post(survey.url, data).status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.channel == "web"
    assert "unknown_field" not in stored.data
    assert not SurveyAnswer.objects.filter(row_key="u999999").exists()


def test_honeypot_filled_looks_fine_but_stores_nothing(client, survey):
    response = client.post(
        survey.url, post_data(survey, wp_website="http://spam"), follow=True
    )
    assert response.redirect_chain[0][1] == 302
    assert response.context["receipt"]  # looks like any other thank-you
    assert SurveyResponse.objects.count() == 0


def test_minimum_fill_time(client, survey):
    from wagtail_pilots.surveys.forms import sign_started

    response = client.post(survey.url, post_data(survey, wp_started=sign_started()))
    assert response.context["form"].non_field_errors()
    assert SurveyResponse.objects.count() == 0
    forged = client.post(survey.url, post_data(survey, wp_started="12345"))
    assert forged.context["form"].non_field_errors()
    assert SurveyResponse.objects.count() == 0


@override_settings(WAGTAIL_PILOTS={"SURVEY_SUBMIT_RATE": "2/m"})
def test_rate_limit_429_per_client(client, survey):
    for i in range(2):
        assert (
            client.post(survey.url, post_data(survey, token=f"t{i}")).status_code == 302
        )
    assert client.post(survey.url, post_data(survey, token="t3")).status_code == 429
    # Another client (another address) is not affected.
    other = client.post(
        survey.url, post_data(survey, token="t4"), REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 302
    assert SurveyResponse.objects.count() == 3


@override_settings(WAGTAIL_PILOTS={"SURVEY_SUBMIT_RATE": "2/10m"})
def test_rate_limit_holds_when_the_user_agent_changes(client, survey):
    statuses = [
        client.post(
            survey.url,
            post_data(survey, token=f"ua{i}"),
            HTTP_USER_AGENT=f"Mozilla/5.0 bot {i}",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        for i in range(4)
    ]
    assert [r.status_code for r in statuses] == [302, 302, 429, 429]
    assert statuses[2]["Retry-After"] == "600"  # the window, at most
    assert "Too many attempts" in statuses[2].content.decode()
    assert SurveyResponse.objects.count() == 2


def hidden_fields(html):
    """The hidden inputs of a served form: ``{name: value}``."""
    import re

    return dict(
        re.findall(r'<input type="hidden" name="(wp_\w+)" value="([^"]*)"', html)
    )


def test_one_served_form_stores_one_response(client, survey):
    """A form loaded once and posted many times (new tokens, new user agents)
    stores one response: the signed start time is bound to the form's token."""
    served = hidden_fields(client.get(survey.url).content.decode())
    assert set(served) == {"wp_token", "wp_started"}
    from wagtail_pilots.surveys.forms import sign_started

    refused = []
    with override_settings(WAGTAIL_PILOTS={"SURVEY_MIN_FILL_SECONDS": 0}):
        for i in range(6):
            data = post_data(survey, token=f"fresh-{i}")
            data["wp_started"] = served["wp_started"]  # the one served form
            response = client.post(survey.url, data, HTTP_USER_AGENT=f"agent {i}")
            refused.append(bool(response.context["form"].non_field_errors()))
        assert refused == [True] * 6
        assert SurveyResponse.objects.count() == 0
        for i in range(6):
            data = post_data(survey, token=served["wp_token"])
            data["wp_started"] = served["wp_started"]
            response = client.post(survey.url, data, HTTP_USER_AGENT=f"agent {i}")
            assert response.status_code == 302  # the thank-you page, stored once
    assert SurveyResponse.objects.count() == 1
    # A token signed for another form load does not fit this one.
    other = post_data(survey, token="mine")
    other["wp_started"] = sign_started(0, token="someone else's")
    assert client.post(survey.url, other).context["form"].non_field_errors()
    assert SurveyResponse.objects.count() == 1


def test_once_per_browser(client, make_survey):
    survey = make_survey(access=Access.ONCE_PER_BROWSER)
    client.post(survey.url, post_data(survey, token="a"))
    again = client.get(survey.url)
    assert 'name="wp_token"' not in again.content.decode()
    client.post(survey.url, post_data(survey, token="b"))
    assert SurveyResponse.objects.count() == 1


def test_xss_in_answers_escaped_everywhere(admin_client, client, make_survey):
    survey = make_survey(results_visibility="live")
    payload = '<script>alert("x")</script>'
    q = next(q for q in survey_questions(survey) if q.field_type == "multiline")
    client.post(survey.url, post_data(survey, **{q.key: payload}))
    assert SurveyResponse.objects.count() == 1
    for url in (
        f"/admin/pilots/surveys/{survey.pk}/results/",
        survey.get_results_url(),
    ):
        html = (admin_client if "admin" in url else client).get(url).content.decode()
        assert payload not in html
    csv = b"".join(
        admin_client.get(
            f"/admin/pilots/surveys/{survey.pk}/responses/export/csv/"
        ).streaming_content
    ).decode()
    assert "&lt;script&gt;" not in csv and "<script>alert" in csv  # data, not HTML


class TestAccessCodes:
    @pytest.fixture
    def coded(self, make_survey):
        survey = make_survey(access=Access.CODE)
        codes = access_codes_generate(survey=survey, count=3, group="村民代表")
        return survey, codes

    def test_code_required_and_consumed_once(self, client, coded):
        survey, codes = coded
        code = codes[0].code
        data = post_data(survey, token="a", wp_code=code.lower())
        assert client.post(survey.url, data).status_code == 302
        SurveyResponse.objects.get()
        used = AccessCode.objects.get(pk=codes[0].pk)
        # Anonymous (the default): the day of use only, no key to the response.
        assert used.used_on == timezone.localdate()
        assert used.used_at is None and used.response_id is None
        reused = client.post(survey.url, post_data(survey, token="b", wp_code=code))
        assert reused.context["form"].errors["wp_code"]
        assert SurveyResponse.objects.count() == 1

    def test_unknown_code(self, client, coded):
        survey, _codes = coded
        response = client.post(survey.url, post_data(survey, wp_code="ZZZZ-ZZZZ"))
        assert response.context["form"].errors["wp_code"]
        assert SurveyResponse.objects.count() == 0
        survey.refresh_from_db()
        assert survey.response_count == 0

    @override_settings(WAGTAIL_PILOTS={"SURVEY_CODE_FAILURES": 3})
    def test_lockout_is_per_client(self, client, coded):
        survey, codes = coded
        for _ in range(3):
            client.post(survey.url, post_data(survey, wp_code="ZZZZ-ZZZZ"))
        locked = client.post(survey.url, post_data(survey, wp_code=codes[0].code))
        assert locked.status_code == 429
        assert SurveyResponse.objects.count() == 0
        other = client.post(
            survey.url, post_data(survey, wp_code=codes[0].code), REMOTE_ADDR="10.1.1.1"
        )
        assert other.status_code == 302
        assert SurveyResponse.objects.count() == 1

    @override_settings(WAGTAIL_PILOTS={"SURVEY_CODE_FAILURES": 3})
    def test_lockout_holds_when_the_user_agent_changes(self, client, coded):
        survey, codes = coded
        for i in range(3):
            client.post(
                survey.url,
                post_data(survey, wp_code="ZZZZ-ZZZZ"),
                HTTP_USER_AGENT=f"agent {i}",
            )
        locked = client.post(
            survey.url,
            post_data(survey, wp_code=codes[0].code),
            HTTP_USER_AGENT="a brand new agent",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert locked.status_code == 429
        assert locked["Retry-After"] == "900"  # SURVEY_CODE_LOCKOUT_SECONDS
        assert "wrong access codes" in locked.content.decode()
        assert SurveyResponse.objects.count() == 0

    @override_settings(
        WAGTAIL_PILOTS={"SURVEY_CODE_FAILURES": 3, "CODE_FAILURES_PER_HOUR": 5}
    )
    def test_failed_codes_per_survey_per_hour_from_every_address(
        self, client, coded, make_survey
    ):
        survey, codes = coded
        for i in range(5):  # five addresses, each below its own lock-out
            response = client.post(
                survey.url,
                post_data(survey, wp_code="ZZZZ-ZZZZ"),
                REMOTE_ADDR=f"10.2.0.{i}",
            )
            assert response.status_code == 200
        paused = client.post(
            survey.url,
            post_data(survey, wp_code=codes[0].code),
            REMOTE_ADDR="10.2.0.99",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert paused.status_code == 429
        assert paused["Retry-After"] == "3600"
        assert "for this survey in the last hour" in paused.content.decode()
        assert SurveyResponse.objects.count() == 0
        # Another survey's codes are not paused.
        other = make_survey(access=Access.CODE, slug="other", title="另一测评")
        (code,) = access_codes_generate(survey=other, count=1)
        answered = client.post(
            other.url, post_data(other, wp_code=code.code), REMOTE_ADDR="10.2.0.99"
        )
        assert answered.status_code == 302
        assert SurveyResponse.objects.filter(survey=other).count() == 1


class TestNotification:
    def test_mail_after_commit(
        self, client, make_survey, django_capture_on_commit_callbacks
    ):
        survey = make_survey(notify_to="office@example.gov.cn")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(survey.url, post_data(survey))
        assert len(mail.outbox) == 1
        assert SurveyResponse.objects.get().notified_at is not None

    def test_smtp_down_keeps_response_and_retries(
        self, client, make_survey, django_capture_on_commit_callbacks, monkeypatch
    ):
        survey = make_survey(notify_to="office@example.gov.cn")
        calls = []

        def broken(*args, **kwargs):
            calls.append(1)
            raise ConnectionRefusedError("SMTP down")

        monkeypatch.setattr("wagtail_pilots.surveys.tasks.send_mail", broken)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(survey.url, post_data(survey))
        assert response.status_code == 302  # the respondent sees success
        stored = SurveyResponse.objects.get()
        assert stored.notified_at is None
        assert len(calls) == 3  # retried SURVEY_NOTIFY_ATTEMPTS times
        # When the server is back, a retry sends exactly once.
        monkeypatch.undo()
        from wagtail_pilots.surveys.tasks import notify_survey_response

        notify_survey_response.enqueue(response_id=stored.pk)
        notify_survey_response.enqueue(response_id=stored.pk)
        assert len(mail.outbox) == 1
        assert SurveyResponse.objects.count() == 1


def test_page_model_is_survey(survey):
    assert isinstance(survey, SurveyPage)


@override_settings(WAGTAIL_PILOTS={"SURVEY_MIN_CELL_SIZE": 1})  # one response shown
def test_xss_in_labels_and_groups_escaped(admin_client, client, make_survey, scale):
    payload = "<script>alert(1)</script>"
    survey = make_survey(
        results_visibility="live",
        slug="xss",
        fields=[
            {"label": "身份", "field_type": "group", "choices": f"党员\n{payload}"},
            {
                "label": "评价",
                "field_type": "matrix",
                "scale": scale,
                "rows": f"{payload}\n正常行",
            },
        ],
    )
    data = post_data(survey, group=payload, rows={payload: "满意", "正常行": "不满意"})
    assert client.post(survey.url, data).status_code == 302
    assert SurveyResponse.objects.get().group == payload
    pages = [
        client.get(survey.url),
        client.get(survey.get_results_url()),
        admin_client.get(f"/admin/pilots/surveys/{survey.pk}/results/"),
        admin_client.get(f"/admin/pilots/surveys/{survey.pk}/paper/"),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert payload not in html
        assert "&lt;script&gt;" in html
