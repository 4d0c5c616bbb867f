"""Export N survey responses × 20 questions as CSV three ways, side by side:
time, time to first byte (to the first data row) and peak memory (tracemalloc).

1. ours: the ``responses`` kind (``export_table`` → the resource's fields →
   ``wagtail_pilots.spreadsheets.iter_csv``: streamed in database chunks,
   formula-safe) — what the admin's *Export* and ``pilots_export`` do;
2. Wagtail's spreadsheet export (``SpreadsheetExportMixin.stream_csv``, as its
   form submissions listing uses it) over ``FormSubmission`` rows holding the
   same answers as JSON;
3. raw ``csv.writer`` over a ``sqlite3`` cursor — the limit.

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

from _surveys_bench import make_survey, setup_django  # noqa: E402

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


def run_raw(survey, questions):
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


def consume(stream, header_chunks):
    """Drain a stream; returns (bytes, seconds to the first data row)."""
    start = time.perf_counter()
    first = None
    size = 0
    for index, chunk in enumerate(stream):
        size += len(chunk.encode() if isinstance(chunk, str) else chunk)
        if first is None and index == header_chunks:
            first = time.perf_counter() - start
    return size, first or 0.0


def measure(name, function, survey, questions, header_chunks):
    start = time.perf_counter()
    size, first = consume(function(survey, questions), header_chunks)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    consume(function(survey, questions), header_chunks)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return name, elapsed, first, peak, size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    survey = make_survey(slug="bench-export-responses", questions=args.questions)
    questions = survey_questions(survey)
    populate(survey, questions, args.rows)
    results = [
        # iter_csv yields the BOM and the header first.
        measure("ours (responses kind, streamed)", run_ours, survey, questions, 2),
        measure("Wagtail SpreadsheetExportMixin", run_wagtail, survey, questions, 1),
        measure("raw csv.writer over sqlite3", run_raw, survey, questions, 1),
    ]
    limit = results[-1][1]
    print(f"Exporting {args.rows:,} responses × {args.questions} questions as CSV")
    print(
        f"{'method':34} {'seconds':>8} {'rows/s':>10} {'× raw':>7} "
        f"{'TTFB ms':>8} {'peak MiB':>9} {'MiB out':>8}"
    )
    for name, elapsed, first, peak, size in results:
        print(
            f"{name:34} {elapsed:8.2f} {args.rows / elapsed:10,.0f} "
            f"{elapsed / limit:7.1f} {first * 1000:8.1f} {peak / 1048576:9.1f} "
            f"{size / 1048576:8.1f}"
        )
    print(f"ours / Wagtail: {results[0][1] / results[1][1]:.2f}× the time")


if __name__ == "__main__":
    main()
