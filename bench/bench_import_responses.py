"""Import N paper questionnaires × 20 questions side by side, on SQLite or on
PostgreSQL (``DATABASE_URL=postgres://…``), and print rows/s, ratios and peak
memory (tracemalloc).

1. ours: the ``responses`` kind end to end — read the GB18030 CSV (encoding and
   delimiter detection), match the headers to the survey's questions, dry run
   (every cell checked against the scale), then the real all-or-nothing run:
   responses and their normalised answer rows written in bulk (``use_bulk``),
   batch bookkeeping and the survey's counter;
2. a default django-import-export ``ModelResource`` on ``SurveyResponse``, one
   run, row by row: it stores each questionnaire's answers as JSON only — no
   answer rows, no option checks, so it does *less* work than ours;
3. the same resource with ``use_bulk = True``;
4. the raw limit, writing the same responses *and* answer rows: on SQLite
   ``sqlite3`` ``executemany``; on PostgreSQL psycopg's ``COPY … FROM STDIN``
   (the limit), and psycopg ``executemany`` (pipelined) for comparison.

    python bench/bench_import_responses.py                # 5,000 questionnaires
    python bench/bench_import_responses.py --rows 100000
    python bench/bench_import_responses.py --rows 100000 --skip default --no-memory

Every contender's rows are counted after its run (responses, and answer rows for
those that write them). ``--skip`` leaves contenders out (the raw limit always
runs: the ratios are to it); ``--no-memory`` leaves out the second, tracemalloc
pass, which takes 2–3× as long as the timed one for the Python-heavy contenders.
Memory is Python's (tracemalloc): buffers of the database drivers are not seen.
"""

import argparse
import json
import sqlite3
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _surveys_bench import (  # noqa: E402
    database_label,
    make_survey,
    pg_connect,
    setup_django,
)

setup_django()

import tablib  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from import_export import resources  # noqa: E402

from wagtail_pilots.importexport.registry import get_kind  # noqa: E402
from wagtail_pilots.importexport.services import (  # noqa: E402
    batch_check,
    batch_import,
    batch_upload,
)
from wagtail_pilots.surveys.models import SurveyAnswer, SurveyResponse  # noqa: E402
from wagtail_pilots.surveys.questions import survey_questions  # noqa: E402

LABELS = ["满意", "基本满意", "不满意"]
# Labels and numbers; every row declares its numbers as 正序 (1 = the first
# option): numbers without a declared coding are refused.
CELLS = ["满意", "2", "3", "基本满意", "1"]
RESPONSES = SurveyResponse._meta.db_table
ANSWERS = SurveyAnswer._meta.db_table
RESPONSE_COLUMNS = (
    "id",
    "survey_id",
    "channel",
    '"group"',
    "serial",
    "submitted_on",
    "data",
    "client_digest",
)
ANSWER_COLUMNS = (
    "response_id",
    "survey_id",
    "question_key",
    "row_key",
    "row_label",
    "option_id",
    "value",
    '"group"',
    "channel",
)


def make_rows(count, questions):
    return [
        [CELLS[(index + q) % len(CELLS)] for q in range(len(questions))]
        for index in range(count)
    ]


def label_of(question, cell):
    if cell in LABELS:
        return cell
    return LABELS[int(cell) - 1]


class DefaultResponseResource(resources.ModelResource):
    class Meta:
        model = SurveyResponse
        fields = ("id", "survey", "channel", "submitted_on", "data")


class BulkResponseResource(DefaultResponseResource):
    class Meta(DefaultResponseResource.Meta):
        use_bulk = True
        batch_size = 1000


def clear(survey):
    # Plain DELETEs: the ORM's delete() collects every response in Python for
    # its cascades, minutes at 100k rows (nothing else refers to them here).
    with connection.cursor() as cursor:
        for model in (SurveyAnswer, SurveyResponse):
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} "
                "WHERE survey_id = %s",
                [survey.pk],
            )


def run_ours(survey, questions, rows):
    header = ",".join(q.label for q in questions) + ",渠道,数字编码\n"
    text = header + "".join(",".join(row) + ",纸质,正序\n" for row in rows)
    with override_settings(
        WAGTAIL_PILOTS={
            "IMPORT_BACKGROUND_THRESHOLD": 1 << 40,
            "IMPORT_MAX_ROWS": 10**7,
            "IMPORT_MAX_FILE_SIZE": 1 << 40,
        }
    ):
        batch = batch_upload(
            kind=get_kind("responses"),
            file_name="bench.csv",
            data=text.encode("gb18030"),
            page=survey,
            force=True,
        )
        batch = batch_import(batch=batch_check(batch=batch))
    assert batch.status == "done", (batch.message, batch.errors[:3])


def run_resource(resource_class):
    def run(survey, questions, rows):
        dataset = tablib.Dataset(
            headers=["id", "survey", "channel", "submitted_on", "data"]
        )
        for row in rows:
            data = {
                q.key: label_of(q, cell) for q, cell in zip(questions, row, strict=True)
            }
            dataset.append(
                [
                    "",
                    survey.pk,
                    "paper",
                    "2025-06-30",
                    json.dumps(data, ensure_ascii=False),
                ]
            )
        result = resource_class().import_data(dataset, dry_run=False)
        assert not result.has_errors(), [
            e.error for _n, errors in result.row_errors()[:1] for e in errors
        ] or result.base_errors
        assert not result.has_validation_errors(), result.invalid_rows[0].error_dict

    return run


def raw_rows(survey, questions, rows, first_id):
    """The response and answer tuples a raw loader writes, ids from ``first_id``."""
    options = {o.label: o.pk for o in questions[0].options}
    responses, answers = [], []
    for index, row in enumerate(rows, start=first_id):
        labels = [label_of(q, cell) for q, cell in zip(questions, row, strict=True)]
        data = json.dumps(
            {q.key: label for q, label in zip(questions, labels, strict=True)},
            ensure_ascii=False,
        )
        responses.append((index, survey.pk, "paper", "", "", "2025-06-30", data, ""))
        answers.extend(
            (index, survey.pk, q.key, "", "", options[label], "", "", "paper")
            for q, label in zip(questions, labels, strict=True)
        )
    return responses, answers


def insert_sql(table, columns, placeholder):
    # Identifiers are this module's constants; values are parameters.
    return "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        table, ", ".join(columns), ", ".join([placeholder] * len(columns))
    )


def run_raw_sqlite(survey, questions, rows):
    connection.close()
    db = sqlite3.connect(connection.settings_dict["NAME"])
    with db:
        cursor = db.cursor()
        start = cursor.execute(
            f"SELECT COALESCE(MAX(id), 0) FROM {RESPONSES}"  # noqa: S608
        ).fetchone()[0]
        responses, answers = raw_rows(survey, questions, rows, start + 1)
        cursor.executemany(insert_sql(RESPONSES, RESPONSE_COLUMNS, "?"), responses)
        cursor.executemany(insert_sql(ANSWERS, ANSWER_COLUMNS, "?"), answers)
    db.close()


def run_raw_postgres(method):
    """Raw psycopg 3 on its own connection, in one transaction: ids taken after
    the table's highest, the id sequence moved past them at the end."""

    def run(survey, questions, rows):
        with pg_connect() as db, db.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {RESPONSES}")  # noqa: S608
            start = cursor.fetchone()[0]
            responses, answers = raw_rows(survey, questions, rows, start + 1)
            for table, columns, values in (
                (RESPONSES, RESPONSE_COLUMNS, responses),
                (ANSWERS, ANSWER_COLUMNS, answers),
            ):
                if method == "copy":
                    with cursor.copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    ) as copy:
                        for value in values:
                            copy.write_row(value)
                else:
                    cursor.executemany(insert_sql(table, columns, "%s"), values)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{RESPONSES}', 'id'), "
                f"(SELECT MAX(id) FROM {RESPONSES}))"  # noqa: S608
            )

    return run


def measure(name, function, survey, questions, rows, *, answers, memory):
    """Time one run and check what it stored, then measure peak memory in a
    second run: tracemalloc slows Python code far more than C code, so it must
    not distort the timings."""
    clear(survey)
    start, cpu_start = time.perf_counter(), time.process_time()
    function(survey, questions, rows)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    stored = SurveyResponse.objects.filter(survey_id=survey.pk).count()
    assert stored == len(rows), (name, stored)
    stored = SurveyAnswer.objects.filter(survey_id=survey.pk).count()
    expected = len(rows) * len(questions) if answers else 0
    assert stored == expected, (name, stored, expected)
    print(f"  {name}: {elapsed:.1f} s (CPU {cpu:.1f} s)", file=sys.stderr, flush=True)
    peak = None
    if memory:
        clear(survey)
        tracemalloc.start()
        function(survey, questions, rows)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return name, elapsed, peak, cpu


CONTENDERS = {
    # key: (label, function, writes answer rows)
    "ours": ("ours (read + dry run + import)", run_ours, True),
    "default": (
        "ModelResource (responses only)",
        run_resource(DefaultResponseResource),
        False,
    ),
    "bulk": ("ModelResource + use_bulk", run_resource(BulkResponseResource), False),
}
RAW = {
    # The last one is the limit the ratios are to.
    "sqlite": [("raw sqlite3 executemany", run_raw_sqlite, True)],
    "postgresql": [
        ("raw psycopg executemany", run_raw_postgres("executemany"), True),
        ("raw psycopg COPY (limit)", run_raw_postgres("copy"), True),
    ],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated contenders to leave out: " + ", ".join(CONTENDERS),
    )
    parser.add_argument(
        "--no-memory",
        action="store_true",
        help="leave out the tracemalloc pass (halves the run or better)",
    )
    args = parser.parse_args()
    skip = {name for name in args.skip.split(",") if name}
    if skip - set(CONTENDERS):
        parser.error(
            f"unknown contender(s): {', '.join(sorted(skip - set(CONTENDERS)))}"
        )
    if connection.vendor not in RAW:
        sys.exit(f"No raw limit for {connection.vendor}: use SQLite or PostgreSQL.")
    survey = make_survey(slug="bench-import-responses", questions=args.questions)
    questions = survey_questions(survey)
    rows = make_rows(args.rows, questions)
    chosen = [c for key, c in CONTENDERS.items() if key not in skip]
    results = [
        measure(
            name,
            function,
            survey,
            questions,
            rows,
            answers=answers,
            memory=not args.no_memory,
        )
        for name, function, answers in chosen + RAW[connection.vendor]
    ]
    clear(survey)
    limit = results[-1][1]
    cpu_limit = results[-1][3]
    print(
        f"Importing {args.rows:,} questionnaires × {args.questions} questions "
        f"({args.rows * args.questions:,} answers) on {database_label()}"
    )
    print(
        f"{'method':34} {'seconds':>9} {'rows/s':>11} {'× raw':>8} {'peak MiB':>9}"
        f" {'CPU s':>8} {'CPU × raw':>9}"
    )
    for name, elapsed, peak, cpu in results:
        memory = "-" if peak is None else f"{peak / 1048576:.1f}"
        print(
            f"{name:34} {elapsed:9.2f} {args.rows / elapsed:11,.0f} "
            f"{elapsed / limit:8.1f} {memory:>9} {cpu:8.2f} {cpu / cpu_limit:9.1f}"
        )
    by_name = {name: (elapsed, cpu) for name, elapsed, _peak, cpu in results}
    ours = by_name.get(CONTENDERS["ours"][0])
    if ours is None:
        return
    # Issue 17's goals: ≥ 10× the default ModelResource, ≥ 0.5× raw
    # executemany on SQLite, ≥ 0.7× COPY on PostgreSQL.
    goal = 0.7 if connection.vendor == "postgresql" else 0.5
    for key, short, wanted in (("default", "default", 10), ("bulk", "use_bulk", None)):
        label = CONTENDERS[key][0]
        if label in by_name:
            other = by_name[label]
            print(
                f"{short} ModelResource / ours: {other[0] / ours[0]:.2f}× "
                f"(CPU {other[1] / ours[1]:.2f}×)"
                + (f"; goal ≥ {wanted}×" if wanted else "")
            )
    print(
        f"{results[-1][0]} / ours: {limit / ours[0]:.2f}× "
        f"(CPU {cpu_limit / ours[1]:.2f}×); goal ≥ {goal}×"
    )


if __name__ == "__main__":
    main()
