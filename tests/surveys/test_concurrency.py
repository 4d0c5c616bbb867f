"""An access code is accepted exactly once, even when N clients post it at once
(the database decides, through one conditional UPDATE). Same for a token."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from wagtail_pilots.surveys.models import AccessCode, SurveyResponse

from .race import make_coded_survey, race

THREADS = 8
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_transactions(django_db_serialized_rollback, transactional_db):
    # serialized_rollback brings back the root page and locale after the flush.
    return None


def test_code_race_in_process(real_transactions):
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite: covered by test_code_race_on_sqlite_file")
    survey, code = make_coded_survey()
    outcomes = race(survey_pk=survey.pk, code=code, threads=THREADS)
    assert outcomes.count("created") == 1
    assert outcomes.count("code") == THREADS - 1
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 1
    assert AccessCode.objects.get(survey_id=survey.pk).used_on is not None
    survey.refresh_from_db()
    assert survey.response_count == 1


def test_token_race_in_process(real_transactions):
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite: covered by test_code_race_on_sqlite_file")
    survey, _code = make_coded_survey()
    survey.access = "anyone"
    survey.save()
    outcomes = race(survey_pk=survey.pk, token="same-token", threads=THREADS)
    assert outcomes.count("created") == 1
    assert outcomes.count("duplicate") == THREADS - 1
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == 1


def test_code_race_on_sqlite_file(tmp_path):
    """N threads against a real SQLite file (WAL, IMMEDIATE transactions)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_site.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.surveys.race", str(THREADS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    created, rejected, stored, tokens = result.stdout.strip().split(" ", 3)
    assert (int(created), int(rejected), int(stored)) == (1, THREADS - 1, 1)
