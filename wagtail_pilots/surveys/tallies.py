"""Per-survey tallies: the counts the results read, kept up to date on write.

The results of a survey (:func:`.selectors.survey_results`) are sums of a few
hundred counts. Counting them from every answer row on every view grows with
the data; these tallies keep the counts themselves, so a view reads a few
hundred rows whatever the number of responses.

Each count has a key (:class:`TallyKey`) of one of these kinds:

``responses``  responses per (channel, group, day — in ``value``);
``answers``    answers per (question, matrix row, group, channel, option,
               value): the cells of every option count and every rate;
``not_asked``  questions not asked per (question, group, channel): the base
               of a conditional question;
``units``      responses rating a unit per (unit, group, channel): paper
               response rates per unit;
``pairs`` and ``support``: the per-respondent sums behind the
               respondent-level interval (:class:`.stats.ClusterSums`), per
               scope (a matrix question's key, or ``""`` for every option
               answer of the survey), group and channel. With c(i, o) the
               number of respondent i's answers in the scope with option o,
               ``pairs`` holds Σᵢ c(i, o)·c(i, o′) for o ≤ o′ (``option`` o,
               ``value`` o′) and ``support`` the number of respondents per set
               of options they used (``value``, the option keys joined by
               commas). Neither depends on which options count as satisfied
               or valid, so the sums follow the scale as it is now
               (:func:`cluster_sums`), as the answer-row queries do.

Writes never update a shared counter: each write appends its changes to
:class:`~.models.SurveyTallyDelta` in one bulk insert (:func:`record`), and
the next reader folds the pending changes of its survey into
:class:`~.models.SurveyTally` (:func:`fold`, one transaction; on PostgreSQL
under a per-survey advisory lock, so two readers never fold the same change
twice). ``manage.py pilots_tallies`` folds every survey, ``--check`` recounts
from the answer rows and reports differences, ``--rebuild`` replaces the
tallies by the recount.

A response's changes are computed once in Python (:func:`response_counts`,
for a submission) and once in SQL (:func:`recount`, for imports, rollbacks,
deletions and the recount); ``tests/surveys/test_tallies.py`` checks both
agree on random responses.
"""

from __future__ import annotations

import contextvars
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connections, router, transaction
from django.db.models import Count

from . import stats
from .models import (
    SurveyAnswer,
    SurveyNotAsked,
    SurveyResponse,
    SurveyTally,
    SurveyTallyDelta,
)

RESPONSES = "responses"
ANSWERS = "answers"
NOT_ASKED = "not_asked"
UNITS = "units"
PAIRS = "pairs"
SUPPORT = "support"
KINDS = (RESPONSES, ANSWERS, NOT_ASKED, UNITS, PAIRS, SUPPORT)

#: The scope of the per-respondent sums over every option answer of a survey.
ALL = ""

# The first key of PostgreSQL's two-key advisory lock taken while a survey's
# tallies are folded or rebuilt (the second is the survey's key).
_LOCK_CLASS = 0x7461_6C79  # "taly"


class TallyKey(NamedTuple):
    kind: str
    question_key: str = ""
    row_key: str = ""
    group: str = ""
    channel: str = ""
    option: int = 0
    unit: int = 0
    value: str = ""


FIELDS = TallyKey._fields


# Counting one response (Python) ----------------------------------------------


def _scope_counts(rows):
    """``{(scope): {option: answers}}`` of one response: every option answer
    in scope ``ALL``, and a matrix question's (its rows) in its own."""
    scopes: dict[str, Counter] = {}
    for row in rows:
        option = row.get("option_id")
        if option is None:
            continue
        scopes.setdefault(ALL, Counter())[option] += 1
        if row.get("row_key"):
            scopes.setdefault(row["question_key"], Counter())[option] += 1
    return scopes


def _respondent_counts(counts: Counter, scope, group, channel, options):
    """Add one respondent's ``pairs`` and ``support`` for ``scope`` to
    ``counts``; ``options`` is ``{option: c(i, option)}``."""
    ordered = sorted(options)
    for i, first in enumerate(ordered):
        for second in ordered[i:]:
            counts[
                TallyKey(
                    PAIRS,
                    scope,
                    group=group,
                    channel=channel,
                    option=first,
                    value=str(second),
                )
            ] += options[first] * options[second]
    counts[
        TallyKey(
            SUPPORT,
            scope,
            group=group,
            channel=channel,
            value=",".join(str(o) for o in ordered),
        )
    ] += 1


def response_counts(*, group, channel, day, rows, not_asked=()) -> Counter:
    """The counts one response adds: ``rows`` are its answer rows as
    :func:`.services.build_response` makes them (dicts with ``question_key``
    and ``row_key``, ``unit_id``, ``option_id`` or ``value``), ``not_asked``
    the keys of the questions it was not asked."""
    counts: Counter = Counter()
    counts[TallyKey(RESPONSES, group=group, channel=channel, value=str(day))] += 1
    units = set()
    for row in rows:
        counts[
            TallyKey(
                ANSWERS,
                row["question_key"],
                row.get("row_key") or "",
                group,
                channel,
                row.get("option_id") or 0,
                0,
                row.get("value") or "",
            )
        ] += 1
        if row.get("unit_id") is not None:
            units.add(row["unit_id"])
    for key in not_asked:
        counts[TallyKey(NOT_ASKED, key, group=group, channel=channel)] += 1
    for unit in units:
        counts[TallyKey(UNITS, group=group, channel=channel, unit=unit)] += 1
    for scope, options in _scope_counts(rows).items():
        _respondent_counts(counts, scope, group, channel, options)
    return counts


# Counting in SQL -------------------------------------------------------------


def recount(*, survey_id, responses=None) -> Counter:
    """The counts of ``responses`` (a queryset of the survey's responses; all
    of them by default), counted by the database from the response, answer and
    not-asked rows: the same counts :func:`response_counts` gives response by
    response. The per-respondent option counts are read in one ordered
    query and summed here (one row per respondent and option used)."""
    answers = SurveyAnswer.objects.filter(survey_id=survey_id)
    not_asked = SurveyNotAsked.objects.filter(survey_id=survey_id)
    kept = SurveyResponse.objects.filter(survey_id=survey_id)
    if responses is not None:
        ids = responses.values("pk")
        answers = answers.filter(response_id__in=ids)
        not_asked = not_asked.filter(response_id__in=ids)
        kept = kept.filter(pk__in=ids)
    counts: Counter = Counter()
    for channel, group, day, n in (
        kept.values_list("channel", "group", "submitted_on")
        .annotate(n=Count("*"))
        .order_by()
    ):
        counts[TallyKey(RESPONSES, group=group, channel=channel, value=str(day))] += n
    for question_key, row_key, group, channel, option, value, n in (
        answers.values_list(
            "question_key", "row_key", "group", "channel", "option_id", "value"
        )
        .annotate(n=Count("*"))
        .order_by()
    ):
        key = TallyKey(
            ANSWERS, question_key, row_key, group, channel, option or 0, 0, value
        )
        counts[key] += n
    for question_key, group, channel, n in (
        not_asked.values_list("question_key", "group", "channel")
        .annotate(n=Count("*"))
        .order_by()
    ):
        counts[TallyKey(NOT_ASKED, question_key, group=group, channel=channel)] += n
    for unit, group, channel, n in (
        answers.filter(unit_id__isnull=False)
        .values_list("unit_id", "group", "channel")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    ):
        counts[TallyKey(UNITS, group=group, channel=channel, unit=unit)] += n
    options = answers.filter(option_id__isnull=False)
    _recount_respondents(
        counts,
        options.values_list("response_id", "group", "channel", "option_id")
        .annotate(n=Count("*"))
        .order_by("response_id"),
        scoped=False,
    )
    _recount_respondents(
        counts,
        options.exclude(row_key="")
        .values_list("response_id", "question_key", "group", "channel", "option_id")
        .annotate(n=Count("*"))
        .order_by("response_id", "question_key"),
        scoped=True,
    )
    return counts


def _recount_respondents(counts, rows, *, scoped):
    current = None
    options: dict[int, int] = {}
    for row in rows.iterator(chunk_size=5000):
        if scoped:
            response_id, scope, group, channel, option, n = row
        else:
            response_id, group, channel, option, n = row
            scope = ALL
        key = (response_id, scope, group, channel)
        if key != current:
            if current is not None:
                _respondent_counts(counts, *current[1:], options)
            current, options = key, {}
        options[option] = n
    if current is not None:
        _respondent_counts(counts, *current[1:], options)


# Writing and folding ---------------------------------------------------------


def record(*, survey_id, counts: Counter, sign=1):
    """Append ``counts`` (times ``sign``) as changes to the survey's tallies:
    one bulk insert, in the caller's transaction."""
    rows = [
        SurveyTallyDelta(survey_id=survey_id, n=sign * n, **key._asdict())
        for key, n in counts.items()
        if n
    ]
    if rows:
        SurveyTallyDelta.objects.bulk_create(rows, batch_size=500)


def record_response(*, survey_id, group, channel, day, rows, not_asked=()):
    """Count one stored response (:func:`.services.response_submit`)."""
    record(
        survey_id=survey_id,
        counts=response_counts(
            group=group, channel=channel, day=day, rows=rows, not_asked=not_asked
        ),
    )


def record_responses(*, survey_id, responses, sign=1):
    """Count (``sign`` 1) or uncount (−1, before they are deleted) the
    ``responses`` queryset of a survey, counted by the database."""
    record(
        survey_id=survey_id,
        counts=recount(survey_id=survey_id, responses=responses),
        sign=sign,
    )


def record_batch(*, batch, sign=1):
    """Count the responses import ``batch`` stored (after the import), or
    uncount them (``sign`` −1, before a rollback deletes them)."""
    responses = SurveyResponse.objects.filter(import_batch=batch)
    for survey_id in list(
        responses.values_list("survey_id", flat=True).distinct().order_by()
    ):
        record_responses(
            survey_id=survey_id,
            responses=responses.filter(survey_id=survey_id),
            sign=sign,
        )


# Import batches whose responses a rollback has already uncounted: the
# deletion signal leaves their responses alone.
_uncounted_batches: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "wp_tally_uncounted_batches", default=frozenset()
)


def forget_batch(*, batch):
    """Uncount the responses of import ``batch`` before its rollback deletes
    them; the deletion signal then skips them until :func:`forgot_batch`."""
    record_batch(batch=batch, sign=-1)
    _uncounted_batches.set(_uncounted_batches.get() | {batch.pk})


def forgot_batch(*, batch):
    _uncounted_batches.set(_uncounted_batches.get() - {batch.pk})


def response_deleted(sender, instance, origin=None, **kwargs):
    """``pre_delete`` of a response deleted by itself or by a queryset of
    responses (Wagtail's "delete submissions", the shell): uncount it. A
    response deleted with its survey page goes with the page's tallies."""
    from django.db.models import QuerySet

    origin_model = origin.model if isinstance(origin, QuerySet) else type(origin)
    if origin_model is None or not issubclass(origin_model, SurveyResponse):
        return
    if instance.import_batch_id in _uncounted_batches.get():
        return
    record_responses(
        survey_id=instance.survey_id,
        responses=SurveyResponse.objects.filter(pk=instance.pk),
        sign=-1,
    )


def _quote(connection, name):
    return connection.ops.quote_name(name)


def _lock(cursor, connection, survey_id):
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, survey_id])


def _upsert(cursor, connection, survey_id, counts):
    """Add ``counts`` to the survey's totals: ``INSERT … ON CONFLICT DO
    UPDATE`` in key order (two folders lock rows in the same order)."""
    table = _quote(connection, SurveyTally._meta.db_table)
    columns = ["survey_id", *FIELDS, "n"]
    names = ", ".join(_quote(connection, c) for c in columns)
    conflict = ", ".join(_quote(connection, c) for c in ["survey_id", *FIELDS])
    n = _quote(connection, "n")
    items = sorted((key, n) for key, n in counts.items() if n)
    for start in range(0, len(items), 300):
        chunk = items[start : start + 300]
        placeholders = ", ".join(
            ["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk)
        )
        params = [v for key, count in chunk for v in (survey_id, *key, count)]
        # Only this module's constant names are interpolated; values are bound.
        cursor.execute(
            f"INSERT INTO {table} ({names}) VALUES {placeholders} "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {n} = {table}.{n} + EXCLUDED.{n}",
            params,
        )
    if any(count < 0 for _key, count in items):
        cursor.execute(
            f"DELETE FROM {table} WHERE survey_id = %s AND {n} = 0",  # noqa: S608
            [survey_id],
        )


def pending(survey_id) -> bool:
    """True when changes wait to be folded into the survey's tallies."""
    return SurveyTallyDelta.objects.filter(survey_id=survey_id).exists()


def fold(survey_id) -> int:
    """Fold the survey's pending changes into its totals, in one transaction;
    return how many changes were folded. Each change is taken by exactly one
    folder: ``DELETE … RETURNING`` under a per-survey lock on PostgreSQL (a
    SQLite write transaction is already exclusive)."""
    using = router.db_for_write(SurveyTally)
    connection = connections[using]
    table = _quote(connection, SurveyTallyDelta._meta.db_table)
    returned = ", ".join(_quote(connection, c) for c in (*FIELDS, "n"))
    with transaction.atomic(using=using), connection.cursor() as cursor:
        _lock(cursor, connection, survey_id)
        cursor.execute(
            f"DELETE FROM {table} WHERE survey_id = %s RETURNING {returned}",  # noqa: S608
            [survey_id],
        )
        rows = cursor.fetchall()
        counts: Counter = Counter()
        for *key, n in rows:
            counts[TallyKey(*key)] += n
        _upsert(cursor, connection, survey_id, counts)
    return len(rows)


def fold_all() -> int:
    """Fold the pending changes of every survey; return how many."""
    survey_ids = (
        SurveyTallyDelta.objects.values_list("survey_id", flat=True)
        .distinct()
        .order_by()
    )
    return sum(fold(survey_id) for survey_id in list(survey_ids))


def totals(survey_id) -> Counter:
    """The survey's counts as stored (pending changes not folded)."""
    return Counter(
        {
            TallyKey(*row[:-1]): row[-1]
            for row in SurveyTally.objects.filter(survey_id=survey_id).values_list(
                *FIELDS, "n"
            )
        }
    )


def current(survey_id) -> Counter:
    """The survey's counts, its pending changes folded first. A survey with
    responses and no tallies yet (stored before the tallies existed, or
    loaded around the services) is recounted once, here."""
    if pending(survey_id):
        fold(survey_id)
    counts = totals(survey_id)
    if not counts and SurveyResponse.objects.filter(survey_id=survey_id).exists():
        rebuild(survey_id)
        counts = totals(survey_id)
    return counts


def differences(survey_id) -> dict[TallyKey, tuple[int, int]]:
    """``{key: (tallied, recounted)}`` where the survey's tallies (pending
    changes folded) differ from a recount of its answer rows."""
    if pending(survey_id):
        fold(survey_id)
    tallied = totals(survey_id)
    counted = recount(survey_id=survey_id)
    return {
        key: (tallied.get(key, 0), counted.get(key, 0))
        for key in set(tallied) | set(counted)
        if tallied.get(key, 0) != counted.get(key, 0)
    }


def rebuild(survey_id) -> int:
    """Replace the survey's tallies by a recount of its rows; return the
    number of keys. On PostgreSQL the changes table is locked against
    inserts meanwhile (a submission waits for the recount), so that no
    response is both recounted and still pending."""
    using = router.db_for_write(SurveyTally)
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        _lock(cursor, connection, survey_id)
        if connection.vendor == "postgresql":
            table = _quote(connection, SurveyTallyDelta._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        SurveyTallyDelta.objects.filter(survey_id=survey_id).delete()
        SurveyTally.objects.filter(survey_id=survey_id).delete()
        counts = recount(survey_id=survey_id)
        _upsert(cursor, connection, survey_id, counts)
    return len(counts)


def tallied_survey_ids() -> list[int]:
    """Every survey with responses or tallies."""
    ids = set(
        SurveyResponse.objects.values_list("survey_id", flat=True).distinct().order_by()
    )
    ids |= set(
        SurveyTally.objects.values_list("survey_id", flat=True).distinct().order_by()
    )
    ids |= set(
        SurveyTallyDelta.objects.values_list("survey_id", flat=True)
        .distinct()
        .order_by()
    )
    return sorted(ids)


# Reading ---------------------------------------------------------------------


@dataclass
class Moments:
    """One scope's ``pairs`` and ``support`` counts (see the module doc)."""

    pairs: Counter = field(default_factory=Counter)
    support: Counter = field(default_factory=Counter)

    def option_ids(self) -> set[int]:
        ids = set()
        for first, second in self.pairs:
            ids.update((first, second))
        return ids


def cluster_sums(moments: Moments, flags) -> stats.ClusterSums | None:
    """The per-respondent sums of :class:`.stats.ClusterSums` over the
    respondents with a valid answer, from ``moments`` and the options as
    they are now (``flags``: ``{option key: option}``); ``None`` without such
    a respondent (as the answer-row query gives no row then)."""
    respondents = sum(
        n
        for options, n in moments.support.items()
        if n and any(stats.is_valid_answer(flags.get(o)) for o in options)
    )
    if not respondents:
        return None
    yy = mm = ym = 0
    for (first, second), n in moments.pairs.items():
        a, b = flags.get(first), flags.get(second)
        sa, sb = int(stats.is_satisfied_answer(a)), int(stats.is_satisfied_answer(b))
        va, vb = int(stats.is_valid_answer(a)), int(stats.is_valid_answer(b))
        if first == second:
            yy += n * sa
            mm += n * va
            ym += n * sa * va
        else:
            yy += 2 * n * sa * sb
            mm += 2 * n * va * vb
            ym += n * (sa * vb + sb * va)
    return stats.ClusterSums(respondents, yy, mm, ym)


@dataclass
class SurveyTallies:
    """A survey's tallies arranged for the results (:func:`read`)."""

    responses: list[tuple[str, str, str, int]] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)
    not_asked: Counter = field(default_factory=Counter)
    units: list[tuple[int, str, str, int]] = field(default_factory=list)
    #: ``{(scope, group, channel): Moments}``
    moments: dict[tuple[str, str, str], Moments] = field(default_factory=dict)


def arrange(counts: Iterable[tuple[TallyKey, int]], *, group="", channel=""):
    """:class:`SurveyTallies` of ``counts``, narrowed to a respondent
    ``group`` and a ``channel`` when given (questions not asked are never
    narrowed: the results count them over the whole survey)."""
    result = SurveyTallies()
    for key, n in counts:
        if not n:
            continue
        if key.kind == NOT_ASKED:
            result.not_asked[key.question_key] += n
            continue
        if (group and key.group != group) or (channel and key.channel != channel):
            continue
        if key.kind == RESPONSES:
            result.responses.append((key.channel, key.group, key.value, n))
        elif key.kind == ANSWERS:
            result.answers.append(
                (
                    key.question_key,
                    key.row_key,
                    key.group,
                    key.channel,
                    key.option or None,
                    key.value,
                    n,
                )
            )
        elif key.kind == UNITS:
            result.units.append((key.unit, key.group, key.channel, n))
        elif key.kind in (PAIRS, SUPPORT):
            moments = result.moments.setdefault(
                (key.question_key, key.group, key.channel), Moments()
            )
            if key.kind == PAIRS:
                moments.pairs[(key.option, int(key.value))] += n
            else:
                options = frozenset(int(o) for o in key.value.split(",") if o)
                moments.support[options] += n
    return result


def read(survey_id, *, group="", channel="") -> SurveyTallies:
    """The survey's tallies for its results: pending changes folded (one
    query when there are none), then one query for every count."""
    return arrange(current(survey_id).items(), group=group, channel=channel)
