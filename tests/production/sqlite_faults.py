"""Fault scenarios that need a real SQLite file shared by threads or processes.

The test database is in memory, so ``test_faults.py`` runs these as scripts
against a fresh file database (``DATABASE_URL=sqlite:///...``), WAL and
IMMEDIATE transactions as in production:

``python -m tests.production.sqlite_faults concurrent ROWS CLIENTS STOP_FILE``
    a large units import runs while CLIENTS processes keep submitting survey
    responses; prints a JSON summary (errors, stored, imported). Processes, not
    threads: gunicorn's sync workers are processes, and SQLite connections of
    several threads in one process can deadlock when the garbage collector of
    one thread finalises another thread's cursor.

``python -m tests.production.sqlite_faults kill MARKER``
    the parent: starts ``import-child`` in another process, kills it (SIGKILL)
    in the middle of the import, then recovers and retries; prints JSON.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MODULE = "tests.production.sqlite_faults"
UNIT_HEADER = ["单位代码", "单位名称", "类型", "上级单位代码"]


def units_csv(count, prefix="U"):
    rows = [UNIT_HEADER, [f"{prefix}0", "总镇", "乡镇", ""]]
    rows += [[f"{prefix}{i}", f"村{i}", "村", f"{prefix}0"] for i in range(1, count)]
    return ("\n".join(",".join(r) for r in rows) + "\n").encode()


def setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.utils import translation

    translation.activate("en")  # messages are compared in English


def make_survey():
    from wagtail.models import Page

    from wagtail_pilots.surveys.models import Scale, SurveyField, SurveyPage

    root = Page.get_first_root_node()
    survey = SurveyPage(title="并发", slug="concurrent")
    root.add_child(instance=survey)
    SurveyField.objects.create(
        page=survey,
        label="评价",
        field_type="scale",
        scale=Scale.objects.get(name="满意度（三级）"),
    )
    return survey


def upload(rows, prefix="U"):
    from wagtail_pilots.importexport.registry import get_kind
    from wagtail_pilots.importexport.services import batch_check, batch_upload

    batch = batch_upload(
        kind=get_kind("units"), file_name="units.csv", data=units_csv(rows, prefix)
    )
    return batch_check(batch=batch)


def concurrent(rows, clients, stop_file):
    """The import runs here while ``clients`` other processes submit (one
    thread per process, like gunicorn's sync workers)."""
    from wagtail_pilots.importexport.services import batch_import
    from wagtail_pilots.models import Unit
    from wagtail_pilots.surveys.models import SurveyResponse

    survey = make_survey()
    batch = upload(rows)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", MODULE, "client", str(survey.pk), str(i), stop_file],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(clients)
    ]
    time.sleep(1)
    errors = []
    try:
        batch_import(batch=batch)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        errors.append(f"import: {exc!r}")
    Path(stop_file).write_text("stop")
    submitted = 0
    for proc in procs:
        output, _ = proc.communicate(timeout=300)
        result = json.loads(output.strip().splitlines()[-1])
        submitted += result["submitted"]
        errors += result["errors"]
    batch.refresh_from_db()
    return {
        "errors": errors,
        "submitted": submitted,
        "stored": SurveyResponse.objects.filter(survey_id=survey.pk).count(),
        "units": Unit.objects.filter(code__startswith="U").count(),
        "status": batch.status,
    }


def client(survey_pk, index, stop_file):
    """Submit responses until the import is over (and at least three)."""
    import django

    django.setup()
    from wagtail_pilots.surveys.models import SurveyPage
    from wagtail_pilots.surveys.questions import survey_questions
    from wagtail_pilots.surveys.services import response_submit

    survey = SurveyPage.objects.get(pk=survey_pk)
    (question,) = survey_questions(survey)
    submitted, errors, n = 0, [], 0
    while not Path(stop_file).exists() or n < 3:
        try:
            response_submit(
                survey=survey,
                data={question.key: question.options[n % 3].pk},
                token=f"c{index}-{n}",
            )
            submitted += 1
        except Exception as exc:  # noqa: BLE001
            errors.append(f"client {index}: {exc!r}")
        n += 1
    sys.stdout.write(json.dumps({"submitted": submitted, "errors": errors}) + "\n")


def import_child(batch_id, marker):
    """Import the batch, announce the middle of it, and hang there."""
    from wagtail_pilots.importexport.models import ImportBatch
    from wagtail_pilots.importexport.services import batch_import

    def on_progress(done, total):
        Path(marker).write_text(str(done))
        time.sleep(600)  # killed here by the parent

    batch_import(batch=ImportBatch.objects.get(pk=batch_id), on_progress=on_progress)


def kill(marker, rows=600):
    from django.utils import timezone

    from wagtail_pilots.importexport.models import ImportBatch
    from wagtail_pilots.importexport.services import (
        batch_import,
        cleanup_abandoned,
    )
    from wagtail_pilots.models import Unit

    batch = upload(rows, prefix="K")
    child = subprocess.Popen(
        [sys.executable, "-m", MODULE, "import-child", str(batch.pk), marker]
    )
    deadline = time.monotonic() + 120
    while not Path(marker).exists():
        if time.monotonic() > deadline or child.poll() is not None:
            child.kill()
            raise SystemExit("the import child never reached the middle")
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait()
    batch.refresh_from_db()
    summary = {
        "status_after_kill": batch.status,
        "units_after_kill": Unit.objects.filter(code__startswith="K").count(),
    }
    # The cron job finds the batch still "importing" and marks it failed.
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=2)
    )
    summary["cleaned"] = cleanup_abandoned(older_than_hours=24)
    batch.refresh_from_db()
    summary["status_after_cleanup"] = batch.status
    summary["message"] = batch.message
    # Retry: the same file uploads again (not a duplicate) and imports fully.
    retry = upload(rows, prefix="K")
    retry = batch_import(batch=retry)
    summary["retry_status"] = retry.status
    summary["units_after_retry"] = Unit.objects.filter(code__startswith="K").count()
    return summary


def main():
    mode = sys.argv[1]
    if mode == "client":
        client(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    if mode == "import-child":
        import django

        django.setup()
        import_child(int(sys.argv[2]), sys.argv[3])
        return
    setup()
    if mode == "concurrent":
        result = concurrent(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif mode == "kill":
        result = kill(sys.argv[2])
    else:
        raise SystemExit(f"unknown mode {mode}")
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings.test")
    main()
