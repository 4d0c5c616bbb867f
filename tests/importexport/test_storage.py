"""Uploads wait in the storage ``IMPORT_STORAGE`` names, so that a background
task on another machine than the admin finds them (issue 18 item 4).

"Another machine" is played by a second ``IMPORT_TEMP_DIR``: the worker's own
local disk, where the web process's file is not.
"""

import io
import stat

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tests.fixtures.imports import csv_bytes, unit_rows
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.services import upload_storage
from wagtail_pilots.models import Unit

from .test_views import EXPORTER_PERMS, IMPORTER_PERMS, batch_url, post_file

pytestmark = pytest.mark.django_db

SHARED = "pilots_imports"


@pytest.fixture
def importer(client, make_editor):
    user = make_editor(*IMPORTER_PERMS, *EXPORTER_PERMS, username="importer")
    client.force_login(user)
    return user


@pytest.fixture
def shared_storage(settings, tmp_path):
    """A second storage (in memory), named by ``IMPORT_STORAGE``; the local
    folder is still configured, so that a file written there would be seen."""
    settings.STORAGES = {
        **settings.STORAGES,
        SHARED: {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    web_disk = tmp_path / "web"
    settings.WAGTAIL_PILOTS = {
        "IMPORT_STORAGE": SHARED,
        "IMPORT_TEMP_DIR": str(web_disk),
        "IMPORT_BACKGROUND_THRESHOLD": 10,  # check and import in tasks
    }
    return web_disk


def stored_uploads():
    _folders, names = upload_storage().listdir("")
    return sorted(names)


def local_files(folder):
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_upload_preview_import_rollback_and_cleanup_use_the_shared_storage(
    client, importer, shared_storage, tmp_path
):
    # Upload: the file goes to the shared storage, under the batch's name.
    response = post_file(client, csv_bytes(unit_rows(3)))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert stored_uploads() == [batch.stored_name]
    assert storages[SHARED].open(batch.stored_name).read() == csv_bytes(unit_rows(3))

    # Preview: the check task read it (the immediate backend ran it).
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED
    content = client.get(batch_url(batch)).content.decode()
    assert "总镇" in content and "data-pilots-confirm" in content

    # Import, by a worker whose local disk is another one: it reads the shared
    # storage, and deletes the file there once imported.
    worker = {**client_settings(), "IMPORT_TEMP_DIR": str(tmp_path / "worker")}
    with override_settings(WAGTAIL_PILOTS=worker):
        client.post(batch_url(batch), {"action": "import"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.rows_done == 3
    assert Unit.objects.count() == 3
    assert stored_uploads() == []

    # Rollback.
    client.post(reverse("wagtail_pilots_importexport:rollback", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert Unit.objects.count() == 0

    # Clean-up: an upload never confirmed and a stray file of the shared
    # storage are deleted there; another file of that storage is left alone.
    post_file(client, csv_bytes(unit_rows(2, prefix="V")))
    abandoned = ImportBatch.objects.exclude(pk=batch.pk).get()
    storage = storages[SHARED]
    stray = storage.save("0123abcd.upload", ContentFile(b"x"))
    other = storage.save("notes.txt", ContentFile(b"keep me"))
    assert stored_uploads() == sorted([abandoned.stored_name, stray, other])
    with override_settings(WAGTAIL_PILOTS=worker):
        call_command("pilots_import_cleanup", hours=-1, stdout=io.StringIO())
    assert stored_uploads() == [other]
    abandoned.refresh_from_db()
    assert abandoned.status == ImportBatch.Status.CANCELLED

    # Nothing was ever written to a local folder.
    assert local_files(shared_storage) == []
    assert local_files(tmp_path / "worker") == []


def test_discarding_deletes_the_upload_from_the_shared_storage(
    client, importer, shared_storage
):
    post_file(client, csv_bytes(unit_rows(2)))
    batch = ImportBatch.objects.get()
    assert stored_uploads() == [batch.stored_name]
    client.post(batch_url(batch), {"action": "discard"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert stored_uploads() == []
    assert local_files(shared_storage) == []


def test_with_the_local_default_a_worker_on_another_machine_finds_no_file(
    client, importer, tmp_path
):
    """Why the setting exists: without it the file is on the web process's disk."""
    web = {"IMPORT_TEMP_DIR": str(tmp_path / "web")}
    with override_settings(WAGTAIL_PILOTS=web):
        post_file(client, csv_bytes(unit_rows(3)))
    batch = ImportBatch.objects.get()
    assert local_files(tmp_path / "web") == [batch.stored_name]
    # Readable by the site's user only.
    waiting = tmp_path / "web" / batch.stored_name
    assert stat.S_IMODE(waiting.stat().st_mode) == 0o600
    assert stat.S_IMODE(waiting.parent.stat().st_mode) == 0o700
    worker = {"IMPORT_TEMP_DIR": str(tmp_path / "worker")}
    with override_settings(WAGTAIL_PILOTS=worker):
        client.post(batch_url(batch), {"action": "import"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "no longer available" in batch.message
    assert Unit.objects.count() == 0


def client_settings():
    from django.conf import settings

    return dict(settings.WAGTAIL_PILOTS)
