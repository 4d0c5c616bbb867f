"""Writes: accepting a response, generating access codes.

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
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail_pilots import codes as code_utils
from wagtail_pilots.conf import pilots_settings

from .models import (
    Access,
    AccessCode,
    Channel,
    SurveyAnswer,
    SurveyNotAsked,
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
    now=None,
):
    """Store one response; return ``(response, created)``.

    ``data`` maps question keys to cleaned values (a matrix: ``{row key: option
    pk}``). A repeated ``token`` returns the response already stored for it
    (``created`` False). Web responses respect the survey's dates, its maximum and
    its access codes; paper and import entries are typed in by staff and only
    checked against the questions.
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
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey_id=survey.pk,
                channel=channel,
                group=group,
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
                AccessCode.objects.filter(pk=access_code.pk).update(response=response)
            _count_response(survey, limited=is_web)
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
            if survey.notify_to:
                response_id = response.pk
                transaction.on_commit(lambda: _enqueue_notification(response_id))
    except IntegrityError:
        if not token:
            raise
        existing = SurveyResponse.objects.filter(
            survey_id=survey.pk, idempotency_token=token
        ).first()
        if existing is None:
            raise
        return existing, False
    survey.response_count = (survey.response_count or 0) + 1
    return response, True


def _consume_code(survey, code, now):
    """Mark ``code`` used with one conditional UPDATE: of two concurrent posts of
    the same code exactly one changes a row."""
    normalised = code_utils.normalise_code(code or "")
    if not normalised:
        raise CodeRejected(_("Enter your access code."), field="wp_code")
    digests = code_utils.code_digests(normalised)
    access_code = (
        AccessCode.objects.filter(survey_id=survey.pk, digest__in=digests)
        .only("pk", "digest", "group", "unit_id")
        .first()
    )
    if access_code is None or not code_utils.digest_in(access_code.digest, digests):
        raise CodeRejected(_("This access code is not valid."), field="wp_code")
    changed = AccessCode.objects.filter(pk=access_code.pk, used_at__isnull=True).update(
        used_at=now
    )
    if changed != 1:
        raise CodeRejected(
            _("This access code has already been used."), field="wp_code"
        )
    return access_code


def _count_response(survey, *, limited):
    manager = type(survey)._default_manager
    queryset = manager.filter(pk=survey.pk)
    if limited and survey.max_responses is not None:
        queryset = queryset.filter(response_count__lt=survey.max_responses)
    if queryset.update(response_count=F("response_count") + 1) != 1:
        raise SurveyFull(_("This survey has received all the responses it needs."))


def _enqueue_notification(response_id):
    from .tasks import notify_survey_response

    try:
        notify_survey_response.enqueue(response_id=response_id)
    except Exception:  # the response is stored; a queue outage is only logged
        logger.exception(
            "Could not queue the notification for response %s", response_id
        )


def access_codes_generate(*, survey, count, group="", unit=None, batch=""):
    """Create ``count`` new access codes for ``survey``; return them."""
    if count < 1 or count > 10000:
        raise ValueError("count must be between 1 and 10000")
    existing = AccessCode.objects.filter(survey_id=survey.pk).values_list(
        "code", flat=True
    )
    new_codes = code_utils.generate_codes(count, existing=existing)
    objs = [
        AccessCode(
            survey_id=survey.pk,
            code=code,
            digest=code_utils.code_digest(code),
            group=group,
            unit=unit,
            batch=batch,
        )
        for code in new_codes
    ]
    with transaction.atomic():
        return AccessCode.objects.bulk_create(objs, batch_size=500)
