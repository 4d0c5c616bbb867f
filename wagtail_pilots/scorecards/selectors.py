"""Reads: a scorecard's configuration and its aggregated ballots, fed to scoring.

Every aggregate is computed by the database: counts, sums, minimum and maximum per
(group, subject, criterion) cell with GROUP BY for mean groups and vote groups;
for trimmed-mean and median groups only the ``value`` column of the cells,
ordered by the database, is fetched — never whole ballot objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import (
    Avg,
    BigIntegerField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext as _

from .. import decimals
from ..pages import root_page_models_using
from . import scoring
from .models import (
    VOTE_ABSTAIN,
    VOTE_NO,
    VOTE_YES,
    AbstractScorecardSnapshot,
    ScorecardPageMixin,
)


@dataclass
class Loaded:
    """Everything :func:`scoring.compute` needs, plus names for display."""

    config: scoring.Config
    subjects: list
    scores: scoring.ScaledScores
    votes: dict
    surveys: dict
    criteria: dict  # pk -> ScorecardCriterion
    groups: dict  # pk -> EvaluatorGroup
    subject_objects: dict  # pk -> ScorecardSubject
    ballot_count: int  # individual scores and votes
    sheet_count: int = 0  # ballot sheets: the evaluators who took part


def scorecard_config(*, scorecard):
    """The scoring configuration and subjects of a scorecard page (its saved
    inlines), keyed by primary keys."""
    criteria = list(scorecard.criteria.all())
    groups = list(scorecard.groups.all())
    by_name = {c.name: c.pk for c in criteria}
    ballot_criteria = tuple(
        c.pk for c in criteria if c.source == scoring.SOURCE_BALLOTS
    )
    config_groups = []
    for g in groups:
        names = g.criteria_names()
        scored = (
            tuple(by_name[n] for n in names if n in by_name)
            if names
            else ballot_criteria
        )
        config_groups.append(
            scoring.Group(
                key=g.pk,
                name=g.name,
                weight=g.weight,
                criteria=scored,
                kind=g.kind,
                aggregation=g.aggregation,
                trim=g.trim,
                min_ballots=g.min_ballots,
            )
        )
    group_by_name = {g.name: g.pk for g in groups}
    gates = []
    for gate in scorecard.gates.all():
        pool = group_by_name if gate.target == scoring.GATE_GROUP else by_name
        gates.append(
            scoring.Gate(
                gate.target,
                pool.get(gate.target_name, gate.target_name),
                gate.threshold,
            )
        )
    config = scoring.Config(
        quorum=_quorum(scorecard),
        electorates=electorates(scorecard=scorecard, groups=groups),
        criteria=tuple(
            scoring.Criterion(
                key=c.pk,
                name=c.name,
                weight=c.weight,
                minimum=c.minimum,
                maximum=c.maximum,
                source=c.source,
            )
            for c in criteria
        ),
        groups=tuple(config_groups),
        gates=tuple(gates),
        shortlist=scorecard.shortlist_size,
        bottom=scorecard.bottom_size,
        tie_break=scorecard.tie_break,
        missing_policy=scorecard.missing_group_policy,
        small_n=scorecard.small_sample,
    )
    return config


def _quorum(scorecard):
    try:
        return scoring.parse_quorum(scorecard.quorum)
    except scoring.ScoringInputError:
        return None  # refused by the page form; an old value is simply not applied


def electorates(*, scorecard, groups=None):
    """``{(group pk, subject pk): expected headcount}`` (see
    :func:`scoring.electorate`): codes issued per unit for own-unit groups, the
    group's expected headcount otherwise, less the subject's own codes.

    One GROUP BY over the codes, and only when a group needs it."""
    groups = list(scorecard.groups.all()) if groups is None else groups
    wanted = [g for g in groups if g.own_unit_only or g.expected_headcount is not None]
    if not wanted:
        return {}
    subjects = list(scorecard.subjects.values_list("pk", "home_unit_id"))
    by_unit: dict = {}
    own: dict = {}
    rows = (
        scorecard.get_access_code_model()
        .objects.filter(scorecard=scorecard)
        .values("group_id", "unit_id", "subject_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("group_id", "unit_id", "subject_id", "n")
    )
    for group_id, unit_id, subject_id, n in rows:
        units = by_unit.setdefault(group_id, {})
        units[unit_id] = units.get(unit_id, 0) + n
        if subject_id is not None:
            own[(group_id, subject_id)] = own.get((group_id, subject_id), 0) + n
    result = {}
    for g in wanted:
        for subject_pk, home_unit in subjects:
            expected = scoring.electorate(
                own_unit_only=g.own_unit_only,
                expected_headcount=g.expected_headcount,
                home_unit=home_unit,
                codes_by_unit=by_unit.get(g.pk, {}),
                own_codes=own.get((g.pk, subject_pk), 0),
            )
            if expected is not None:
                result[(g.pk, subject_pk)] = expected
    return result


def score_inputs(*, scorecard, config):
    """``(scores, votes)`` for :func:`scoring.compute`, aggregated in SQL, with
    every figure a Decimal: a :class:`~.scoring.ScoreSummary` per mean cell, the
    ordered values of the other cells (see :func:`score_cells`)."""
    scaled, votes = score_cells(scorecard=scorecard, config=config)
    return scaled.as_decimals(), votes


def _units(places):
    """A ballot's value as a whole number of ``10**-places`` (SQL): exact, as
    values are stored with that many decimals."""
    return Cast(Round(F("value") * 10**places), BigIntegerField())


def _rows(queryset):
    """The rows of a ``values_list()`` query as the database driver gives them:
    plain tuples, without Django's per-value converters (every column read this
    way is an integer already)."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        with scoring.cycle_collection_paused():
            return cursor.fetchall()


def score_cells(*, scorecard, config):
    """``(ScaledScores, votes)`` for :func:`scoring.compute`, aggregated in SQL.

    Integers from the database to the end: each value is read as a whole number
    of ``10**-STORED_PLACES``, so neither the database nor Python makes a
    ``Decimal`` per value. Mean groups: one grouped query gives each
    (group, subject, criterion) cell's count, sum, minimum and maximum as a
    tuple. Trimmed-mean and median groups: the values of each cell, ordered by
    the database. Vote groups: yes, no and abstain counted per (group, subject).

    Ballots for a (group, criterion) pair the configuration no longer contains
    (an editor changed what a group scores) are left out.
    """
    places = decimals.STORED_PLACES
    ballots = scorecard.get_ballot_model().objects.filter(scorecard=scorecard)
    scored_pairs = {(g.key, c) for g in config.groups for c in g.criteria}
    mean_groups = [
        g.key
        for g in config.groups
        if g.kind == scoring.KIND_SCORES and g.aggregation == scoring.AGG_MEAN
    ]
    ordered_groups = [
        g.key
        for g in config.groups
        if g.kind == scoring.KIND_SCORES and g.aggregation != scoring.AGG_MEAN
    ]
    vote_groups = [g.key for g in config.groups if g.kind == scoring.KIND_VOTES]
    cells = {}
    if mean_groups:
        units = _units(places)
        rows = (
            ballots.filter(group_id__in=mean_groups, criterion__isnull=False)
            .values("group_id", "subject_id", "criterion_id")
            .annotate(
                # COUNT(*): the covering index then answers alone (no id in it).
                n=Count("*"),
                # A sum of integers; cast, as PostgreSQL sums bigints as numeric.
                total=Cast(Sum(units), BigIntegerField()),
                lo=Min(units),
                hi=Max(units),
            )
            .order_by()
            # Tuples, not one dict per row.
            .values_list(
                "group_id", "subject_id", "criterion_id", "n", "total", "lo", "hi"
            )
        )
        for group_id, subject_id, criterion_id, n, total, lo, hi in _rows(rows):
            if (group_id, criterion_id) in scored_pairs:
                cells[(group_id, subject_id, criterion_id)] = (n, total, lo, hi)
    if ordered_groups:
        rows = (
            ballots.filter(group_id__in=ordered_groups, criterion__isnull=False)
            .order_by("group_id", "subject_id", "criterion_id", "value")
            .values_list("group_id", "subject_id", "criterion_id", _units(places))
        )
        # Consecutive rows of one cell (the query orders them) share one list.
        key = values = None
        for group_id, subject_id, criterion_id, value in _rows(rows):
            if key != (group_id, subject_id, criterion_id):
                if (group_id, criterion_id) not in scored_pairs:
                    continue
                key = (group_id, subject_id, criterion_id)
                values = cells[key] = []
            values.append(value)
    votes = {}
    if vote_groups:
        rows = (
            ballots.filter(group_id__in=vote_groups, criterion__isnull=True)
            .values("group_id", "subject_id")
            .annotate(
                yes=Count("id", filter=Q(vote=VOTE_YES)),
                no=Count("id", filter=Q(vote=VOTE_NO)),
                abstain=Count("id", filter=Q(vote=VOTE_ABSTAIN)),
            )
            .order_by()
            .values_list("group_id", "subject_id", "yes", "no", "abstain")
        )
        for group_id, subject_id, yes, no, abstain in rows:
            votes[(group_id, subject_id)] = scoring.VoteCounts(yes, no, abstain)
    return scoring.ScaledScores(places, cells), votes


def survey_inputs(*, criteria, subjects):
    """``{(subject pk, criterion pk): SurveyValue}`` for survey criteria.

    This is the only place the scorecards call into the surveys app, through its
    public selector :func:`~wagtail_pilots.surveys.selectors.satisfaction_results_by_unit`:
    a survey criterion takes, for each subject that is a unit, the survey's own
    result about that unit — its rate (or index), n, and its verdict on the
    survey's minimum sample. Nothing is recomputed here: a result the survey calls
    an insufficient sample is passed on as such, flagged by the scoring and
    handled by the missing-group policy. The import is deferred so a site without
    the surveys app can still use ballot-only scorecards.
    """
    survey_criteria = [
        c for c in criteria if c.source == scoring.SOURCE_SURVEY and c.survey_id
    ]
    if not survey_criteria:
        return {}
    from wagtail_pilots.surveys.selectors import satisfaction_results_by_unit

    unit_subjects = {}
    for s in subjects:
        if s.unit_id:
            unit_subjects.setdefault(s.unit_id, []).append(s.pk)
    result = {}
    for criterion in survey_criteria:
        by_unit = satisfaction_results_by_unit(
            survey=criterion.survey.specific,
            unit_ids=list(unit_subjects),
            question_key=criterion.question_key or None,
        )
        for unit_id, figures in by_unit.items():
            if not figures.valid:
                continue
            if figures.insufficient_sample:
                value = scoring.SurveyValue(
                    None,
                    figures.valid,
                    insufficient=True,
                    minimum=figures.minimum_sample,
                )
            else:
                number = (
                    figures.index
                    if criterion.metric == "index"
                    else figures.rate_percent
                )
                value = scoring.SurveyValue(Decimal(number), figures.valid)
            for subject_pk in unit_subjects.get(unit_id, ()):
                result[(subject_pk, criterion.pk)] = value
    return result


def scorecard_load(*, scorecard):
    """Configuration, subjects and aggregated inputs of a scorecard."""
    config = scorecard_config(scorecard=scorecard)
    subject_objects = list(scorecard.subjects.select_related("unit"))
    criteria = list(scorecard.criteria.all())
    scores, votes = score_cells(scorecard=scorecard, config=config)
    surveys = survey_inputs(criteria=criteria, subjects=subject_objects)
    counts = (
        scorecard.get_ballot_model()
        .objects.filter(scorecard=scorecard)
        .aggregate(ballots=Count("*"), sheets=Count("evaluator", distinct=True))
    )
    return Loaded(
        config=config,
        subjects=[scoring.Subject(s.pk, s.display_name) for s in subject_objects],
        scores=scores,
        votes=votes,
        surveys=surveys,
        criteria={c.pk: c for c in criteria},
        groups={g.pk: g for g in scorecard.groups.all()},
        subject_objects={s.pk: s for s in subject_objects},
        ballot_count=counts["ballots"],
        sheet_count=counts["sheets"],
    )


def scorecard_result(*, scorecard):
    """``(Loaded, scoring.Result)`` for the scorecard's current ballots."""
    loaded = scorecard_load(scorecard=scorecard)
    result = scoring.compute(
        loaded.config,
        loaded.subjects,
        scores=loaded.scores,
        votes=loaded.votes,
        surveys=loaded.surveys,
    )
    return loaded, result


def evaluator_scores(*, scorecard):
    """``{subject pk: {evaluator: mean 0–100}}``: each evaluator's average mapped
    score for each subject, averaged by the database — score groups only.

    Votes are not scores: a yes/no split says how a group divided, not how far an
    evaluator is from the rest, so vote groups are shown as their split instead.
    """
    mapped = ExpressionWrapper(
        (F("value") - F("criterion__minimum"))
        * 100
        / (F("criterion__maximum") - F("criterion__minimum")),
        output_field=DecimalField(max_digits=20, decimal_places=10),
    )
    result = {}
    rows = (
        scorecard.get_ballot_model()
        .objects.filter(scorecard=scorecard, criterion__isnull=False)
        .values("subject_id", "evaluator")
        .annotate(score=Avg(mapped))
        .order_by()
    )
    for row in rows:
        result.setdefault(row["subject_id"], {})[row["evaluator"]] = Decimal(
            str(row["score"])
        )
    return result


def disagreement(*, scorecard):
    """``{subject pk: (std dev across evaluators, [evaluators far from the rest])}``."""
    result = {}
    for subject_id, by_evaluator in evaluator_scores(scorecard=scorecard).items():
        values = list(by_evaluator.values())
        sd = scoring.std_dev(
            len(values),
            sum(values, Decimal(0)),
            sum((v * v for v in values), Decimal(0)),
        )
        result[subject_id] = (sd, scoring.outliers(by_evaluator))
    return result


def snapshot_latest(*, scorecard):
    """The latest published version, without its bundle's bytes."""
    snapshot = (
        scorecard.get_snapshot_model()
        .objects.filter(scorecard=scorecard)
        .defer("bundle", "pseudonym_salt")
        .order_by("-version")
        .first()
    )
    if snapshot is not None:
        snapshot.page = scorecard  # for links, without fetching the page again
    return snapshot


def snapshot_list(*, scorecard):
    return (
        scorecard.get_snapshot_model()
        .objects.filter(scorecard=scorecard)
        .defer("bundle", "pseudonym_salt")
        .order_by("-version")
    )


def notices_published(*, limit=None, parent=None):
    """The latest published result of each live, public scorecard, newest first
    (one query, whatever the number of scorecards). ``snapshot.scorecard`` is
    loaded with it. One query per scorecard page type (a site's own too)."""
    found = []
    for model in root_page_models_using(ScorecardPageMixin):
        scorecards = model.objects.live().public()
        if parent is not None:
            scorecards = scorecards.descendant_of(parent)
        snapshot_model = model.get_snapshot_model()
        latest = (
            snapshot_model.objects.filter(scorecard=OuterRef("scorecard"))
            .order_by("-version")
            .values("version")[:1]
        )
        snapshots = (
            snapshot_model.objects.filter(
                scorecard__in=scorecards.values("pk"), version=Subquery(latest)
            )
            .select_related("scorecard")
            .defer("configuration", "outputs", "bundle", "pseudonym_salt")
            .order_by("-created_at", "-pk")
        )
        found += snapshots[:limit] if limit else snapshots
    found.sort(key=lambda snapshot: (snapshot.created_at, snapshot.pk), reverse=True)
    return found[:limit] if limit else found


@dataclass
class SnapshotCheck:
    """What :func:`snapshot_check` found: ``problems`` about the snapshot itself
    (its bundle does not verify, or does not match what was stored), and
    ``changes`` since publication in the live database."""

    snapshot: AbstractScorecardSnapshot
    problems: list
    changes: list
    live_digest: str

    @property
    def ok(self):
        return not self.problems and not self.changes


def snapshot_check(*, snapshot):
    """Check a published version against its own bundle and the live database.

    The bundle must verify (:func:`.bundle.verify`) and hold the stored outputs
    and digest; then the live configuration, ballots (pseudonymised with the
    version's own salt) and inputs digest are compared with what was published.
    """
    from collections import Counter

    from . import bundle
    from .services import bundle_ballots, configuration_data, inputs_data

    problems = []
    changes = []
    published_ballots = None
    if snapshot.bundle_digest:
        files = bundle.read(bytes(snapshot.bundle))
        report = bundle.verify(files)
        problems.extend(report.problems)
        if report.digest != snapshot.inputs_digest:
            problems.append(
                _("the bundle's digest %(bundle)s is not the published %(published)s")
                % {"bundle": report.digest, "published": snapshot.inputs_digest}
            )
        if report.outputs is not None and report.outputs != snapshot.outputs:
            problems.append(_("the bundle's outputs are not the stored outputs"))
        published_ballots = json.loads(files["ballots.json"])
    else:
        problems.append(_("this version was published without a verification bundle"))
    scorecard = snapshot.scorecard
    loaded = scorecard_load(scorecard=scorecard)
    configuration = configuration_data(loaded)
    live_digest = bundle.inputs_digest(configuration, inputs_data(loaded))
    if configuration != snapshot.configuration:
        changes.append(_("the configuration changed since publication"))
    if published_ballots is not None and snapshot.pseudonym_salt:
        live = bundle_ballots(
            scorecard=scorecard, config=loaded.config, salt=snapshot.pseudonym_salt
        )

        def as_counter(rows):
            return Counter(json.dumps(r, sort_keys=True) for r in rows)

        added = as_counter(live) - as_counter(published_ballots)
        removed = as_counter(published_ballots) - as_counter(live)
        if added or removed:
            changes.append(
                _(
                    "%(added)s ballots added, %(removed)s removed or changed "
                    "since publication"
                )
                % {"added": sum(added.values()), "removed": sum(removed.values())}
            )
    if live_digest != snapshot.inputs_digest and not changes:
        changes.append(_("the live inputs digest differs from the published one"))
    return SnapshotCheck(snapshot, problems, changes, live_digest)


def scorecards_for_dashboard(*, pages, limit=20):
    """The scorecards among ``pages`` (already limited to what the user may
    edit), most recently changed first, each annotated with ``ballots_in``,
    ``published_version`` (None before the first publication) and
    ``ballots_since_published``. One query, counted by the database."""
    from django.db.models import Count, OuterRef, Subquery

    from .models import Ballot, ScorecardPage, ScorecardSnapshot

    latest = ScorecardSnapshot.objects.filter(scorecard=OuterRef("pk")).order_by(
        "-version"
    )
    since = (
        Ballot.objects.filter(
            scorecard=OuterRef("pk"),
            created_at__gt=Subquery(latest.values("created_at")[:1]),
        )
        .order_by()
        .values("scorecard")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        ScorecardPage.objects.filter(pk__in=pages.values("pk"))
        .annotate(
            ballots_in=Subquery(
                Ballot.objects.filter(scorecard=OuterRef("pk"))
                .order_by()
                .values("scorecard")
                .annotate(n=Count("id"))
                .values("n")
            ),
            published_version=Subquery(latest.values("version")[:1]),
            ballots_since_published=Subquery(since),
        )
        .only(
            "pk",
            "title",
            "live",
            "has_unpublished_changes",
            "latest_revision_created_at",
        )
        .order_by("-latest_revision_created_at", "title")[:limit]
    )
