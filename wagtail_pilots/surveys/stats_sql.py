"""The SQL form of the answer rules of :mod:`.stats`, one beside each pure rule.

:func:`.stats.is_valid_answer` and :func:`.stats.is_satisfied_answer` decide which
answers a figure counts; the database counts with the ``Q`` objects below. Each is
written once, documented as the SQL of its pure rule, and a property test
(``tests/surveys/test_stats_sql.py``) checks on random options and answers that
both agree. ``field`` is the path from the rows counted to their scale option
(``"option"`` from :class:`~.models.SurveyAnswer`).
"""

from __future__ import annotations

from django.db.models import Q


def valid_q(field: str = "option") -> Q:
    """SQL of :func:`.stats.is_valid_answer`: an option, not excluded."""
    return Q(**{f"{field}__isnull": False, f"{field}__excluded": False})


def satisfied_q(field: str = "option") -> Q:
    """SQL of :func:`.stats.is_satisfied_answer`: valid and satisfied."""
    return valid_q(field) & Q(**{f"{field}__satisfied": True})


#: The answers of :class:`~.models.SurveyAnswer` each rule counts.
VALID = valid_q()
SATISFIED = satisfied_q()
