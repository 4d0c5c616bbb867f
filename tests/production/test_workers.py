"""A mail server that accepts connections and never answers, and a worker that
dies in the middle of a task: the worker is never blocked for good, and the
notification is sent once the mail server is back.

The mail server is a real socket on loopback that accepts and stays silent; it
closes every connection after ``GIVE_UP`` seconds, so a test whose limits do
not work fails (with the wrong error) instead of hanging.
"""

import logging
import socket
import threading

import pytest
from django.core import mail
from django.test import override_settings

from wagtail_pilots.surveys.models import SurveyResponse
from wagtail_pilots.surveys.tasks import notify_survey_response
from wagtail_pilots.tasks import (
    STALE_MESSAGE,
    TaskTimeLimitExceeded,
    recover_stale_tasks,
)

from ..surveys.conftest import post_data

pytestmark = pytest.mark.django_db
GIVE_UP = 30


@pytest.fixture
def silent_smtp():
    """``(host, port)`` of a server that accepts and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()
    accepted = []

    def serve():
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
            threading.Timer(GIVE_UP, conn.close).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname(), accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def smtp_settings(address, **extra):
    host, port = address
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=host,
        EMAIL_PORT=port,
        **extra,
    )


def timed_out(exc):
    """smtplib reports a read timeout as SMTPServerDisconnected from it."""
    while exc is not None:
        if isinstance(exc, TimeoutError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


NOTIFY = "wagtail_pilots.surveys.tasks.notify_survey_response"


def notifications():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=NOTIFY)


def failures(caplog):
    return [r for r in caplog.records if "failed (attempt" in r.getMessage()]


def test_email_timeout_frees_the_worker_from_a_silent_mail_server(
    client, make_survey, silent_smtp, caplog, django_capture_on_commit_callbacks
):
    address, accepted = silent_smtp
    survey = make_survey(notify_to="office@example.gov.cn")
    with (
        smtp_settings(address, EMAIL_TIMEOUT=1),
        caplog.at_level(logging.WARNING, logger="wagtail_pilots.surveys.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(survey.url, post_data(survey))
    assert response.status_code == 200  # the respondent sees the thank-you page
    assert SurveyResponse.objects.get().notified_at is None
    attempts = failures(caplog)
    assert len(attempts) == 3 == len(accepted)  # each one reached the server
    assert all(timed_out(r.exc_info[1]) for r in attempts)


def test_time_limit_stops_a_task_that_no_socket_timeout_bounds(
    client, make_survey, silent_smtp, caplog, django_capture_on_commit_callbacks
):
    address, accepted = silent_smtp
    survey = make_survey(notify_to="office@example.gov.cn")
    limits = {"TASK_TIME_LIMIT": 1, "SURVEY_NOTIFY_ATTEMPTS": 2}
    with (
        smtp_settings(address, EMAIL_TIMEOUT=None),  # as before the fix
        override_settings(WAGTAIL_PILOTS=limits),
        caplog.at_level(logging.WARNING, logger="wagtail_pilots.surveys.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(survey.url, post_data(survey))
    attempts = failures(caplog)
    assert len(attempts) == 2 == len(accepted)
    # Stopped by the time limit, not by the server giving up after GIVE_UP s.
    assert all(isinstance(r.exc_info[1], TaskTimeLimitExceeded) for r in attempts)


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


def run_worker_batch():
    """What ``manage.py db_worker --batch`` does with each ready task: claim it
    and run it (without the worker's connection recycling, which would end the
    test's transaction)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)


@override_settings(TASKS=DATABASE_TASKS)
def test_a_task_left_running_by_a_killed_worker_is_recovered_and_sent(
    make_survey, django_capture_on_commit_callbacks
):
    from django_tasks import TaskResultStatus

    from wagtail_pilots.surveys.services import response_submit

    survey = make_survey(notify_to="office@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        response, _created = response_submit(survey=survey, data={})
    (queued,) = notifications()
    # A worker claims it and is killed (SIGKILL) before it can record anything.
    queued.claim("killed-worker")
    assert recover_stale_tasks() == []  # not yet past TASK_TIME_LIMIT
    failed = recover_stale_tasks(older_than_seconds=0)
    assert failed == [str(queued.pk)]
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.FAILED
    assert queued.traceback == STALE_MESSAGE
    retry = notifications().exclude(pk=queued.pk).get()
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"] == {"response_id": response.pk, "attempt": 2}
    assert recover_stale_tasks(older_than_seconds=0) == []  # nothing twice
    run_worker_batch()
    assert len(mail.outbox) == 1
    response.refresh_from_db()
    assert response.notified_at is not None
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.SUCCESSFUL


@override_settings(TASKS=DATABASE_TASKS)
def test_the_last_attempt_left_running_is_failed_but_not_queued_again():
    notify_survey_response.enqueue(response_id=1, attempt=3)
    (queued,) = notifications()
    queued.claim("killed-worker")
    assert recover_stale_tasks(older_than_seconds=0) == [str(queued.pk)]
    assert notifications().count() == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_a_long_import_task_is_left_alone_for_a_day():
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from wagtail_pilots.importexport.tasks import import_batch_task

    import_batch_task.enqueue(999999)
    (task,) = DBTaskResult.objects.filter(task_path__endswith="import_batch_task")
    task.claim("busy-worker")
    hours_ago = timezone.now() - datetime.timedelta(hours=2)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=hours_ago)
    assert recover_stale_tasks() == []  # two hours: maybe a big file
    day_ago = timezone.now() - datetime.timedelta(hours=25)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=day_ago)
    assert recover_stale_tasks() == [str(task.pk)]
    assert DBTaskResult.objects.filter(task_path=task.task_path).count() == 1
