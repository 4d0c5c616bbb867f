"""Save and resume (issue 15, item 3): a respondent saves a questionnaire half
way, comes back by the link or the short code (or, in a code-required survey,
by the 参与码) and sends it. Drafts hold no identity, are stored by keyed
digests only, expire, and count nowhere."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format

from wagtail_pilots import codes as code_utils
from wagtail_pilots.surveys import services
from wagtail_pilots.surveys.models import (
    Access,
    AccessCode,
    SurveyDraft,
    SurveyNotAsked,
    SurveyQuota,
    SurveyQuotaCount,
    SurveyResponse,
)
from wagtail_pilots.surveys.selectors import survey_results
from wagtail_pilots.surveys.services import access_codes_generate

from .test_survey_logic_flow import Respondent, hidden_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def saved_secrets(html):
    """The link and the code of the "Your answers are saved" page."""
    link = re.search(r'<textarea id="wp-resume-link"[^>]*>([^<]+)</textarea>', html)
    code = re.search(r'class="wp-resume-code"[^>]*><strong lang="en">([^<]+)<', html)
    return (link[1] if link else None), (code[1] if code else None)


def save_half_way(client, survey):
    """Page 1 answered with 不满意 (so the "why" page opens), the why page
    answered, then saved: returns the respondent and the link and code."""
    respondent = Respondent(client, survey)
    respondent.post(
        {"您的身份": "党员", "总体评价": "不满意"},
        nav="next",
        **{respondent.questions["总体评价"].key + "__followup": "排队太久"},
    )
    assert "Page 2 of 3" in respondent.html
    response = respondent.post({"主要原因": "办事慢"}, nav="save")
    assert response.status_code == 200
    assert "Your answers are saved" in respondent.html
    link, code = saved_secrets(respondent.html)
    assert link and code
    return respondent, link, code


def continue_from(respondent, html):
    respondent.html = html
    return respondent


def test_save_shows_the_link_and_the_code_once(client, logic_survey):
    respondent, link, code = save_half_way(client, logic_survey)
    html = respondent.html
    assert link.startswith("http://testserver/logic/?resume=")
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert "shown only this once" in html
    last_day = timezone.localdate() + datetime.timedelta(days=7)
    assert f"kept until the end of {date_format(last_day)}, then deleted" in html
    # Not stored: only keyed digests of them.
    draft = SurveyDraft.objects.get()
    token = link.rsplit("=", 1)[1]
    stored = str(SurveyDraft.objects.values().get())
    assert token not in stored and code.replace("-", "") not in stored
    assert draft.token_digest == code_utils.code_digest(
        token, purpose=services.DRAFT_LINK_PURPOSE
    )
    assert draft.code_digest == code_utils.code_digest(
        code, purpose=services.DRAFT_CODE_PURPOSE
    )
    assert draft.page_index == 1
    # The link page tells the browser to send its address to no other site.
    assert respondent.client.get(link)["Referrer-Policy"] == "same-origin"


def test_the_link_restores_the_answers_and_the_page(client, logic_survey):
    respondent, link, _code = save_half_way(client, logic_survey)
    response = client.get(link)
    html = response.content.decode()
    assert response.status_code == 200
    # Back on the "why" page, its answer chosen, three pages as before.
    assert "Page 2 of 3" in html
    checked = re.findall(r'value="([^"]+)"[^>]*checked', html)
    assert "办事慢" in checked
    # Nothing of the draft is in the address of the next post.
    assert (
        "resume=" not in re.search(r'<form class="wp-survey" action="([^"]*)"', html)[1]
    )
    # Back to page 1: the answers of page 1 are there too.
    respondent = continue_from(respondent, html)
    respondent.post(nav="back")
    assert "Page 1 of 3" in respondent.html
    assert "排队太久" in respondent.html


def test_resume_then_change_so_a_page_disappears_and_send(client, logic_survey):
    """The issue's path without a browser: branch, save, resume by link, go
    back, change the answer so the "why" page disappears, send. The stored
    response has exactly the answers of the questions shown, and the draft
    is gone."""
    respondent, link, _code = save_half_way(client, logic_survey)
    respondent = continue_from(respondent, client.get(link).content.decode())
    respondent.post(nav="back")
    respondent.post({"您的身份": "党员", "总体评价": "满意"}, nav="next")
    assert "Page 2 of 2" in respondent.html
    response = respondent.post({"村里的变化": "基本满意", "党建工作评价": "满意"})
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    keys = {label: q.key for label, q in respondent.questions.items()}
    assert stored.data == {
        keys["您的身份"]: "党员",
        keys["总体评价"]: "满意",
        keys["主要原因"]: None,  # not asked
        keys["村里的变化"]: "基本满意",
        keys["党建工作评价"]: "满意",
    }
    assert list(SurveyNotAsked.objects.values_list("question_key", flat=True)) == [
        keys["主要原因"]
    ]
    assert not SurveyDraft.objects.exists()
    # The link no longer opens anything.
    html = client.get(link).content.decode()
    assert "This resume code or link is not valid" in html


def test_the_short_code_restores_the_answers(client, logic_survey):
    _respondent, _link, code = save_half_way(client, logic_survey)
    page = client.get(logic_survey.url).content.decode()
    assert "Continue a saved questionnaire" in page
    # Typed in lower case with a space instead of the dash: still found.
    typed = code.lower().replace("-", " ")
    response = client.post(logic_survey.url, {"wp_resume_code": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Page 2 of 3" in html
    assert "办事慢" in re.findall(r'value="([^"]+)"[^>]*checked', html)
    assert "wp_draft" in hidden_fields(html)


def test_saving_again_replaces_the_link_and_the_code(client, logic_survey):
    respondent, link, code = save_half_way(client, logic_survey)
    respondent = continue_from(respondent, client.get(link).content.decode())
    respondent.post(nav="save")
    new_link, new_code = saved_secrets(respondent.html)
    assert new_link != link and new_code != code
    assert SurveyDraft.objects.count() == 1
    assert "not valid" in client.get(link).content.decode()
    response = client.post(logic_survey.url, {"wp_resume_code": code})
    assert "not valid" in response.content.decode()
    assert "Page 2 of 3" in client.get(new_link).content.decode()


def test_a_wrong_code_says_so_on_its_field(client, logic_survey):
    response = client.post(logic_survey.url, {"wp_resume_code": "ABCD-EFGH"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This resume code or link is not valid" in html
    assert "saved answers are kept for 7 days only" in html
    assert 'aria-invalid="true"' in html
    assert '<details class="wp-resume-entry" open>' in html
    # The survey's first page is shown below, fresh.
    assert "Page 1 of 2" in html


def test_a_wrong_link_is_a_404_with_the_message(client, logic_survey):
    response = client.get(logic_survey.url + "?resume=NOPE")
    assert response.status_code == 404
    assert "This resume code or link is not valid" in response.content.decode()


def test_an_expired_draft_is_never_restored_and_is_deleted(client, logic_survey):
    _respondent, link, code = save_half_way(client, logic_survey)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    SurveyDraft.objects.update(expires_on=yesterday)
    response = client.post(logic_survey.url, {"wp_resume_code": code})
    html = response.content.decode()
    assert "have been deleted. Please start again." in html
    assert "办事慢" not in html
    assert not SurveyDraft.objects.exists()
    # And by the link: no longer there at all.
    assert client.get(link).status_code == 404


def test_the_expiry_is_the_setting(client, logic_survey, settings):
    settings.WAGTAIL_PILOTS = {"SURVEY_DRAFT_DAYS": 2}
    save_half_way(client, logic_survey)
    assert SurveyDraft.objects.get().expires_on == (
        timezone.localdate() + datetime.timedelta(days=2)
    )


def test_wrong_codes_are_rate_limited(client, logic_survey, settings):
    settings.WAGTAIL_PILOTS = {"SURVEY_CODE_FAILURES": 3}
    _respondent, _link, code = save_half_way(client, logic_survey)
    for _ in range(3):
        response = client.post(logic_survey.url, {"wp_resume_code": "2222-2222"})
        assert response.status_code == 200
    # Locked out, even with the right code now.
    response = client.post(logic_survey.url, {"wp_resume_code": code})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 900
    assert "Too many wrong resume codes" in response.content.decode()
    # Another connection is not locked out.
    other = client.post(
        logic_survey.url, {"wp_resume_code": code}, REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 200
    assert "Page 2 of 3" in other.content.decode()


def test_wrong_codes_from_everyone_pause_resuming(client, logic_survey, settings):
    settings.WAGTAIL_PILOTS = {
        "CODE_FAILURES_PER_HOUR": 4,
        "SURVEY_SUBMIT_RATE": "99/m",
    }
    for i in range(4):
        client.post(
            logic_survey.url,
            {"wp_resume_code": "2222-2222"},
            REMOTE_ADDR=f"198.51.100.{i}",
        )
    response = client.post(
        logic_survey.url, {"wp_resume_code": "3333-3333"}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"


def test_an_anonymous_draft_holds_no_identity(client, logic_survey, django_user_model):
    user = django_user_model.objects.create_user("villager", password="x")
    client.force_login(user)
    save_half_way(client, logic_survey)
    row = SurveyDraft.objects.values().get()
    assert set(row) == {
        "id",
        "survey_id",
        "token_digest",
        "code_digest",
        "data",
        "page_index",
        "expires_on",
    }
    # Nothing about the connection, the user or the time of day: the day the
    # draft expires is the only date.
    text = str(row)
    assert "127.0.0.1" not in text and "villager" not in text
    assert str(user.pk) not in (str(v) for v in row["data"].values())
    assert isinstance(row["expires_on"], datetime.date)
    # Only the answers of the questions shown (the follow-up text included).
    keys = {q.label: q.key for q in Respondent(client, logic_survey).questions.values()}
    assert set(row["data"]) == {
        keys["您的身份"],
        keys["总体评价"],
        keys["总体评价"] + "__followup",
        keys["主要原因"],
    }


def test_drafts_count_nowhere(client, logic_survey):
    save_half_way(client, logic_survey)
    logic_survey.refresh_from_db()
    assert logic_survey.response_count == 0
    assert not SurveyResponse.objects.exists()
    results = survey_results(survey=logic_survey)
    assert results.responses == 0
    assert all(q.result is None or q.result.valid == 0 for q in results.questions)


def test_drafts_take_no_quota_place(client, make_survey, scale):
    survey = make_survey(slug="quota", max_responses=1)
    SurveyQuota.objects.create(page=survey, group="党员", limit=1)
    survey.save_revision().publish()
    from tests.fixtures.surveys import post_data

    respondent = Respondent(client, survey)
    respondent.post(nav="save")
    assert SurveyDraft.objects.count() == 1
    assert not SurveyQuotaCount.objects.filter(count__gt=0).exists()
    # A draft is not a response: the only place is still free.
    response = client.post(survey.url, post_data(survey, group="党员"))
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.response_count == 1


def test_a_one_page_survey_has_the_button_too(client, survey):
    html = client.get(survey.url).content.decode()
    assert 'name="wp_nav" value="save"' in html
    assert "Save and continue later" in html
    respondent = Respondent(client, survey)
    respondent.post({"您的身份": "村民代表"}, nav="save")
    _link, code = saved_secrets(respondent.html)
    html = client.post(survey.url, {"wp_resume_code": code}).content.decode()
    assert 'value="村民代表"' in html
    assert re.search(r'value="村民代表"[^>]*checked', html)


def test_the_preview_offers_no_save(admin_client, logic_survey):
    from django.urls import reverse

    url = reverse("wagtailadmin_pages:view_draft", args=[logic_survey.pk])
    html = admin_client.get(url).content.decode()
    assert 'value="save"' not in html


def test_the_retention_command_deletes_expired_drafts(client, logic_survey):
    from django.utils import translation

    save_half_way(client, logic_survey)
    Respondent(client, logic_survey).post(nav="save")
    old = SurveyDraft.objects.order_by("pk").first()
    SurveyDraft.objects.filter(pk=old.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    out = StringIO()
    with translation.override("en"):
        call_command("pilots_retention", "--dry-run", stdout=out)
    assert "Saved questionnaires past their last day: would delete 1." in out.getvalue()
    assert SurveyDraft.objects.count() == 2
    out = StringIO()
    with translation.override("en"):
        call_command("pilots_retention", stdout=out)
    assert "Saved questionnaires past their last day: deleted 1." in out.getvalue()
    assert list(SurveyDraft.objects.values_list("pk", flat=True)) != [old.pk]
    assert SurveyDraft.objects.count() == 1


# A survey that requires a 参与码 ----------------------------------------------


@pytest.fixture
def code_survey(make_survey):
    survey = make_survey(slug="coded", access=Access.CODE)
    return survey


def enter_code(client, survey, code):
    response = client.post(survey.url, {"wp_step": "code", "wp_code": code})
    return response.content.decode()


def test_a_code_survey_resumes_by_its_access_code(client, code_survey):
    code = access_codes_generate(survey=code_survey, count=1)[0].code
    html = enter_code(client, code_survey, code)
    # No separate resume code in a code survey.
    assert "Continue a saved questionnaire" not in html
    respondent = Respondent.__new__(Respondent)
    respondent.__init__(client, code_survey)
    respondent.html = html
    respondent.post({"您的身份": "其他群众"}, nav="save")
    saved = respondent.html
    assert "enter your access code" in saved
    link, resume_code = saved_secrets(saved)
    assert link is None and resume_code is None
    draft = SurveyDraft.objects.get()
    assert draft.token_digest is None
    # Keyed on its own: equal to no digest of the codes table.
    assert draft.code_digest != AccessCode.objects.get().digest
    assert code not in str(SurveyDraft.objects.values().get())
    # Coming back: the code step restores the answers.
    html = enter_code(client, code_survey, code.lower())
    assert re.search(r'value="其他群众"[^>]*checked', html)
    # The code is used up when the answers are sent; the draft goes with it.
    respondent.html = html
    from tests.fixtures.surveys import post_data

    data = {**hidden_fields(html), **post_data(code_survey, group="其他群众")}
    data["wp_code"] = code
    response = client.post(code_survey.url, data)
    assert response.status_code == 302
    assert not SurveyDraft.objects.exists()
    assert AccessCode.objects.get().used_on is not None


def test_sending_with_the_code_elsewhere_deletes_its_draft(client, code_survey):
    """The respondent saved on one phone and answered anew on another: the
    code is used up, and the draft kept under it goes too."""
    from tests.fixtures.surveys import post_data

    code = access_codes_generate(survey=code_survey, count=1)[0].code
    services.draft_save(survey=code_survey, values={}, code=code)
    assert SurveyDraft.objects.count() == 1
    response = client.post(code_survey.url, {**post_data(code_survey), "wp_code": code})
    assert response.status_code == 302
    assert not SurveyDraft.objects.exists()


def test_a_code_survey_draft_expires_too(client, code_survey):
    code = access_codes_generate(survey=code_survey, count=1)[0].code
    services.draft_save(
        survey=code_survey,
        values={"x": ["y"]},
        code=code,
        today=timezone.localdate() - datetime.timedelta(days=30),
    )
    html = enter_code(client, code_survey, code)
    assert "have been deleted. Please start again." in html
    assert not SurveyDraft.objects.exists()
    # The questions are shown, fresh, with the code carried along.
    assert 'name="wp_code"' in html


# Queries ---------------------------------------------------------------------


def test_save_and_resume_cost_a_bounded_number_of_queries(client, logic_survey):
    """Saving costs what moving to the next page costs plus the draft's
    write; resuming what showing a page costs plus one look-up; sending a
    resumed questionnaire one query more than sending (the draft's delete)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(call):
        with CaptureQueriesContext(connection) as queries:
            call()
        return len(queries)

    respondent = Respondent(client, logic_survey)
    page_view = count(lambda: client.get(logic_survey.url))
    respondent.post({"您的身份": "党员", "总体评价": "不满意"}, nav="next")
    save = count(lambda: respondent.post({"主要原因": "办事慢"}, nav="save"))
    assert save <= page_view + 4
    link, code = saved_secrets(respondent.html)
    assert count(lambda: client.get(link)) <= page_view + 1
    by_code = count(lambda: client.post(logic_survey.url, {"wp_resume_code": code}))
    assert by_code <= page_view + 1
    respondent.html = client.get(link).content.decode()
    respondent.post({"主要原因": "办事慢"}, nav="next")
    send = count(
        lambda: respondent.post({"村里的变化": "满意", "党建工作评价": "满意"})
    )
    assert not SurveyDraft.objects.exists()
    # The same answers without a draft.
    plain = Respondent(client, logic_survey)
    plain.post({"您的身份": "党员", "总体评价": "不满意"}, nav="next")
    plain.post({"主要原因": "办事慢"}, nav="next")
    plain_send = count(
        lambda: plain.post({"村里的变化": "满意", "党建工作评价": "满意"})
    )
    assert SurveyResponse.objects.count() == 2
    assert send <= plain_send + 1
    print(f"queries: page {page_view}, save {save}, send {send} vs {plain_send}")


def test_saving_in_a_code_survey_needs_a_valid_code(client, code_survey):
    """The 参与码 travels with the form: a forged or used one saves nothing."""
    from tests.fixtures.surveys import post_data

    data = {**post_data(code_survey), "wp_code": "2222-2222", "wp_nav": "save"}
    response = client.post(code_survey.url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This access code is not valid." in html
    assert not SurveyDraft.objects.exists()
