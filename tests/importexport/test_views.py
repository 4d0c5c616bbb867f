"""Admin views: upload → preview → confirm, rollback, downloads, permissions."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tests.fixtures.imports import csv_bytes, unit_rows
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/pilots-import/import/units/"
BATCHES_URL = "/admin/pilots-import/"
IMPORTER_PERMS = (
    "wagtail_pilots_importexport.import_data",
    "wagtail_pilots.add_unit",
    "wagtail_pilots.change_unit",
    "wagtail_pilots.view_unit",
)
EXPORTER_PERMS = ("wagtail_pilots_importexport.export_data", "wagtail_pilots.view_unit")


@pytest.fixture
def importer(client, make_editor):
    user = make_editor(*IMPORTER_PERMS, *EXPORTER_PERMS, username="importer")
    client.force_login(user)
    return user


def post_file(client, data, name="units.csv", **extra):
    return client.post(
        IMPORT_URL, {"file": SimpleUploadedFile(name, data), **extra}, follow=False
    )


def batch_url(batch):
    return reverse("wagtail_pilots_importexport:batch", args=[batch.pk])


def test_upload_preview_confirm(client, importer):
    response = post_file(client, csv_bytes(unit_rows(3), encoding="gb18030"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch_url(batch)
    assert batch.status == ImportBatch.Status.CHECKED and batch.user == importer
    content = client.get(batch_url(batch)).content.decode()
    assert "总镇" in content and "data-pilots-confirm" in content
    assert Unit.objects.count() == 0  # nothing before confirmation

    response = client.post(batch_url(batch), {"action": "import"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Unit.objects.count() == 3


def test_preview_names_the_bad_row_and_import_is_refused(client, importer):
    post_file(client, csv_bytes(unit_rows(30, bad_row=17)))
    batch = ImportBatch.objects.get()
    content = client.get(batch_url(batch)).content.decode()
    assert "<td>17</td><td>单位名称</td>" in content
    client.post(batch_url(batch), {"action": "import"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED
    assert Unit.objects.count() == 0


def test_skip_invalid_then_download_rejected_rows(client, importer):
    post_file(client, csv_bytes(unit_rows(5, bad_row=3)))
    batch = ImportBatch.objects.get()
    client.post(batch_url(batch), {"action": "import", "skip_invalid": "1"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and Unit.objects.count() == 4
    response = client.get(
        reverse("wagtail_pilots_importexport:rejected", args=[batch.pk, "csv"])
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("行号/row,单位代码,单位名称")
    assert lines[1].startswith("3,U1,,村,U0,")
    # The fixed file goes back in: extra row/error columns are ignored.
    fixed = text.replace("3,U1,,", "3,U1,村一,")
    post_file(client, fixed.encode("utf-8-sig"), name="fixed.csv")
    second = ImportBatch.objects.latest("pk")
    assert second.status == ImportBatch.Status.CHECKED and second.rows_new == 1


def test_duplicate_upload_refused_then_forced(client, importer):
    data = csv_bytes(unit_rows(2))
    post_file(client, data)
    client.post(batch_url(ImportBatch.objects.get()), {"action": "import"})
    response = post_file(client, data)
    assert response.status_code == 200
    assert "batch #" in response.content.decode()
    assert ImportBatch.objects.count() == 1
    response = post_file(client, data, force="on")
    assert response.status_code == 302 and ImportBatch.objects.count() == 2


def test_bad_file_shows_message_not_500(client, importer):
    post_file(client, b"\x00\x01\x02garbage" * 100, name="units.csv")
    batch = ImportBatch.objects.get()
    response = client.get(batch_url(batch))
    assert response.status_code == 200
    assert batch.status == ImportBatch.Status.FAILED
    assert "binary data" in response.content.decode()


def test_rollback_view(client, importer):
    post_file(client, csv_bytes(unit_rows(3)))
    batch = ImportBatch.objects.get()
    client.post(batch_url(batch), {"action": "import"})
    url = reverse("wagtail_pilots_importexport:rollback", args=[batch.pk])
    assert client.get(url).status_code == 200
    client.post(url)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert Unit.objects.count() == 0


def test_discard(client, importer, import_temp_dir):
    post_file(client, csv_bytes(unit_rows(2)))
    batch = ImportBatch.objects.get()
    client.post(batch_url(batch), {"action": "discard"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert list(import_temp_dir.glob("*")) == []


def test_large_files_go_through_background_tasks(client, importer, import_temp_dir):
    settings = {
        "IMPORT_TEMP_DIR": str(import_temp_dir),
        "IMPORT_BACKGROUND_THRESHOLD": 10,
    }
    with override_settings(WAGTAIL_PILOTS=settings):
        post_file(client, csv_bytes(unit_rows(3)))
        batch = ImportBatch.objects.get()
        # The immediate backend of the tests ran the task already.
        assert batch.status == ImportBatch.Status.CHECKED
        client.post(batch_url(batch), {"action": "import"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.rows_done == 3


def test_template_download(client, importer):
    response = client.get(
        reverse("wagtail_pilots_importexport:template", args=["units", "csv"])
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, sample = text.strip().splitlines()
    assert header.startswith("单位代码/code,单位名称/name,类型/kind")
    assert sample.startswith("QSZ-SQ,石桥村,村,QSZ")
    response = client.get(
        reverse("wagtail_pilots_importexport:template", args=["units", "xlsx"])
    )
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export(client, importer, fmt):
    Unit.objects.create(code="E1", name="=1+1", kind="town")
    response = client.get(
        reverse("wagtail_pilots_importexport:export", args=["units", fmt])
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        assert "'=1+1" in body.decode("utf-8-sig")
    elif fmt == "json":
        assert json.loads(body)[0]["单位代码/code"] == "E1"
    else:
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(body)).active
        assert sheet["B2"].value == "=1+1" and sheet["B2"].data_type == "s"


def test_listing_shows_header_buttons_to_importers_only(client, make_editor, importer):
    response = client.get("/admin/snippets/wagtail_pilots/unit/")
    content = response.content.decode()
    assert 'data-pilots-import="units"' in content
    assert 'data-pilots-export="units-xlsx"' in content
    client.force_login(make_editor("wagtail_pilots.view_unit", username="viewer"))
    content = client.get("/admin/snippets/wagtail_pilots/unit/").content.decode()
    assert "data-pilots-import" not in content and "data-pilots-export" not in content


def all_urls(batch):
    return [
        IMPORT_URL,
        BATCHES_URL,
        batch_url(batch),
        reverse("wagtail_pilots_importexport:rollback", args=[batch.pk]),
        reverse("wagtail_pilots_importexport:rejected", args=[batch.pk, "csv"]),
        reverse("wagtail_pilots_importexport:template", args=["units", "csv"]),
        reverse("wagtail_pilots_importexport:export", args=["units", "csv"]),
    ]


@pytest.fixture
def a_batch():
    return ImportBatch.objects.create(kind="units", file_name="x.csv", sha256="0" * 64)


def test_anonymous_is_sent_to_login(client, a_batch):
    for url in all_urls(a_batch):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_editor_without_rights_gets_403_on_direct_urls(client, make_editor, a_batch):
    # Unit rights but no import/export permission.
    client.force_login(
        make_editor(
            "wagtail_pilots.add_unit",
            "wagtail_pilots.change_unit",
            "wagtail_pilots.view_unit",
        )
    )
    for url in all_urls(a_batch):
        assert client.get(url).status_code == 403, url
    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("u.csv", csv_bytes(unit_rows(2)))}
    )
    assert response.status_code == 403
    assert client.post(batch_url(a_batch), {"action": "import"}).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_import_permission_also_needs_unit_rights(client, make_editor):
    client.force_login(make_editor("wagtail_pilots_importexport.import_data"))
    assert client.get(IMPORT_URL).status_code == 403


def test_exporter_may_export_but_not_import(client, make_editor):
    client.force_login(make_editor(*EXPORTER_PERMS))
    assert (
        client.get(
            reverse("wagtail_pilots_importexport:export", args=["units", "csv"])
        ).status_code
        == 200
    )
    assert client.get(IMPORT_URL).status_code == 403


def test_unknown_kind_and_format_are_404(client, importer):
    assert client.get("/admin/pilots-import/import/nothing/").status_code == 404
    assert client.get("/admin/pilots-import/export/units.pdf").status_code == 404


def test_units_refuse_a_page_scope(client, importer, home_page):
    response = post_file(client, csv_bytes(unit_rows(2)))
    assert response.status_code == 302
    response = client.post(
        f"{IMPORT_URL}?page={home_page.pk}",
        {"file": SimpleUploadedFile("u.csv", csv_bytes(unit_rows(2, prefix="V")))},
    )
    assert response.status_code == 403


def test_batch_list(client, importer):
    post_file(client, csv_bytes(unit_rows(2)))
    content = client.get(BATCHES_URL).content.decode()
    assert "units.csv" in content


def test_batch_list_is_paginated_with_a_fixed_number_of_queries(
    client, importer, django_assert_max_num_queries
):
    ImportBatch.objects.bulk_create(
        ImportBatch(kind="units", file_name=f"第{n:03}批.csv", sha256=f"{n:064}")
        for n in range(1, 61)
    )
    with django_assert_max_num_queries(20):
        first = client.get(BATCHES_URL).content.decode()
    # Newest first, 50 a page.
    assert "第060批.csv" in first and "第011批.csv" in first
    assert "第010批.csv" not in first
    assert "Page 1 of 2" in first
    with django_assert_max_num_queries(20):
        second = client.get(BATCHES_URL + "?p=2").content.decode()
    assert "第010批.csv" in second and "第001批.csv" in second
    assert "第011批.csv" not in second
    assert client.get(BATCHES_URL + "?p=x").status_code == 200


def test_busy_batch_shows_progress_and_refreshes(client, importer):
    from wagtail_pilots.conf import get_cache

    batch = ImportBatch.objects.create(
        kind="units",
        file_name="big.csv",
        sha256="2" * 64,
        status="running",
        rows_total=1000,
    )
    get_cache().set(f"wagtail_pilots:import-progress:{batch.pk}", 400)
    content = client.get(batch_url(batch)).content.decode()
    assert '<progress max="1000" value="400">' in content
    assert 'http-equiv="refresh"' in content
    assert "400 of 1000 rows" in content


def test_a_wrong_encoding_choice_is_refused_naming_the_likely_one(client, importer):
    rows = unit_rows(3)
    rows[2][1] = "测试"
    post_file(client, csv_bytes(rows), encoding="gb18030")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    content = client.get(batch_url(batch)).content.decode()
    assert "GB18030" in content and "looks like UTF-8" in content
    assert "data-pilots-confirm" not in content  # nothing to import
    assert Unit.objects.count() == 0
