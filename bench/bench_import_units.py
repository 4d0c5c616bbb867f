"""Import N units four ways on SQLite, side by side, and print rows/s, ratios and
peak memory (tracemalloc).

1. ours: ``wagtail_pilots.importexport`` end to end — read the CSV (encoding and
   delimiter detection), match the headers, dry run, then the real all-or-nothing
   run with full validation and batch bookkeeping (what the admin and CLI do);
2. a default django-import-export ``ModelResource`` (``import_data``, one run);
3. the same resource with ``use_bulk = True``;
4. raw ``sqlite3`` ``executemany`` of the same rows — the limit.

    python bench/bench_import_units.py             # 300 rows (default)
    python bench/bench_import_units.py --rows 100000

Every ``Unit.save()`` also updates Wagtail's search index and reference index
(through django-tasks; at once with the immediate backend used here): that is
most of the cost of the row-by-row methods, and what ``use_bulk`` and raw SQL
skip.
"""

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings.test")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # Run by `make bench-postgres`: this one compares against raw sqlite3 only.
    print("SQLite only (the limit is raw sqlite3): skipped on PostgreSQL.")
    sys.exit(0)
DB_DIR = tempfile.mkdtemp(prefix="bench-import-")
os.environ["DATABASE_URL"] = f"sqlite:///{DB_DIR}/bench.sqlite3"

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from import_export import resources  # noqa: E402

from wagtail_pilots.importexport.registry import get_kind  # noqa: E402
from wagtail_pilots.importexport.services import (  # noqa: E402
    batch_check,
    batch_import,
    batch_upload,
)
from wagtail_pilots.models import Unit  # noqa: E402

HEADERS = ["code", "name", "kind", "region", "active"]


def make_rows(count):
    return [
        [f"B{index:06d}", f"测试村{index}", "village", "示范县", True]
        for index in range(count)
    ]


class DefaultUnitResource(resources.ModelResource):
    class Meta:
        model = Unit
        fields = HEADERS
        import_id_fields = ("code",)


class BulkUnitResource(DefaultUnitResource):
    class Meta(DefaultUnitResource.Meta):
        use_bulk = True
        batch_size = 1000


def run_ours(rows):
    text = "单位代码,单位名称,类型,所属区域,是否启用\n" + "".join(
        f"{r[0]},{r[1]},村,{r[3]},是\n" for r in rows
    )
    data = text.encode("gb18030")
    # Never push the benchmark into a background task.
    with override_settings(
        WAGTAIL_PILOTS={
            "IMPORT_BACKGROUND_THRESHOLD": 1 << 40,
            "IMPORT_TEMP_DIR": DB_DIR,
        }
    ):
        batch = batch_upload(
            kind=get_kind("units"), file_name="bench.csv", data=data, force=True
        )
        batch = batch_import(batch=batch_check(batch=batch))
    assert batch.status == "done", batch.errors[:3]


def run_resource(resource_class):
    def run(rows):
        dataset = tablib.Dataset(*rows, headers=HEADERS)
        result = resource_class().import_data(dataset, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()

    return run


def run_raw(rows):
    connection.close()
    db = sqlite3.connect(f"{DB_DIR}/bench.sqlite3")
    with db:
        db.executemany(
            "INSERT INTO wagtail_pilots_unit (code, name, kind, region, active, parent_id)"
            " VALUES (?, ?, ?, ?, ?, NULL)",
            rows,
        )
    db.close()


def measure(name, function, rows):
    """Time one run, then measure peak memory in a second run: tracemalloc slows
    Python code far more than C code, so it must not distort the timings."""
    Unit.objects.all().delete()
    start = time.perf_counter()
    function(rows)
    elapsed = time.perf_counter() - start
    assert Unit.objects.count() == len(rows), name
    Unit.objects.all().delete()
    tracemalloc.start()
    function(rows)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return name, elapsed, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rows = make_rows(args.rows)
    results = [
        measure("ours (read + dry run + import)", run_ours, rows),
        measure(
            "django-import-export ModelResource",
            run_resource(DefaultUnitResource),
            rows,
        ),
        measure("ModelResource with use_bulk", run_resource(BulkUnitResource), rows),
        measure("raw sqlite3 executemany", run_raw, rows),
    ]
    limit = results[-1][1]
    print(f"Importing {args.rows:,} units on SQLite")
    print(f"{'method':38} {'seconds':>9} {'rows/s':>11} {'× raw':>8} {'peak MiB':>9}")
    for name, elapsed, peak in results:
        print(
            f"{name:38} {elapsed:9.2f} {args.rows / elapsed:11,.0f} "
            f"{elapsed / limit:8.1f} {peak / 1048576:9.1f}"
        )
    ours = results[0][1]
    print(f"ours / default ModelResource: {ours / results[1][1]:.2f}×")
    print(f"ours / use_bulk: {ours / results[2][1]:.2f}×")


if __name__ == "__main__":
    main()
