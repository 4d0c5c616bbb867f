"""Reads: every figure of a survey's results, computed by the database.

Each query groups :class:`~.models.SurveyAnswer` rows (``GROUP BY``); Python only
puts the few aggregated rows together and hands the counts to :mod:`.stats`.
The number of queries does not depend on the number of responses.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Count, F, Max, Min, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wagtail_pilots import codes as code_utils
from wagtail_pilots.access_codes import code_not_valid_message, code_used_message
from wagtail_pilots.pages import root_page_models_using

from . import logic, stats
from . import tallies as stored_tallies
from .forms import NOT_ASKED_LABEL, OTHER_LABEL
from .models import (
    Access,
    AccessCode,
    Channel,
    SurveyAnswer,
    SurveyNotAsked,
    SurveyPageMixin,
    SurveyResponse,
    SurveyState,
)
from .questions import GROUP, MATRIX, Question, survey_questions

# The answer rules in SQL, re-exported (their pure form is in :mod:`.stats`).
from .stats_sql import SATISFIED, VALID
from .translations import default_locale_id, i18n_enabled, source_surveys


def _rated_aggregates(queryset, dims):
    """``{dims tuple: (satisfied, valid, score_sum, answered)}`` in one query."""
    rows = (
        queryset.filter(option__isnull=False)
        .values(*dims)
        .annotate(
            satisfied=Count("id", filter=SATISFIED),
            valid=Count("id", filter=VALID),
            score_sum=Sum("option__score", filter=VALID),
            answered=Count("id"),
        )
        .order_by()
    )
    return {
        tuple(r[d] for d in dims): (
            r["satisfied"],
            r["valid"],
            Decimal(r["score_sum"] or 0),
            r["answered"],
        )
        for r in rows
    }


def _cluster_sums(queryset, dims) -> dict[tuple, stats.ClusterSums]:
    """``{dims tuple: ClusterSums}``: per-respondent counts summed, in one query.

    The inner query counts each respondent's satisfied (y) and valid (m) answers
    per ``dims`` (GROUP BY dims, response); the outer one sums k, y², m² and y·m
    over the respondents (GROUP BY dims). Django's ORM cannot group over a
    grouped subquery, so the outer level is a small SQL wrapper around the ORM's
    own inner SQL. Nothing per answer or per respondent reaches Python.
    """
    aliases = {f"d{i}": F(d) for i, d in enumerate(dims)}
    inner = (
        queryset.filter(option__isnull=False)
        .values(**aliases, respondent=F("response_id"))
        .annotate(
            y=Count("id", filter=SATISFIED),
            m=Count("id", filter=VALID),
        )
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    connection = connections[inner.db]
    qn = connection.ops.quote_name
    columns = [qn(a) for a in aliases]
    select = ", ".join([*columns, "COUNT(*)", "SUM(y * y)", "SUM(m * m)", "SUM(y * m)"])
    group_by = f" GROUP BY {', '.join(columns)}" if columns else ""
    # Only fixed aliases and the ORM's own SQL are interpolated; every value is
    # still a bound parameter.
    outer = f"SELECT {select} FROM ({sql}) clusters WHERE m > 0{group_by}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        rows = cursor.fetchall()
    width = len(columns)
    return {
        tuple(row[:width]): stats.ClusterSums(*(int(v or 0) for v in row[width:]))
        for row in rows
    }


@dataclass
class OptionCount:
    label: str
    count: int
    share: Decimal | None  # fraction of the answers given (0..1)
    satisfied: bool = False
    excluded: bool = False
    #: Public pages: a respondent group too small to publish (its size).
    suppressed: bool = False


@dataclass
class Breakdown:
    """A satisfaction result for one slice (a row, a group, a channel)."""

    key: str
    label: str
    result: stats.SatisfactionResult
    unit_id: int | None = None
    options: list[OptionCount] = field(default_factory=list)
    #: Hidden on public pages: too few respondents (see :func:`public_results`).
    suppressed: bool = False

    @property
    def respondents(self) -> int:
        """People behind the figure: the respondents with a valid answer where
        answers cluster (a matrix question over its rows), else the valid
        answers (one per respondent)."""
        clusters = self.result.clusters
        return clusters.respondents if clusters is not None else self.result.valid


@dataclass
class QuestionResult:
    question: Question
    answered: int
    options: list[OptionCount]
    result: stats.SatisfactionResult | None = None  # rated questions only
    rows: list[Breakdown] = field(default_factory=list)
    groups: list[Breakdown] = field(default_factory=list)
    channels: list[Breakdown] = field(default_factory=list)
    #: The rate weighted by group population, when the survey has populations.
    weighted: stats.PostStratified | None = None
    #: Public only: the weighted rate is withheld because a group is hidden.
    weighted_suppressed: bool = False
    #: For a question shown only under conditions: the respondents who were
    #: shown it (its base); ``None`` for a question everyone was asked.
    asked: int | None = None
    #: Public only: the whole question was asked of fewer than k respondents
    #: (a conditional question's base, or a survey with fewer than k responses).
    suppressed: bool = False


@dataclass
class SurveyResults:
    survey: object
    responses: int
    channels: list[tuple[str, str, int]]
    groups: list[tuple[str, int]]
    questions: list[QuestionResult]
    #: Set by :func:`public_results`: the k below which slices are hidden, and
    #: the channels whose response counts are hidden in the summary.
    min_cell_size: int | None = None
    hidden_channels: frozenset[str] = frozenset()
    #: Public only: fewer than k responses in all, so no headline rate either.
    overall_suppressed: bool = False
    #: Every rated answer of the survey pooled: the headline of the public
    #: results, with a respondent-level interval (several answers per person).
    overall: stats.SatisfactionResult | None = None
    #: First and last day an answer was recorded (None without answers).
    first_day: object = None
    last_day: object = None

    @property
    def rated(self):
        return [q for q in self.questions if q.result is not None]


def _share(count, total):
    if not total:
        return None
    return Decimal(count) / Decimal(total)


def _result(survey, aggregate, clusters=None):
    satisfied, valid, score_sum, _answered = aggregate or (0, 0, Decimal(0), 0)
    return stats.summarise(
        satisfied=satisfied,
        valid=valid,
        score_sum=score_sum,
        minimum_sample=survey.minimum_sample,
        threshold=survey.threshold,
        clusters=clusters,
    )


def _option_counts(question, counts):
    """``counts``: {option pk or value: n} for one question (or one row)."""
    total = sum(counts.values())
    if question.options:
        items = [
            OptionCount(
                o.text,
                counts.get(o.pk, 0),
                _share(counts.get(o.pk, 0), total),
                o.satisfied,
                o.excluded,
            )
            for o in question.options
        ]
    else:
        items = [
            OptionCount(text, counts.get(c, 0), _share(counts.get(c, 0), total))
            for c, text in question.choice_pairs()
        ]
    if logic.offers_other(question):
        count = counts.get(logic.OTHER, 0)
        items.append(
            OptionCount(
                pgettext("survey option", "Other, please specify"),
                count,
                _share(count, total),
                excluded=bool(question.options),
            )
        )
    return items


class _Tally:
    """Sums of aggregated cells: satisfied, valid, score sum, answered."""

    __slots__ = ("satisfied", "valid", "score_sum", "answered")

    def __init__(self):
        self.satisfied = 0
        self.valid = 0
        self.score_sum = Decimal(0)
        self.answered = 0

    def add(self, option, n):
        self.answered += n
        if not stats.is_valid_answer(option):
            return
        self.valid += n
        self.score_sum += option.score * n
        if stats.is_satisfied_answer(option):
            self.satisfied += n

    def as_tuple(self):
        return (self.satisfied, self.valid, self.score_sum, self.answered)


@dataclass(frozen=True)
class ResultFilters:
    """Which responses a results screen (and its exports) counts: a respondent
    group, a channel, an evaluated unit, a date range (inclusive). Empty values
    do not filter."""

    group: str = ""
    channel: str = ""
    unit_id: int | None = None
    date_from: object = None
    date_to: object = None

    def __bool__(self):
        return bool(
            self.group or self.channel or self.unit_id or self.date_from or self.date_to
        )

    def apply(self, *, survey, answers, responses):
        """``(answers, responses)`` narrowed in SQL. The unit keeps the
        responses that rate it, and of a matrix only that unit's row."""
        if self.group:
            answers = answers.filter(group=self.group)
        if self.channel:
            answers = answers.filter(channel=self.channel)
        if self.date_from:
            answers = answers.filter(response__submitted_on__gte=self.date_from)
        if self.date_to:
            answers = answers.filter(response__submitted_on__lte=self.date_to)
        if self.unit_id:
            answers = answers.filter(
                response_id__in=self._rating(survey).values("response_id")
            ).exclude(Q(unit_id__isnull=False) & ~Q(unit_id=self.unit_id))
        return answers, self.apply_to_responses(survey=survey, responses=responses)

    def apply_to_responses(self, *, survey, responses):
        """``responses`` narrowed in SQL: the results' respondents, and the
        rows of the responses list."""
        if self.group:
            responses = responses.filter(group=self.group)
        if self.channel:
            responses = responses.filter(channel=self.channel)
        if self.date_from:
            responses = responses.filter(submitted_on__gte=self.date_from)
        if self.date_to:
            responses = responses.filter(submitted_on__lte=self.date_to)
        if self.unit_id:
            responses = responses.filter(
                pk__in=self._rating(survey).values("response_id")
            )
        return responses

    def _rating(self, survey):
        return SurveyAnswer.objects.filter(survey_id=survey.pk, unit_id=self.unit_id)


class _AnswerRows:
    """The counts of :func:`survey_results` grouped from the answer rows
    (``GROUP BY``), narrowed by any filters: the unit and the dates, which
    the tallies do not keep."""

    def __init__(self, *, survey, filters):
        self.survey_id = survey.pk
        self.answers = SurveyAnswer.objects.filter(survey_id=survey.pk)
        self.responses = SurveyResponse.objects.filter(survey_id=survey.pk)
        if filters:
            self.answers, self.responses = filters.apply(
                survey=survey, answers=self.answers, responses=self.responses
            )

    def response_cells(self):
        """``[(channel, group, n, first day, last day)]``"""
        return list(
            self.responses.values_list("channel", "group")
            .annotate(n=Count("*"), first=Min("submitted_on"), last=Max("submitted_on"))
            .order_by()
        )

    def cells(self):
        """``[(question, row, group, channel, option pk, value, n)]``"""
        return (
            self.answers.values_list(
                "question_key", "row_key", "group", "channel", "option_id", "value"
            )
            # COUNT(*), not COUNT(id): the id is not in the covering index, and
            # asking for it makes PostgreSQL read the table (2× slower at 400k).
            .annotate(n=Count("*"))
            .order_by()
        )

    def matrix_clusters(self, matrix_keys):
        """``{(question, group, channel): ClusterSums}``"""
        return _cluster_sums(
            self.answers.filter(question_key__in=matrix_keys),
            ["question_key", "group", "channel"],
        )

    def overall_clusters(self, rated_keys):
        return _cluster_sums(self.answers.filter(question_key__in=rated_keys), []).get(
            ()
        )

    def not_asked(self):
        """``{question: responses not asked it}`` over the whole survey."""
        return dict(
            SurveyNotAsked.objects.filter(survey_id=self.survey_id)
            .values_list("question_key")
            .annotate(n=Count("*"))
            .order_by()
        )


class _TallyCounts:
    """The same counts from the survey's tallies (:mod:`.tallies`): one query
    whatever the number of responses (two more when changes are pending; one
    for the flags of an option no question offers any longer)."""

    def __init__(self, *, survey, questions, filters):
        self.survey = survey
        self.filters = filters
        self.tallies = stored_tallies.read(
            survey.pk,
            group=filters.group if filters else "",
            channel=filters.channel if filters else "",
        )
        self.questions = questions
        self._flags = None

    def response_cells(self):
        cells = {}
        for channel, group, day, n in self.tallies.responses:
            day = datetime.date.fromisoformat(day)
            cell = cells.get((channel, group))
            if cell is None:
                cells[(channel, group)] = [n, day, day]
            else:
                cell[0] += n
                cell[1], cell[2] = min(cell[1], day), max(cell[2], day)
        return [(c, g, n, first, last) for (c, g), (n, first, last) in cells.items()]

    def cells(self):
        return self.tallies.answers

    def flags(self):
        """``{option pk: option}`` for every option the moments name: the
        questions' options, and the scale's for an option no longer offered
        (as the answer-row query joins them)."""
        if self._flags is None:
            flags = {o.pk: o for q in self.questions for o in q.options}
            named = set()
            for moments in self.tallies.moments.values():
                named |= moments.option_ids()
            unknown = named - set(flags)
            if unknown:
                from .models import ScaleOption

                flags.update(
                    ScaleOption.objects.only("pk", "satisfied", "excluded").in_bulk(
                        list(unknown)
                    )
                )
            self._flags = flags
        return self._flags

    def matrix_clusters(self, matrix_keys):
        wanted = set(matrix_keys)
        result = {}
        for (scope, group, channel), moments in self.tallies.moments.items():
            if scope in wanted:
                sums = stored_tallies.cluster_sums(moments, self.flags())
                if sums is not None:
                    result[(scope, group, channel)] = sums
        return result

    def overall_clusters(self, rated_keys):
        # The tallies pool every option answer: the same as the rated
        # questions' answers unless a question with option answers was
        # deleted or is no longer rated, which the answer rows then count.
        rated = set(rated_keys)
        if any(
            option is not None and key not in rated
            for key, _r, _g, _c, option, _v, _n in self.tallies.answers
        ):
            return _AnswerRows(
                survey=self.survey, filters=self.filters
            ).overall_clusters(rated_keys)
        total = None
        for (scope, _group, _channel), moments in self.tallies.moments.items():
            if scope != stored_tallies.ALL:
                continue
            sums = stored_tallies.cluster_sums(moments, self.flags())
            if sums is not None:
                total = sums if total is None else total + sums
        return total

    def not_asked(self):
        return dict(self.tallies.not_asked)


def _counts_source(*, survey, questions, filters):
    """Where :func:`survey_results` takes its counts: the tallies, unless a
    filter narrows by unit or by date (kept only in the answer rows)."""
    if filters and (filters.unit_id or filters.date_from or filters.date_to):
        return _AnswerRows(survey=survey, filters=filters)
    return _TallyCounts(survey=survey, questions=questions, filters=filters)


def survey_results(*, survey, questions=None, filters=None) -> SurveyResults:
    """The whole result of ``survey`` in four queries whatever its size.

    One ``GROUP BY`` counts the answers per (question, matrix row, respondent
    group, channel, option); that gives at most a few hundred cells, which are
    summed here into every breakdown. The option flags (satisfied, excluded,
    score) are the scale's current ones. For matrix questions, whose figures
    over all rows hold several answers per respondent, one more query sums the
    per-respondent counts per (question, group, channel) for the respondent-level
    interval (:func:`_cluster_sums`); a matrix row's own figure has one answer
    per respondent and keeps the plain Wilson interval. The headline figure
    (every rated answer pooled, :attr:`SurveyResults.overall`) is summed from the
    same cells; its respondent-level interval takes one more query.
    """
    questions = questions if questions is not None else survey_questions(survey)
    source = _counts_source(survey=survey, questions=questions, filters=filters)
    response_cells = source.response_cells()
    channel_counts = {}
    group_counts = {}
    days = [d for *_cell, first, last in response_cells for d in (first, last)]
    for channel, group, n, _first, _last in response_cells:
        channel_counts[channel] = channel_counts.get(channel, 0) + n
        if group:
            group_counts[group] = group_counts.get(group, 0) + n

    by_key = {q.key: q for q in questions}
    per_question, per_row = {}, {}
    tallies = {}  # (kind, question key, slice) -> _Tally

    def tally(*key):
        item = tallies.get(key)
        if item is None:
            item = tallies[key] = _Tally()
        return item

    for question_key, row_key, group, channel, option_id, value, n in source.cells():
        count_key = option_id if option_id is not None else value
        bucket = per_question.setdefault(question_key, {})
        bucket[count_key] = bucket.get(count_key, 0) + n
        if row_key:
            row_bucket = per_row.setdefault((question_key, row_key), {})
            row_bucket[count_key] = row_bucket.get(count_key, 0) + n
        question = by_key.get(question_key)
        if option_id is None or question is None:
            continue
        option = question.option_by_pk(option_id)
        if option is None:
            continue
        tally("question", question_key, "").add(option, n)
        if row_key:
            tally("row", question_key, row_key).add(option, n)
        tally("group", question_key, group).add(option, n)
        tally("channel", question_key, channel).add(option, n)

    matrix_keys = [q.key for q in questions if q.field_type == MATRIX and q.is_rated]
    clusters = {}  # (kind, question key, slice) -> ClusterSums
    if matrix_keys:
        for (question_key, group, channel), sums in source.matrix_clusters(
            matrix_keys
        ).items():
            for key in (
                ("question", question_key, ""),
                ("group", question_key, group),
                ("channel", question_key, channel),
            ):
                clusters[key] = clusters.get(key, stats.ClusterSums()) + sums

    def result(*key):
        item = tallies.get(key)
        return _result(survey, item.as_tuple() if item else None, clusters.get(key))

    populations = group_populations(survey=survey)

    def weighted(question_key):
        if not populations:
            return None
        answered_groups = {
            g for kind, q, g in tallies if kind == "group" and q == question_key
        }
        return stats.post_stratify(
            {g: (n, result("group", question_key, g)) for g, n in populations.items()},
            unweighted=sorted(
                g
                for g in answered_groups - set(populations)
                if tallies[("group", question_key, g)].valid
            ),
        )

    rated_keys = [q.key for q in questions if q.is_rated]
    overall = None
    if rated_keys:
        pooled = _Tally()
        for key in rated_keys:
            item = tallies.get(("question", key, ""))
            if item is not None:
                pooled.satisfied += item.satisfied
                pooled.valid += item.valid
                pooled.score_sum += item.score_sum
        overall_clusters = None
        if pooled.valid:
            overall_clusters = source.overall_clusters(rated_keys)
        overall = _result(survey, pooled.as_tuple(), overall_clusters)

    channel_labels = dict(Channel.choices)
    group_names = sorted(group_counts)
    # Groups are stored as the source words them, shown as the questions do.
    group_texts = {
        choice: text
        for q in questions
        if q.field_type == GROUP
        for choice, text in q.choice_pairs()
    }
    total_responses = sum(channel_counts.values())
    conditional = logic.conditional_keys(questions)
    not_asked = source.not_asked() if conditional else {}
    results = []
    for question in questions:
        counts = per_question.get(question.key, {})
        item = QuestionResult(
            question=question,
            answered=sum(counts.values()),
            options=_option_counts(question, counts),
            asked=total_responses - not_asked.get(question.key, 0)
            if question.key in conditional
            else None,
        )
        if question.is_rated:
            item.result = result("question", question.key, "")
            item.weighted = weighted(question.key)
            if question.field_type == MATRIX:
                item.rows = [
                    Breakdown(
                        row.key,
                        row.text,
                        result("row", question.key, row.key),
                        unit_id=row.unit_id,
                        options=_option_counts(
                            question, per_row.get((question.key, row.key), {})
                        ),
                    )
                    for row in question.rows
                ]
            item.groups = [
                Breakdown(g, group_texts.get(g, g), result("group", question.key, g))
                for g in group_names
            ]
            item.channels = [
                Breakdown(c, str(channel_labels[c]), result("channel", question.key, c))
                for c in channel_labels
                if channel_counts.get(c)
            ]
        results.append(item)
    return SurveyResults(
        survey=survey,
        responses=sum(channel_counts.values()),
        channels=[
            (c, str(label), channel_counts.get(c, 0)) for c, label in Channel.choices
        ],
        groups=sorted(group_counts.items()),
        questions=results,
        overall=overall,
        first_day=min(days) if days else None,
        last_day=max(days) if days else None,
    )


def public_results(*, survey, questions=None, min_cell_size=None) -> SurveyResults:
    """:func:`survey_results` as the public may see it: small cells suppressed.

    In each breakdown of each question (matrix rows, respondent groups,
    channels) a slice with fewer than ``min_cell_size`` respondents (default
    ``WAGTAIL_PILOTS["SURVEY_MIN_CELL_SIZE"]``) is marked ``suppressed``, with
    complementary suppression (:func:`.stats.cells_to_suppress`); so are the
    channels' response counts in the summary. The weighted rate is withheld
    while a group is hidden: with the populations, the raw rate and the shown
    groups it would be one more equation for the hidden ones. A question asked
    of 1 to k − 1 respondents (a conditional question's base, or every question
    of a survey with fewer than k responses) is ``suppressed`` as a whole, and
    so is the headline rate of such a survey: the total is a slice too. Free-text
    answers are never part of a result. Editors in the admin use
    :func:`survey_results`.
    """
    from wagtail_pilots.conf import pilots_settings

    k = min_cell_size or pilots_settings.SURVEY_MIN_CELL_SIZE
    results = survey_results(survey=survey, questions=questions)
    results.min_cell_size = k
    results.overall_suppressed = 0 < results.responses < k
    for item in results.questions:
        base = results.responses if item.asked is None else item.asked
        if 0 < base < k:
            item.suppressed = True
        if item.question.field_type == GROUP:
            # The group question's answers are the groups' sizes.
            hidden = stats.cells_to_suppress([o.count for o in item.options], k)
            for position in hidden:
                item.options[position].suppressed = True
        for slices in (item.rows, item.groups, item.channels):
            hidden = stats.cells_to_suppress([b.respondents for b in slices], k)
            for position in hidden:
                slices[position].suppressed = True
        if item.weighted is not None and any(g.suppressed for g in item.groups):
            item.weighted = None
            item.weighted_suppressed = True
    channels = results.channels
    hidden = stats.cells_to_suppress([n for _c, _l, n in channels], k)
    results.hidden_channels = frozenset(channels[i][0] for i in hidden)
    return results


def _unit_answers(*, survey, unit_ids=None):
    queryset = SurveyAnswer.objects.filter(
        survey_id=getattr(survey, "pk", survey), unit__isnull=False
    ).exclude(row_key="")
    if unit_ids is not None:
        queryset = queryset.filter(unit_id__in=list(unit_ids))
    return queryset


def group_populations(*, survey) -> dict[str, int]:
    """``{respondent group: population}`` the editor entered (may be empty).

    A survey page built on the mixin without the ``group_populations`` inline
    simply has none."""
    related = getattr(survey, "group_populations", None)
    if related is None:
        return {}
    return {p.group: p.population for p in related.all()}


def satisfaction_by_unit(
    *, survey, unit_ids=None, question_key=None
) -> dict[int, dict]:
    """``{unit_id: {"satisfied": int, "valid": int, "score_sum": Decimal}}`` over the
    matrix-row answers tied to a unit (every matrix question of ``survey``, or only
    ``question_key``); blank and excluded answers are not in ``valid``. One query.
    """
    queryset = _unit_answers(survey=survey, unit_ids=unit_ids)
    if question_key is not None:
        queryset = queryset.filter(question_key=question_key)
    return {
        key[0]: {"satisfied": satisfied, "valid": valid, "score_sum": score_sum}
        for key, (satisfied, valid, score_sum, _answered) in _rated_aggregates(
            queryset, ["unit_id"]
        ).items()
    }


def satisfaction_results_by_unit(
    *, survey, unit_ids=None, question_key=None
) -> dict[int, stats.SatisfactionResult]:
    """``{unit_id: SatisfactionResult}``: the survey's own result for each unit
    (rate, index, n, and its verdicts on the minimum sample and threshold), over
    the matrix-row answers tied to a unit. One query.

    This is the public entry point for other apps (a scorecard's survey
    criterion): they read the survey's figures and verdicts, never recompute them.
    """
    counts = satisfaction_by_unit(
        survey=survey, unit_ids=unit_ids, question_key=question_key
    )
    clusters = {}
    if question_key is None:
        # Several matrix questions may ask about one unit: then one respondent
        # gives several answers about it (one per question).
        clusters = {
            key[0]: sums
            for key, sums in _cluster_sums(
                _unit_answers(survey=survey, unit_ids=unit_ids), ["unit_id"]
            ).items()
        }
    return {
        unit_id: _result(
            survey,
            (row["satisfied"], row["valid"], row["score_sum"], 0),
            clusters.get(unit_id),
        )
        for unit_id, row in counts.items()
    }


def unit_questions(*, survey) -> list[tuple[str, str]]:
    """``[(question key, label)]`` of the questions that rate units (matrix
    questions with a row tied to a unit), in order: the questions a scorecard's
    survey criterion can take its figure from (one query plus prefetches).
    A page that is not a survey has none."""
    survey = getattr(survey, "specific", survey)
    if not hasattr(survey, "get_form_fields"):
        return []
    return [
        (q.key, q.label)
        for q in survey_questions(survey)
        if q.field_type == MATRIX and any(r.unit_id for r in q.rows)
    ]


def satisfaction_result(*, survey, question_key=None) -> stats.SatisfactionResult:
    """Every rated answer of ``survey`` (or of one question) pooled into one result.

    Pooled answers hold several per respondent, so the result carries the
    per-respondent sums for a respondent-level interval (one more query)."""
    queryset = SurveyAnswer.objects.filter(survey_id=survey.pk)
    if question_key is not None:
        queryset = queryset.filter(question_key=question_key)
    aggregate = queryset.filter(option__isnull=False).aggregate(
        satisfied=Count("id", filter=SATISFIED),
        valid=Count("id", filter=VALID),
        score_sum=Sum("option__score", filter=VALID),
    )
    return _result(
        survey,
        (
            aggregate["satisfied"],
            aggregate["valid"],
            Decimal(aggregate["score_sum"] or 0),
            0,
        ),
        _cluster_sums(queryset, []).get(()),
    )


def survey_comparison(*, before, after, question_key=None) -> stats.Comparison:
    """Compare two surveys' pooled satisfaction (e.g. last year and this year)."""
    return stats.compare(
        satisfaction_result(survey=before, question_key=question_key),
        satisfaction_result(survey=after, question_key=question_key),
    )


def export_value(value, row_key=None):
    """A stored answer as an export cell: "not asked" and "other" in words."""
    if value is None:
        return str(NOT_ASKED_LABEL)
    if row_key is not None:
        value = value.get(row_key, "") if isinstance(value, dict) else ""
    if isinstance(value, list):
        return "; ".join(
            str(OTHER_LABEL) if v == logic.OTHER else str(v) for v in value
        )
    if value == logic.OTHER:
        return str(OTHER_LABEL)
    return value


def raw_response_rows(*, survey, questions=None):
    """Header and an iterator of rows for the raw export (streamed in chunks)."""
    questions = questions if questions is not None else survey_questions(survey)
    header = ["id", "submitted_on", "submitted_at", "channel", "group"]
    columns = []
    for q in questions:
        if q.field_type == MATRIX:
            for row in q.rows:
                header.append(f"{q.label} / {row.label}")
                columns.append((q.key, row.key))
        else:
            header.append(q.label)
            columns.append((q.key, None))
            # "Other, please specify" and the follow-up: their own columns.
            if logic.offers_other(q):
                header.append(f"{q.label} / {OTHER_LABEL}")
                columns.append((q.key + logic.OTHER_SUFFIX, None))
            if q.follow_up_options and q.field_type in logic.FOLLOW_UP_TYPES:
                label = q.follow_up_label or pgettext("survey", "follow-up")
                header.append(f"{q.label} / {label}")
                columns.append((q.key + logic.FOLLOW_UP_SUFFIX, None))

    def rows():
        queryset = (
            SurveyResponse.objects.filter(survey_id=survey.pk)
            .order_by("pk")
            .values_list(
                "pk", "submitted_on", "submitted_at", "channel", "group", "data"
            )
        )
        for pk, on, at, channel, group, data in queryset.iterator(chunk_size=2000):
            line = [pk, on, at, channel, group]
            for key, row_key in columns:
                line.append(export_value((data or {}).get(key, ""), row_key))
            yield line

    return header, rows()


# Quotas and response rates --------------------------------------------------


@dataclass
class QuotaFill:
    """One quota of a survey with how full it is: ``count`` of ``limit``."""

    kind: str  # "group" or "unit"
    name: str
    count: int
    limit: int

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    @property
    def fraction(self) -> Decimal | None:
        return stats.response_rate(self.count, self.limit)


def quota_responses_counted(survey, key, *, exclude=None):
    """How many stored responses count towards ``key``, counted by the
    database (less the response ``exclude``, being stored)."""
    kind, value = key
    if kind == "unit":
        answers = SurveyAnswer.objects.filter(survey_id=survey.pk, unit_id=value)
        if exclude is not None:
            answers = answers.exclude(response_id=exclude)
        return answers.values("response_id").distinct().count()
    responses = SurveyResponse.objects.filter(survey_id=survey.pk, group=value)
    if exclude is not None:
        responses = responses.exclude(pk=exclude)
    return responses.count()


def survey_quota_rows(survey):
    model = (
        type(survey).get_quota_model() if hasattr(survey, "get_quota_model") else None
    )
    if model is None:
        return []
    return list(
        model.objects.filter(page_id=survey.pk)
        .values_list("group", "unit_id", "unit__name", "limit", "paper_issued")
        .order_by("sort_order", "pk")
    )


def survey_quotas(*, survey, rows=None, counters=None) -> list[QuotaFill]:
    """The survey's quotas per group and unit with their fill level, from
    the counters the response service keeps (two queries; ``rows`` from
    :func:`survey_quota_rows` and ``counters`` given: none)."""
    from .models import SurveyQuotaCount

    rows = survey_quota_rows(survey) if rows is None else rows
    limited = [r for r in rows if r[3] is not None]
    if not limited:
        return []
    if counters is None:
        counters = {}
        for group, unit_id, count in SurveyQuotaCount.objects.filter(
            survey_id=survey.pk
        ).values_list("group", "unit_id", "count"):
            key = ("unit", unit_id) if unit_id is not None else ("group", group)
            counters[key] = count
    counters = dict(counters)
    fills = []
    for group, unit_id, unit_name, limit, _paper in limited:
        key = ("unit", unit_id) if unit_id is not None else ("group", group)
        if key not in counters:  # no response counted since the quota came
            counters[key] = quota_responses_counted(survey, key)
        fills.append(
            QuotaFill(
                kind=key[0],
                name=unit_name if unit_id is not None else group,
                count=counters[key],
                limit=limit,
            )
        )
    return fills


@dataclass
class RateLine:
    """``returned`` of ``issued`` for one slice (a batch, group or unit)."""

    label: str
    issued: int
    returned: int

    @property
    def rate(self) -> Decimal | None:
        return stats.response_rate(self.returned, self.issued)


@dataclass
class ResponseRates:
    """Codes issued and used (per batch, group, unit) and paper
    questionnaires issued and returned (overall, per group, per unit)."""

    codes: RateLine | None = None
    code_batches: list[RateLine] = field(default_factory=list)
    code_groups: list[RateLine] = field(default_factory=list)
    code_units: list[RateLine] = field(default_factory=list)
    paper: RateLine | None = None
    paper_groups: list[RateLine] = field(default_factory=list)
    paper_units: list[RateLine] = field(default_factory=list)

    def __bool__(self):
        return bool(
            self.codes is not None
            or self.paper is not None
            or self.paper_groups
            or self.paper_units
        )

    def table(self):
        """``(kind, slice, line)`` for every figure, in display order."""
        out = []
        if self.codes is not None:
            out.append(("codes", "all", self.codes))
            out += [("codes", "batch", line) for line in self.code_batches]
            out += [("codes", "group", line) for line in self.code_groups]
            out += [("codes", "unit", line) for line in self.code_units]
        if self.paper is not None:
            out.append(("paper", "all", self.paper))
        out += [("paper", "group", line) for line in self.paper_groups]
        out += [("paper", "unit", line) for line in self.paper_units]
        return out


PAPER_CHANNELS = (Channel.PAPER, Channel.IMPORT)


def survey_response_rates(*, survey, quota_rows=None) -> ResponseRates:
    """Response rates, counted by the database: one GROUP BY over the access
    codes (issued = rows, used = rows with a day of use: no code is joined
    to a response, so anonymous surveys count the same way), and, when the
    editor entered paper questionnaires issued, the responses typed in or
    imported per group and per unit. At most four queries."""
    rates = ResponseRates()
    code_rows = list(
        AccessCode.objects.filter(survey_id=survey.pk)
        .values_list("batch", "group", "unit_id", "unit__name")
        .annotate(issued=Count("pk"), used=Count("used_on"))
        .order_by()
    )
    if code_rows:
        total = RateLine(pgettext("response rate", "all codes"), 0, 0)
        slices = ({}, {}, {})
        for batch, group, unit_id, unit_name, issued, used in code_rows:
            total.issued += issued
            total.returned += used
            for index, (key, label) in enumerate(
                ((batch, batch), (group, group), (unit_id, unit_name))
            ):
                if not key:
                    continue
                line = slices[index].setdefault(key, RateLine(label, 0, 0))
                line.issued += issued
                line.returned += used
        rates.codes = total
        rates.code_batches, rates.code_groups, rates.code_units = (
            sorted(s.values(), key=lambda line: str(line.label)) for s in slices
        )
    quota_rows = survey_quota_rows(survey) if quota_rows is None else quota_rows
    paper_groups = {
        g: n for g, u, _name, _l, n in quota_rows if n is not None and u is None
    }
    paper_units = {
        u: (name, n)
        for _g, u, name, _l, n in quota_rows
        if n is not None and u is not None
    }
    paper_issued = getattr(survey, "paper_issued", None)
    if paper_issued is None and not paper_groups and not paper_units:
        return rates
    paper = SurveyResponse.objects.filter(
        survey_id=survey.pk, channel__in=PAPER_CHANNELS
    )
    by_group = dict(paper.values_list("group").annotate(n=Count("pk")).order_by())
    if paper_issued is not None:
        rates.paper = RateLine(
            pgettext("response rate", "all paper questionnaires"),
            paper_issued,
            sum(by_group.values()),
        )
    rates.paper_groups = [
        RateLine(group, issued, by_group.get(group, 0))
        for group, issued in paper_groups.items()
    ]
    if paper_units:
        returned = dict(
            SurveyAnswer.objects.filter(
                survey_id=survey.pk,
                channel__in=PAPER_CHANNELS,
                unit_id__in=list(paper_units),
            )
            .values_list("unit_id")
            .annotate(n=Count("response_id", distinct=True))
            .order_by()
        )
        rates.paper_units = [
            RateLine(name, issued, returned.get(unit_id, 0))
            for unit_id, (name, issued) in paper_units.items()
        ]
    return rates


def survey_responses_list(*, survey, filters=None, search=""):
    """The responses of ``survey`` for the admin's list, newest first, narrowed
    by ``filters`` and by ``search`` (part of a questionnaire serial number, or
    a response number such as ``#12``), all in SQL."""
    responses = survey.get_submission_class().objects.filter(survey_id=survey.pk)
    if filters:
        responses = filters.apply_to_responses(survey=survey, responses=responses)
    search = (search or "").strip()
    if search:
        condition = Q(serial__icontains=search)
        number = search.removeprefix("#").strip()
        if number.isdigit():
            condition |= Q(pk=int(number))
        responses = responses.filter(condition)
    return responses.order_by("-pk").only(
        "pk", "survey_id", "channel", "group", "serial", "submitted_on", "submitted_at"
    )


def units_of_responses(*, survey, response_ids) -> dict[int, list[str]]:
    """The evaluated units' names of each response (the units its matrix
    answers rate), one query for a whole page of the list."""
    units: dict[int, list[str]] = {}
    rows = (
        SurveyAnswer.objects.filter(
            survey_id=survey.pk, response_id__in=response_ids, unit__isnull=False
        )
        .values_list("response_id", "unit__name")
        .order_by("response_id", "unit__code", "unit_id")
        .distinct()
    )
    for response_id, name in rows:
        names = units.setdefault(response_id, [])
        if name not in names:
            names.append(name)
    return units


@dataclass
class AnswerLine:
    """One line of a response's detail: a question (or a matrix row, or the
    text of a follow-up / "other") and what was answered. ``state`` is
    ``answered``, ``unanswered`` or ``not_asked``."""

    label: str
    answer: str = ""
    state: str = "answered"
    level: int = 0


def response_answer_lines(*, questions, data) -> list[AnswerLine]:
    """Every question of the survey with the answer stored in ``data``: matrix
    rows one by one, the "other" text and the follow-up under their question,
    a question hidden by its conditions as not asked (``None`` stored) and an
    empty answer (blank on paper, skipped online) as unanswered."""
    data = data or {}
    lines: list[AnswerLine] = []

    def line(label, value, level=0):
        if value is None:
            lines.append(AnswerLine(label, state="not_asked", level=level))
        elif value in ("", [], {}):
            lines.append(AnswerLine(label, state="unanswered", level=level))
        else:
            lines.append(AnswerLine(label, str(export_value(value)), level=level))

    def worded(question, value):
        # Stored as the source words it, shown as ``questions`` word it.
        if isinstance(value, list):
            return [question.text_of(v) for v in value]
        return question.text_of(value) if isinstance(value, str) else value

    for question in questions:
        value = data.get(question.key, "")
        if question.field_type == MATRIX and value is not None:
            lines.append(AnswerLine(question.label, state="heading"))
            for row in question.rows:
                line(row.text, worded(question, export_value(value, row.key)), level=1)
            continue
        line(question.label, worded(question, value))
        if value is None:
            continue
        other = data.get(question.key + logic.OTHER_SUFFIX)
        if other:
            line(str(OTHER_LABEL), other, level=1)
        follow_up = data.get(question.key + logic.FOLLOW_UP_SUFFIX)
        if follow_up:
            label = question.follow_up_label or pgettext("survey", "follow-up")
            line(label, follow_up, level=1)
    return lines


def results_table_rows(results: SurveyResults, rates: ResponseRates | None = None):
    """Header and rows for the results export: one line per question, matrix row,
    group and channel, with counts, rate, interval, index and flags (rounded);
    then, given ``rates`` (:func:`survey_response_rates`), one line per
    response rate: ``codes`` or ``paper`` in the question column, the slice
    and its name, issued, returned (codes used, questionnaires back) and the
    rate."""
    header = [
        "question",
        "slice",
        "value",
        "valid",
        "satisfied",
        "rate_percent",
        "wilson_low_percent",
        "wilson_high_percent",
        "index",
        "insufficient_sample",
        "below_threshold",
        "asked",
        "issued",
        "returned",
        "response_rate_percent",
    ]

    def line(item, slice_name, value, result):
        question = item.question
        interval = result.interval_percent or (None, None)
        return [
            question.label,
            slice_name,
            value,
            result.valid,
            result.satisfied,
            stats.round_half_up(result.rate_percent),
            stats.round_half_up(interval[0]),
            stats.round_half_up(interval[1]),
            stats.round_half_up(result.index),
            result.insufficient_sample,
            result.below_threshold,
            asked(item),
            None,
            None,
            None,
        ]

    def asked(item):
        # The base of a conditional question: the respondents who were shown it.
        return results.responses if item.asked is None else item.asked

    rows = []
    for item in results.questions:
        if item.result is None:
            for option in item.options:
                rows.append(
                    [item.question.label, "option", option.label, option.count]
                    + [None] * 7
                    + [asked(item), None, None, None]
                )
            continue
        rows.append(line(item, "all", "", item.result))
        for b in item.rows:
            rows.append(line(item, "row", b.label, b.result))
        for b in item.groups:
            rows.append(line(item, "group", b.label, b.result))
        for b in item.channels:
            rows.append(line(item, "channel", b.label, b.result))
    for kind, slice_name, rate in rates.table() if rates else ():
        rows.append(
            [kind, slice_name, rate.label]
            + [None] * 9
            + [
                rate.issued,
                rate.returned,
                stats.round_half_up(stats.as_percent(rate.rate)),
            ]
        )
    return header, rows


# Open surveys for the public listings ---------------------------------------

TEXT_TYPES = ("singleline", "multiline", "email", "number", "url", "date", "datetime")


@dataclass
class OpenSurvey:
    """One line of the open-surveys listing."""

    page: object
    closes_at: object
    minutes: int
    code_required: bool


def surveys_open(*, now=None, limit=None, parent=None):
    """The live, public surveys a visitor can answer now, closing soonest first
    (those without a closing date last), with the minutes they take.

    A fixed number of queries: the pages, their questions and the matrix units,
    whatever the number of surveys.
    """
    now = now or timezone.now()
    pages = []
    # Every survey page type (a site's own too): a fixed number of queries each.
    for model in root_page_models_using(SurveyPageMixin):
        found = (
            model.objects.live()
            .public()
            .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
            .filter(
                Q(max_responses__isnull=True) | Q(response_count__lt=F("max_responses"))
            )
        )
        if parent is not None:
            # Under the parent or under its translations: a listing in one
            # language lists the surveys of the section in every language.
            parents = [parent]
            if i18n_enabled():
                parents = list(parent.get_translations(inclusive=True))
            under = Q()
            for section in parents:
                under |= Q(path__startswith=section.path, depth__gt=section.depth)
            found = found.filter(under)
        # Each survey once, decided by its source's dates and count.
        found = (
            source_surveys(found)
            .order_by(F("closes_at").asc(nulls_last=True), "title")
            .prefetch_related(
                Prefetch(
                    "form_fields",
                    queryset=model.get_question_model()
                    .objects.only("pk", "page_id", "field_type", "rows")
                    .prefetch_related("row_units"),
                )
            )
        )
        pages += found[:limit] if limit else found
    pages.sort(key=lambda page: page.title)
    pages.sort(key=lambda page: (page.closes_at is None, page.closes_at or now))
    if limit:
        pages = pages[:limit]
    shown = _in_active_language(pages)
    result = []
    for page in pages:
        choices = texts = 0
        for question in page.form_fields.all():
            if question.field_type == MATRIX:
                choices += len(question.row_labels()) + len(question.row_units.all())
            elif question.field_type in TEXT_TYPES:
                texts += 1
            else:
                choices += 1
        result.append(
            OpenSurvey(
                page=shown.get(page.pk, page),
                closes_at=page.closes_at,
                minutes=stats.answer_minutes(choices=choices, texts=texts),
                code_required=page.access == Access.CODE,
            )
        )
    return result


def _in_active_language(pages):
    """``{source pk: its live, public translation in the active language}``
    for the ``pages`` translated into it (one query per page type; none
    without Wagtail's i18n or in the default language)."""
    from wagtail.models import Locale

    if not pages or not i18n_enabled():
        return {}
    try:
        active = Locale.get_active()
    except (LookupError, Locale.DoesNotExist):
        return {}
    if active.pk == default_locale_id():
        return {}
    shown = {}
    for model in {type(page) for page in pages}:
        sources = {p.translation_key: p.pk for p in pages if type(p) is model}
        for translation in (
            model.objects.live()
            .public()
            .filter(translation_key__in=sources, locale_id=active.pk)
        ):
            shown[sources[translation.translation_key]] = translation
    return shown


def survey_groups_and_units(*, survey, questions=None):
    """The respondent groups (from the group questions' choices) and the units
    (matrix rows made from units) a survey asks about, in survey order: what an
    access code may be tied to."""
    questions = survey_questions(survey) if questions is None else questions
    groups: list[str] = []
    unit_ids: list[int] = []
    for question in questions:
        if question.field_type == GROUP:
            groups += [c for c in question.choices if c not in groups]
        unit_ids += [
            row.unit_id
            for row in question.rows
            if row.unit_id is not None and row.unit_id not in unit_ids
        ]
    return groups, unit_ids


def access_code_problem(*, survey, code):
    """Why ``code`` cannot be used for ``survey`` (a message), or ``None`` when
    it can. Reads only: the code is used up when the answers are stored."""
    normalised = code_utils.normalise_code(code or "")
    if not normalised:
        return _("Enter your access code.")
    access_code = AccessCode.lookup(
        page=survey,
        code=normalised,
        queryset=AccessCode.objects.only("pk", "digest", "used_on", "survey_id"),
    )
    if access_code is None:
        return code_not_valid_message()
    if access_code.is_used:
        return code_used_message()
    return None


# The admin dashboard ----------------------------------------------------------


@dataclass
class DashboardSurvey:
    """One line of the dashboard's open-surveys panel."""

    page: object
    today: int
    total: int
    days_left: int | None
    #: Questions whose overall rate (from a sufficient sample) is below the
    #: survey's threshold.
    below_threshold: list[str]
    #: The survey's quotas per group or unit with their fill level.
    quotas: list[QuotaFill] = field(default_factory=list)


def surveys_for_dashboard(*, pages, now=None, limit=20):
    """The open surveys among ``pages`` (a page queryset, already limited to what
    the user may edit), closing soonest first, with today's and all responses,
    days left and the questions below threshold.

    A fixed number of queries whatever the number of surveys: the pages (one
    per page type), today's responses (GROUP BY survey), the rated answers
    (GROUP BY survey and question) and the questions' labels.
    """
    from ..pages import pages_using
    from .models import SurveyPageMixin

    now = now or timezone.now()
    today = timezone.localdate(now)
    sources = source_surveys(
        pages_using(SurveyPageMixin).filter(pk__in=pages.values("pk"))
    )
    surveys = []
    for page in sources.live().specific():
        # Each survey once, as its source (its translations pool into it).
        page.__dict__["_wp_survey_source"] = page
        if page.get_state(now) == SurveyState.OPEN:
            surveys.append(page)
    surveys.sort(key=lambda p: (p.closes_at is None, p.closes_at or now, p.title))
    surveys = surveys[:limit]
    ids = [p.pk for p in surveys]
    today_counts = dict(
        SurveyResponse.objects.filter(survey_id__in=ids, submitted_on=today)
        .values("survey_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("survey_id", "n")
    )
    below = {pk: [] for pk in ids}
    by_pk = {p.pk: p for p in surveys}
    rated = _rated_aggregates(
        SurveyAnswer.objects.filter(survey_id__in=ids), ("survey_id", "question_key")
    )
    flagged = []
    for (survey_id, key), (satisfied, valid, _score, _answered) in rated.items():
        page = by_pk[survey_id]
        if stats.is_insufficient(valid, page.minimum_sample):
            continue
        rate = stats.satisfaction_rate(satisfied, valid)
        if stats.is_below_threshold(rate, page.threshold):
            flagged.append((survey_id, key))
    if flagged:
        # One query per page type for the flagged questions' labels.
        flagged_ids = {survey_id for survey_id, _key in flagged}
        by_model = {}
        for page in surveys:
            if page.pk in flagged_ids:
                by_model.setdefault(type(page).get_question_model(), []).append(page.pk)
        labels = {}
        for question_model, page_ids in by_model.items():
            labels.update(
                {
                    (page_id, key): label
                    for page_id, key, label in question_model.objects.filter(
                        page_id__in=page_ids
                    ).values_list("page_id", "clean_name", "label")
                }
            )
        for survey_id, key in sorted(flagged):
            below[survey_id].append(labels.get((survey_id, key), key))
    quotas = _dashboard_quotas(surveys)
    return [
        DashboardSurvey(
            page=page,
            today=today_counts.get(page.pk, 0),
            total=page.response_count,
            days_left=(timezone.localdate(page.closes_at) - today).days
            if page.closes_at
            else None,
            below_threshold=below[page.pk],
            quotas=quotas.get(page.pk, []),
        )
        for page in surveys
    ]


def _dashboard_quotas(surveys):
    """``{survey pk: [QuotaFill]}``: one query per page type for the quotas,
    one for all their counters."""
    from .models import SurveyQuotaCount

    by_model = {}
    for page in surveys:
        model = (
            type(page).get_quota_model() if hasattr(page, "get_quota_model") else None
        )
        if model is not None:
            by_model.setdefault(model, []).append(page.pk)
    rows = {}
    for model, page_ids in by_model.items():
        for page_id, *row in (
            model.objects.filter(page_id__in=page_ids, limit__isnull=False)
            .values_list(
                "page_id", "group", "unit_id", "unit__name", "limit", "paper_issued"
            )
            .order_by("page_id", "sort_order", "pk")
        ):
            rows.setdefault(page_id, []).append(tuple(row))
    if not rows:
        return {}
    counters = {}
    for survey_id, group, unit_id, count in SurveyQuotaCount.objects.filter(
        survey_id__in=list(rows)
    ).values_list("survey_id", "group", "unit_id", "count"):
        key = ("unit", unit_id) if unit_id is not None else ("group", group)
        counters.setdefault(survey_id, {})[key] = count
    by_pk = {page.pk: page for page in surveys}
    return {
        pk: survey_quotas(
            survey=by_pk[pk], rows=page_rows, counters=counters.get(pk, {})
        )
        for pk, page_rows in rows.items()
    }
