"""What recording updates for rollback costs, side by side in one run (SQLite).

N existing units are renamed by an import (the real run only: the dry run does
not record anything), two ways:

1. the same kind with ``restore_updates = False`` (nothing recorded: what
   rollback did before it restored updates);
2. as shipped: every updated unit's changed fields are recorded (one bulk
   insert of ``ImportedObject`` rows);

alternated twice, then the last batch is rolled back (N units checked, restored through
``Unit.save()`` and validated). Prints seconds, queries and peak memory.

    python bench/bench_rollback_units.py              # 300 units
    python bench/bench_rollback_units.py --rows 2000
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings.test")
DB_DIR = tempfile.mkdtemp(prefix="bench-rollback-")
os.environ["DATABASE_URL"] = f"sqlite:///{DB_DIR}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from wagtail_pilots.importexport import registry  # noqa: E402
from wagtail_pilots.importexport.models import ImportBatch  # noqa: E402
from wagtail_pilots.importexport.services import (  # noqa: E402
    batch_check,
    batch_import,
    batch_rollback,
    batch_upload,
)
from wagtail_pilots.models import Unit  # noqa: E402


def csv_data(count, suffix):
    return (
        "单位代码,单位名称,类型,所属区域,是否启用\n"
        + "".join(f"R{i:06d},测试村{i}-{suffix},村,示范县,是\n" for i in range(count))
    ).encode("utf-8")


def measure(label, func):
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - started
    return result, (label, seconds, count)


def peak(func):
    tracemalloc.start()
    func()
    _current, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20


def checked(kind, suffix, count):
    batch = batch_upload(
        kind=kind, file_name=f"{suffix}.csv", data=csv_data(count, suffix), force=True
    )
    batch = batch_check(batch=batch)
    assert batch.status == ImportBatch.Status.CHECKED, batch.message
    return batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300)
    count = parser.parse_args().rows
    call_command("migrate", verbosity=0)
    Unit.objects.bulk_create(
        Unit(code=f"R{i:06d}", name=f"测试村{i}", kind="village") for i in range(count)
    )
    # batch_import() looks the kind up by name: switch the registered one.
    kind = registry.get_kind("units")

    rows = []
    # Alternated, twice, to see the noise of a shared machine. The dry run is
    # the same for both and records nothing: only the real run is measured.
    for round_ in (1, 2):
        for records, label in ((False, "nothing recorded"), (True, "recorded")):
            kind.restore_updates = records
            batch = checked(kind, f"{label[0]}{round_}", count)
            batch, row = measure(
                f"import {round_}, {label}", lambda b=batch: batch_import(batch=b)
            )
            assert batch.rows_updated == count
            rows.append(row)
    # The last batch recorded its updates and nothing changed since.
    _batch, row = measure(
        f"rollback restoring {count}", lambda: batch_rollback(batch=batch)
    )
    rows.append(row)
    assert Unit.objects.filter(name__endswith="-n2").count() == count

    # Peak memory of a recorded import, in a separate pass (tracemalloc slows
    # everything down).
    third = checked(kind, "丙", count)
    memory = peak(lambda: batch_import(batch=third))

    print(f"{count} units, SQLite, {connection.vendor}")
    print(f"{'':32} {'seconds':>8} {'rows/s':>8} {'queries':>8}")
    for label, seconds, queries in rows:
        print(f"{label:32} {seconds:8.2f} {count / seconds:8.0f} {queries:8d}")
    print(f"peak memory of a recorded import (real run): {memory:.1f} MiB")


if __name__ == "__main__":
    with override_settings(WAGTAIL_PILOTS={"IMPORT_TEMP_DIR": DB_DIR}):
        main()
