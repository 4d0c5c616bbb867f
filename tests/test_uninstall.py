"""Removing the suite from a site that has content (README, "Removing the suite").

Runs in a subprocess on its own SQLite file: migrating to zero drops tables,
which must not happen to the test database the other tests share.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SUITE_APPS = [
    # The order of the README: feature apps (with their pages), then the
    # import batches, then the units everything refers to.
    "wagtail_pilots_pilots",
    "wagtail_pilots_surveys",
    "wagtail_pilots_scorecards",
    "wagtail_pilots_importexport",
    "wagtail_pilots",
]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from io import StringIO

    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    apps_in_order = json.loads(sys.argv[1])
    out = StringIO()

    def suite_tables():
        return sorted(
            t for t in connection.introspection.table_names()
            if t.startswith("wagtail_pilots")
        )

    def counts():
        from wagtail_pilots.models import Unit
        from wagtail_pilots.scorecards.models import Ballot
        from wagtail_pilots.surveys.models import Scale, SurveyAnswer

        return {
            "units": Unit.objects.count(),
            "answers": SurveyAnswer.objects.count(),
            "ballots": Ballot.objects.count(),
            "scales": Scale.objects.count(),
        }

    call_command("migrate", verbosity=0, stdout=out)
    call_command("load_demo", stdout=out)
    report = {"loaded": counts(), "tables_before": len(suite_tables())}
    for app in apps_in_order:
        call_command("migrate", app, "zero", verbosity=0, stdout=out)
    report["tables_after_zero"] = suite_tables()
    report["applied_after_zero"] = sorted(
        app for app, name in MigrationRecorder(connection).applied_migrations()
        if app.startswith("wagtail_pilots")
    )
    # Installing again on the same database starts clean.
    call_command("migrate", verbosity=0, stdout=out)
    report["reinstalled"] = counts()
    print("REPORT " + json.dumps(report))
    """
)


def test_every_suite_app_migrates_to_zero_on_a_site_with_content(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "example_site.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "example_site")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(SUITE_APPS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("REPORT "))
    report = json.loads(line.removeprefix("REPORT "))

    # There was real content: answers protect their scale options, ballots and
    # units are referenced from everywhere.
    loaded = report["loaded"]
    assert loaded["answers"] > 1000 and loaded["ballots"] > 1000
    assert loaded["units"] > 30 and loaded["scales"] >= 3
    assert report["tables_before"] > 20

    # Every table and every migration record of the suite is gone.
    assert report["tables_after_zero"] == []
    assert report["applied_after_zero"] == []

    # Nothing was left behind: a fresh install has only the shipped scales.
    assert report["reinstalled"] == {
        "units": 0,
        "answers": 0,
        "ballots": 0,
        "scales": 3,
    }
