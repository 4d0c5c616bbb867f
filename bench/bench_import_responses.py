"""Import N paper questionnaires × 20 questions on SQLite four ways, side by side,
and print rows/s, ratios and peak memory (tracemalloc).

1. ours: the ``responses`` kind end to end — read the GB18030 CSV (encoding and
   delimiter detection), match the headers to the survey's questions, dry run
   (every cell checked against the scale), then the real all-or-nothing run:
   responses and their normalised answer rows written with ``bulk_create``
   (``use_bulk``), batch bookkeeping and the survey's counter;
2. a default django-import-export ``ModelResource`` on ``SurveyResponse``, one
   run, row by row: it stores each questionnaire's answers as JSON only — no
   answer rows, no option checks, so it does *less* work than ours;
3. the same resource with ``use_bulk = True``;
4. raw ``sqlite3`` ``executemany`` of the same responses *and* answer rows — the
   limit.

    python bench/bench_import_responses.py                # 5,000 questionnaires
    python bench/bench_import_responses.py --rows 100000
"""

import argparse
import json
import os
import sqlite3
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _surveys_bench import make_survey, setup_django  # noqa: E402

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
CELLS = ["满意", "2", "0", "基本满意", "1"]  # labels, numbers and scores


def make_rows(count, questions):
    return [
        [CELLS[(index + q) % len(CELLS)] for q in range(len(questions))]
        for index in range(count)
    ]


def label_of(question, cell):
    if cell in LABELS:
        return cell
    if cell == "0":
        return "不满意"
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
    SurveyAnswer.objects.filter(survey_id=survey.pk).delete()
    SurveyResponse.objects.filter(survey_id=survey.pk).delete()


def run_ours(survey, questions, rows):
    header = ",".join(q.label for q in questions) + ",渠道\n"
    text = header + "".join(",".join(row) + ",纸质\n" for row in rows)
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


def run_raw(survey, questions, rows):
    options = {o.label: o.pk for o in questions[0].options}
    connection.close()
    db = sqlite3.connect(connection.settings_dict["NAME"])
    with db:
        cursor = db.cursor()
        start = cursor.execute(
            "SELECT COALESCE(MAX(id), 0) FROM wagtail_pilots_surveys_surveyresponse"
        ).fetchone()[0]
        responses, answers = [], []
        for index, row in enumerate(rows, start=start + 1):
            labels = [label_of(q, cell) for q, cell in zip(questions, row, strict=True)]
            data = json.dumps(
                {q.key: label for q, label in zip(questions, labels, strict=True)},
                ensure_ascii=False,
            )
            responses.append((index, survey.pk, "paper", "", "2025-06-30", data, ""))
            answers.extend(
                (index, survey.pk, q.key, "", "", options[label], "", "", "paper")
                for q, label in zip(questions, labels, strict=True)
            )
        cursor.executemany(
            "INSERT INTO wagtail_pilots_surveys_surveyresponse "
            '(id, survey_id, channel, "group", submitted_on, data, client_digest)'
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            responses,
        )
        cursor.executemany(
            "INSERT INTO wagtail_pilots_surveys_surveyanswer "
            "(response_id, survey_id, question_key, row_key, row_label, option_id,"
            ' value, "group", channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            answers,
        )
    db.close()


def measure(name, function, survey, questions, rows):
    """Time one run, then measure peak memory in a second run: tracemalloc slows
    Python code far more than C code, so it must not distort the timings."""
    clear(survey)
    start = time.perf_counter()
    function(survey, questions, rows)
    elapsed = time.perf_counter() - start
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == len(rows)
    clear(survey)
    tracemalloc.start()
    function(survey, questions, rows)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return name, elapsed, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("This benchmark compares against raw sqlite3: run it on SQLite.")
    survey = make_survey(slug="bench-import-responses", questions=args.questions)
    questions = survey_questions(survey)
    rows = make_rows(args.rows, questions)
    results = [
        measure("ours (read + dry run + import)", run_ours, survey, questions, rows),
        measure(
            "ModelResource (responses only)",
            run_resource(DefaultResponseResource),
            survey,
            questions,
            rows,
        ),
        measure(
            "ModelResource + use_bulk",
            run_resource(BulkResponseResource),
            survey,
            questions,
            rows,
        ),
        measure("raw sqlite3 executemany", run_raw, survey, questions, rows),
    ]
    limit = results[-1][1]
    print(
        f"Importing {args.rows:,} questionnaires × {args.questions} questions "
        f"({args.rows * args.questions:,} answers) on SQLite"
    )
    print(f"{'method':34} {'seconds':>9} {'rows/s':>11} {'× raw':>8} {'peak MiB':>9}")
    for name, elapsed, peak in results:
        print(
            f"{name:34} {elapsed:9.2f} {args.rows / elapsed:11,.0f} "
            f"{elapsed / limit:8.1f} {peak / 1048576:9.1f}"
        )
    ours = results[0][1]
    print(f"ours / default ModelResource: {ours / results[1][1]:.2f}×")
    print(f"ours / use_bulk ModelResource: {ours / results[2][1]:.2f}×")


if __name__ == "__main__":
    main()
