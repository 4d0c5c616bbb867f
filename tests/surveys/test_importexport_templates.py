"""Response templates a clerk fills in: the questions' text as headers, a
drop-down list for each scale or choice answer, a sheet with the coding
scheme; a filled template (real XLSX files, openpyxl) imports as it is."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.fixtures.imports import IMPORT_TEST_MARKS, upload_check_import, xlsx_bytes
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.surveys.models import SurveyResponse
from wagtail_pilots.surveys.questions import survey_questions

pytestmark = IMPORT_TEST_MARKS


@pytest.fixture
def survey(make_survey):
    return make_survey()


def template(admin_client, survey):
    url = reverse("wagtail_pilots_importexport:template", args=["responses", "xlsx"])
    response = admin_client.get(f"{url}?page={survey.pk}")
    assert response.status_code == 200
    body = b"".join(
        response.streaming_content if response.streaming else [response.content]
    )
    return load_workbook(io.BytesIO(body))


def test_xlsx_template_has_plain_headers_drop_downs_and_the_coding(
    admin_client, survey
):
    workbook = template(admin_client, survey)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [
        "您的身份",
        "总体评价",
        "村委会评价 - 石桥村",
        "村委会评价 - 红山村",
        "村委会评价 - 龙口村",
        "意见建议",
        "渠道/channel",
        "填写日期/date",
        "数字编码/numeric coding",
    ]
    # A drop-down on each group, scale and matrix column, and on the coding.
    lists = {ws.title: ws for ws in workbook.worksheets}["选项列表"]
    assert lists.sheet_state == "hidden"
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list"
        assert validation.errorStyle == "warning"  # a number can still be typed
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        first, last = validation.formula1.split("!")[1].replace("$", "").split(":")
        by_column[column] = [c.value for c in lists[f"{first}:{last}"] for c in c]
    assert by_column["A"] == ["党员", "村民代表", "其他群众"]
    assert by_column["B"] == ["满意", "基本满意", "不满意"]
    assert by_column["C"] == by_column["E"] == ["满意", "基本满意", "不满意"]
    assert by_column["I"] == ["文字", "正序", "倒序", "分值"]
    assert "F" not in by_column  # free text
    # The coding scheme, on its own sheet.
    notes = workbook.worksheets[1]
    assert notes.title == "答案编码说明"
    rows = [
        [c for c in row if c is not None] for row in notes.iter_rows(values_only=True)
    ]
    text = "\n".join(" ".join(str(c) for c in row) for row in rows)
    assert "数字编码" in text and "正序" in text and "倒序" in text
    assert ["总体评价", "满意", 1, 3, 100] in rows
    assert ["不满意", 3, 1, 0] in rows


def test_the_filled_template_imports(admin_client, survey):
    workbook = template(admin_client, survey)
    sheet = workbook.worksheets[0]
    sheet.delete_rows(2)  # the sample row
    sheet.append(
        ["村民代表", "基本满意", "满意", "不满意", "满意", "", "", "2025-06-30"]
    )
    sheet.append(["党员", "3", "1", "1", "2", "好", "paper", "2025-06-30", "倒序"])
    output = io.BytesIO()
    workbook.save(output)
    batch = upload_check_import(
        "responses", output.getvalue(), page=survey, name="paper.xlsx"
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    stored = {r.group: r.data for r in SurveyResponse.objects.all()}
    keys = {q.label: q.key for q in survey_questions(survey)}
    # 倒序: 3 = the first option (满意), 1 = the last (不满意).
    assert stored["党员"][keys["总体评价"]] == "满意"
    assert stored["村民代表"][keys["总体评价"]] == "基本满意"


def test_a_sheet_with_plain_headers_or_machine_keys_is_accepted(survey):
    plain = [
        [
            "您的身份",
            "总体评价",
            "村委会评价 - 石桥村",
            "村委会评价 - 红山村",
            "村委会评价 - 龙口村",
        ],
        ["党员", "满意", "满意", "满意", "不满意"],
    ]
    batch = upload_check_import(
        "responses", xlsx_bytes(plain), page=survey, name="plain.xlsx"
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    # The machine keys (q1, q3__u7 …) of earlier templates still work.
    questions = survey_questions(survey)
    keys = [questions[0].key, questions[1].key] + [
        questions[2].row_field_name(row) for row in questions[2].rows
    ]
    assert keys[:2] == ["q1", "q2"]
    machine = [keys, ["党员", "满意", "满意", "基本满意", "不满意"]]
    batch = upload_check_import(
        "responses", xlsx_bytes(machine), page=survey, name="keys.xlsx"
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert SurveyResponse.objects.count() == 2
