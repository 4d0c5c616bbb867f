"""Shared set-up for the survey benchmarks: Django on a throw-away SQLite file
(or ``DATABASE_URL``), migrated once, a survey with N scale questions, and a raw
psycopg connection for the PostgreSQL limits."""

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup_django():
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings.test")
    if "DATABASE_URL" not in os.environ:
        path = Path(tempfile.mkdtemp(prefix="wp-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_survey(*, slug, questions=20):
    from wagtail.models import Site

    from wagtail_pilots.surveys.models import Scale, SurveyField, SurveyPage

    scale = Scale.objects.get(name="满意度（三级）")
    root = Site.objects.get(is_default_site=True).root_page
    survey = SurveyPage(title=slug, slug=slug, minimum_sample=30)
    root.add_child(instance=survey)
    for i in range(questions):
        SurveyField.objects.create(
            page=survey,
            sort_order=i,
            label=f"问题{i + 1}",
            field_type="scale",
            scale=scale,
        )
    return survey


def database_label():
    """``SQLite 3.40.1`` or ``PostgreSQL 15.18``: the header of a benchmark."""
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def settle():
    """What a live site's database has done by the time anyone reads the
    results after a bulk load: statistics gathered and, on PostgreSQL, the
    visibility map set (autovacuum), so plans and index-only scans are the ones
    production gets."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("ANALYZE")


def pg_connect():
    """A plain psycopg 3 connection (no Django) to the benchmark's database."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
