"""A mail server that accepts connections and never answers, and a worker that
dies in the middle of a task: the worker is never blocked for good, and the
notification is sent once the mail server is back.

The mail server is a real socket on loopback that accepts and stays silent; it
closes every connection after ``GIVE_UP`` seconds, so a test whose limits do
not work fails (with the wrong error) instead of hanging.
"""

import contextlib
import logging
import socket
import threading

import pytest
from django.core import mail
from django.test import override_settings

from tests.fixtures.surveys import post_data
from wagtail_pilots.surveys.models import SurveyResponse
from wagtail_pilots.surveys.tasks import notify_survey_response
from wagtail_pilots.tasks import (
    STALE_MESSAGE,
    TaskTimeLimitExceeded,
    recover_stale_tasks,
)

pytestmark = pytest.mark.django_db
GIVE_UP = 30


@contextlib.contextmanager
def silent_server(give_up):
    """``((host, port), accepted)`` of a server that accepts and never says a
    word; it hangs up each connection after ``give_up`` seconds."""
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
            timer = threading.Timer(give_up, conn.close)
            timer.daemon = True
            timer.start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname(), accepted
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


@pytest.fixture
def silent_smtp():
    with silent_server(GIVE_UP) as found:
        yield found


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
    assert response.status_code == 302  # stored: redirected to the thank-you page
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


# -- the real worker process ---------------------------------------------------------

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from wagtail.models import Page
from django.db import transaction
from wagtail_pilots.surveys.models import SurveyPage
from wagtail_pilots.surveys.services import response_submit
survey = SurveyPage(title="通知", slug="notify", notify_to="office@example.gov.cn")
Page.get_first_root_node().add_child(instance=survey)
with transaction.atomic():
    response_submit(survey=survey, data={})
"""


def test_db_worker_with_a_silent_mail_server_stops_on_sigterm(tmp_path):
    """``manage.py db_worker`` with the production settings: the notification
    to a mail server that never answers ends (EMAIL_TIMEOUT), a retry is
    queued, and one SIGTERM stops the worker."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time
    from pathlib import Path

    # This server hangs up only after 10 minutes: the worker must not wait.
    server = silent_server(600)
    (host, port), accepted = server.__enter__()
    repo = Path(__file__).resolve().parents[2]
    database = tmp_path / "db.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "example_site.settings.production",
        "SECRET_KEY": "w" * 40,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{database}",
        "EMAIL_HOST": host,
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "1",
        "PYTHONPATH": str(repo),
    }
    subprocess.run(
        [sys.executable, "-c", SETUP], cwd=repo, env=env, check=True, timeout=300
    )

    def notifications():
        with sqlite3.connect(database) as db:
            return db.execute(
                "SELECT status, args_kwargs FROM django_tasks_database_dbtaskresult "
                "WHERE task_path = ? ORDER BY enqueued_at",
                [NOTIFY],
            ).fetchall()

    assert [status for status, _ in notifications()] == ["READY"]
    worker = subprocess.Popen(
        [
            sys.executable,
            "example_site/manage.py",
            "db_worker",
            "--no-startup-delay",
            "--interval",
            "0.2",
        ],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Bounded: after two minutes the first attempt is taken as hung.
        deadline = time.monotonic() + 120
        rows = notifications()
        while time.monotonic() < deadline and (
            len(rows) < 2 or rows[0][0] != "SUCCESSFUL"
        ):
            time.sleep(0.2)
            rows = notifications()
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        server.__exit__(None, None, None)
    assert len(accepted) >= 1  # the worker did reach the mail server
    statuses = [status for status, _ in rows]
    assert statuses[:2] == ["SUCCESSFUL", "READY"], output  # attempt 1 → retry
    assert '"attempt": 2' in rows[1][1]
    assert worker.returncode == 0, output  # one SIGTERM was enough
