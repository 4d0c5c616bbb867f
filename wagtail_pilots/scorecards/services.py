"""Writes: ballots (online with an access code, or entered by an editor), access
codes, and publishing a frozen snapshot of the results."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail_pilots.codes import (
    code_digest,
    code_digests,
    generate_codes,
    normalise_code,
)

from . import bundle, scoring
from .models import (
    CHANNEL_ADMIN,
    CHANNEL_WEB,
    VOTE_CHOICES,
    AccessCode,
    Ballot,
    ScorecardSnapshot,
)

CODE_PURPOSE = "wagtail_pilots.scorecards.access_code"


class BallotError(ValidationError):
    """A ballot that cannot be accepted; ``message_dict`` names the fields."""


class CodeAlreadyUsed(BallotError):
    pass


# --------------------------------------------------------------------------
# Access codes
# --------------------------------------------------------------------------


def access_codes_generate(*, scorecard, group, count):
    """Create ``count`` new one-time codes for ``group``; returns them."""
    existing = AccessCode.objects.filter(scorecard=scorecard).values_list(
        "code", flat=True
    )
    codes = [
        AccessCode(
            scorecard=scorecard,
            group=group,
            code=code,
            digest=code_digest(code, purpose=CODE_PURPOSE),
        )
        for code in generate_codes(count, existing=existing)
    ]
    with transaction.atomic():
        return AccessCode.objects.bulk_create(codes)


def access_code_lookup(*, scorecard, code):
    """The unused code of this scorecard matching ``code``, or ``None``."""
    if not normalise_code(code):
        return None
    return (
        AccessCode.objects.filter(
            scorecard=scorecard,
            digest__in=code_digests(code, purpose=CODE_PURPOSE),
        )
        .select_related("group")
        .first()
    )


# --------------------------------------------------------------------------
# Ballots
# --------------------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(number) -> str:
    """``100`` rather than ``1E+2``."""
    return f"{number.normalize():f}"


def _first_message(error):
    return next(iter(error.message_dict.values()))[0]


def ballot_cell_clean(*, kind, criterion, scored, value=None, vote=""):
    """What one ballot may hold: the one place these rules are written.

    Every path that stores ballots calls it — the public ballot page
    (:func:`ballot_submit`), an editor's entry (:func:`ballot_enter`) and
    imports (``importexport.BallotResource``); the optional wagtail-modeladmin
    app writes none. ``kind`` is the evaluator group's kind, ``scored`` the
    pks of the criteria the group scores.

    - A vote group votes ``yes``, ``no`` or ``abstain`` on a subject, with no
      criterion and no value.
    - A score group gives a finite number on a criterion it scores, within
      the criterion's range, with at most 4 decimal places, and no vote.

    Returns ``(value, vote)`` as they are stored (a ``Decimal`` and ``""``, or
    ``None`` and the vote); raises :class:`BallotError` keyed ``criterion``,
    ``value`` or ``vote``.
    """
    if kind == scoring.KIND_VOTES:
        if criterion is not None or not _blank(value):
            raise BallotError(
                {"criterion": _("A vote group votes on subjects, not criteria.")}
            )
        if vote not in {v for v, _label in VOTE_CHOICES}:
            raise BallotError({"vote": _("Choose yes, no or abstain.")})
        return None, vote
    if not _blank(vote):
        raise BallotError({"vote": _("This group gives scores, not votes.")})
    if criterion is None:
        raise BallotError({"criterion": _("Choose a criterion of this scorecard.")})
    if criterion.pk not in scored:
        raise BallotError({"criterion": _("This group does not score this criterion.")})
    try:
        if _blank(value):
            raise scoring.ScoringInputError("blank")
        number = scoring.to_decimal(value)
    except scoring.ScoringInputError:
        raise BallotError({"value": _("Enter a finite number.")}) from None
    if number < criterion.minimum or number > criterion.maximum:
        raise BallotError(
            {
                "value": _("Enter a value from %(min)s to %(max)s.")
                % {"min": _plain(criterion.minimum), "max": _plain(criterion.maximum)}
            }
        )
    if number != number.quantize(Decimal("0.0001")):
        raise BallotError({"value": _("Use at most 4 decimal places.")})
    return number, ""


def _clean_entries(*, scorecard, group, entries):
    """Validate ``entries`` for one evaluator of ``group``; return Ballot kwargs.

    ``entries``: for a score group ``{(subject_pk, criterion_pk): value}``, for a
    vote group ``{subject_pk: "yes" | "no" | "abstain"}``. Every subject (and
    every criterion the group scores) must be answered: a ballot is all or
    nothing.
    """
    config = scorecard.get_scoring_config()
    config_group = next(g for g in config.groups if g.key == group.pk)
    subjects = {s.pk: s for s in scorecard.subjects.all()}
    criteria = {c.pk: c for c in scorecard.criteria.all()}
    errors = {}
    rows = []
    if group.kind == scoring.KIND_VOTES:
        for subject_pk, subject in subjects.items():
            vote = entries.get(subject_pk)
            field = f"vote-{subject_pk}"
            if vote in (None, ""):
                errors[field] = _("Vote on %(subject)s.") % {"subject": subject}
                continue
            try:
                _value, vote = ballot_cell_clean(
                    kind=group.kind, criterion=None, scored=(), vote=vote
                )
            except BallotError as exc:
                errors[field] = _first_message(exc)
                continue
            rows.append({"subject_id": subject_pk, "criterion_id": None, "vote": vote})
        extra = set(entries) - set(subjects)
    else:
        scored = [criteria[c] for c in config_group.criteria]
        for subject_pk, subject in subjects.items():
            for criterion in scored:
                field = f"score-{subject_pk}-{criterion.pk}"
                raw = entries.get((subject_pk, criterion.pk))
                if raw in (None, ""):
                    errors[field] = _("Score %(subject)s on %(criterion)s.") % {
                        "subject": subject,
                        "criterion": criterion,
                    }
                    continue
                try:
                    value, _vote = ballot_cell_clean(
                        kind=group.kind,
                        criterion=criterion,
                        scored=config_group.criteria,
                        value=raw,
                    )
                except BallotError as exc:
                    errors[field] = _first_message(exc)
                    continue
                rows.append(
                    {
                        "subject_id": subject_pk,
                        "criterion_id": criterion.pk,
                        "value": value,
                    }
                )
        extra = {
            k
            for k in entries
            if k[0] not in subjects or k[1] not in {c.pk for c in scored}
        }
    if extra:
        errors["__all__"] = _(
            "The ballot names a subject or criterion that is not on this scorecard."
        )
    if errors:
        raise BallotError(errors)
    return rows


def ballot_submit(*, scorecard, code, entries, channel=CHANNEL_WEB):
    """Accept one evaluator's whole ballot with a one-time access code.

    The code is marked used by a single conditional UPDATE in the same transaction
    as the ballots are inserted: of two concurrent posts with the same code, one
    changes a row and stores its ballots, the other changes nothing and gets
    :class:`CodeAlreadyUsed`. A rejected ballot leaves nothing written.
    """
    access = access_code_lookup(scorecard=scorecard, code=code)
    if access is None:
        raise BallotError(
            {"code": _("This access code is not valid for this scorecard.")}
        )
    if access.used_at is not None:
        raise CodeAlreadyUsed({"code": _("This access code has already been used.")})
    if not scorecard.ballots_open:
        raise BallotError({"__all__": _("This scorecard is not accepting ballots.")})
    rows = _clean_entries(scorecard=scorecard, group=access.group, entries=entries)
    with transaction.atomic():
        changed = AccessCode.objects.filter(pk=access.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if changed != 1:
            raise CodeAlreadyUsed(
                {"code": _("This access code has already been used.")}
            )
        Ballot.objects.bulk_create(
            [
                Ballot(
                    scorecard=scorecard,
                    group=access.group,
                    evaluator=access.evaluator,
                    channel=channel,
                    **row,
                )
                for row in rows
            ]
        )
    return access


def ballot_enter(
    *,
    scorecard,
    group,
    evaluator,
    subject,
    criterion=None,
    value=None,
    vote="",
    channel=CHANNEL_ADMIN,
    import_batch=None,
):
    """Store one ballot entered by an editor, with full checks: the subject,
    group and criterion belong to the scorecard, the value or vote passes
    :func:`ballot_cell_clean`, the evaluator is not in another group, and has
    not already scored this subject on this criterion.

    The caller checks the user's right to edit the scorecard page (the admin
    view does, with the same rule as imports)."""
    evaluator = (evaluator or "").strip()
    errors = {}
    if not evaluator:
        errors["evaluator"] = _("Enter the evaluator's anonymous id.")
    if group.page_id != scorecard.pk:
        errors["group"] = _("This group is not part of this scorecard.")
    if subject.page_id != scorecard.pk:
        errors["subject"] = _("This subject is not part of this scorecard.")
    if criterion is not None and criterion.page_id != scorecard.pk:
        errors["criterion"] = _("Choose a criterion of this scorecard.")
    elif group.page_id == scorecard.pk:
        config = scorecard.get_scoring_config()
        scored = next((g.criteria for g in config.groups if g.key == group.pk), ())
        try:
            value, vote = ballot_cell_clean(
                kind=group.kind,
                criterion=criterion,
                scored=scored,
                value=value,
                vote=vote,
            )
        except BallotError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise BallotError(errors)
    other_group = (
        Ballot.objects.filter(scorecard=scorecard, evaluator=evaluator)
        .exclude(group=group)
        .exists()
    )
    if other_group:
        raise BallotError(
            {"evaluator": _("This evaluator already belongs to another group.")}
        )
    try:
        with transaction.atomic():
            return Ballot.objects.create(
                scorecard=scorecard,
                group=group,
                evaluator=evaluator,
                subject=subject,
                criterion=criterion if group.kind == scoring.KIND_SCORES else None,
                value=value,
                vote=vote,
                channel=channel,
                import_batch=import_batch,
            )
    except IntegrityError:
        raise BallotError(
            {"evaluator": _("This evaluator has already scored this subject here.")}
        ) from None


# --------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------


def configuration_data(loaded):
    """The configuration as plain JSON data, with names, for the snapshot."""
    return bundle.configuration_json(loaded.config, loaded.subjects)


def inputs_data(loaded):
    """The aggregated inputs as canonical JSON data (what the digest covers)."""
    return bundle.inputs_json(loaded.scores, loaded.votes, loaded.surveys)


def outputs_data(result):
    return bundle.outputs_json(result)


canonical_digest = bundle.canonical_digest


def bundle_ballots(*, scorecard, config, salt):
    """The ballots that count, pseudonymised with ``salt``, as bundle rows.

    The same ballots :func:`.selectors.score_inputs` aggregates: a score group's
    ballots on the criteria it scores, a vote group's votes. Sorted by pseudonym,
    so the order says nothing about who voted when.
    """
    scored_pairs = {(g.key, c) for g in config.groups for c in g.criteria}
    kinds = {g.key: g.kind for g in config.groups}
    rows = []
    ballots = (
        Ballot.objects.filter(scorecard=scorecard)
        .order_by()
        .values_list(
            "group_id", "evaluator", "subject_id", "criterion_id", "value", "vote"
        )
    )
    for group, evaluator, subject, criterion, value, vote in ballots.iterator(
        chunk_size=5000
    ):
        kind = kinds.get(group)
        if kind == scoring.KIND_VOTES:
            if criterion is not None:
                continue
        elif kind != scoring.KIND_SCORES or (group, criterion) not in scored_pairs:
            continue
        rows.append(
            {
                "group": group,
                "evaluator": bundle.pseudonym(salt, evaluator),
                "subject": subject,
                "criterion": criterion,
                "value": None if value is None else str(value),
                "vote": vote,
            }
        )
    rows.sort(
        key=lambda r: (r["evaluator"], r["subject"], r["criterion"] or 0, r["group"])
    )
    return rows


def bundle_filename(snapshot):
    return f"scorecard-{snapshot.scorecard_id}-v{snapshot.version}-verification.zip"


class NothingToPublish(scoring.ScoringInputError):
    """An empty scorecard: no subjects, or not one figure to rank them by."""


class InputsChanged(scoring.ScoringInputError):
    """Ballots kept arriving while the result was being frozen."""


#: How often publishing recomputes when ballots arrive while it freezes them.
PUBLISH_ATTEMPTS = 3


def snapshot_publish(*, scorecard, user=None):
    """Freeze the current result as the next published version and return it.

    Computes first (a bad configuration raises :class:`scoring.ScoringInputError`
    and nothing is written), then stores configuration, inputs digest, outputs,
    ballot count, notice period and the verification bundle (see
    :mod:`.bundle`). Earlier versions are kept. An empty scorecard — no
    subjects, or no ballot and no survey figure for any of them — is refused
    with :class:`NothingToPublish`.

    The bundle is verified before it is stored, so every published version can
    be recomputed from its bundle. If ballots arrive between reading the
    aggregates and listing the ballots, the two disagree: publishing starts
    again (up to :data:`PUBLISH_ATTEMPTS` times, then :class:`InputsChanged`).
    """
    for _attempt in range(PUBLISH_ATTEMPTS):
        snapshot = _snapshot_publish_once(scorecard=scorecard, user=user)
        if snapshot is not None:
            return snapshot
    raise InputsChanged(
        _("ballots kept arriving while the result was being published; try again.")
    )


def _snapshot_publish_once(*, scorecard, user):
    from .selectors import scorecard_result

    today = timezone.localdate()
    with transaction.atomic():
        # Lock the page row so two editors publishing at once get distinct versions.
        type(scorecard).objects.select_for_update().filter(pk=scorecard.pk).first()
        loaded, result = scorecard_result(scorecard=scorecard)
        if not result.subjects:
            raise NothingToPublish(_("the scorecard has no subjects to publish."))
        if all(r.total is None for r in result.subjects):
            raise NothingToPublish(
                _(
                    "no subject has a ballot or a survey figure yet, so there is "
                    "no result."
                )
            )
        configuration = configuration_data(loaded)
        inputs = inputs_data(loaded)
        digest = bundle.inputs_digest(configuration, inputs)
        outputs = outputs_data(result)
        latest = (
            ScorecardSnapshot.objects.filter(scorecard=scorecard).aggregate(
                v=Max("version")
            )["v"]
            or 0
        )
        salt = bundle.new_salt()
        ballots = bundle_ballots(scorecard=scorecard, config=loaded.config, salt=salt)
        snapshot = ScorecardSnapshot(
            scorecard=scorecard,
            version=latest + 1,
            created_by=user,
            configuration=configuration,
            inputs_digest=digest,
            outputs=outputs,
            ballot_count=loaded.ballot_count,
            sheet_count=loaded.sheet_count,
            notice_days=scorecard.notice_days,
            notice_until=today + datetime.timedelta(days=scorecard.notice_days),
            pseudonym_salt=salt,
        )
        data = bundle.build(
            manifest={
                "scorecard": scorecard.title,
                "version": snapshot.version,
                "published_on": today.isoformat(),
                "notice_until": snapshot.notice_until.isoformat(),
                "inputs_digest": digest,
                "ballot_count": len(ballots),
            },
            configuration=configuration,
            ballots=ballots,
            surveys=inputs["surveys"],
            outputs=outputs,
            name=bundle_filename(snapshot),
        )
        if not bundle.verify(bundle.read(data)).ok:
            return None
        snapshot.bundle = data
        snapshot.bundle_digest = hashlib.sha256(data).hexdigest()
        snapshot.save()
        return snapshot
