"""Writes: accepting a response, generating access codes, clearing old free
text (retention).

A response is committed first (one transaction: the response, its answer rows,
the access code marked used, the counter); the notification e-mail is queued
only after the commit, so a failing mail server can neither lose nor duplicate it.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from wagtail_pilots import codes as code_utils
from wagtail_pilots.access_codes import (
    check_count,
    code_not_valid_message,
    code_used_message,
)
from wagtail_pilots.conf import pilots_settings

from . import tallies
from .models import (
    Access,
    AccessCode,
    Channel,
    PaperEntryDraft,
    SurveyAnswer,
    SurveyDraft,
    SurveyNotAsked,
    SurveyQuotaCount,
    SurveyResponse,
    SurveyState,
)
from .questions import (
    CHOICE_TYPES,
    GROUP,
    MATRIX,
    MULTI_CHOICE_TYPES,
    SCALE,
    survey_questions,
)
from .selectors import quota_responses_counted

logger = logging.getLogger(__name__)


class SubmitError(Exception):
    """A response that cannot be accepted; ``message`` is for the respondent."""

    code = "invalid"

    def __init__(self, message, *, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class SurveyNotOpen(SubmitError):
    code = "not_open"


class SurveyClosed(SubmitError):
    code = "closed"


class SurveyFull(SubmitError):
    code = "full"


class CodeRejected(SubmitError):
    code = "code"


class QuotaFull(SubmitError):
    """A respondent group's or a unit's quota is full; the message names it."""

    code = "quota"


def _client_digest(client):
    if not client:
        return ""
    key = f"wagtail_pilots.surveys.client:{settings.SECRET_KEY}".encode()
    return hmac.new(key, str(client).encode(), hashlib.sha256).hexdigest()


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def build_answers(questions, data):
    """``(stored data with labels, answer rows as dicts)`` for cleaned ``data``
    (see :func:`build_response`)."""
    built = build_response(questions, data)
    return built.stored, built.rows


@dataclass
class BuiltResponse:
    """What one response stores: ``stored`` (labels, for the raw export),
    ``rows`` (counted answers) and ``not_asked`` (question keys hidden by
    their conditions; stored as ``None`` in ``stored``)."""

    stored: dict
    rows: list
    not_asked: list = field(default_factory=list)


def _follow_up_text(data, name):
    text = data.get(name)
    if text in (None, ""):
        return ""
    return str(text).strip()[: pilots_settings.SURVEY_TEXT_MAX_LENGTH]


def build_response(questions, data, *, strict=False):
    """Validate cleaned ``data`` against ``questions`` and their conditions.

    The questions hidden by their conditions are decided here from the answers
    alone: they are stored as "not asked" (``None``), their answers dropped.
    With ``strict`` (imports) an answer to a hidden question is an error
    instead. Raises :class:`SubmitError` naming the question when a value is
    not one of its options (paper entry and imports come through here too).
    """
    from . import logic

    shown = (
        logic.visible_keys(questions, data)
        if logic.has_logic(questions)
        else {q.key for q in questions}
    )
    stored = {}
    rows = []
    not_asked = []
    for question in questions:
        value = data.get(question.key)
        if question.key not in shown:
            if strict and logic.answer_labels(question, value) is not None:
                raise SubmitError(
                    _(
                        "This question was not asked (hidden by its conditions): "
                        "leave it empty."
                    ),
                    field=question.key,
                )
            stored[question.key] = None
            not_asked.append(question.key)
            continue
        other = logic.offers_other(question)
        if question.field_type == SCALE:
            if value in (None, ""):
                stored[question.key] = ""
                continue
            if other and str(value) == logic.OTHER:
                stored[question.key] = logic.OTHER
                rows.append({"question_key": question.key, "value": logic.OTHER})
            else:
                option = question.option_by_pk(value)
                if option is None:
                    raise SubmitError(_("Not one of the options."), field=question.key)
                stored[question.key] = option.label
                rows.append({"question_key": question.key, "option_id": option.pk})
        elif question.field_type == MATRIX:
            value = value or {}
            stored_rows = {}
            for row in question.rows:
                row_value = value.get(row.key)
                if row_value in (None, ""):
                    stored_rows[row.key] = ""
                    continue
                option = question.option_by_pk(row_value)
                if option is None:
                    raise SubmitError(
                        _("Not one of the options."),
                        field=question.row_field_name(row),
                    )
                stored_rows[row.key] = option.label
                rows.append(
                    {
                        "question_key": question.key,
                        "row_key": row.key,
                        "row_label": row.label[:255],
                        "unit_id": row.unit_id,
                        "option_id": option.pk,
                    }
                )
            stored[question.key] = stored_rows
        elif question.field_type in (GROUP, *CHOICE_TYPES):
            stored[question.key] = value or ""
            if value:
                if value not in question.choices and not (
                    other and value == logic.OTHER
                ):
                    raise SubmitError(_("Not one of the options."), field=question.key)
                rows.append({"question_key": question.key, "value": value[:255]})
        elif question.field_type in MULTI_CHOICE_TYPES:
            values = list(value or [])
            stored[question.key] = values
            for item in values:
                if item not in question.choices and not (other and item == logic.OTHER):
                    raise SubmitError(_("Not one of the options."), field=question.key)
                rows.append({"question_key": question.key, "value": item[:255]})
        else:
            stored[question.key] = _plain(value) if value is not None else ""
        if other:
            chosen = logic.answer_labels(question, value) or frozenset()
            name = question.key + logic.OTHER_SUFFIX
            text = _follow_up_text(data, name)
            if logic.OTHER in chosen:
                if not text:
                    raise SubmitError(
                        _("You chose “other”: please say what."), field=name
                    )
                stored[name] = text
        if question.follow_up_options:
            name = question.key + logic.FOLLOW_UP_SUFFIX
            text = _follow_up_text(data, name)
            if text and logic.follow_up_applies(question, value):
                stored[name] = text
    return BuiltResponse(stored, rows, not_asked)


def response_submit(
    *,
    survey,
    data,
    channel=Channel.WEB,
    code=None,
    token=None,
    client=None,
    user=None,
    entered_by=None,
    import_batch_id=None,
    questions=None,
    serial="",
    now=None,
    draft_id=None,
    quota_limits=None,
):
    """Store one response; return ``(response, created)``.

    ``data`` maps question keys to cleaned values (a matrix: ``{row key: option
    pk}``). A repeated ``token`` returns the response already stored for it
    (``created`` False). Web responses respect the survey's dates, its maximum and
    its access codes; paper and import entries are typed in by staff and only
    checked against the questions. A questionnaire ``serial`` number is unique
    per survey: a second response with the same one is refused.

    The respondent's saved draft goes in the same transaction: ``draft_id``
    (the draft the form was resumed from) and, in a survey that requires a
    参与码, the draft kept under that code.

    ``questions`` and ``quota_limits`` (``{key: limit}``, see
    :func:`survey_quota_limits`) may come from the survey's compiled question
    set (``compiled.py``); otherwise they are read here.
    """
    now = now or timezone.now()
    questions = questions if questions is not None else survey_questions(survey)
    built = build_response(questions, data)
    stored, rows = built.stored, built.rows
    group = next(
        (stored[q.key] for q in questions if q.field_type == GROUP and stored[q.key]),
        "",
    )
    # A repeated token hits the unique constraint on insert (below): the
    # database, not a prior SELECT, decides, so two concurrent posts store one.
    token = (token or "")[:64] or None
    is_web = channel == Channel.WEB
    if is_web:
        state = survey.get_state(now)
        if state == SurveyState.NOT_OPEN:
            raise SurveyNotOpen(_("This survey is not open yet."))
        if state == SurveyState.CLOSED:
            raise SurveyClosed(_("This survey is closed."))
    serial = (serial or "").strip()
    if serial:
        _check_serial_free(survey, serial)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey_id=survey.pk,
                channel=channel,
                group=group,
                serial=serial,
                submitted_on=timezone.localdate(now),
                submitted_at=None if survey.anonymous else now,
                data=stored,
                idempotency_token=token,
                client_digest="" if survey.anonymous else _client_digest(client),
                user=None
                if survey.anonymous or not getattr(user, "is_authenticated", False)
                else user,
                entered_by=entered_by,
                import_batch_id=import_batch_id,
            )
            if is_web and survey.access == Access.CODE:
                access_code = _consume_code(survey, code, now)
                if access_code.group and not group:
                    group = access_code.group
                    response.group = group
                    response.save(update_fields=["group"])
                if not survey.anonymous:
                    AccessCode.objects.filter(pk=access_code.pk).update(
                        response=response
                    )
            if is_web and (draft_id or survey.access == Access.CODE):
                _delete_drafts(survey, draft_id=draft_id, code=code)
            _count_response(survey, limited=is_web)
            quotas_take(
                survey=survey,
                group=group,
                unit_ids=response_unit_ids(rows),
                fields=quota_fields(questions, data, rows),
                limits=quota_limits,
                response_id=response.pk,
            )
            SurveyAnswer.objects.bulk_create(
                [
                    SurveyAnswer(
                        response=response,
                        survey_id=survey.pk,
                        group=group,
                        channel=channel,
                        **row,
                    )
                    for row in rows
                ],
                batch_size=500,
            )
            if built.not_asked:
                SurveyNotAsked.objects.bulk_create(
                    [
                        SurveyNotAsked(
                            response=response,
                            survey_id=survey.pk,
                            question_key=key,
                            group=group,
                            channel=channel,
                        )
                        for key in built.not_asked
                    ]
                )
            tallies.record_response(
                survey_id=survey.pk,
                group=group,
                channel=channel,
                day=response.submitted_on,
                rows=rows,
                not_asked=built.not_asked,
            )
            if survey.notify_to:
                response_id = response.pk
                transaction.on_commit(lambda: _enqueue_notification(response_id))
    except IntegrityError:
        existing = (
            SurveyResponse.objects.filter(
                survey_id=survey.pk, idempotency_token=token
            ).first()
            if token
            else None
        )
        if existing is None:
            if serial:  # another clerk stored this serial number meanwhile
                _check_serial_free(survey, serial)
            raise
        return existing, False
    survey.response_count = (survey.response_count or 0) + 1
    return response, True


def _check_serial_free(survey, serial):
    taken = (
        SurveyResponse.objects.filter(survey_id=survey.pk, serial=serial)
        .values_list("pk", flat=True)
        .first()
    )
    if taken is not None:
        raise SubmitError(
            _(
                "Questionnaire number %(serial)s has already been entered "
                "(response #%(number)s). Check the number on the paper."
            )
            % {"serial": serial, "number": taken},
            field="wp_serial",
        )


def _consume_code(survey, code, now):
    """Mark ``code`` used (:meth:`AccessCode.consume`: one conditional UPDATE,
    exactly once; in an anonymous survey the day of use only)."""
    if not code_utils.normalise_code(code or ""):
        raise CodeRejected(_("Enter your access code."), field="wp_code")
    access_code = AccessCode.lookup(
        page=survey,
        code=code,
        queryset=AccessCode.objects.only(
            "pk", "digest", "group", "unit_id", "survey_id"
        ),
    )
    if access_code is None:
        raise CodeRejected(code_not_valid_message(), field="wp_code")
    if not access_code.consume(now=now, anonymous=survey.anonymous):
        raise CodeRejected(code_used_message(), field="wp_code")
    return access_code


def _delete_drafts(survey, *, draft_id=None, code=None):
    match = Q(pk=draft_id) if draft_id else Q()
    if survey.access == Access.CODE and code_utils.normalise_code(code or ""):
        by_code = Q(code_digest__in=draft_access_code_digests(code))
        match = match | by_code if draft_id else by_code
    if match:
        SurveyDraft.objects.filter(match, survey_id=survey.pk).delete()


def _count_response(survey, *, limited):
    manager = type(survey)._default_manager
    queryset = manager.filter(pk=survey.pk)
    if limited and survey.max_responses is not None:
        queryset = queryset.filter(response_count__lt=survey.max_responses)
    if queryset.update(response_count=F("response_count") + 1) != 1:
        raise SurveyFull(_("This survey has received all the responses it needs."))


# Quotas per respondent group and per unit -------------------------------------


def response_unit_ids(rows):
    """The units a response counts towards: those of its answered matrix rows."""
    return sorted({row["unit_id"] for row in rows if row.get("unit_id") is not None})


def quota_fields(questions, data, rows):
    """Where a full quota is reported: ``{"group": field}`` (the group
    question answered) and ``{unit id: field}`` (the matrix row about it)."""
    fields = {}
    for question in questions:
        if question.field_type == GROUP and data.get(question.key):
            fields.setdefault("group", question.key)
        if question.field_type == MATRIX:
            for row in question.rows:
                if row.unit_id is not None:
                    fields.setdefault(row.unit_id, question.row_field_name(row))
    return fields


def survey_quota_limits(survey):
    """``{("group", name) | ("unit", unit id): limit}`` of the survey's
    quotas that have a limit (one query; none for a page type without
    quotas)."""
    model = (
        type(survey).get_quota_model() if hasattr(survey, "get_quota_model") else None
    )
    if model is None:
        return {}
    limits = {}
    for group, unit_id, limit in model.objects.filter(
        page_id=survey.pk, limit__isnull=False
    ).values_list("group", "unit_id", "limit"):
        key = ("unit", unit_id) if unit_id is not None else ("group", group)
        if key not in limits or limit < limits[key]:
            limits[key] = limit
    return limits


def _quota_counter(survey, key):
    kind, value = key
    if kind == "unit":
        return SurveyQuotaCount.objects.filter(survey_id=survey.pk, unit_id=value)
    return SurveyQuotaCount.objects.filter(
        survey_id=survey.pk, unit__isnull=True, group=value
    )


def _ensure_counter(survey, key, *, exclude=None):
    """Create the counter row of ``key`` when a quota first applies, starting
    from the responses already stored (a quota added to a running survey)."""
    if _quota_counter(survey, key).exists():
        return
    kind, value = key
    SurveyQuotaCount.objects.bulk_create(
        [
            SurveyQuotaCount(
                survey_id=survey.pk,
                group="" if kind == "unit" else value,
                unit_id=value if kind == "unit" else None,
                count=quota_responses_counted(survey, key, exclude=exclude),
            )
        ],
        ignore_conflicts=True,
    )


def quota_full_message(key, limit, *, unit_names=None):
    """What the respondent (or the importing editor) is told: which group's
    or unit's quota is full, and its size."""
    kind, value = key
    if kind == "unit":
        name = (unit_names or {}).get(value) or _unit_name(value)
        message = ngettext_lazy(
            "The quota of %(limit)s response about “%(name)s” is full.",
            "The quota of %(limit)s responses about “%(name)s” is full.",
            limit,
        )
    else:
        name = value
        message = ngettext_lazy(
            "The quota of %(limit)s response for the respondent group "
            "“%(name)s” is full.",
            "The quota of %(limit)s responses for the respondent group "
            "“%(name)s” is full.",
            limit,
        )
    return str(message) % {"name": name, "limit": limit}


def _unit_name(unit_id):
    from wagtail_pilots.models import Unit

    return Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or ""


def quotas_take(
    *, survey, group, unit_ids, count=1, fields=None, limits=None, response_id=None
):
    """Count ``count`` responses of ``group`` about ``unit_ids`` towards the
    survey's quotas, each with one conditional UPDATE (``count + n <= limit``)
    on its counter row: of two concurrent responses for the last place exactly
    one changes the row, the other gets :class:`QuotaFull` naming the group or
    unit (``field``: where to show it). Call it inside the transaction that
    stores the responses, so a refused response leaves nothing behind
    (``response_id``: the response already inserted, not yet counted)."""
    limits = survey_quota_limits(survey) if limits is None else limits
    if not limits:
        return
    fields = fields or {}
    keys = [("group", group)] if group else []
    keys += [("unit", unit_id) for unit_id in unit_ids]
    for key in keys:
        limit = limits.get(key)
        if limit is None:
            continue
        _ensure_counter(survey, key, exclude=response_id)
        taken = (
            _quota_counter(survey, key)
            .filter(count__lte=limit - count)
            .update(count=F("count") + count)
        )
        if taken != 1:
            field_key = "group" if key[0] == "group" else key[1]
            raise QuotaFull(quota_full_message(key, limit), field=fields.get(field_key))


def quotas_recount(*, survey):
    """Count every quota counter of ``survey`` again from the stored
    responses (after a rollback, a deletion, or a quota published), in a
    few GROUP BY queries. Returns ``{key: count}`` of the survey's limits."""
    limits = survey_quota_limits(survey)
    if not limits:
        return {}
    groups = [v for k, v in limits if k == "group"]
    units = [v for k, v in limits if k == "unit"]
    counts = {("group", g): 0 for g in groups} | {("unit", u): 0 for u in units}
    if groups:
        for name, n in (
            SurveyResponse.objects.filter(survey_id=survey.pk, group__in=groups)
            .values_list("group")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[("group", name)] = n
    if units:
        for unit_id, n in (
            SurveyAnswer.objects.filter(survey_id=survey.pk, unit_id__in=units)
            .values_list("unit_id")
            .annotate(n=Count("response_id", distinct=True))
            .order_by()
        ):
            counts[("unit", unit_id)] = n
    # Rows are updated in place (never deleted and made again), so that a
    # response being stored meanwhile still finds its counter row.
    with transaction.atomic():
        for key, n in counts.items():
            if not _quota_counter(survey, key).update(count=n):
                kind, value = key
                SurveyQuotaCount.objects.bulk_create(
                    [
                        SurveyQuotaCount(
                            survey_id=survey.pk,
                            group="" if kind == "unit" else value,
                            unit_id=value if kind == "unit" else None,
                            count=n,
                        )
                    ],
                    ignore_conflicts=True,
                )
    return counts


def _enqueue_notification(response_id):
    from .tasks import notify_survey_response

    try:
        notify_survey_response.enqueue(response_id=response_id)
    except Exception:  # the response is stored; a queue outage is only logged
        logger.exception(
            "Could not queue the notification for response %s", response_id
        )


def access_codes_generate(*, survey, count, group="", unit=None, batch=""):
    """Create ``count`` new access codes for ``survey``; return them.

    ``group`` must be a respondent group of the survey and ``unit`` a unit it
    asks about (a matrix row), or empty: otherwise :class:`ValidationError`
    names the field."""
    from .selectors import survey_groups_and_units

    check_count(count)
    if group or unit is not None:
        groups, unit_ids = survey_groups_and_units(survey=survey)
        errors = {}
        if group and group not in groups:
            errors["group"] = _(
                "“%(group)s” is not a respondent group of this survey "
                "(its group question lists: %(groups)s)."
            ) % {"group": group, "groups": "、".join(groups) or "–"}
        if unit is not None and unit.pk not in unit_ids:
            errors["unit"] = _("“%(unit)s” is not a unit this survey asks about.") % {
                "unit": unit.name
            }
        if errors:
            raise ValidationError(errors)
    return AccessCode.generate(
        page=survey, count=count, group=group, unit=unit, batch=batch
    )


@dataclass
class RetentionReport:
    """What :func:`responses_retention_apply` changed (or would change) in one
    survey."""

    survey_id: int
    title: str
    texts_cleared: int = 0
    responses_with_text: int = 0
    digests_cleared: int = 0
    code_links_cut: int = 0
    #: Response imports whose kept rows (preview, rejected rows) were emptied:
    #: they are copies of the file, free text included.
    imports_cleared: int = 0
    #: First paper entries still waiting for the second clerk, deleted.
    paper_drafts_deleted: int = 0

    @property
    def changed(self):
        return bool(
            self.texts_cleared
            or self.digests_cleared
            or self.code_links_cut
            or self.imports_cleared
            or self.paper_drafts_deleted
        )


def _kept_keys(survey):
    """Keys of answers chosen from options (kept: the results count them);
    every other key of a response's ``data`` is free text — typed answers,
    numbers, dates, and answers to questions removed since."""
    return {
        q.key
        for q in survey_questions(survey)
        if q.is_counted or q.field_type == "checkbox"
    }


def responses_retention_apply(*, days, today=None, dry_run=False):
    """Clear free-text answers and client digests of responses older than
    ``days`` days, and cut any code-to-response key left in anonymous surveys;
    return one :class:`RetentionReport` per survey concerned.

    Free text is kept in two more places, cleared alike: the rows a response
    import keeps from its file (the preview and the rejected rows of an
    :class:`~wagtail_pilots.importexport.models.ImportBatch` uploaded before the
    cut-off) and first paper entries (:class:`PaperEntryDraft`) that waited
    longer than that for the second clerk, which are deleted.

    Everything happens in one transaction: it all changes, or nothing does.
    With ``dry_run`` nothing is written and the reports say what would change.
    Counted answers (``SurveyAnswer`` rows), the group, channel and day of each
    response stay, so published results do not move.
    """
    from wagtail.models import Page

    from wagtail_pilots.importexport.models import ImportBatch

    from .importexport import ResponsesKind
    from .models import PaperEntryDraft

    if days < 1:
        raise ValueError("days must be at least 1")
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=days)
    cutoff_time = timezone.make_aware(
        datetime.datetime.combine(cutoff, datetime.time.min)
    )
    old = SurveyResponse.objects.filter(submitted_on__lt=cutoff)
    old_imports = ImportBatch.objects.filter(
        kind=ResponsesKind.name, created_at__lt=cutoff_time, page__isnull=False
    ).exclude(preview={}, rejected={})
    old_drafts = PaperEntryDraft.objects.filter(created_at__lt=cutoff_time)
    survey_ids = set(old.values_list("survey_id", flat=True).distinct())
    survey_ids |= set(old_imports.values_list("page_id", flat=True).distinct())
    survey_ids |= set(old_drafts.values_list("survey_id", flat=True).distinct())
    survey_ids |= set(
        AccessCode.objects.filter(response__isnull=False)
        .values_list("survey_id", flat=True)
        .distinct()
    )
    survey_ids |= set(
        AccessCode.objects.filter(used_at__isnull=False)
        .values_list("survey_id", flat=True)
        .distinct()
    )
    reports = []
    with transaction.atomic():
        pages = Page.objects.filter(pk__in=survey_ids).specific().order_by("pk")
        for survey in pages:
            report = RetentionReport(survey_id=survey.pk, title=survey.title)
            responses = old.filter(survey_id=survey.pk)
            digests = responses.exclude(client_digest="")
            report.digests_cleared = digests.count()
            kept = _kept_keys(survey)
            changed = []
            for response in responses.only("pk", "data").iterator(chunk_size=2000):
                data = response.data if isinstance(response.data, dict) else {}
                cleared = {
                    key: ""
                    for key, value in data.items()
                    if key not in kept and value not in ("", None, [], {})
                }
                if cleared:
                    report.texts_cleared += len(cleared)
                    report.responses_with_text += 1
                    response.data = {**data, **cleared}
                    changed.append(response)
            if getattr(survey, "anonymous", False):
                links = AccessCode.objects.filter(survey_id=survey.pk).filter(
                    Q(response__isnull=False) | Q(used_at__isnull=False)
                )
                report.code_links_cut = links.count()
            else:
                links = AccessCode.objects.none()
            imports = old_imports.filter(page_id=survey.pk)
            report.imports_cleared = imports.count()
            drafts = old_drafts.filter(survey_id=survey.pk)
            report.paper_drafts_deleted = drafts.count()
            if not dry_run:
                if report.imports_cleared:
                    imports.update(preview={}, rejected={})
                if report.paper_drafts_deleted:
                    drafts.delete()
                if changed:
                    SurveyResponse.objects.bulk_update(
                        changed, ["data"], batch_size=500
                    )
                digests.update(client_digest="")
                if report.code_links_cut:
                    links.update(response=None, used_at=None)
            if report.changed:
                reports.append(report)
    return reports


def notification_results_prune(*, dry_run=False):
    """Delete the finished results of notification tasks; return how many.

    A task result of the database queue (``django_tasks_db``) keeps the
    response's id with the exact time it was queued, started and finished,
    which is finer than the day an anonymous survey keeps. Once the e-mail went
    out (or gave up) the result is of no use, so ``pilots_retention`` deletes
    it. Without ``django_tasks_db`` there is nothing to delete.
    """
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    from .tasks import notify_survey_response

    finished = DBTaskResult.objects.finished().filter(
        task_path=notify_survey_response.module_path
    )
    count = finished.count()
    if count and not dry_run:
        finished.delete()
    return count


def question_set_insert(*, survey, name, user=None):
    """Append the ready question set ``name`` (see :mod:`.question_sets`) to
    ``survey``'s questions, in a new revision made from its latest one (so
    unpublished edits are kept; a live survey gets a draft to review and
    publish). Returns the revision. The questions get their keys (``q1``…)
    here, like every new question. Raises :class:`ValidationError` for an
    unknown set or a scale that no longer exists; nothing is written then."""
    from .models import Scale, SurveyAnswer
    from .question_sets import QUESTION_SETS

    question_set = QUESTION_SETS.get(name)
    if question_set is None:
        raise ValidationError(_("Unknown question set “%(name)s”.") % {"name": name})
    scale = Scale.objects.filter(name=question_set.scale).first()
    if scale is None:
        raise ValidationError(
            _(
                "The scale “%(scale)s” this set uses no longer exists: add it "
                "under Survey scales first."
            )
            % {"scale": question_set.scale}
        )
    page = survey.get_latest_revision_as_object()
    question_model = type(page).get_question_model()
    existing = list(page.form_fields.all())
    taken = {q.clean_name for q in existing}
    taken.update(
        SurveyAnswer.objects.filter(survey_id=survey.pk)
        .values_list("question_key", flat=True)
        .distinct()
    )
    position = max((q.sort_order or 0 for q in existing), default=-1) + 1
    added = []
    for offset, spec in enumerate(question_set.questions()):
        spec = {**spec, "scale": scale if spec.get("scale") else None}
        question = question_model(sort_order=position + offset, **spec)
        taken.add(question.assign_key(taken=taken))
        added.append(question)
    page.form_fields = [*existing, *added]
    with transaction.atomic():
        return page.save_revision(user=user, log_action=True)


# Paper entry ---------------------------------------------------------------


class PaperEntry:
    """What :func:`paper_entry_record` did: ``response`` when stored,
    ``first_entry`` when a first entry waits for its second, ``differences``
    (question, first value, second value) when the two entries disagree."""

    def __init__(self, *, response=None, first_entry=None, differences=()):
        self.response = response
        self.first_entry = first_entry
        self.differences = list(differences)


def _compare_entries(questions, first, second):
    """``[(label, first, second)]`` where two entries' stored answers differ."""
    differences = []
    for question in questions:
        a, b = first.get(question.key, ""), second.get(question.key, "")
        if question.field_type == MATRIX:
            a, b = a or {}, b or {}
            for row in question.rows:
                if (a.get(row.key) or "") != (b.get(row.key) or ""):
                    label = f"{question.label} / {row.label}"
                    differences.append((label, a.get(row.key), b.get(row.key)))
        elif (a or "") != (b or ""):
            differences.append((question.label, a, b))
    return differences


def paper_entry_record(
    *, survey, data, serial, entered_by, questions=None, token=None, confirm=False
):
    r"""Record one typed-in paper questionnaire, with double entry when the
    survey asks for it. Returns a :class:`PaperEntry`.

    Without double entry the questionnaire is stored at once. With it, the
    first entry of a serial number is kept aside (nothing counted); the second,
    by another clerk, is compared with it: when both agree, or when the second
    clerk has seen the differences and confirms the answers, the response
    is stored once through :func:`response_submit` and the first entry goes.
    """
    questions = questions if questions is not None else survey_questions(survey)
    serial = (serial or "").strip()
    if not survey.paper_double_entry:
        response, _created = response_submit(
            survey=survey,
            data=data,
            channel=Channel.PAPER,
            token=token,
            entered_by=entered_by,
            questions=questions,
            serial=serial,
        )
        return PaperEntry(response=response)
    if not serial:
        raise SubmitError(
            _("Enter the questionnaire's serial number: double entry needs it."),
            field="wp_serial",
        )
    _check_serial_free(survey, serial)
    stored, _rows = build_answers(questions, data)  # refuses bad values first
    plain = {key: _plain(value) for key, value in data.items()}
    with transaction.atomic():
        first = (
            PaperEntryDraft.objects.select_for_update()
            .filter(survey_id=survey.pk, serial=serial)
            .first()
        )
        if first is None:
            try:
                with transaction.atomic():
                    first = PaperEntryDraft.objects.create(
                        survey_id=survey.pk,
                        serial=serial,
                        data=plain,
                        entered_by=entered_by,
                    )
            except IntegrityError:
                raise SubmitError(
                    _(
                        "Another clerk has just entered questionnaire number "
                        "%(serial)s first. Enter it again as its second entry."
                    )
                    % {"serial": serial},
                    field="wp_serial",
                ) from None
            return PaperEntry(first_entry=first)
        if first.entered_by_id is not None and first.entered_by_id == getattr(
            entered_by, "pk", None
        ):
            raise SubmitError(
                _(
                    "You made the first entry of questionnaire number %(serial)s: "
                    "its second entry must be made by another clerk."
                )
                % {"serial": serial},
                field="wp_serial",
            )
        first_stored, _rows = build_answers(questions, first.data)
        differences = _compare_entries(questions, first_stored, stored)
        if differences and not confirm:
            return PaperEntry(first_entry=first, differences=differences)
        response, _created = response_submit(
            survey=survey,
            data=data,
            channel=Channel.PAPER,
            token=token,
            entered_by=entered_by,
            questions=questions,
            serial=serial,
        )
        first.delete()
    return PaperEntry(response=response, differences=differences)


# Save and resume --------------------------------------------------------------

#: The keys of the digests a draft is found by (each its own, so that no digest
#: of a draft equals a digest stored elsewhere, e.g. an access code's).
DRAFT_LINK_PURPOSE = "wagtail_pilots.surveys.draft_link"
DRAFT_CODE_PURPOSE = "wagtail_pilots.surveys.draft_code"
DRAFT_ACCESS_CODE_PURPOSE = "wagtail_pilots.surveys.draft_access_code"
#: Characters of a resume link's token (from the code alphabet: about 158 bits).
DRAFT_TOKEN_LENGTH = 32
#: Values kept per form field of a draft, and the longest value.
_DRAFT_MAX_VALUES = 100


def draft_access_code_digests(code):
    return code_utils.code_digests(code, purpose=DRAFT_ACCESS_CODE_PURPOSE)


@dataclass
class SavedDraft:
    """What :func:`draft_save` gives the respondent, once: the resume link's
    ``token`` and the short resume ``code`` (both empty in a survey that
    requires a 参与码, which resumes by that code) and the last day the draft
    is kept. Only their digests are stored."""

    draft_id: int
    expires_on: datetime.date
    token: str = ""
    code: str = ""


def draft_expires_on(today=None):
    """The last day a draft saved ``today`` can be resumed."""
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=pilots_settings.SURVEY_DRAFT_DAYS)


def _draft_values(values):
    """``{form field name: [value, ...]}`` with strings only, bounded."""
    limit = pilots_settings.SURVEY_TEXT_MAX_LENGTH
    clean = {}
    for name, items in (values or {}).items():
        items = [str(v)[:limit] for v in items if v not in (None, "")]
        if items:
            clean[str(name)[:255]] = items[:_DRAFT_MAX_VALUES]
    return clean


def draft_save(*, survey, values, page_index=0, draft_id=None, code=None, today=None):
    """Keep a respondent's answers so far; return a :class:`SavedDraft`.

    ``values`` are the form's values (``{field name: [value, ...]}``; the
    answers of the questions shown). A survey that requires a 参与码 keeps one
    draft per code (``code``, already checked), found again by that code.
    Any other survey gets a new resume link and short code on every save:
    the draft the form was resumed from (``draft_id``) takes them, and the
    link and code it had stop working. Nothing about the respondent is
    stored, and of the time only the day the draft expires.
    """
    expires_on = draft_expires_on(today)
    fields = {
        "data": _draft_values(values),
        "page_index": max(0, min(int(page_index or 0), 32767)),
        "expires_on": expires_on,
    }
    if survey.access == Access.CODE:
        normalised = code_utils.normalise_code(code or "")
        if not normalised:
            raise CodeRejected(_("Enter your access code."), field="wp_code")
        digest = code_utils.code_digest(normalised, purpose=DRAFT_ACCESS_CODE_PURPOSE)
        digests = draft_access_code_digests(normalised)
        drafts = SurveyDraft.objects.filter(
            survey_id=survey.pk, code_digest__in=digests
        )
        with transaction.atomic():
            if not drafts.update(code_digest=digest, **fields):
                try:
                    with transaction.atomic():
                        SurveyDraft.objects.create(
                            survey_id=survey.pk, code_digest=digest, **fields
                        )
                except IntegrityError:  # saved at the same moment elsewhere
                    drafts.update(**fields)
            draft_pk = drafts.values_list("pk", flat=True).first()
        return SavedDraft(draft_id=draft_pk, expires_on=expires_on)
    for _attempt in range(5):
        token = code_utils.generate_code(DRAFT_TOKEN_LENGTH)
        code = code_utils.generate_code()
        secrets_ = {
            "token_digest": code_utils.code_digest(token, purpose=DRAFT_LINK_PURPOSE),
            "code_digest": code_utils.code_digest(code, purpose=DRAFT_CODE_PURPOSE),
        }
        try:
            with transaction.atomic():
                updated = bool(draft_id) and bool(
                    SurveyDraft.objects.filter(
                        pk=draft_id,
                        survey_id=survey.pk,
                        expires_on__gte=timezone.localdate(),
                    ).update(**secrets_, **fields)
                )
                if updated:
                    draft_pk = draft_id
                else:
                    draft_pk = SurveyDraft.objects.create(
                        survey_id=survey.pk, **secrets_, **fields
                    ).pk
        except IntegrityError:  # a resume code already in use: draw again
            continue
        return SavedDraft(
            draft_id=draft_pk,
            expires_on=expires_on,
            token=token,
            code=code_utils.format_code(code),
        )
    raise RuntimeError("Could not draw a free resume code")


def draft_find(*, survey, token=None, code=None, access_code=None):
    """The draft of ``survey`` that a resume link's ``token``, a resume
    ``code`` or a survey's 参与码 (``access_code``) opens, or ``None``.
    Expired drafts are returned too: the caller refuses them (and says so)."""
    if token:
        field, value, purpose = "token_digest", token, DRAFT_LINK_PURPOSE
    elif code:
        field, value, purpose = "code_digest", code, DRAFT_CODE_PURPOSE
    elif access_code:
        field, value, purpose = "code_digest", access_code, DRAFT_ACCESS_CODE_PURPOSE
    else:
        return None
    if not code_utils.normalise_code(value):
        return None
    digests = code_utils.code_digests(value, purpose=purpose)
    draft = SurveyDraft.objects.filter(
        survey_id=survey.pk, **{f"{field}__in": digests}
    ).first()
    if draft is None or not code_utils.digest_in(getattr(draft, field), digests):
        return None
    return draft


def draft_expired(draft, today=None):
    return draft.expires_on < (today or timezone.localdate())


def draft_delete(draft):
    SurveyDraft.objects.filter(pk=draft.pk).delete()


def drafts_expired_delete(*, today=None, dry_run=False):
    """Delete every draft past its last day; return how many (with
    ``dry_run``, how many would go)."""
    expired = SurveyDraft.objects.filter(expires_on__lt=today or timezone.localdate())
    if dry_run:
        return expired.count()
    deleted, _by_model = expired.delete()
    return deleted
