"""The import screens speak the editor's language: a preview row's outcome and a
batch's kind are translated, not django-import-export's or the registry's
machine names."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.fixtures.imports import csv_bytes, unit_rows
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def outcomes(html):
    return [
        text.strip()
        for text in re.findall(r"<td data-outcome=\"[^\"]*\">(.*?)</td>", html, re.S)
    ]


def upload(client, rows):
    client.post(
        "/admin/pilots-import/import/units/",
        {"file": SimpleUploadedFile("units.csv", csv_bytes(rows))},
        **ZH,
    )
    return ImportBatch.objects.latest("pk")


def test_preview_outcomes_are_translated(admin_client):
    Unit.objects.create(code="U1", name="旧名村", kind="village")
    batch = upload(admin_client, unit_rows(3, bad_row=4))
    html = admin_client.get(
        reverse("wagtail_pilots_importexport:batch", args=[batch.pk]), **ZH
    ).content.decode()
    # Row 2 is new, row 3 renames U1, row 4 has no name.
    assert outcomes(html) == ["新增", "更新", "无效"]

    html = admin_client.get(
        reverse("wagtail_pilots_importexport:batch", args=[batch.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert outcomes(html) == ["new", "updated", "invalid"]


def test_batch_lists_name_the_kind_in_chinese(admin_client):
    upload(admin_client, unit_rows(2))
    for url in ("/admin/pilots-import/", "/admin/pilots-import/import/units/"):
        html = admin_client.get(url, **ZH).content.decode()
        table = html[html.index("data-pilots-batches") :]
        kinds = re.findall(
            r"<tr>\s*<td><a[^>]*>#\d+</a></td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>",
            table,
        )
        assert kinds == ["单位"], url
