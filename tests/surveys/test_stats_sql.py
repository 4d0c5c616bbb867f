"""The SQL form of the answer rules (``surveys/stats_sql.py``) agrees with the
pure rules of ``surveys/stats.py`` on random scales and answers.

Each example stores a scale with random flags (including the inconsistent
"satisfied and excluded", which only the admin form refuses) and random answers,
counts them in the database as the results do, counts them in Python with the
pure rules, and rolls back.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_pilots.surveys import stats, stats_sql
from wagtail_pilots.surveys.models import (
    Scale,
    ScaleOption,
    SurveyAnswer,
    SurveyResponse,
)
from wagtail_pilots.surveys.selectors import _rated_aggregates, _Tally

pytestmark = pytest.mark.django_db

OPTION = st.fixed_dictionaries(
    {
        "satisfied": st.booleans(),
        "excluded": st.booleans(),
        "score": st.decimals(min_value=0, max_value=100, places=2),
    }
)


class Rollback(Exception):
    pass


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    options=st.lists(OPTION, min_size=1, max_size=5),
    # Each answer: an option's index, or None for a blank (free-text) answer.
    picks=st.lists(st.one_of(st.none(), st.integers(0, 4)), max_size=25),
)
def test_database_counts_what_the_pure_rules_count(survey, options, picks):
    try:
        with transaction.atomic():
            scale = Scale.objects.create(name="property scale")
            saved = [
                ScaleOption.objects.create(scale=scale, label=f"O{i}", **o)
                for i, o in enumerate(options)
            ]
            response = SurveyResponse.objects.create(
                survey=survey, submitted_on=datetime.date(2026, 3, 1)
            )
            chosen = [None if p is None else saved[p % len(saved)] for p in picks]
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(
                    response=response,
                    survey=survey,
                    question_key="q",
                    option=option,
                    value="" if option else "free text",
                    channel="web",
                )
                for option in chosen
            )
            answers = SurveyAnswer.objects.filter(response=response)

            pure_valid = [o for o in chosen if stats.is_valid_answer(o)]
            pure_satisfied = [o for o in chosen if stats.is_satisfied_answer(o)]
            assert answers.filter(stats_sql.VALID).count() == len(pure_valid)
            assert answers.filter(stats_sql.SATISFIED).count() == len(pure_satisfied)

            tally = _Tally()
            for option in chosen:
                if option is not None:
                    tally.add(option, 1)
            from_sql = _rated_aggregates(answers, ["question_key"]).get(
                ("q",), (0, 0, Decimal(0), 0)
            )
            assert from_sql == tally.as_tuple()
            assert tally.as_tuple()[:3] == (
                len(pure_satisfied),
                len(pure_valid),
                sum((o.score for o in pure_valid), Decimal(0)),
            )
            raise Rollback
    except Rollback:
        pass


def test_an_option_both_satisfied_and_excluded_counts_as_neither():
    option = ScaleOption(label="x", satisfied=True, excluded=True)
    assert not stats.is_valid_answer(option)
    assert not stats.is_satisfied_answer(option)
    assert not stats.is_valid_answer(None)
