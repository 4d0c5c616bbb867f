"""Retention: ``manage.py pilots_retention`` clears free text and client
digests of responses older than N days, in one transaction, ``--dry-run`` first."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from wagtail_pilots.surveys.models import (
    Access,
    AccessCode,
    Channel,
    SurveyAnswer,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import (
    access_codes_generate,
    response_submit,
    responses_retention_apply,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english(settings):
    """The command speaks the site's language; these tests read English (one
    reads Chinese below)."""
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def _submit(survey, *, days_ago, text="村口路灯坏了，请尽快修", client="10.0.0.9"):
    questions = {q.field_type: q for q in survey_questions(survey)}
    scale = questions["scale"]
    data = {
        questions["group"].key: "党员",
        scale.key: str(scale.options[0].pk),
        questions["multiline"].key: text,
    }
    when = timezone.now() - datetime.timedelta(days=days_ago)
    response, _ = response_submit(
        survey=survey, data=data, channel=Channel.PAPER, client=client, now=when
    )
    return response


def _call(*args):
    out = StringIO()
    call_command("pilots_retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def named(make_survey):
    return make_survey(anonymous=False, slug="named", title="具名测评")


def test_old_free_text_and_digests_are_cleared_new_ones_kept(named):
    text_key = next(
        q.key for q in survey_questions(named) if q.field_type == "multiline"
    )
    old = _submit(named, days_ago=31)
    new = _submit(named, days_ago=29)
    answers_before = SurveyAnswer.objects.count()
    assert old.client_digest and new.client_digest

    output = _call("--days", "30")

    old.refresh_from_db()
    new.refresh_from_db()
    assert old.data[text_key] == "" and old.client_digest == ""
    assert new.data[text_key] == "村口路灯坏了，请尽快修" and new.client_digest
    # The counted answers and the group stay: results do not move.
    group_key = next(q.key for q in survey_questions(named) if q.field_type == "group")
    assert old.data[group_key] == "党员"
    assert SurveyAnswer.objects.count() == answers_before
    assert (
        f"Survey {named.pk} «具名测评»: cleared 1 free-text answer(s) in "
        "1 response(s), 1 client digest(s)." in output
    )
    assert "Older than 30 day(s): cleared 1 free-text answer(s), 1 client" in output
    # Running again finds nothing left to do.
    assert "in 0 survey(s)." in _call("--days", "30")


def test_dry_run_prints_per_survey_and_writes_nothing(named, make_survey):
    other = make_survey(anonymous=False, slug="other", title="另一测评")
    _submit(named, days_ago=400)
    _submit(named, days_ago=400, text="")
    _submit(other, days_ago=400, client=None)

    output = _call("--dry-run")  # the setting's default: 365 days

    assert (
        f"Survey {named.pk} «具名测评»: would clear 1 free-text answer(s) in "
        "1 response(s), 2 client digest(s)." in output
    )
    assert (
        f"Survey {other.pk} «另一测评»: would clear 1 free-text answer(s) in "
        "1 response(s), 0 client digest(s)." in output
    )
    assert "(dry run: nothing changed)." in output
    assert SurveyResponse.objects.exclude(client_digest="").count() == 2
    texts = [r.data for r in SurveyResponse.objects.all()]
    assert sum("村口路灯坏了，请尽快修" in str(d) for d in texts) == 2


@override_settings(WAGTAIL_PILOTS={"SURVEY_RETENTION_DAYS": 10})
def test_the_setting_gives_the_default_days(named):
    _submit(named, days_ago=11)
    assert "Older than 10 day(s): cleared 1 free-text answer(s)" in _call()


def test_days_below_one_are_refused_with_the_value(named):
    with pytest.raises(CommandError, match="--days must be 1 or more, not 0"):
        _call("--days", "0")


def test_one_transaction_nothing_half_written(named, make_survey, monkeypatch):
    other = make_survey(anonymous=False, slug="other", title="另一测评")
    _submit(named, days_ago=400)
    _submit(other, days_ago=400)
    calls = []
    original = SurveyResponse.objects.bulk_update

    def failing(objs, fields, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(objs, fields, **kwargs)

    monkeypatch.setattr(SurveyResponse.objects, "bulk_update", failing)
    with pytest.raises(RuntimeError):
        responses_retention_apply(days=30)
    # The first survey's change was rolled back with the second's failure.
    assert SurveyResponse.objects.exclude(client_digest="").count() == 2
    assert all("村口路灯" in str(r.data) for r in SurveyResponse.objects.all())


def test_code_links_left_in_an_anonymous_survey_are_cut(make_survey):
    survey = make_survey(access=Access.CODE)  # anonymous by default
    (code,) = access_codes_generate(survey=survey, count=1)
    questions = {q.field_type: q for q in survey_questions(survey)}
    response, _ = response_submit(
        survey=survey,
        data={questions["scale"].key: str(questions["scale"].options[0].pk)},
        code=code.code,
    )
    # As a survey page type unknown to the migration would have kept them.
    AccessCode.objects.filter(pk=code.pk).update(
        response=response, used_at=timezone.now()
    )
    output = _call("--dry-run")
    assert ", 1 access code link(s) to responses." in output
    assert AccessCode.objects.get(pk=code.pk).response_id == response.pk
    _call()
    code.refresh_from_db()
    assert code.response_id is None and code.used_at is None
    assert code.used_on == TODAY


def _import_batch(survey, *, days_ago, text):
    from wagtail_pilots.importexport.models import ImportBatch

    batch = ImportBatch.objects.create(
        kind="responses",
        file_name="答卷.csv",
        sha256="0" * 64,
        page=survey,
        status=ImportBatch.Status.DONE,
        preview={"headers": ["渠道", "意见建议"], "rows": [["paper", text]]},
        rejected={"headers": ["渠道", "意见建议"], "rows": [[3, "paper", text]]},
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return batch


def _first_entry(survey, *, days_ago, serial):
    from wagtail_pilots.surveys.models import PaperEntryDraft

    draft = PaperEntryDraft.objects.create(
        survey=survey, serial=serial, data={"q4": "村口路灯坏了，请尽快修"}
    )
    PaperEntryDraft.objects.filter(pk=draft.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return draft


def test_rows_kept_by_old_imports_and_stale_first_entries_go_too(named):
    """The preview and rejected rows of a response import are copies of the
    file, free text included; a first paper entry holds typed answers too."""
    from wagtail_pilots.surveys.models import PaperEntryDraft

    old = _import_batch(named, days_ago=31, text="我家住在石桥村三组")
    new = _import_batch(named, days_ago=29, text="新的意见")
    _first_entry(named, days_ago=31, serial="0007")
    waiting = _first_entry(named, days_ago=2, serial="0008")

    dry = _call("--days", "30", "--dry-run")
    assert (
        f"Survey {named.pk} «具名测评»: would clear 0 free-text answer(s) in "
        "0 response(s), 0 client digest(s), the rows kept by 1 response "
        "import(s), 1 first paper entry(ies) never entered a second time." in dry
    )
    old.refresh_from_db()
    assert "我家住在石桥村三组" in str(old.preview)

    _call("--days", "30")
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.preview == {} and old.rejected == {}
    assert old.status == "done" and old.file_name == "答卷.csv"  # the record stays
    assert "新的意见" in str(new.preview) and "新的意见" in str(new.rejected)
    assert list(PaperEntryDraft.objects.values_list("pk", flat=True)) == [waiting.pk]
    # Nothing left to do.
    assert "in 0 survey(s)." in _call("--days", "30")


def test_the_command_speaks_the_sites_language(named):
    from django.utils import translation

    _submit(named, days_ago=400)
    with translation.override("zh-hans"):
        output = _call("--dry-run")
    assert f"问卷 {named.pk}《具名测评》：将清除 1 项文字回答" in output
    assert "（试运行：未作任何更改）。" in output
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        _call("--days", "0")
    assert "--days 须为 1 或以上，而不是 0。" in str(caught.value)


def test_finished_notification_task_results_are_deleted(named):
    """A task result keeps the response's id with exact times: finer than the
    day an anonymous survey keeps."""
    from django_tasks_db.models import DBTaskResult

    from wagtail_pilots.surveys.tasks import notify_survey_response

    def result(status, path=notify_survey_response.module_path):
        return DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [], "kwargs": {"response_id": 7}},
            task_path=path,
            backend_name="default",
            run_after=timezone.now(),
        )

    done = result("SUCCESSFUL")
    failed = result("FAILED")
    waiting = result("READY")
    other = result("SUCCESSFUL", path="somewhere.else")
    assert "Notification tasks: would clear 2 finished result(s)" in _call("--dry-run")
    assert DBTaskResult.objects.count() == 4
    assert "Notification tasks: cleared 2 finished result(s)" in _call()
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {waiting.pk, other.pk}
    assert done.pk not in left and failed.pk not in left
