"""Export N survey responses × 20 questions as CSV side by side, on SQLite or on
PostgreSQL (``DATABASE_URL=postgres://…``): time, time to first byte (to the
first data row) and peak memory (tracemalloc).

1. ours: the ``responses`` kind (``export_table`` → the resource's fields →
   ``wagtail_pilots.spreadsheets.iter_csv``: streamed in database chunks,
   formula-safe) — what the admin's *Export* and ``pilots_export`` do;
2. Wagtail's spreadsheet export (``SpreadsheetExportMixin.stream_csv``, as its
   form submissions listing uses it) over ``FormSubmission`` rows holding the
   same answers as JSON;
3. the raw limit: on SQLite ``csv.writer`` over a ``sqlite3`` cursor; on
   PostgreSQL ``csv.writer`` over a psycopg server-side cursor, and psycopg's
   ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` — the server writes the CSV (the
   limit the ratios are to).

Memory is Python's (tracemalloc): buffers of the database drivers are not seen.

    python bench/bench_export_responses.py                 # 20,000 responses
    python bench/bench_export_responses.py --rows 100000
"""

import argparse
import csv
import datetime
import json
import sqlite3
import sys
import time
import tracemalloc
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _surveys_bench import (  # noqa: E402
    database_label,
    make_survey,
    pg_connect,
    setup_django,
)

setup_django()

from django.db import connection  # noqa: E402
from wagtail.admin.views.mixins import SpreadsheetExportMixin  # noqa: E402
from wagtail.contrib.forms.models import FormSubmission  # noqa: E402

from wagtail_pilots import spreadsheets  # noqa: E402
from wagtail_pilots.importexport.registry import get_kind  # noqa: E402
from wagtail_pilots.importexport.services import export_table  # noqa: E402
from wagtail_pilots.surveys.models import SurveyResponse  # noqa: E402
from wagtail_pilots.surveys.questions import survey_questions  # noqa: E402

LABELS = ["满意", "基本满意", "不满意"]


def populate(survey, questions, count):
    day = datetime.date(2025, 6, 30)
    for start in range(0, count, 5000):
        datas = [
            {q.key: LABELS[(index + n) % 3] for n, q in enumerate(questions)}
            for index in range(start, min(count, start + 5000))
        ]
        SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    survey_id=survey.pk, channel="paper", submitted_on=day, data=data
                )
                for data in datas
            ]
        )
        FormSubmission.objects.bulk_create(
            [FormSubmission(page_id=survey.pk, form_data=data) for data in datas]
        )


class WagtailExport(SpreadsheetExportMixin):
    """Wagtail's export as its form submissions listing configures it."""

    def __init__(self, questions):
        self.list_export = ["submit_time"] + [q.key for q in questions]
        self.export_headings = {"submit_time": "Submission date"} | {
            q.key: q.label for q in questions
        }

    def to_row_dict(self, item):
        data = item.get_data()
        return OrderedDict((field, data.get(field)) for field in self.list_export)


def run_ours(survey, questions):
    headers, rows = export_table(kind=get_kind("responses"), page=survey)
    return spreadsheets.iter_csv(headers, rows)


def run_wagtail(survey, questions):
    queryset = FormSubmission.objects.filter(page_id=survey.pk).order_by("pk")
    return WagtailExport(questions).stream_csv(queryset)


class _Echo:
    def write(self, value):
        return value


def run_raw_sqlite(survey, questions):
    keys = [q.key for q in questions]

    def lines():
        db = sqlite3.connect(connection.settings_dict["NAME"])
        writer = csv.writer(_Echo())
        yield writer.writerow(["submitted_on", "channel", *keys])
        cursor = db.execute(
            "SELECT submitted_on, channel, data FROM "
            "wagtail_pilots_surveys_surveyresponse WHERE survey_id = ? ORDER BY id",
            (survey.pk,),
        )
        for submitted_on, channel, data in cursor:
            answers = json.loads(data)
            yield writer.writerow(
                [submitted_on, channel, *(answers.get(k, "") for k in keys)]
            )
        db.close()

    return lines()


def run_raw_pg_cursor(survey, questions):
    """csv.writer over a server-side (named) cursor, 2,000 rows a fetch."""
    keys = [q.key for q in questions]

    def lines():
        with pg_connect() as db, db.cursor(name="bench_export") as cursor:
            writer = csv.writer(_Echo())
            yield writer.writerow(["submitted_on", "channel", *keys])
            cursor.itersize = 2000
            cursor.execute(
                "SELECT submitted_on, channel, data FROM "
                "wagtail_pilots_surveys_surveyresponse WHERE survey_id = %s "
                "ORDER BY id",
                (survey.pk,),
            )
            for submitted_on, channel, answers in cursor:
                yield writer.writerow(
                    [submitted_on, channel, *(answers.get(k, "") for k in keys)]
                )

    return lines()


def run_raw_pg_copy(survey, questions):
    """The server writes the CSV: ``COPY (SELECT …) TO STDOUT``, one chunk a row."""
    from psycopg import sql

    query = sql.SQL(
        "COPY (SELECT submitted_on, channel, {answers} FROM "
        "wagtail_pilots_surveys_surveyresponse WHERE survey_id = {survey} "
        "ORDER BY id) TO STDOUT (FORMAT csv, HEADER)"
    ).format(
        answers=sql.SQL(", ").join(
            sql.SQL("data ->> {} AS {}").format(
                sql.Literal(q.key), sql.Identifier(q.key)
            )
            for q in questions
        ),
        survey=sql.Literal(survey.pk),
    )

    def chunks():
        with pg_connect() as db, db.cursor() as cursor, cursor.copy(query) as copy:
            yield from copy

    return chunks()


RAW = {
    # (label, function, chunks before the first data row); the last is the limit.
    "sqlite": [("raw csv.writer over sqlite3", run_raw_sqlite, 1)],
    "postgresql": [
        ("raw csv.writer, server-side cursor", run_raw_pg_cursor, 1),
        ("raw COPY TO STDOUT (limit)", run_raw_pg_copy, 1),
    ],
}


def consume(stream, header_chunks):
    """Drain a stream of one chunk per line; returns (bytes, seconds to the first
    data row, data rows)."""
    start = time.perf_counter()
    first = None
    size = 0
    chunks = 0
    for chunk in stream:
        size += len(chunk.encode() if isinstance(chunk, str) else chunk)
        if first is None and chunks == header_chunks:
            first = time.perf_counter() - start
        chunks += 1
    return size, first or 0.0, chunks - header_chunks


def measure(name, function, survey, questions, header_chunks, *, rows):
    """Time one run and check it wrote every row, then measure peak memory in a
    second run (tracemalloc would distort the timing)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    size, first, written = consume(function(survey, questions), header_chunks)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    assert written == rows, (name, written, rows)
    tracemalloc.start()
    consume(function(survey, questions), header_chunks)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return name, elapsed, first, peak, size, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    survey = make_survey(slug="bench-export-responses", questions=args.questions)
    questions = survey_questions(survey)
    populate(survey, questions, args.rows)
    if connection.vendor not in RAW:
        sys.exit(f"No raw limit for {connection.vendor}: use SQLite or PostgreSQL.")
    results = [
        # iter_csv yields the BOM and the header first.
        measure(
            "ours (responses kind, streamed)",
            run_ours,
            survey,
            questions,
            2,
            rows=args.rows,
        ),
        measure(
            "Wagtail SpreadsheetExportMixin",
            run_wagtail,
            survey,
            questions,
            1,
            rows=args.rows,
        ),
        *(
            measure(name, function, survey, questions, header_chunks, rows=args.rows)
            for name, function, header_chunks in RAW[connection.vendor]
        ),
    ]
    limit = results[-1][1]
    # Issue 17's goal is to raw csv.writer (on PostgreSQL the server-side
    # cursor, not COPY): CPU time is comparable only on SQLite (in-process).
    raw = next(r for r in results if r[0].startswith("raw csv.writer"))
    print(
        f"Exporting {args.rows:,} responses × {args.questions} questions as CSV "
        f"on {database_label()}"
    )
    print(
        f"{'method':34} {'seconds':>8} {'rows/s':>10} {'× raw':>7} "
        f"{'TTFB ms':>8} {'peak MiB':>9} {'MiB out':>8} {'CPU s':>7}"
    )
    for name, elapsed, first, peak, size, cpu in results:
        print(
            f"{name:34} {elapsed:8.2f} {args.rows / elapsed:10,.0f} "
            f"{elapsed / limit:7.1f} {first * 1000:8.1f} {peak / 1048576:9.1f} "
            f"{size / 1048576:8.1f} {cpu:7.2f}"
        )
    print(f"ours / Wagtail: {results[0][1] / results[1][1]:.2f}× the time")
    print(
        f"{raw[0]} / ours: {raw[1] / results[0][1]:.2f}× "
        f"(CPU {raw[5] / results[0][5]:.2f}×); goal ≥ 0.5×"
    )


if __name__ == "__main__":
    main()
