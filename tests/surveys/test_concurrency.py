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


QUOTA = 3


def test_group_quota_race_in_process(real_transactions):
    """More respondents of one group than its quota post at once: exactly the
    quota is stored, the others are told the quota is full."""
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite: covered by test_group_quota_race_on_sqlite_file")
    from wagtail_pilots.surveys.models import SurveyQuotaCount

    from .quota_race import make_quota_survey, quota_race

    survey = make_quota_survey(QUOTA)
    outcomes = quota_race(survey_pk=survey.pk, threads=THREADS)
    assert outcomes.count("created") == QUOTA
    assert outcomes.count("quota") == THREADS - QUOTA
    assert SurveyResponse.objects.filter(survey_id=survey.pk).count() == QUOTA
    assert SurveyQuotaCount.objects.get(survey_id=survey.pk).count == QUOTA


def test_group_quota_race_on_sqlite_file(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_site.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'quota.sqlite3'}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.surveys.quota_race", str(THREADS), str(QUOTA)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    created, refused, stored, counter = map(int, result.stdout.split())
    assert (created, refused, stored, counter) == (
        QUOTA,
        THREADS - QUOTA,
        QUOTA,
        QUOTA,
    )
