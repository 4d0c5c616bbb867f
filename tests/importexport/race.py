"""N clients confirm the import of one checked batch at the same moment.

Each client is a real admin request (login session, CSRF-free test client,
the batch view's POST "import"), or — ``"service"`` — a direct call of
``batch_import``, the path of ``pilots_import`` and of the background task.

Used in-process, one thread and one connection per client, on PostgreSQL
(transactional test); for SQLite, in processes against a real database file
(the test database is in memory, and SQLite connections of several threads in
one process can deadlock, see ``tests/production/sqlite_faults.py``). Run as a
script: ``python -m tests.importexport.race N`` prints a JSON summary.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

MODULE = "tests.importexport.race"
ROWS = 300
PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("wagtail_pilots_importexport", "import_data"),
    ("wagtail_pilots", "add_unit"),
    ("wagtail_pilots", "change_unit"),
    ("wagtail_pilots", "view_unit"),
)


def make_batch():
    """A checked units batch of ROWS rows, and an importer allowed to confirm it."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from wagtail_pilots.importexport.registry import get_kind
    from wagtail_pilots.importexport.services import batch_check, batch_upload

    rows = ["单位代码,单位名称,类型,上级单位代码", "R0,总镇,乡镇,"]
    rows += [f"R{i},村{i},村,R0" for i in range(1, ROWS)]
    batch = batch_upload(
        kind=get_kind("units"),
        file_name="units.csv",
        data=("\n".join(rows) + "\n").encode(),
    )
    batch = batch_check(batch=batch)
    assert batch.status == "checked", batch.message
    user = get_user_model().objects.create_user("racer", password="x")
    for app_label, codename in PERMISSIONS:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return batch, user


def logged_in_client(user):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def confirm(client, batch_pk):
    """POST "import" as the batch page's button does; what the user then reads."""
    from django.urls import reverse

    url = reverse("wagtail_pilots_importexport:batch", args=[batch_pk])
    response = client.post(url, {"action": "import"}, follow=True)
    text = response.content.decode()
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if "Imported: " in text:
        return "imported"
    if "already being imported" in text or "already been imported" in text:
        return "refused"
    return "other"


def import_directly(batch_pk):
    """What ``pilots_import`` and the background task do."""
    from wagtail_pilots.importexport.models import ImportBatch
    from wagtail_pilots.importexport.services import batch_import

    try:
        batch = batch_import(batch=ImportBatch.objects.get(pk=batch_pk))
    except Exception as error:  # noqa: BLE001 - reported to the test
        return "refused" if type(error).__name__ == "BatchStateError" else repr(error)
    return "imported" if batch.status == "done" else f"status {batch.status}"


def summary(batch_pk, outcomes):
    """What the database holds after the race, and whether it rolls back."""
    from wagtail.models import ModelLogEntry

    from wagtail_pilots.importexport.models import ImportBatch
    from wagtail_pilots.importexport.services import RollbackError, batch_rollback
    from wagtail_pilots.models import Unit

    batch = ImportBatch.objects.get(pk=batch_pk)
    result = {
        "outcomes": sorted(outcomes),
        "status": batch.status,
        "rows_new": batch.rows_new,
        "units": Unit.objects.filter(code__startswith="R").count(),
        "import_log_entries": ModelLogEntry.objects.filter(
            action="wagtail_pilots.import", object_id=str(batch_pk)
        ).count(),
    }
    try:
        batch_rollback(batch=batch)
    except RollbackError as error:
        result["rollback"] = str(error)
    else:
        result["rollback"] = "done"
    result["units_after_rollback"] = Unit.objects.filter(code__startswith="R").count()
    return result


def race_threads(kinds):
    """One thread (and database connection) per client, released together."""
    from django.db import connections

    batch, user = make_batch()
    clients = [logged_in_client(user) if kind == "view" else None for kind in kinds]
    barrier = threading.Barrier(len(kinds))
    outcomes = []
    lock = threading.Lock()

    def worker(kind, client):
        try:
            barrier.wait()
            if kind == "view":
                outcome = confirm(client, batch.pk)
            else:
                outcome = import_directly(batch.pk)
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcome = repr(error)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [
        threading.Thread(target=worker, args=(kind, client))
        for kind, client in zip(kinds, clients, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(batch.pk, outcomes)


def race_processes(count, workdir):
    """One process per client (like gunicorn's sync workers), released together."""
    batch, user = make_batch()
    go = Path(workdir) / "go"
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                MODULE,
                "client",
                str(batch.pk),
                str(user.pk),
                str(Path(workdir) / f"ready-{index}"),
                str(go),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(count)
    ]
    deadline = time.monotonic() + 300
    while len(list(Path(workdir).glob("ready-*"))) < count:
        if time.monotonic() > deadline:
            for child in children:
                child.kill()
            raise SystemExit("the clients never got ready")
        time.sleep(0.05)
    go.write_text("go")
    outcomes = []
    for child in children:
        output, _ = child.communicate(timeout=600)
        outcomes.append(json.loads(output.strip().splitlines()[-1])["outcome"])
    return summary(batch.pk, outcomes)


def client_process(batch_pk, user_pk, ready, go):
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    client = logged_in_client(get_user_model().objects.get(pk=user_pk))
    Path(ready).write_text("ready")
    while not Path(go).exists():
        time.sleep(0.005)
    try:
        outcome = confirm(client, batch_pk)
    except Exception as error:  # noqa: BLE001 - reported to the test
        outcome = repr(error)
    sys.stdout.write(json.dumps({"outcome": outcome}) + "\n")


def main():
    if sys.argv[1] == "client":
        client_process(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.utils import translation

    translation.activate("en")
    result = race_processes(int(sys.argv[1]), sys.argv[2])
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings.test")
    main()
