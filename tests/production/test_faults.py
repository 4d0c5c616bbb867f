"""Faults a county site meets in production, each reproduced for real where we can.

- the mail server refuses connections (a real SMTP backend on a closed port);
- the database is locked / the PostgreSQL connection drops during a submission;
- Redis is down (a RedisCache on a closed port);
- a large import runs while the public submits (SQLite file, several processes);
- a worker is killed in the middle of an import (a real process, SIGKILL).
"""

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import InterfaceError, OperationalError
from django.test import override_settings

from tests.fixtures.imports import csv_bytes, unit_rows
from tests.fixtures.surveys import post_data
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    INTERRUPTED_MESSAGE,
    batch_check,
    batch_import,
    batch_upload,
    cleanup_abandoned,
)
from wagtail_pilots.models import Unit
from wagtail_pilots.surveys.models import SurveyAnswer, SurveyResponse

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def closed_port():
    """A loopback port nobody listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the mail server ---------------------------------------------------------------


def test_smtp_refusing_connections(
    client, make_survey, django_capture_on_commit_callbacks, caplog
):
    survey = make_survey(notify_to="office@example.gov.cn")
    smtp_down = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=closed_port(),
        EMAIL_TIMEOUT=2,
    )
    with (
        smtp_down,
        caplog.at_level(logging.WARNING, logger="wagtail_pilots.surveys.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(survey.url, post_data(survey), follow=True)
    assert response.status_code == 200  # the respondent sees the thank-you page
    assert response.redirect_chain[0][1] == 302
    assert "wp_started" not in response.content.decode()  # not the form again
    stored = SurveyResponse.objects.get()
    assert stored.notified_at is None
    attempts = [r for r in caplog.records if "failed (attempt" in r.getMessage()]
    assert len(attempts) == 3  # SURVEY_NOTIFY_ATTEMPTS, each one logged
    assert isinstance(attempts[0].exc_info[1], ConnectionRefusedError)
    # The mail server is back: a retry sends once, a second retry sends nothing.
    from wagtail_pilots.surveys.tasks import notify_survey_response

    notify_survey_response.enqueue(response_id=stored.pk)
    notify_survey_response.enqueue(response_id=stored.pk)
    assert len(mail.outbox) == 1
    assert SurveyResponse.objects.count() == 1


# -- the database ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("database is locked"),
        InterfaceError("connection already closed"),
    ],
    ids=["sqlite-locked", "postgres-dropped"],
)
def test_database_failure_during_submission_is_a_clean_503(
    client, survey, monkeypatch, error
):
    """The error strikes after the response row was inserted, inside the
    submission's transaction: the page is a 503 and nothing stays."""

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(SurveyAnswer.objects, "bulk_create", fail)
    response = client.post(survey.url, post_data(survey))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<h1>" in html and "Traceback" not in html
    assert "Content-Security-Policy" in response  # still behind the site's CSP
    assert SurveyResponse.objects.count() == 0
    assert SurveyAnswer.objects.count() == 0
    survey.refresh_from_db()
    assert survey.response_count == 0
    # The next attempt, with the database back, works.
    monkeypatch.undo()
    assert client.post(survey.url, post_data(survey)).status_code == 302
    assert SurveyResponse.objects.count() == 1


def test_other_errors_are_not_hidden(client, survey, monkeypatch):
    def fail(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(SurveyAnswer.objects, "bulk_create", fail)
    with pytest.raises(ValueError, match="a bug"):
        client.post(survey.url, post_data(survey))


# -- the cache ----------------------------------------------------------------------------


def test_redis_down_site_keeps_answering(client, survey, caplog):
    redis_down = {
        "default": {
            "BACKEND": "wagtail_pilots.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with (
        override_settings(CACHES=redis_down),
        caplog.at_level(logging.WARNING, logger="wagtail_pilots"),
    ):
        assert client.get(survey.url).status_code == 200
        for _ in range(3):
            assert client.post(survey.url, post_data(survey)).status_code == 302
    assert SurveyResponse.objects.count() == 3
    limits = [r for r in caplog.records if r.name == "wagtail_pilots.ratelimit"]
    assert limits, "rate limits must not degrade silently"
    assert "cache unavailable" in limits[0].getMessage()
    assert any(r.name == "wagtail_pilots.cache" for r in caplog.records)


# -- imports ------------------------------------------------------------------------------


def _script(tmp_path, *args):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_site.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'faults.sqlite3'}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.production.sqlite_faults", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_large_import_while_public_submits_on_sqlite(tmp_path):
    """On SQLite the import holds the write lock for its whole transaction;
    submissions queue behind it (IMMEDIATE transactions, 20 s busy timeout).
    The import here is sized to finish well within that timeout on a busy
    machine; README "Deploying" says when to move imports to PostgreSQL."""
    summary = _script(tmp_path, "concurrent", "500", "4", str(tmp_path / "stop"))
    assert summary["errors"] == []  # no "database is locked"
    assert summary["status"] == "done"
    assert summary["units"] == 500
    assert summary["submitted"] >= 12
    assert summary["stored"] == summary["submitted"]


def test_worker_killed_mid_import(tmp_path):
    summary = _script(tmp_path, "kill", str(tmp_path / "marker"))
    assert summary["status_after_kill"] == "running"
    assert summary["units_after_kill"] == 0  # nothing half-written
    assert summary["cleaned"] == 1
    assert summary["status_after_cleanup"] == "failed"
    assert summary["message"] == str(INTERRUPTED_MESSAGE)
    assert summary["retry_status"] == "done"
    assert summary["units_after_retry"] == 600


def test_import_crashing_inside_the_transaction_fails_the_batch(monkeypatch):
    kind = get_kind("units")
    batch = batch_check(
        batch=batch_upload(
            kind=kind, file_name="u.csv", data=csv_bytes(unit_rows(50, prefix="X"))
        )
    )
    before = Unit.objects.count()
    resource_class = type(kind.get_resource(batch=batch, page=None, user=None))
    calls = []

    def crash(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 20:
            raise MemoryError("worker out of memory")
        return original(self, *args, **kwargs)

    original = resource_class.import_row
    monkeypatch.setattr(resource_class, "import_row", crash)
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.message == str(INTERRUPTED_MESSAGE)
    assert Unit.objects.count() == before  # the 19 rows before are rolled back
    monkeypatch.undo()
    retry = batch_check(
        batch=batch_upload(
            kind=kind, file_name="u.csv", data=csv_bytes(unit_rows(50, prefix="X"))
        )
    )
    assert batch_import(batch=retry).status == ImportBatch.Status.DONE
    assert Unit.objects.count() == before + 50


def test_recent_running_batch_is_left_alone():
    kind = get_kind("units")
    batch = batch_upload(kind=kind, file_name="u.csv", data=csv_bytes(unit_rows(3)))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)
    assert cleanup_abandoned(older_than_hours=24) == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.RUNNING
