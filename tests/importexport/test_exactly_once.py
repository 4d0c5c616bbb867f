"""A batch is imported exactly once, however often and from wherever its import
is confirmed: every status change is one conditional UPDATE, and "imported" is
committed with the rows. The others are refused with a message; a finished
batch never turns "failed" and can always be rolled back."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.fixtures.imports import csv_bytes, unit_rows
from wagtail_pilots.importexport import services
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    batch_check,
    batch_discard,
    batch_import,
    batch_rollback,
    batch_upload,
)
from wagtail_pilots.importexport.tasks import start_import
from wagtail_pilots.models import Unit

from .race import race_threads
from .test_views import EXPORTER_PERMS, IMPORTER_PERMS

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 4


def checked_batch(rows=5):
    return batch_check(
        batch=batch_upload(
            kind=get_kind("units"), file_name="u.csv", data=csv_bytes(unit_rows(rows))
        )
    )


def two_copies(batch):
    """The batch as two requests loaded it, before either confirmed."""
    return (
        ImportBatch.objects.get(pk=batch.pk),
        ImportBatch.objects.get(pk=batch.pk),
    )


def attempt(action, **kwargs):
    try:
        return action(**kwargs)
    except Exception as error:  # noqa: BLE001 - the test looks at it
        return error


def import_entries(batch):
    return ModelLogEntry.objects.filter(
        action="wagtail_pilots.import", object_id=str(batch.pk)
    ).count()


def assert_imported_once(batch, rows):
    batch.refresh_from_db()
    # Not "failed" (or "cancelled") while its rows are in the database.
    assert batch.status == ImportBatch.Status.DONE
    assert batch.rows_new == rows
    assert Unit.objects.count() == rows
    assert import_entries(batch) == 1
    batch_rollback(batch=batch)  # still possible: nothing turned it "failed"
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_a_second_import_of_the_same_batch_is_refused_and_changes_nothing():
    batch = checked_batch()
    first, second = two_copies(batch)
    assert batch_import(batch=first).status == ImportBatch.Status.DONE
    refused = attempt(batch_import, batch=second)
    assert_imported_once(batch, 5)
    assert isinstance(refused, services.BatchStateError)
    assert "already been imported" in str(refused)


@pytest.mark.django_db
def test_the_background_task_path_imports_a_batch_once(import_temp_dir):
    """Large files: start_import() queues a task (run at once in the tests)."""
    settings = {
        "IMPORT_TEMP_DIR": str(import_temp_dir),
        "IMPORT_BACKGROUND_THRESHOLD": 1,
    }
    with override_settings(WAGTAIL_PILOTS=settings):
        batch = checked_batch()
        first, second = two_copies(batch)
        assert start_import(first).status == ImportBatch.Status.DONE
        refused = attempt(start_import, batch=second)
    assert_imported_once(batch, 5)
    assert isinstance(refused, services.BatchStateError)


@pytest.mark.django_db
def test_a_stale_discard_does_not_cancel_an_imported_batch(import_temp_dir):
    batch = checked_batch()
    importing, discarding = two_copies(batch)
    batch_import(batch=importing)
    refused = attempt(batch_discard, batch=discarding)
    assert_imported_once(batch, 5)
    assert isinstance(refused, services.BatchStateError)
    assert "can no longer be discarded" in str(refused)


@pytest.mark.django_db
def test_confirming_twice_in_the_admin_says_so(client, make_editor):
    client.force_login(make_editor(*IMPORTER_PERMS, *EXPORTER_PERMS))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    batch = checked_batch()
    url = reverse("wagtail_pilots_importexport:batch", args=[batch.pk])
    first = client.post(url, {"action": "import"}, follow=True).content.decode()
    assert "Imported: 5 new" in first
    second = client.post(url, {"action": "import"}, follow=True).content.decode()
    assert "This batch has already been imported" in second
    assert "not imported a second time" in second
    assert_imported_once(batch, 5)


def _exactly_once(summary):
    assert summary["outcomes"].count("imported") == 1, summary
    assert summary["outcomes"].count("refused") == CLIENTS - 1, summary
    assert summary["status"] == "done", summary
    assert summary["rows_new"] == summary["units"] == 300, summary
    assert summary["import_log_entries"] == 1, summary
    assert summary["rollback"] == "done", summary
    assert summary["units_after_rollback"] == 0, summary


@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirmations_in_the_admin_import_once():
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite: see the test on a SQLite file below")
    _exactly_once(race_threads(["view"] * CLIENTS))


@pytest.mark.django_db(transaction=True)
def test_admin_command_and_task_confirming_at_once_import_once():
    """Two admin confirmations racing two direct imports (pilots_import's and
    the background task's path)."""
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite: see the test on a SQLite file below")
    _exactly_once(race_threads(["view", "service", "view", "service"]))


def test_simultaneous_confirmations_on_a_sqlite_file(tmp_path):
    """Four processes (as gunicorn's workers) post "import" together against a
    real SQLite file (WAL, IMMEDIATE transactions, as in production)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_site.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.importexport.race", str(CLIENTS), str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    _exactly_once(json.loads(result.stdout.strip().splitlines()[-1]))
