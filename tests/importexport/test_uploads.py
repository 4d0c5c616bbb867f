"""The import form refuses a file over ``IMPORT_MAX_FILE_SIZE`` while it is
uploaded: no batch, no temporary file, and the bytes never reach the handlers
that keep uploads (memory or disk) beyond the limit."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client, override_settings

from tests.fixtures.imports import csv_bytes, unit_rows
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.models import Unit

from .test_views import EXPORTER_PERMS, IMPORT_URL, IMPORTER_PERMS

pytestmark = pytest.mark.django_db

LIMIT = 100_000
KEPT = []  # bytes each recorded upload handler received, per request


class RecordingTemporaryFileHandler(TemporaryFileUploadHandler):
    """Django's own disk handler, counting what reaches it."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        KEPT.append(0)

    def receive_data_chunk(self, raw_data, start):
        KEPT[-1] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture
def limits(import_temp_dir, tmp_path):
    """A 100 kB import limit; Django's uploads go to disk, into a folder we
    can look at, through a handler that counts the bytes it gets."""
    django_tmp = tmp_path / "django-uploads"
    django_tmp.mkdir()
    KEPT.clear()
    with override_settings(
        WAGTAIL_PILOTS={
            "IMPORT_TEMP_DIR": str(import_temp_dir),
            "IMPORT_MAX_FILE_SIZE": LIMIT,
        },
        FILE_UPLOAD_HANDLERS=[f"{__name__}.RecordingTemporaryFileHandler"],
        FILE_UPLOAD_TEMP_DIR=str(django_tmp),
        FILE_UPLOAD_MAX_MEMORY_SIZE=1000,
    ):
        yield django_tmp


@pytest.fixture
def importer(client, make_editor):
    user = make_editor(*IMPORTER_PERMS, *EXPORTER_PERMS, username="importer")
    client.force_login(user)
    return user


def units_file(size):
    """A valid units CSV of at least ``size`` bytes."""
    rows = 2
    while len(data := csv_bytes(unit_rows(rows))) < size:
        rows *= 2
    return data


def post(client, data, **extra):
    upload = SimpleUploadedFile("units.csv", data)
    return client.post(IMPORT_URL, {"file": upload, **extra})


def field_errors(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_file_far_over_the_limit_is_refused_before_any_byte_is_kept(
    client, importer, limits, import_temp_dir
):
    data = units_file(3 * LIMIT)
    response = post(client, data, encoding="gb18030")
    assert response.status_code == 200  # the form again, with the message
    size = f"{round(len(data) / 1048576, 1):g}"
    assert f"The file is too large ({size} MB; the limit is 0.1 MB)." in (
        field_errors(response)
    )
    # The other fields survive: the form shows what the user chose.
    assert response.context["form"]["encoding"].value() == "gb18030"
    # The request said how large it was: refused before Django's disk handler
    # saw a byte of it, and nothing stored anywhere.
    assert KEPT == []
    assert list(limits.iterdir()) == []
    assert list(import_temp_dir.glob("*")) == []
    assert ImportBatch.objects.count() == 0


def test_a_file_just_over_the_limit_is_refused_as_it_streams(
    client, importer, limits, import_temp_dir
):
    data = units_file(LIMIT)[: LIMIT + 5000]  # within the form's allowance
    response = post(client, data)
    assert response.status_code == 200
    assert "The file is too large: the limit is 0.1 MB." in field_errors(response)
    # Counted while it streamed: the disk handler got at most the limit, and
    # its temporary file was deleted with the refusal.
    assert KEPT and KEPT[0] <= LIMIT
    assert list(limits.iterdir()) == []
    assert list(import_temp_dir.glob("*")) == []
    assert ImportBatch.objects.count() == 0


def test_a_file_at_the_limit_is_accepted(client, importer, limits):
    data = units_file(LIMIT // 2)
    response = post(client, data)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.file_size == len(data)
    assert batch.status == ImportBatch.Status.CHECKED
    assert Unit.objects.count() == 0


def test_the_import_form_still_checks_csrf(make_editor):
    """The view checks CSRF itself (after putting the size limit first)."""
    user = make_editor(*IMPORTER_PERMS, username="importer")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.get(IMPORT_URL)
    data = csv_bytes(unit_rows(3))
    assert post(client, data).status_code == 403
    assert ImportBatch.objects.count() == 0
    token = client.cookies["csrftoken"].value
    assert post(client, data, csrfmiddlewaretoken=token).status_code == 302
    assert ImportBatch.objects.count() == 1


def test_the_form_says_the_limit(client, importer, limits):
    content = client.get(IMPORT_URL).content.decode()
    assert "at most 0.1 MB" in content
