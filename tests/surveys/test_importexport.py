"""The survey responses kind: wide files of paper questionnaires."""

import csv
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.fixtures.imports import (
    IMPORT_TEST_MARKS,
    csv_bytes,
    upload_check_import,
    xlsx_bytes,
)
from tests.fixtures.users import (
    ENTER_RESPONSES,
    IMPORT_EXPORT,
    assert_permission_denied,
)
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    batch_import,
    batch_rollback,
)
from wagtail_pilots.surveys.models import SurveyAnswer, SurveyResponse
from wagtail_pilots.surveys.selectors import survey_results

pytestmark = IMPORT_TEST_MARKS

HEADER = [
    "您的身份",
    "总体评价",
    "村委会评价 - 石桥村",
    "村委会评价 - 红山村",
    "村委会评价 - 龙口村",
    "意见建议",
]


@pytest.fixture
def survey(make_survey):
    return make_survey()


def rows(count, *, overall="满意", bad_row=None, bad_value="很满意", coding=None):
    """``count`` questionnaires; ``bad_row`` (file row, header = 1) gets an
    unknown option in 总体评价; ``coding`` adds the 数字编码 column."""
    lines = [list(HEADER)]
    for index in range(count):
        lines.append(["党员", overall, "满意", "基本满意", "不满意", f"意见{index}"])
    if bad_row is not None:
        lines[bad_row - 1][1] = bad_value
    if coding is not None:
        lines[0].append("数字编码")
        for line in lines[1:]:
            line.append(coding)
    return lines


def run_import(survey, data, *, name="paper.csv", skip_invalid=False):
    return upload_check_import(
        "responses", data, page=survey, name=name, skip_invalid=skip_invalid, force=True
    )


def response_keys(survey):
    from wagtail_pilots.surveys.questions import survey_questions

    return {q.label: q.key for q in survey_questions(survey)}


def overall(results):
    return next(q for q in results.questions if q.question.label == "总体评价")


def matrix(results):
    return next(q for q in results.questions if q.question.label == "村委会评价")


def test_gb18030_paper_questionnaires_change_the_results(survey):
    assert survey_results(survey=survey).responses == 0
    data = csv_bytes(
        rows(3) + [["村民代表", "不满意", "满意", "满意", "满意", ""]],
        encoding="gb18030",
    )
    batch = run_import(survey, data)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert batch.encoding.lower().replace("-", "") in ("gb18030", "gbk", "gb2312")
    assert batch.rows_new == 4

    results = survey_results(survey=survey)
    assert results.responses == 4
    assert {c: n for c, _label, n in results.channels}["paper"] == 4
    assert dict(results.groups) == {"党员": 3, "村民代表": 1}
    # 总体评价: 3 满意 (100) + 1 不满意 (0): 3 satisfied of 4 valid, index 75.
    result = overall(results).result
    assert (result.satisfied, result.valid) == (3, 4)
    assert result.index == Decimal(75)
    # The matrix: 石桥村 4 满意; 龙口村 3 不满意 + 1 满意.
    rows_by_label = {b.label: b.result for b in matrix(results).rows}
    assert (rows_by_label["石桥村"].satisfied, rows_by_label["石桥村"].valid) == (4, 4)
    assert (rows_by_label["龙口村"].satisfied, rows_by_label["龙口村"].valid) == (1, 4)

    survey.refresh_from_db()
    assert survey.response_count == 4
    response = SurveyResponse.objects.filter(group="村民代表").get()
    assert response.import_batch == batch and response.channel == "paper"
    assert response.data[response_keys(survey)["意见建议"]] == ""
    # group + overall + 3 matrix rows per questionnaire.
    assert SurveyAnswer.objects.filter(survey_id=survey.pk).count() == 4 * 5


def test_one_bad_row_among_many_writes_nothing_and_names_it(survey):
    data = csv_bytes(rows(300, bad_row=157), encoding="gb18030")
    batch = run_import(survey, data)
    assert batch.status == ImportBatch.Status.CHECKED
    assert batch.rows_invalid == 1 and batch.rows_total == 300
    [error] = batch.errors
    assert error["row"] == 157
    assert error["column"] == "总体评价"
    assert "很满意" in error["message"] and "not one of the options" in error["message"]
    # Forcing the real run anyway: all or nothing.
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert not SurveyResponse.objects.exists()
    assert not SurveyAnswer.objects.exists()
    survey.refresh_from_db()
    assert survey.response_count == 0


def test_one_bad_row_among_100000_writes_nothing_and_names_it(make_survey, scale):
    """The issue's size: 100,000 questionnaires of a two-question survey, one bad
    cell at row 73,457 (the header is row 1)."""
    survey = make_survey(
        fields=[
            {"label": "总体评价", "field_type": "scale", "scale": scale},
            {"label": "服务态度", "field_type": "scale", "scale": scale},
        ]
    )
    # Two questionnaires already imported: the failed run must leave them alone.
    earlier = [
        ["总体评价", "服务态度", "数字编码"],
        ["满意", "2", "正序"],
        ["不满意", "满意", ""],
    ]
    batch = run_import(survey, csv_bytes(earlier))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    # Numbers coded as the file declares (正序: 1 = 满意).
    cells = ["满意", "基本满意", "不满意", "1", "2", "3"]
    lines = ["总体评价,服务态度,数字编码"]
    lines += [f"{cells[i % 6]},{cells[(i // 6) % 6]},正序" for i in range(100_000)]
    lines[73_456] = "满意,很满意,正序"
    data = ("\n".join(lines) + "\n").encode("gb18030")

    batch = run_import(survey, data)
    assert batch.status == ImportBatch.Status.CHECKED
    assert (batch.rows_total, batch.rows_invalid) == (100_000, 1)
    [error] = batch.errors
    assert (error["row"], error["column"]) == (73_457, "服务态度")
    assert "很满意" in error["message"] and "not one of the options" in error["message"]
    # Forcing the real run anyway: all or nothing.
    batch = batch_import(batch=batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.message == "Nothing was imported: 1 row(s) have errors."
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 2
    assert SurveyAnswer.objects.filter(survey_id=survey.pk).count() == 4
    survey.refresh_from_db()
    assert survey.response_count == 2


def test_a_large_import_refreshes_the_statistics_after_commit(
    survey, monkeypatch, django_capture_on_commit_callbacks
):
    """PostgreSQL plans the results query from table statistics; a bulk load
    makes them stale until autovacuum runs, so a large import ANALYZEs the
    answers table once it has committed."""
    from django.db import connection

    from wagtail_pilots.surveys import importexport as survey_io

    monkeypatch.setattr(survey_io, "ANALYZE_AFTER_RESPONSES", 20)

    def estimated_rows():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s",
                [SurveyAnswer._meta.db_table],
            )
            return cursor.fetchone()[0]

    def analyzes(callbacks):
        return [c for c in callbacks if "analyze_answers" in c.__code__.co_names]

    with django_capture_on_commit_callbacks() as callbacks:
        run_import(survey, csv_bytes(rows(5)))
    assert not analyzes(callbacks)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = run_import(survey, csv_bytes(rows(30)), name="more.csv")
    assert batch.rows_new == 30
    assert len(analyzes(callbacks)) == 1
    if connection.vendor == "postgresql":
        # 35 questionnaires × 5 answer rows, all seen by ANALYZE.
        assert estimated_rows() == 35 * 5


def test_a_failing_analyze_does_not_fail_the_committed_import(
    survey, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import DatabaseError

    from wagtail_pilots.surveys import importexport as survey_io

    monkeypatch.setattr(survey_io, "ANALYZE_AFTER_RESPONSES", 1)

    def timed_out(using):
        raise DatabaseError("canceling statement due to lock timeout")

    monkeypatch.setattr(survey_io, "analyze_answers", timed_out)
    with django_capture_on_commit_callbacks(execute=True):
        batch = run_import(survey, csv_bytes(rows(3)))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert SurveyResponse.objects.filter(import_batch=batch).count() == 3


def test_answer_text_comes_back_exactly_as_written(make_survey, scale):
    """Answer rows go in with COPY on PostgreSQL: text its format escapes (tab,
    backslash, its NULL marker, quotes) must be stored as written."""
    choices = ["党员\t甲", "C:\\村民\\代表", "\\N", '"其他" 群众']
    survey = make_survey(
        fields=[
            {"label": "您的身份", "field_type": "group", "choices": "\n".join(choices)},
            {"label": "总体评价", "field_type": "scale", "scale": scale},
        ]
    )
    data = xlsx_bytes([["您的身份", "总体评价"], *([c, "满意"] for c in choices)])
    batch = run_import(survey, data, name="paper.xlsx")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    answers = SurveyAnswer.objects.filter(survey_id=survey.pk).order_by("response_id")
    assert [
        (a.value, a.group)
        for a in answers.filter(question_key=response_keys(survey)["您的身份"])
    ] == [(c, c) for c in choices]
    assert answers.filter(option__label="满意", group__in=choices).count() == 4


def test_skip_invalid_imports_the_others(survey):
    batch = run_import(survey, csv_bytes(rows(5, bad_row=3)), skip_invalid=True)
    assert batch.status == ImportBatch.Status.DONE
    assert batch.rows_new == 4
    assert SurveyResponse.objects.count() == 4
    assert batch.rejected["rows"][0][0] == 3


def test_chunked_writes_stay_all_or_nothing(survey, monkeypatch):
    """Rows are written in chunks while later rows are still being checked: a
    bad row after several written chunks still leaves nothing behind, and
    with skip invalid every chunk is kept with its answers."""
    from wagtail_pilots.surveys import importexport

    monkeypatch.setattr(importexport, "WRITE_CHUNK", 2)
    batch = run_import(survey, csv_bytes(rows(7, bad_row=8)))
    assert batch.status == ImportBatch.Status.CHECKED
    assert [e["row"] for e in batch.errors] == [8]
    batch_import(batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert SurveyResponse.objects.count() == SurveyAnswer.objects.count() == 0

    batch = run_import(survey, csv_bytes(rows(7, bad_row=8)), skip_invalid=True)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_new, batch.rows_invalid) == (6, 1)
    assert SurveyResponse.objects.filter(import_batch=batch).count() == 6
    # group + overall + 3 matrix rows each.
    assert SurveyAnswer.objects.filter(response__import_batch=batch).count() == 30


def test_the_same_bad_cell_is_named_in_every_row_that_has_it(survey):
    """A cell is read once per distinct value: its refusal is still reported
    on each row, and the same text in another column is read for that one."""
    lines = rows(4)
    lines[1][1] = lines[3][1] = "很满意"  # rows 2 and 4 of the file
    lines[2][5] = "很满意"  # free text: accepted
    batch = run_import(survey, csv_bytes(lines))
    assert batch.status == ImportBatch.Status.CHECKED
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "总体评价"),
        (4, "总体评价"),
    ]


def test_fast_export_rows_equal_the_resource_fields(survey):
    """The export table reads tuples, not instances: each cell is what the
    resource's field gives for the same response (labels, "not asked",
    "other", several choices, matrix rows, channel and date)."""
    import datetime

    from wagtail_pilots.importexport.services import export_table
    from wagtail_pilots.surveys.forms import NOT_ASKED_LABEL, OTHER_LABEL
    from wagtail_pilots.surveys.logic import OTHER

    kind = get_kind("responses")
    bound = kind.for_page(survey)
    by_label = {q.label: q for q in bound.questions}
    group, overall_, grid, remark = (
        by_label[label].key
        for label in ("您的身份", "总体评价", "村委会评价", "意见建议")
    )
    first_row = by_label["村委会评价"].rows[0].key
    datas = [
        {
            group: OTHER,
            overall_: None,
            grid: {first_row: "满意"},
            remark: ["甲", OTHER],
        },
        {overall_: "=1+1", grid: None},
        {},
    ]
    for index, data in enumerate(datas):
        SurveyResponse.objects.create(
            survey_id=survey.pk,
            channel=("paper", "web", "import")[index],
            submitted_on=datetime.date(2026, 6, 5 + index),
            data=data,
        )

    headers, fast = export_table(kind=kind, page=survey)
    resource = bound.get_resource(page=survey)
    fields_by_name = {f.column_name: f for f in resource.get_export_fields()}
    columns = [c for c in bound.columns if c.field in fields_by_name]
    assert headers == [c.header for c in columns]
    expected = [
        [resource.export_field(fields_by_name[c.field], response) for c in columns]
        for response in SurveyResponse.objects.order_by("pk")
    ]
    fast = list(fast)
    assert fast == expected
    first = dict(zip(headers, fast[0], strict=True))
    assert first["您的身份"] == str(OTHER_LABEL)
    assert first["总体评价"] == str(NOT_ASKED_LABEL)
    assert first["意见建议"] == f"甲; {OTHER_LABEL}"
    assert [first[h] for h in headers if h.startswith("村委会评价")][:2] == [
        "满意",
        "",
    ]
    assert first["填写日期/date"] == "2026-06-05"
    assert first["渠道/channel"] == "paper"
    second = dict(zip(headers, fast[1], strict=True))
    assert second["总体评价"] == "=1+1"  # escaped by the CSV writer, not here
    assert [second[h] for h in headers if h.startswith("村委会评价")] == [
        str(NOT_ASKED_LABEL)
    ] * 3


@pytest.mark.parametrize(
    ("cell", "coding"),
    [
        ("基本满意", None),
        (" 基本满意 ", ""),
        ("基本满意", "正序"),
        ("2", "正序"),
        ("2.0", "1=first"),
        ("2", "倒序"),
        ("80", "分值"),
        ("80", "score"),
    ],
)
def test_option_as_label_or_declared_number(survey, cell, coding):
    batch = run_import(survey, csv_bytes(rows(1, overall=cell, coding=coding)))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    response = SurveyResponse.objects.get()
    assert "基本满意" in response.data.values()
    options = overall(survey_results(survey=survey)).options
    assert {o.label: o.count for o in options}["基本满意"] == 1


@pytest.mark.parametrize("coding", [None, "", "文字"])
def test_an_undeclared_number_is_refused_with_its_row_and_column(survey, coding):
    """1 = 非常满意 was assumed before; a clerk coding 5 = best would have
    silently inverted the results. Now a number needs a declared coding."""
    data = rows(3, coding=coding)
    data[2][1] = "1"
    batch = run_import(survey, csv_bytes(data))
    [error] = batch.errors
    assert (error["row"], error["column"]) == (3, "总体评价")
    assert "“1” is a number" in error["message"]
    assert "数字编码" in error["message"] and "正序 (1 = 满意)" in error["message"]
    assert not SurveyResponse.objects.exists()


def test_reverse_coding_reads_1_as_the_last_option(survey):
    data = rows(2, coding="倒序")
    data[1][1] = "1"
    data[2][1] = "3"
    data[1][0] = "3"  # 1 = 其他群众 … 3 = 党员
    batch = run_import(survey, csv_bytes(data))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    counts = {o.label: o.count for o in overall(survey_results(survey=survey)).options}
    assert counts == {"满意": 1, "基本满意": 0, "不满意": 1}
    assert sorted(SurveyResponse.objects.values_list("group", flat=True)) == [
        "党员",
        "党员",
    ]


def test_an_unknown_coding_is_named(survey):
    batch = run_import(survey, csv_bytes(rows(1, coding="五分制")))
    [error] = batch.errors
    assert (error["row"], error["column"]) == (2, "数字编码")
    assert "Unknown coding “五分制”" in error["message"]


def test_group_and_choices_by_number_and_unknown_group(survey):
    data = rows(2, coding="正序")
    data[1][0] = "2"  # 村民代表
    data[2][0] = "游客"
    batch = run_import(survey, csv_bytes(data))
    [error] = batch.errors
    assert (error["row"], error["column"]) == (3, "您的身份")
    assert "Unknown respondent group" in error["message"]


def test_missing_required_answer_is_named(survey):
    data = rows(2)
    data[2][3] = ""  # 村委会评价 - 红山村
    batch = run_import(survey, csv_bytes(data))
    [error] = batch.errors
    assert (error["row"], error["column"]) == (3, "村委会评价 - 红山村")
    assert "required" in error["message"]
    assert not SurveyResponse.objects.exists()


def test_unknown_header_is_refused(survey):
    data = rows(2)
    data[0][5] = "满意程度"
    batch = run_import(survey, csv_bytes(data))
    assert batch.status == ImportBatch.Status.FAILED
    assert "Unknown column(s): 满意程度" in batch.message
    assert batch.errors[0]["row"] == 1


def test_headers_by_key_channel_and_date(survey):
    kind = get_kind("responses").for_page(survey)
    headers = [c.en for c in kind.columns]
    data = [headers]
    sample = dict(zip(headers, [c.sample for c in kind.columns], strict=True))
    sample["channel"] = "网络"
    sample["date"] = "2025/6/30"
    data.append([sample[h] for h in headers])
    batch = run_import(survey, csv_bytes(data))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    response = SurveyResponse.objects.get()
    assert response.channel == "web"
    assert response.submitted_on.isoformat() == "2025-06-30"


def test_rollback_restores_results_and_counts(survey):
    run_import(survey, csv_bytes(rows(2)), name="first.csv")
    before = overall(survey_results(survey=survey)).result
    batch = run_import(survey, csv_bytes(rows(4, overall="不满意")), name="second.csv")
    assert batch.status == ImportBatch.Status.DONE, (batch.message, batch.errors)
    survey.refresh_from_db()
    assert survey.response_count == 6
    assert overall(survey_results(survey=survey)).result.satisfied == 2
    assert overall(survey_results(survey=survey)).result.valid == 6

    batch_rollback(batch=batch)
    after = overall(survey_results(survey=survey)).result
    assert (after.satisfied, after.valid, after.score_sum) == (
        before.satisfied,
        before.valid,
        before.score_sum,
    )
    survey.refresh_from_db()
    assert survey.response_count == 2
    assert SurveyResponse.objects.count() == 2
    assert SurveyAnswer.objects.count() == 2 * 5
    assert not SurveyResponse.objects.filter(import_batch=batch).exists()


def test_export_re_imports_cleanly(survey, make_survey):
    run_import(
        survey,
        csv_bytes(
            rows(3) + [["村民代表", "不满意", "满意", "基本满意", "不满意", "=1+1"]]
        ),
    )
    out = StringIO()
    call_command(
        "pilots_export",
        "responses",
        "--page",
        str(survey.pk),
        "--format",
        "csv",
        stdout=out,
    )
    text = out.getvalue().lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "您的身份"
    assert lines[0][2] == "村委会评价 - 石桥村"
    assert lines[1][:2] == ["党员", "满意"]
    assert "渠道/channel" in lines[0] and "填写日期/date" in lines[0]
    assert len(lines) == 5
    # Formula-safe: the text answer "=1+1" is written as text.
    assert "'=1+1" in lines[-1]

    other = make_survey(title="另一次测评", slug="survey-2")
    batch = run_import(other, text.encode("utf-8"), name="export.csv")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    first, second = survey_results(survey=survey), survey_results(survey=other)
    assert overall(first).result.satisfied == overall(second).result.satisfied == 3
    assert [b.result.satisfied for b in matrix(first).rows] == [
        b.result.satisfied for b in matrix(second).rows
    ]


def test_cli_round_trip(survey, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_bytes(csv_bytes(rows(5), encoding="gb18030"))
    out, err = StringIO(), StringIO()
    call_command(
        "pilots_import",
        "responses",
        str(path),
        "--page",
        str(survey.pk),
        stdout=out,
        stderr=err,
    )
    assert "new: 5" in out.getvalue() and err.getvalue() == ""
    assert survey_results(survey=survey).responses == 5

    exported = tmp_path / "export.xlsx"
    call_command(
        "pilots_export",
        "responses",
        "--page",
        str(survey.pk),
        "--format",
        "xlsx",
        "-o",
        str(exported),
        stdout=StringIO(),
    )
    call_command(
        "pilots_import",
        "responses",
        str(exported),
        "--page",
        str(survey.pk),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert survey_results(survey=survey).responses == 10
    survey.refresh_from_db()
    assert survey.response_count == 10


def test_cli_bad_row_exits_non_zero(survey, tmp_path):
    path = tmp_path / "paper.csv"
    path.write_bytes(csv_bytes(rows(5, bad_row=4), encoding="gb18030"))
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command(
            "pilots_import",
            "responses",
            str(path),
            "--page",
            str(survey.pk),
            stdout=StringIO(),
            stderr=err,
        )
    assert "row 4, column 总体评价" in err.getvalue()
    assert not SurveyResponse.objects.exists()


# -- admin ---------------------------------------------------------------------


@pytest.fixture
def two_surveys(make_survey):
    return make_survey(slug="survey-a"), make_survey(title="乙", slug="survey-b")


@pytest.fixture
def editor_of_a(page_editor, two_surveys):
    return page_editor(
        two_surveys[0],
        "change",
        *IMPORT_EXPORT,
        *ENTER_RESPONSES,
    )


def admin_urls(page):
    return [
        reverse("wagtail_pilots_importexport:import", args=["responses"])
        + f"?page={page.pk}",
        reverse("wagtail_pilots_importexport:export", args=["responses", "csv"])
        + f"?page={page.pk}",
        reverse("wagtail_pilots_importexport:template", args=["responses", "csv"])
        + f"?page={page.pk}",
    ]


def test_anonymous_is_sent_to_login(client, two_surveys):
    for url in admin_urls(two_surveys[0]):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_editor_of_a_gets_403_on_b(two_surveys, editor_of_a):
    a, b = two_surveys
    client = editor_of_a
    for url in admin_urls(a):
        assert client.get(url).status_code == 200, url
    for url in admin_urls(b):
        assert client.get(url).status_code == 403, url
    response = client.post(
        admin_urls(b)[0],
        {"file": SimpleUploadedFile("p.csv", csv_bytes(rows(2))), "page": b.pk},
    )
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()
    # A batch of survey B: its preview, rejected rows and rollback are B's too.
    batch = run_import(b, csv_bytes(rows(2)))
    assert batch.status == ImportBatch.Status.DONE
    for name, extra in (("batch", []), ("rejected", ["csv"]), ("rollback", [])):
        url = reverse(f"wagtail_pilots_importexport:{name}", args=[batch.pk, *extra])
        assert client.get(url).status_code == 403, url
    rollback = reverse("wagtail_pilots_importexport:rollback", args=[batch.pk])
    assert client.post(rollback).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert SurveyResponse.objects.filter(survey_id=b.pk).count() == 2


def test_batch_lists_show_only_batches_of_pages_the_user_may_import_into(
    two_surveys, editor_of_a
):
    """File names and operators of survey B's imports stay hidden from the
    editor of survey A, in the suite's list and in the modeladmin listing."""
    a, b = two_surveys
    mine = ImportBatch.objects.create(
        kind="responses", page=a, file_name="甲的问卷.csv", sha256="a" * 64
    )
    theirs = ImportBatch.objects.create(
        kind="responses", page=b, file_name="乙的问卷.csv", sha256="b" * 64
    )
    units = ImportBatch.objects.create(
        kind="units", file_name="单位.csv", sha256="c" * 64
    )
    client = editor_of_a
    listing = client.get(reverse("wagtail_pilots_importexport:batches"))
    assert listing.status_code == 200
    content = listing.content.decode()
    assert "甲的问卷.csv" in content
    assert "乙的问卷.csv" not in content
    # No units rights: the units batch is not shown either.
    assert "单位.csv" not in content
    modeladmin = "/admin/wagtail_pilots_importexport/importbatch/"
    content = client.get(modeladmin).content.decode()
    assert "甲的问卷.csv" in content and "乙的问卷.csv" not in content
    assert "单位.csv" not in content
    assert client.get(f"{modeladmin}inspect/{mine.pk}/").status_code == 200
    assert_permission_denied(client.get(f"{modeladmin}inspect/{theirs.pk}/"))
    assert_permission_denied(client.get(f"{modeladmin}inspect/{units.pk}/"))
    detail = reverse("wagtail_pilots_importexport:batch", args=[theirs.pk])
    assert client.get(detail).status_code == 403


def test_admin_upload_preview_confirm(two_surveys, editor_of_a):
    a, _b = two_surveys
    client = editor_of_a
    response = client.post(
        admin_urls(a)[0],
        {
            "file": SimpleUploadedFile(
                "p.csv", csv_bytes(rows(3, bad_row=3), encoding="gb18030")
            ),
            "page": a.pk,
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "很满意" in preview.content.decode()
    assert batch.page_id == a.pk


def test_page_template_has_questions_and_both_languages(two_surveys, editor_of_a):
    client = editor_of_a
    response = client.get(admin_urls(two_surveys[0])[2])
    text = b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).decode("utf-8-sig")
    header, sample = list(csv.reader(io.StringIO(text)))[:2]
    # The questions' own text; the suite's columns in both languages.
    assert header[:3] == ["您的身份", "总体评价", "村委会评价 - 石桥村"]
    assert header[-3:] == ["渠道/channel", "填写日期/date", "数字编码/numeric coding"]
    assert sample[:2] == ["党员", "满意"]


def test_survey_page_header_has_import_buttons(two_surveys, editor_of_a):
    client = editor_of_a
    a, _b = two_surveys
    response = client.get(reverse("wagtailadmin_pages:edit", args=[a.pk]))
    assert 'data-pilots-import="responses"' in response.content.decode()


# -- cell parsing (no database) -----------------------------------------------


def five_level_question():
    from wagtail_pilots.surveys.questions import Option, Question

    options = [
        Option(
            pk=10 + n,
            label=label,
            score=Decimal(score),
            satisfied=n < 2,
            excluded=False,
        )
        for n, (label, score) in enumerate(
            [
                ("非常满意", 5),
                ("满意", 4),
                ("一般", 3),
                ("不满意", 2),
                ("非常不满意", 1),
            ]
        )
    ]
    return Question(
        key="q", label="总体", field_type="scale", required=True, options=options
    )


@pytest.mark.django_db(False)
def test_numbers_are_read_only_as_declared():
    from wagtail_pilots.surveys.importexport import (
        CODING_FIRST,
        CODING_LAST,
        CODING_SCORE,
        RowParser,
    )

    question = five_level_question()
    parser = RowParser([question])
    assert parser.option(question, "满意").pk == 11
    with pytest.raises(ValueError, match="is a number"):
        parser.option(question, "1")
    assert parser.option(question, "1", CODING_FIRST).label == "非常满意"
    assert parser.option(question, "1", CODING_LAST).label == "非常不满意"
    assert parser.option(question, "5", CODING_LAST).label == "非常满意"
    assert parser.option(question, "1", CODING_SCORE).label == "非常不满意"
    with pytest.raises(ValueError, match="not one of the options"):
        parser.option(question, "6", CODING_FIRST)


@pytest.mark.django_db(False)
def test_channel_and_date_cells():
    import datetime

    from wagtail_pilots.surveys.importexport import parse_channel, parse_day

    assert parse_channel("") == "paper"
    assert parse_channel("网络") == "web" and parse_channel("IMPORT") == "import"
    with pytest.raises(ValueError, match="Unknown channel"):
        parse_channel("电话")
    assert parse_day("2025年6月3日") == datetime.date(2025, 6, 3)
    assert parse_day("2025.06.30") == datetime.date(2025, 6, 30)
    with pytest.raises(ValueError, match="not a date"):
        parse_day("2025-02-30")


def test_a_row_past_a_group_quota_is_named_by_row_and_column(survey):
    from wagtail_pilots.surveys.models import SurveyQuota, SurveyQuotaCount

    SurveyQuota.objects.create(page=survey, group="党员", limit=2)
    batch = run_import(survey, csv_bytes(rows(3)))
    [error] = batch.errors
    assert (error["row"], error["column"]) == (4, "您的身份")
    assert "“党员” is full" in error["message"]
    assert "2 responses" in error["message"]
    assert not SurveyResponse.objects.exists()  # all or nothing
    assert not SurveyQuotaCount.objects.filter(count__gt=0).exists()


def test_a_row_past_a_unit_quota_is_named_by_its_matrix_column(survey, villages):
    from wagtail_pilots.surveys.models import SurveyQuota

    SurveyQuota.objects.create(page=survey, unit=villages[1], limit=1)
    batch = run_import(survey, csv_bytes(rows(2)))
    [error] = batch.errors
    assert (error["row"], error["column"]) == (3, "村委会评价 - 红山村")
    assert "“红山村” is full" in error["message"]
    assert not SurveyResponse.objects.exists()


def test_rollback_gives_the_quota_places_back(survey):
    from wagtail_pilots.surveys.models import SurveyQuota, SurveyQuotaCount

    SurveyQuota.objects.create(page=survey, group="党员", limit=3)
    first = run_import(survey, csv_bytes(rows(2)), name="first.csv")
    assert first.status == ImportBatch.Status.DONE, first.errors
    assert SurveyQuotaCount.objects.get(group="党员").count == 2
    refused = run_import(survey, csv_bytes(rows(2)), name="second.csv")
    assert refused.errors and refused.errors[0]["row"] == 3
    batch_rollback(batch=first)
    assert SurveyQuotaCount.objects.get(group="党员").count == 0
    again = run_import(survey, csv_bytes(rows(3)), name="third.csv")
    assert again.status == ImportBatch.Status.DONE, again.errors
    assert SurveyQuotaCount.objects.get(group="党员").count == 3
