"""The *survey responses* import/export kind (registered in ``wagtail_hooks.py``).

Wide format: one row per questionnaire, one column per question (a matrix
question: one column per row), plus the respondent's channel and date. The
columns come from the survey's own questions (:meth:`ResponsesKind.for_page`):

- a question's header is its label or its key (``总体评价`` or ``zong_ti_ping_jia``
  …); templates and exports write ``label/key``;
- a matrix row's header is ``<question label> - <row label>`` (also ``label /
  row``, ``<key>__<row key>`` or the bare row key when unique);
- a scale cell holds the option's label, its number (1-based position on the
  scale) or its score; a choice or group cell the choice or its number; a
  multiple-choice cell several of them separated by ``;`` ``；`` or ``、``;
- ``渠道/channel`` is ``paper`` (the default), ``web`` or ``import`` (or their
  labels); ``填写日期/date`` defaults to today.

Imports are written in bulk (django-import-export's ``use_bulk``): each chunk of
responses is inserted with one ``bulk_create``, then their answer rows with
:func:`insert_answers` (``COPY`` on PostgreSQL, ``executemany`` elsewhere); the
dry run validates every row without writing. Every response carries its
``import_batch``, so a rollback deletes the batch's responses and their answers
with a few queries and recounts the survey's ``response_count``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import NotSupportedError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from ..importexport.registry import Column, ImportExportKind
from ..importexport.resources import BatchResourceMixin, ExportOnlyResource
from ..importexport.widgets import cell_text, parse_date_cell
from . import logic, printing, tallies
from .forms import NOT_ASKED_LABEL, OTHER_LABEL
from .models import (
    Channel,
    SurveyAnswer,
    SurveyNotAsked,
    SurveyPageMixin,
    SurveyResponse,
)
from .questions import (
    CHOICE_TYPES,
    GROUP,
    MATRIX,
    MULTI_CHOICE_TYPES,
    SCALE,
    survey_questions,
)
from .selectors import (
    export_value,
    results_table_rows,
    survey_response_rates,
    survey_results,
)
from .services import (
    QuotaFull,
    SubmitError,
    build_response,
    quota_fields,
    quota_full_message,
    quotas_recount,
    quotas_take,
    response_unit_ids,
    survey_quota_limits,
)

CHANNEL_FIELD = "channel"
DATE_FIELD = "submitted_on"
MULTI_SEPARATORS = re.compile(r"\s*[;；、]\s*")

CHANNEL_COLUMN = Column(
    CHANNEL_FIELD,
    en="channel",
    zh="渠道",
    aliases=("填报渠道", "来源"),
    sample="paper",
)
DATE_COLUMN = Column(
    DATE_FIELD,
    en="date",
    zh="填写日期",
    aliases=("日期", "submitted on", "submitted_on"),
    sample="2025-06-30",
)


CODING_FIELD = "coding"
CODING_TEXT = "text"
CODING_FIRST = "first"
CODING_LAST = "last"
CODING_SCORE = "score"
CODING_COLUMN = Column(
    CODING_FIELD,
    en="numeric coding",
    zh="数字编码",
    aliases=("coding", "编码"),
    sample="",
    choices=("文字", "正序", "倒序", "分值"),
)
# What a file may write in the coding column, in either language.
CODING_VALUES = {
    "": CODING_TEXT,
    "text": CODING_TEXT,
    "文字": CODING_TEXT,
    "first": CODING_FIRST,
    "1=first": CODING_FIRST,
    "正序": CODING_FIRST,
    "last": CODING_LAST,
    "1=last": CODING_LAST,
    "倒序": CODING_LAST,
    "score": CODING_SCORE,
    "分值": CODING_SCORE,
}


def parse_coding(value):
    """How the numbers of a row are coded (see :data:`CODING_VALUES`)."""
    text = _text(value).casefold().replace(" ", "")
    if text in CODING_VALUES:
        return CODING_VALUES[text]
    raise ValueError(
        _(
            "Unknown coding “%(value)s”: write 文字 (answers as text), 正序 "
            "(1 = the first option), 倒序 (1 = the last option) or 分值 (the "
            "option's score)."
        )
        % {"value": _text(value)}
    )


def _text(value):
    # NFKC: full-width digits and letters typed in a Chinese IME count as
    # their plain forms when matched against options.
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


def _number(text):
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def question_field(question, row=None):
    """The resource field (and dataset column) name of a question or matrix row."""
    if row is None:
        return f"answer:{question.key}"
    return f"answer:{question.key}:{row.key}"


def question_columns(questions):
    """The columns of a survey: one per question, one per matrix row, headed
    by the question's text (``总体评价``; a matrix row ``村委会评价 - 石桥村``).
    The key (``q2``, ``q3__u7``) and the old ``text/key`` headers are
    accepted too. A label that two questions share is written ``text/key``."""
    row_key_uses = {}
    label_uses = {}
    for question in questions:
        label_uses[question.label] = label_uses.get(question.label, 0) + 1
        for row in question.rows:
            row_key_uses[row.key] = row_key_uses.get(row.key, 0) + 1
    columns = []
    conditional = logic.conditional_keys(questions)
    for question in questions:
        unique_label = label_uses[question.label] == 1
        offered = tuple(o.label for o in question.options) or tuple(question.choices)
        if question.field_type in MULTI_CHOICE_TYPES:
            offered = ()  # several answers in one cell: no single-value list
        if question.field_type == MATRIX:
            for row in question.rows:
                text = f"{question.label} - {row.label}"
                key = f"{question.key}__{row.key}"
                aliases = [f"{question.label} / {row.label}", key]
                if row_key_uses[row.key] == 1:
                    aliases.append(row.key)
                columns.append(
                    Column(
                        question_field(question, row),
                        en=text if unique_label else key,
                        zh=text,
                        required=question.required
                        and question.is_counted
                        and question.key not in conditional,
                        aliases=tuple(aliases),
                        sample=_sample(question),
                        choices=offered,
                    )
                )
            continue
        aliases = [question.key]
        if question.field_type == GROUP:
            aliases += ["group", "respondent group", "受访者类别", "群体"]
        columns.append(
            Column(
                question_field(question),
                en=question.label if unique_label else question.key,
                zh=question.label,
                # A question some respondents are not asked may be empty.
                required=question.required
                and question.is_counted
                and question.key not in conditional,
                aliases=tuple(aliases),
                sample=_sample(question),
                choices=offered,
            )
        )
        for suffix, zh in text_columns(question):
            columns.append(
                Column(
                    question_field(question) + suffix,
                    en=question.key + suffix,
                    zh=f"{question.label} - {zh}",
                    aliases=(f"{question.label} / {zh}",),
                )
            )
    return columns


def text_columns(question):
    """``(suffix, Chinese header)`` of a question's own text columns: the text
    of "other, please specify" and the follow-up."""
    columns = []
    if logic.offers_other(question):
        columns.append((logic.OTHER_SUFFIX, "其他（请注明）"))
    if question.follow_up_options and question.field_type in logic.FOLLOW_UP_TYPES:
        columns.append((logic.FOLLOW_UP_SUFFIX, question.follow_up_label or "追问"))
    return columns


def is_not_asked_mark(text):
    """An exported "not asked" cell read back: the same as an empty cell."""
    marks = {"(not asked)", "（未问）", "(未问)", str(NOT_ASKED_LABEL)}
    return text.casefold() in {m.casefold() for m in marks}


def is_other(question, text, coding=CODING_TEXT):
    """Whether ``text`` chooses “other, please specify”: its name, or under a
    numeric coding (正序 or 倒序) its code, the number after the last option
    (:func:`.printing.other_code`, as the printed questionnaire shows it)."""
    if not logic.offers_other(question):
        return False
    names = {logic.OTHER, "other", "其他", "其他（请注明）", str(OTHER_LABEL)}
    if text.casefold() in {n.casefold() for n in names}:
        return True
    if coding in (CODING_FIRST, CODING_LAST):
        number = _number(text)
        code = printing.other_code(question)
        return number is not None and code is not None and number == code
    return False


def _sample(question):
    if question.options:
        satisfied = [o for o in question.options if o.satisfied]
        return (satisfied or question.options)[0].label
    if question.choices:
        return question.choices[0]
    return ""


class RowParser:
    """Turns one wide row into ``(data for build_answers, errors by field)``.

    ``data`` is what :func:`~.services.build_answers` expects: an option's pk for
    a scale question, ``{row key: option pk}`` for a matrix, the choice text for
    a choice or group question, a list for a multiple choice, text otherwise.
    """

    def __init__(self, questions):
        self.questions = questions
        self._options = {}
        for question in questions:
            if question.options:
                self._options[question.key] = self._option_lookup(question)

    @staticmethod
    def _option_lookup(question):
        by_label = {_text(o.label).casefold(): o for o in question.options}
        count = len(question.options)
        by_code = {
            CODING_FIRST: {
                Decimal(n): o for n, o in enumerate(question.options, start=1)
            },
            CODING_LAST: {
                Decimal(count + 1 - n): o
                for n, o in enumerate(question.options, start=1)
            },
            CODING_SCORE: {},
        }
        for option in question.options:
            by_code[CODING_SCORE].setdefault(Decimal(option.score), option)
        return by_label, by_code

    @staticmethod
    def _undeclared(question, text, labels):
        return ValueError(
            _(
                "“%(value)s” is a number, but this row does not say how its numbers "
                "are coded: write the answer's text (%(labels)s), or fill the "
                "column “数字编码” with 正序 (1 = %(first)s), 倒序 (1 = %(last)s)"
                "%(score)s."
            )
            % {
                "value": text,
                "labels": "、".join(labels),
                "first": labels[0],
                "last": labels[-1],
                "score": _(" or 分值 (the option's score)") if question.options else "",
            }
        )

    def option(self, question, text, coding=CODING_TEXT):
        """The option ``text`` names: its label, or a number coded as
        ``coding`` declares (never guessed); raises ValueError."""
        by_label, by_code = self._options.get(question.key, ({}, {}))
        found = by_label.get(text.casefold())
        if found is not None:
            return found
        number = _number(text)
        labels = [o.label for o in question.options]
        if number is not None:
            if coding == CODING_TEXT:
                raise self._undeclared(question, text, labels)
            found = by_code.get(coding, {}).get(number)
            if found is not None:
                return found
        raise ValueError(
            _("“%(value)s” is not one of the options (%(options)s).")
            % {
                "value": text,
                "options": ", ".join(
                    f"{n} {o.label} ({o.score.normalize():f})"
                    for n, o in enumerate(question.options, start=1)
                ),
            }
        )

    def choice(self, question, text, coding=CODING_TEXT):
        for choice in question.choices:
            if _text(choice).casefold() == text.casefold():
                return choice
        number = _number(text)
        if number is not None and question.choices:
            if coding == CODING_TEXT:
                raise self._undeclared(question, text, question.choices)
            if (
                coding in (CODING_FIRST, CODING_LAST)
                and number == number.to_integral_value()
            ):
                index = int(number) - 1
                if coding == CODING_LAST:
                    index = len(question.choices) - 1 - index
                if 0 <= index < len(question.choices):
                    return question.choices[index]
        if question.field_type == GROUP:
            message = _("Unknown respondent group “%(value)s” (%(choices)s).")
        else:
            message = _("“%(value)s” is not one of the choices (%(choices)s).")
        raise ValueError(
            message % {"value": text, "choices": ", ".join(question.choices)}
        )

    def parse(self, row):
        data = {}
        errors = {}
        missing = {}  # column -> question key, for required answers left empty
        try:
            coding = parse_coding(row.get(CODING_FIELD))
        except ValueError as error:
            errors[CODING_FIELD] = str(error)
            coding = CODING_TEXT
        for question in self.questions:
            if question.field_type == MATRIX:
                values = {}
                for matrix_row in question.rows:
                    name = question_field(question, matrix_row)
                    text = _text(row.get(name))
                    if is_not_asked_mark(text):
                        text = ""
                    if not text:
                        if question.required and name in row:
                            missing[name] = question.key
                        continue
                    try:
                        values[matrix_row.key] = self.option(question, text, coding).pk
                    except ValueError as error:
                        errors[name] = str(error)
                data[question.key] = values
                continue
            for suffix, _zh in text_columns(question):
                text = _text(row.get(question_field(question) + suffix))
                if text:
                    data[question.key + suffix] = text
            name = question_field(question)
            text = _text(row.get(name))
            if is_not_asked_mark(text):
                text = ""
            if not text:
                if question.required and question.is_counted and name in row:
                    missing[name] = question.key
                continue
            try:
                if is_other(question, text, coding):
                    data[question.key] = logic.OTHER
                elif question.field_type == SCALE:
                    data[question.key] = self.option(question, text, coding).pk
                elif question.field_type in (GROUP, *CHOICE_TYPES):
                    data[question.key] = self.choice(question, text, coding)
                elif question.field_type in MULTI_CHOICE_TYPES:
                    data[question.key] = [
                        logic.OTHER
                        if is_other(question, item, coding)
                        else self.choice(question, item, coding)
                        for item in MULTI_SEPARATORS.split(text)
                        if item
                    ]
                else:
                    data[question.key] = text
            except ValueError as error:
                errors[name] = str(error)
        if missing:
            # A required question the respondent was not asked may be empty.
            shown = logic.visible_keys(self.questions, data)
            for name, key in missing.items():
                if key in shown:
                    errors.setdefault(name, _("This answer is required."))
        return data, errors

    def column_of(self, field):
        """The column of an answering-service error's ``field``."""
        for question in self.questions:
            if field == question.key:
                return question_field(question)
            if field.startswith(question.key + "__"):
                suffix = field[len(question.key) :]
                if suffix in (logic.OTHER_SUFFIX, logic.FOLLOW_UP_SUFFIX):
                    return question_field(question) + suffix
                for row in question.rows:
                    if field == question.row_field_name(row):
                        return question_field(question, row)
        return None


CHANNEL_ALIASES = {
    "纸质": Channel.PAPER,
    "纸质问卷": Channel.PAPER,
    "纸质录入": Channel.PAPER,
    "网络": Channel.WEB,
    "网上": Channel.WEB,
    "在线": Channel.WEB,
    "导入": Channel.IMPORT,
}


def parse_channel(value):
    text = _text(value)
    if not text:
        return Channel.PAPER
    for choice, label in Channel.choices:
        if text.casefold() in (choice, str(label).casefold()):
            return choice
    if text in CHANNEL_ALIASES:
        return CHANNEL_ALIASES[text]
    raise ValueError(
        _("Unknown channel “%(value)s” (paper, web or import).") % {"value": text}
    )


def parse_day(value):
    """The response's date: the imports' one date parser; blank is today."""
    return parse_date_cell(value) or timezone.localdate()


class AnswerExportField(fields.Field):
    """Exports one question (or matrix row) from the response's stored labels."""

    def __init__(self, *, question_key, row_key=None, **kwargs):
        super().__init__(widget=widgets.Widget(), readonly=True, **kwargs)
        self.question_key = question_key
        self.row_key = row_key

    def get_value(self, instance):
        return export_value(
            (instance.data or {}).get(self.question_key, ""), self.row_key
        )

    def export(self, instance, **kwargs):
        value = self.get_value(instance)
        return "" if value is None else value


class SurveyResponseResource(BatchResourceMixin, resources.ModelResource):
    """One new :class:`SurveyResponse` per row, with its answer rows.

    Rows are never matched to existing responses (``force_init_instance``): a
    questionnaire is a new response. Rows are validated in ``import_instance``
    (errors by column) and written in chunks by ``bulk_create``.
    """

    channel = fields.Field(attribute="channel", column_name=CHANNEL_FIELD)
    submitted_on = fields.Field(attribute="submitted_on", column_name=DATE_FIELD)

    class Meta:
        model = SurveyResponse
        fields = ("channel", "submitted_on")
        force_init_instance = True
        use_bulk = True
        batch_size = 1000
        clean_model_instances = False
        skip_diff = True
        skip_html_diff = True
        report_skipped = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        survey = self.page.specific if self.page is not None else None
        self.survey = survey
        self.questions = survey_questions(survey) if survey is not None else []
        self.parser = RowParser(self.questions)
        self.group_keys = [q.key for q in self.questions if q.field_type == GROUP]
        for question in self.questions:
            rows = question.rows if question.field_type == MATRIX else [None]
            for row in rows:
                name = question_field(question, row)
                self.fields[name] = AnswerExportField(
                    attribute=name,
                    column_name=name,
                    question_key=question.key,
                    row_key=row.key if row is not None else None,
                )
            if question.field_type != MATRIX:
                for suffix, _zh in text_columns(question):
                    name = question_field(question) + suffix
                    self.fields[name] = AnswerExportField(
                        attribute=name,
                        column_name=name,
                        question_key=question.key + suffix,
                    )

    def get_queryset(self):
        queryset = SurveyResponse.objects.order_by("pk")
        if self.page is not None:
            queryset = queryset.filter(survey_id=self.page.pk)
        return queryset.only("pk", "channel", "submitted_on", "data")

    def dehydrate_channel(self, instance):
        return instance.channel

    def dehydrate_submitted_on(self, instance):
        return instance.submitted_on.isoformat() if instance.submitted_on else ""

    # -- import -------------------------------------------------------------------

    def import_instance(self, instance, row, **kwargs):
        """Validate and convert the whole row; errors are keyed by column."""
        data, errors = self.parser.parse(row)
        try:
            instance.channel = parse_channel(row.get(CHANNEL_FIELD))
        except ValueError as error:
            errors[CHANNEL_FIELD] = str(error)
        try:
            instance.submitted_on = parse_day(row.get(DATE_FIELD))
        except ValueError as error:
            errors[DATE_FIELD] = str(error)
        if errors:
            raise ValidationError(
                {name: ValidationError(message) for name, message in errors.items()}
            )
        try:
            built = build_response(self.questions, data, strict=True)
        except SubmitError as error:
            # An answer to a question its conditions hide, an "other" without
            # its text: named by column.
            column = self.parser.column_of(error.field or "")
            if column is None:
                raise ValidationError(str(error.message)) from None
            raise ValidationError(
                {column: ValidationError(str(error.message))}
            ) from None
        stored, answer_rows = built.stored, built.rows
        instance._pilots_not_asked = built.not_asked
        instance.survey_id = self.survey.pk
        instance.data = stored
        instance.group = next(
            (stored[k] for k in self.group_keys if stored.get(k)), ""
        )[:100]
        instance.entered_by = self.user if getattr(self.user, "pk", None) else None
        instance._pilots_answers = answer_rows
        instance._pilots_units = response_unit_ids(answer_rows)
        self._check_quotas(instance, data, answer_rows)

    def _check_quotas(self, instance, data, answer_rows):
        """Refuse the row that would go past a group's or a unit's quota,
        named by its column (the rows before it fill the quota first)."""
        if not hasattr(self, "_quota_limits"):
            from .selectors import quota_responses_counted

            self._quota_limits = survey_quota_limits(self.survey)
            self._quota_used = {
                key: quota_responses_counted(self.survey, key)
                for key in self._quota_limits
            }
        if not self._quota_limits:
            return
        keys = [("group", instance.group)] if instance.group else []
        keys += [("unit", unit_id) for unit_id in instance._pilots_units]
        fields = quota_fields(self.questions, data, answer_rows)
        errors = {}
        for key in keys:
            limit = self._quota_limits.get(key)
            if limit is not None and self._quota_used[key] + 1 > limit:
                field = fields.get("group" if key[0] == "group" else key[1])
                column = self.parser.column_of(field or "")
                if column is None:
                    raise ValidationError(quota_full_message(key, limit))
                errors[column] = quota_full_message(key, limit)
        if errors:
            raise ValidationError(
                {name: ValidationError(message) for name, message in errors.items()}
            )
        for key in keys:
            if key in self._quota_used:
                self._quota_used[key] += 1

    def bulk_create(
        self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
    ):
        """Insert the pending responses (``bulk_create``), then all their
        answers (:func:`insert_answers`). A dry run only validates: nothing is
        written."""
        if dry_run:
            self.create_instances.clear()
            return
        instances = list(self.create_instances)
        # Take the chunk's places in the quotas in the import's transaction:
        # a web response that took the last place meanwhile fails the import.
        taken = {}
        for instance in instances:
            if instance.group:
                taken[(instance.group, None)] = taken.get((instance.group, None), 0) + 1
            for unit_id in getattr(instance, "_pilots_units", ()):
                taken[("", unit_id)] = taken.get(("", unit_id), 0) + 1
        try:
            limits = survey_quota_limits(self.survey) if taken else {}
            for (group, unit_id), count in taken.items():
                quotas_take(
                    survey=self.survey,
                    group=group,
                    unit_ids=[unit_id] if unit_id is not None else [],
                    count=count,
                    limits=limits,
                )
        except QuotaFull as error:
            self.handle_import_error(
                result, ValidationError(error.message), raise_errors
            )
            self.create_instances.clear()
            return
        super().bulk_create(
            using_transactions,
            dry_run,
            raise_errors,
            batch_size=batch_size,
            result=result,
        )
        if not instances:
            return
        if instances[0].pk is None:
            # A backend whose bulk_create returns no keys: the answers could
            # not be tied to their responses. Refuse rather than store
            # responses that count nowhere.
            raise NotSupportedError(
                "Survey responses import needs a database whose bulk_create "
                "returns primary keys (SQLite 3.35+, PostgreSQL, MariaDB 10.5+)."
            )
        try:
            insert_answers(
                (
                    instance.pk,
                    instance.survey_id,
                    answer["question_key"],
                    answer.get("row_key", ""),
                    answer.get("row_label", ""),
                    answer.get("unit_id"),
                    answer.get("option_id"),
                    answer.get("value", ""),
                    instance.group,
                    instance.channel,
                )
                for instance in instances
                for answer in instance._pilots_answers
            )
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
            return
        not_asked = [
            SurveyNotAsked(
                response_id=instance.pk,
                survey_id=instance.survey_id,
                question_key=key,
                group=instance.group,
                channel=instance.channel,
            )
            for instance in instances
            for key in getattr(instance, "_pilots_not_asked", ())
        ]
        if not_asked:
            try:
                SurveyNotAsked.objects.bulk_create(not_asked, batch_size=2000)
            except Exception as error:
                self.handle_import_error(result, error, raise_errors)


ANSWER_COLUMNS = (
    "response_id",
    "survey_id",
    "question_key",
    "row_key",
    "row_label",
    "unit_id",
    "option_id",
    "value",
    "group",
    "channel",
)


def insert_answers(values, *, chunk=5000):
    """Insert answer rows (tuples in ``ANSWER_COLUMNS`` order): the rows are
    already validated, and building 20 model instances per questionnaire would
    take most of an import's time.

    On PostgreSQL with psycopg 3 the rows are streamed with ``COPY … FROM
    STDIN`` (one statement, the values escaped by psycopg); elsewhere they go
    in with a parameterised ``executemany`` in chunks of ``chunk`` rows.
    """
    using = router.db_for_write(SurveyAnswer)
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(SurveyAnswer._meta.db_table)
    columns = ", ".join(quote(c) for c in ANSWER_COLUMNS)
    with connection.cursor() as cursor:
        # psycopg 3's Cursor.copy; psycopg2 has no such method.
        if connection.vendor == "postgresql" and hasattr(cursor, "copy"):
            # Identifiers are this module's constants, quoted; values are data.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in values:
                    copy.write_row(row)
            return
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            table, columns, ", ".join(["%s"] * len(ANSWER_COLUMNS))
        )
        pending = []
        for row in values:
            pending.append(row)
            if len(pending) >= chunk:
                cursor.executemany(sql, pending)
                pending = []
        if pending:
            cursor.executemany(sql, pending)


# After a bulk load this large PostgreSQL's statistics still describe the table
# as it was, and until autovacuum next looks (a minute or more) the planner
# sorts the whole survey's answers on disk for the results page: 0.60 s instead
# of 0.12 s at 400,000 answers, the ANALYZE itself taking 0.1 s (measured
# 2026-12-03, PostgreSQL 15).
ANALYZE_AFTER_RESPONSES = 1000


def analyze_answers(using):
    """Refresh PostgreSQL's statistics of the answers table (``ANALYZE`` reads
    a sample, a fraction of a second); other databases plan this query well
    without them."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"ANALYZE {connection.ops.quote_name(SurveyAnswer._meta.db_table)}"
        )


def recount_responses(survey):
    """Bring ``response_count`` back in line with the stored responses."""
    specific = survey.specific
    count = SurveyResponse.objects.filter(survey_id=specific.pk).count()
    type(specific)._default_manager.filter(pk=specific.pk).update(response_count=count)
    return count


class ResponsesKind(ImportExportKind):
    """Survey responses, scoped to one survey page."""

    name = "responses"
    label = gettext_lazy("survey responses")
    resource_class = SurveyResponseResource
    models = (SurveyResponse,)
    page_model = SurveyPageMixin
    columns = (CHANNEL_COLUMN, DATE_COLUMN)

    def for_page(self, page):
        if page is None:
            return self
        bound = type(self)()
        questions = survey_questions(page.specific)
        bound.columns = (
            *question_columns(questions),
            CHANNEL_COLUMN,
            DATE_COLUMN,
            CODING_COLUMN,
        )
        bound.questions = questions
        return bound

    def template_notes_title(self):
        return _("Coding of answers")

    def template_notes(self):
        """The coding scheme: how each answer may be written."""
        questions = [
            q for q in getattr(self, "questions", ()) if q.options or q.choices
        ]
        notes = [
            [_("How to write the answers")],
            [
                _(
                    "Write each answer as its text, as offered in the cell's "
                    "drop-down list. Numbers are read only as the row's column "
                    "“数字编码” declares: 正序 (1 = the first option below), 倒序 "
                    "(1 = the last option) or 分值 (the option's score); left "
                    "empty or 文字, a number is refused with its row and column. "
                    "“Other, please specify” has the number after the last "
                    "option, in either order. The printed questionnaire shows "
                    "the 正序 codes."
                )
            ],
            [],
            [
                _("Question"),
                _("Answer"),
                _("Code if 正序"),
                _("Code if 倒序"),
                _("Score (分值)"),
            ],
        ]
        for question in questions:
            # The codes of the printed questionnaire (printing.answer_codes):
            # 正序, then “other” after the last option in either order.
            codes = printing.answer_codes(question)
            scores = [o.score for o in question.options]
            count = len(printing.answer_values(question))
            for n, code in enumerate(codes):
                notes.append(
                    [
                        question.label if n == 0 else "",
                        code.label,
                        code.code,
                        code.code if code.other else count - n,
                        "" if code.other or not scores else scores[n],
                    ]
                )
        return notes

    def get_export_queryset(self, *, page=None):
        return self.get_resource(page=page).get_queryset()

    def after_import(self, *, batch, result):
        recount_responses(batch.page)
        tallies.record_batch(batch=batch)
        if result.totals.get("new", 0) >= ANALYZE_AFTER_RESPONSES:
            using = router.db_for_write(SurveyAnswer)
            # robust: the import is committed by then; a failing ANALYZE (a
            # lock or statement timeout) is logged, not reported as a failure.
            transaction.on_commit(
                lambda: analyze_answers(using), using=using, robust=True
            )

    def before_rollback(self, *, batch, user=None):
        tallies.forget_batch(batch=batch)
        # One DELETE for every answer of the batch, rather than Django's
        # cascade collecting them response by response.
        SurveyAnswer.objects.filter(response__import_batch=batch).delete()
        SurveyNotAsked.objects.filter(response__import_batch=batch).delete()

    def after_rollback(self, *, batch, user=None):
        tallies.forgot_batch(batch=batch)
        recount_responses(batch.page)
        # The rolled-back responses give their places in the quotas back.
        quotas_recount(survey=batch.page.specific)


class SurveyResultsKind(ImportExportKind):
    """Export only: a survey's results table, the very table of the survey
    admin's *Results → export* (:func:`.selectors.results_table_rows` of
    :func:`.selectors.survey_results`, counted by the database); nothing is
    computed here. Needs what the responses export needs."""

    name = "survey-results"
    label = gettext_lazy("survey results")
    resource_class = ExportOnlyResource
    models = (SurveyResponse,)
    page_model = SurveyPageMixin
    importable = False

    def get_export_table(self, *, page=None):
        survey = page.specific
        return results_table_rows(
            survey_results(survey=survey), survey_response_rates(survey=survey)
        )
