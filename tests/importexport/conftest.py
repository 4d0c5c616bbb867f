import io

import pytest
from django.test import override_settings
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def import_temp_dir(tmp_path):
    """Each test gets its own folder for uploads waiting for confirmation."""
    with override_settings(
        WAGTAIL_PILOTS={"IMPORT_TEMP_DIR": str(tmp_path / "uploads")}
    ):
        yield tmp_path / "uploads"


def upload_check_import(
    kind_name,
    data,
    *,
    page=None,
    name="file.csv",
    skip_invalid=False,
    user=None,
    force=False,
):
    """What an editor does: upload, read the preview (the dry run), confirm when
    it allows it (no invalid row, or *skip invalid rows* ticked). Returns the
    batch, checked only when the preview refused."""
    from wagtail_pilots.importexport.models import ImportBatch
    from wagtail_pilots.importexport.registry import get_kind
    from wagtail_pilots.importexport.services import (
        batch_check,
        batch_import,
        batch_upload,
    )

    batch = batch_upload(
        kind=get_kind(kind_name),
        file_name=name,
        data=data,
        page=page,
        user=user,
        skip_invalid=skip_invalid,
        force=force,
    )
    batch = batch_check(batch=batch)
    if batch.status == ImportBatch.Status.CHECKED and (
        not batch.rows_invalid or skip_invalid
    ):
        batch = batch_import(batch=batch, user=user)
    return batch


def csv_bytes(rows, *, encoding="utf-8", delimiter=","):
    text = "\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\n"
    return text.encode(encoding)


def xlsx_bytes(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


UNIT_HEADER = ["单位代码", "单位名称", "类型", "上级单位代码"]


def unit_rows(count, *, bad_row=None, prefix="U"):
    """A town and ``count - 1`` villages under it; ``bad_row`` (file row number,
    header = 1) gets an empty name."""
    rows = [UNIT_HEADER, [f"{prefix}0", "总镇", "乡镇", ""]]
    for index in range(1, count):
        rows.append([f"{prefix}{index}", f"村{index}", "村", f"{prefix}0"])
    if bad_row is not None:
        rows[bad_row - 1][1] = ""
    return rows
