"""Writes: ballots (online with an access code, or entered by an editor), access
codes, and publishing a frozen snapshot of the results."""

from __future__ import annotations

import datetime
import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail_pilots.access_codes import (
    check_count,
    code_not_valid_message,
    code_used_message,
)

from . import bundle, scoring

# The ballot value rules live in ballot_rules; re-exported for callers of services.
from .ballot_rules import (  # noqa: F401
    BallotError,
    ballot_cell_clean,
    clean_score,
    clean_vote,
)
from .models import (
    CHANNEL_ADMIN,
    CHANNEL_PAPER,
    CHANNEL_WEB,
)


class CodeAlreadyUsed(BallotError):
    pass


def voting_closed_message():
    return _("Voting on this scorecard is closed.")


def ballots_check_open(*, scorecard):
    """Refuse new ballots once voting is closed: every path that stores ballots
    (the public ballot page, an editor's entry, the ballot grid, imports) calls
    this before writing."""
    if not scorecard.ballots_open:
        raise BallotError({"__all__": voting_closed_message()})


# --------------------------------------------------------------------------
# Access codes
# --------------------------------------------------------------------------


def access_codes_generate(*, scorecard, group, count, unit=None, subject=None):
    """Create ``count`` new one-time codes for ``group``; returns them.

    ``unit`` is the evaluators' unit (an own-unit group asks each code only
    about the subjects of its unit). ``subject`` marks the codes as belonging to
    a subject who is also an evaluator: they never vote on that subject; their
    unit defaults to the subject's home unit.
    """
    errors = {}
    if group.page_id != scorecard.pk:
        errors["group"] = _("This group is not part of this scorecard.")
    if subject is not None:
        if subject.page_id != scorecard.pk:
            errors["subject"] = _("This subject is not part of this scorecard.")
        elif unit is None:
            unit = subject.home_unit
    if group.own_unit_only and unit is None and "group" not in errors:
        errors["unit"] = _(
            "In an own-unit group every access code needs the evaluator's unit."
        )
    try:
        check_count(count)
    except ValidationError as error:
        errors["count"] = error.message_dict["count"][0]
    if errors:
        raise BallotError(errors)
    return scorecard.get_access_code_model().generate(
        page=scorecard, count=count, group=group, unit=unit, subject=subject
    )


def access_code_lookup(*, scorecard, code):
    """The code of this scorecard matching ``code`` (used or not), or ``None``."""
    model = scorecard.get_access_code_model()
    return model.lookup(
        page=scorecard, code=code, queryset=model.objects.select_related("group")
    )


# --------------------------------------------------------------------------
# Ballots
# --------------------------------------------------------------------------


def _first_message(error):
    return next(iter(error.message_dict.values()))[0]


def _refusal_message(code, subject):
    if code == scoring.E_OWN_SUBJECT:
        return _(
            "Nobody votes on themselves: this evaluator's access code belongs to "
            "%(subject)s."
        ) % {"subject": subject}
    if code == scoring.E_UNKNOWN_UNIT:
        return _(
            "In this group each evaluator votes only on the subjects of their own "
            "unit, and this evaluator's unit is not known: use the evaluator id "
            "of an access code issued to a unit."
        )
    return _(
        "%(subject)s is not a subject of this evaluator's unit; in this group "
        "each evaluator votes only on the subjects of their own unit."
    ) % {"subject": subject}


def ballot_subject_clean(*, group, subject, link):
    """May this evaluator vote on (or score) ``subject`` in ``group``?

    ``link`` is ``(unit pk, subject pk)`` of the access code the evaluator holds
    (None for an evaluator id that is no code's). The rule is
    :func:`scoring.ballot_refusal`; every path that writes ballots calls this,
    like :func:`ballot_cell_clean`. Raises :class:`BallotError` keyed
    ``subject``.
    """
    unit_pk, own_subject = link if link is not None else (None, None)
    refusal = scoring.ballot_refusal(
        subject=subject.pk,
        home_unit=subject.home_unit_id,
        own_unit_only=group.own_unit_only,
        evaluator_unit=unit_pk,
        evaluator_subject=own_subject,
    )
    if refusal is not None:
        raise BallotError({"subject": _refusal_message(refusal, subject)})


def evaluator_links(*, scorecard, evaluators):
    """``{evaluator id: (unit pk, subject pk)}`` of the access codes behind
    these evaluator ids (ballots entered or imported under a code's evaluator)."""
    evaluators = sorted({e for e in evaluators if e})
    links = {}
    for start in range(0, len(evaluators), 500):
        rows = (
            scorecard.get_access_code_model()
            .objects.filter(
                scorecard=scorecard, evaluator__in=evaluators[start : start + 500]
            )
            .values_list("evaluator", "unit_id", "subject_id")
        )
        links.update({e: (unit, subject) for e, unit, subject in rows})
    return links


def ballot_subjects(*, scorecard, access):
    """The subjects an access code's ballot asks about, in order: all of them,
    or in an own-unit group those of the code's unit; never the code's own
    subject (:func:`scoring.ballot_subjects`)."""
    subjects = list(scorecard.subjects.select_related("unit"))
    keys = set(
        scoring.ballot_subjects(
            [(s.pk, s.home_unit_id) for s in subjects],
            own_unit_only=access.group.own_unit_only,
            evaluator_unit=access.unit_id,
            evaluator_subject=access.subject_id,
        )
    )
    return [s for s in subjects if s.pk in keys]


def _clean_entries(*, scorecard, group, entries, access=None):
    """Validate ``entries`` for one evaluator of ``group``; return Ballot kwargs.

    ``entries``: for a score group ``{(subject_pk, criterion_pk): value}``, for a
    vote group ``{subject_pk: "yes" | "no" | "abstain"}``. Every subject (and
    every criterion the group scores) must be answered: a ballot is all or
    nothing.
    """
    config = scorecard.get_scoring_config()
    config_group = next(g for g in config.groups if g.key == group.pk)
    if access is None:
        subjects = {s.pk: s for s in scorecard.subjects.all()}
    else:
        subjects = {
            s.pk: s for s in ballot_subjects(scorecard=scorecard, access=access)
        }
        if not subjects:
            raise BallotError(
                {"__all__": _("This ballot has no subject for you to vote on.")}
            )
    all_subjects = {s.pk: s for s in scorecard.subjects.all()}
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
        _refuse_excluded(
            errors, {k for k in extra if k in all_subjects}, group, access, all_subjects
        )
        extra = {k for k in extra if k not in all_subjects}
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
        excluded = {
            k[0] for k in extra if k[0] in all_subjects and k[0] not in subjects
        }
        _refuse_excluded(errors, excluded, group, access, all_subjects)
        extra = {k for k in extra if k[0] not in excluded}
    if extra:
        errors["__all__"] = _(
            "The ballot names a subject or criterion that is not on this scorecard."
        )
    if errors:
        raise BallotError(errors)
    return rows


def _refuse_excluded(errors, subject_pks, group, access, all_subjects):
    """Entries about subjects this code's ballot leaves out (its own subject, or
    another unit's): each refused with the rule's own message."""
    link = (access.unit_id, access.subject_id) if access is not None else None
    for pk in sorted(subject_pks):
        try:
            ballot_subject_clean(group=group, subject=all_subjects[pk], link=link)
        except BallotError as exc:
            errors.setdefault("__all__", _first_message(exc))


def ballot_check(*, scorecard, code, entries):
    """Check a whole ballot as :func:`ballot_submit` would, writing nothing.

    The ballot page calls it before its confirmation step, so an evaluator
    confirms only a ballot that will be accepted. Returns ``(access, rows)``;
    raises :class:`BallotError` (:class:`CodeAlreadyUsed` for a used code).
    """
    access = access_code_lookup(scorecard=scorecard, code=code)
    if access is None:
        raise BallotError({"code": code_not_valid_message()})
    if access.is_used:
        raise CodeAlreadyUsed({"code": code_used_message()})
    ballots_check_open(scorecard=scorecard)
    rows = _clean_entries(
        scorecard=scorecard, group=access.group, entries=entries, access=access
    )
    return access, rows


def ballot_submit(*, scorecard, code, entries, channel=CHANNEL_WEB):
    """Accept one evaluator's whole ballot with a one-time access code.

    The checks are :func:`ballot_check`'s. The code is marked used by a single
    conditional UPDATE in the same transaction as the ballots are inserted: of
    two concurrent posts with the same code, one changes a row and stores its
    ballots, the other changes nothing and gets :class:`CodeAlreadyUsed`. A
    rejected ballot leaves nothing written.
    """
    access, rows = ballot_check(scorecard=scorecard, code=code, entries=entries)
    with transaction.atomic():
        if not access.consume():
            raise CodeAlreadyUsed({"code": code_used_message()})
        ballot_model = scorecard.get_ballot_model()
        ballot_model.objects.bulk_create(
            [
                ballot_model(
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


def ballot_sheet_enter(
    *, scorecard, group, entries, evaluator="", channel=CHANNEL_PAPER
):
    """Store one evaluator's whole paper ballot, typed in on one screen.

    ``entries`` as for :func:`ballot_submit`: ``{(subject_pk, criterion_pk):
    value}`` for a score group, ``{subject_pk: vote}`` for a vote group; every
    cell is checked by :func:`ballot_cell_clean` and every subject (and
    criterion the group scores) must be filled. Errors are keyed by cell
    (``score-<subject>-<criterion>``, ``vote-<subject>``), ``evaluator`` or
    ``__all__``; a rejected ballot leaves nothing written.

    ``evaluator`` is the ballot's number on paper, if it has one; without it a
    new anonymous id is made. Returns the evaluator id stored. The caller checks
    the user's right to edit the scorecard page.
    """
    ballots_check_open(scorecard=scorecard)
    if group.page_id != scorecard.pk:
        raise BallotError({"group": _("This group is not part of this scorecard.")})
    evaluator = (evaluator or "").strip()
    if len(evaluator) > 64:
        raise BallotError(
            {"evaluator": _("A ballot number has at most 64 characters.")}
        )
    evaluator = evaluator or f"paper-{uuid.uuid4().hex[:12]}"
    rows = _clean_entries(scorecard=scorecard, group=group, entries=entries)
    duplicate = BallotError(
        {
            "evaluator": _("Ballot number %(number)s has already been entered.")
            % {"number": evaluator}
        }
    )
    ballot_model = scorecard.get_ballot_model()
    if ballot_model.objects.filter(scorecard=scorecard, evaluator=evaluator).exists():
        raise duplicate
    try:
        with transaction.atomic():
            ballot_model.objects.bulk_create(
                [
                    ballot_model(
                        scorecard=scorecard,
                        group=group,
                        evaluator=evaluator,
                        channel=channel,
                        **row,
                    )
                    for row in rows
                ]
            )
    except IntegrityError:
        raise duplicate from None
    return evaluator


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
    ballots_check_open(scorecard=scorecard)
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
    if not errors:
        links = evaluator_links(scorecard=scorecard, evaluators=[evaluator])
        try:
            ballot_subject_clean(
                group=group, subject=subject, link=links.get(evaluator)
            )
        except BallotError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise BallotError(errors)
    other_group = (
        scorecard.get_ballot_model()
        .objects.filter(scorecard=scorecard, evaluator=evaluator)
        .exclude(group=group)
        .exists()
    )
    if other_group:
        raise BallotError(
            {"evaluator": _("This evaluator already belongs to another group.")}
        )
    try:
        with transaction.atomic():
            return scorecard.get_ballot_model().objects.create(
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
        scorecard.get_ballot_model()
        .objects.filter(scorecard=scorecard)
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


def voting_close(*, scorecard):
    """Close voting: from now on no path accepts a new ballot.

    Sets ``ballots_open`` on the page row and in its latest revision, so the
    page editor shows voting closed and publishing a later draft does not
    silently reopen it. (An editor reopens voting by ticking the box again.)
    """
    from wagtail.models import Revision

    type(scorecard).objects.filter(pk=scorecard.pk).update(ballots_open=False)
    scorecard.ballots_open = False
    revision_id = (
        type(scorecard)
        .objects.filter(pk=scorecard.pk)
        .values_list("latest_revision_id", flat=True)
        .first()
    )
    if revision_id:
        revision = Revision.objects.select_for_update().filter(pk=revision_id).first()
        if revision is not None and isinstance(revision.content, dict):
            revision.content["ballots_open"] = False
            revision.save(update_fields=["content"])


def snapshot_publish(*, scorecard, user=None, close_voting=False):
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

    With ``close_voting`` voting is closed (:func:`voting_close`) in the same
    transaction as the snapshot is stored, so no ballot can arrive between the
    published figures and the close.
    """
    for _attempt in range(PUBLISH_ATTEMPTS):
        snapshot = _snapshot_publish_once(
            scorecard=scorecard, user=user, close_voting=close_voting
        )
        if snapshot is not None:
            return snapshot
    raise InputsChanged(
        _("ballots kept arriving while the result was being published; try again.")
    )


def _snapshot_publish_once(*, scorecard, user, close_voting):
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
            scorecard.get_snapshot_model()
            .objects.filter(scorecard=scorecard)
            .aggregate(v=Max("version"))["v"]
            or 0
        )
        salt = bundle.new_salt()
        ballots = bundle_ballots(scorecard=scorecard, config=loaded.config, salt=salt)
        snapshot = scorecard.get_snapshot_model()(
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
        if close_voting:
            voting_close(scorecard=scorecard)
        return snapshot
