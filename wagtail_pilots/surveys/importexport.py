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
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import exceptions as import_export_errors
from import_export import fields, resources, widgets
from import_export.results import RowResult
from import_export.utils import atomic_if_using_transaction

from ..importexport.registry import Column, ImportExportKind
from ..importexport.resources import (
    PROGRESS_EVERY,
    BatchResourceMixin,
    ExportOnlyResource,
)
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

# Responses written per bulk_create (and their answers per insert_answers).
WRITE_CHUNK = 5000

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


def not_asked_marks():
    """The texts of an exported "not asked" cell (casefolded), in the current
    language and the others."""
    marks = {"(not asked)", "（未问）", "(未问)", str(NOT_ASKED_LABEL)}
    return frozenset(m.casefold() for m in marks)


def is_not_asked_mark(text):
    """An exported "not asked" cell read back: the same as an empty cell."""
    return text.casefold() in not_asked_marks()


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


class _Refused:
    """A cell refused, with the message for its row and column."""

    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message


_EMPTY = object()  # a blank cell (or an exported "not asked" mark)

# Distinct cells remembered per import: answers repeat (a few options per
# question); free text that never repeats stops being remembered at this size.
CELL_CACHE_SIZE = 50_000


def _cached(cache, key, function, *args):
    """``function(*args)``, remembered in ``cache`` under ``key`` while the
    cache is not full. ``key`` carries the cell's type: ``1``, ``1.0``,
    ``True`` and ``"1"`` are different cells."""
    try:
        key = (*key, key[-1].__class__)
        return cache[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable cell (a list in a JSON file)
        return function(*args)
    outcome = function(*args)
    if len(cache) < CELL_CACHE_SIZE:
        cache[key] = outcome
    return outcome


def _coding_outcome(value):
    try:
        return parse_coding(value)
    except ValueError as error:
        return _Refused(str(error))


class RowParser:
    """Turns one wide row into ``(data for build_answers, errors by field)``.

    ``data`` is what :func:`~.services.build_answers` expects: an option's pk for
    a scale question, ``{row key: option pk}`` for a matrix, the choice text for
    a choice or group question, a list for a multiple choice, text otherwise.
    """

    def __init__(self, questions):
        self.questions = questions
        self._cache = {}
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
        """``(data, errors)`` of one row (a mapping of resource field names to
        cells). A cell is converted once per distinct value and coding: an
        import of thousands of questionnaires reads the same few answers over
        and over (:meth:`_convert`)."""
        data = {}
        errors = {}
        missing = {}  # column -> question key, for required answers left empty
        coding = self._coding(row.get(CODING_FIELD))
        if coding.__class__ is not str:
            errors[CODING_FIELD] = coding.message
            coding = CODING_TEXT
        convert = self._convert
        for question, matrix_columns, name, texts in self._plan:
            if matrix_columns is not None:  # a matrix: one column per row
                values = {}
                for matrix_row, name in matrix_columns:
                    outcome = convert(question, name, row.get(name), coding)
                    if outcome is _EMPTY:
                        if question.required and name in row:
                            missing[name] = question.key
                    elif outcome.__class__ is _Refused:
                        errors[name] = outcome.message
                    else:
                        values[matrix_row.key] = outcome
                data[question.key] = values
                continue
            for suffix, column in texts:
                text = _text(row.get(column))
                if text:
                    data[question.key + suffix] = text
            outcome = convert(question, name, row.get(name), coding)
            if outcome is _EMPTY:
                if question.required and question.is_counted and name in row:
                    missing[name] = question.key
            elif outcome.__class__ is _Refused:
                errors[name] = outcome.message
            elif outcome.__class__ is list:
                data[question.key] = list(outcome)  # a copy: cached
            else:
                data[question.key] = outcome
        if missing:
            # A required question the respondent was not asked may be empty.
            shown = logic.visible_keys(self.questions, data)
            for name, key in missing.items():
                if key in shown:
                    errors.setdefault(name, _("This answer is required."))
        return data, errors

    @cached_property
    def _plan(self):
        """Per question ``(question, matrix columns, column, text columns)``:
        a matrix's ``(row, column)`` pairs (else None), the question's column
        and its ``(suffix, column)`` text columns; computed once per import."""
        plan = []
        for question in self.questions:
            if question.field_type == MATRIX:
                matrix_columns = [
                    (matrix_row, question_field(question, matrix_row))
                    for matrix_row in question.rows
                ]
                plan.append((question, matrix_columns, None, ()))
                continue
            texts = [
                (suffix, question_field(question) + suffix)
                for suffix, _zh in text_columns(question)
            ]
            plan.append((question, None, question_field(question), texts))
        return plan

    @cached_property
    def _not_asked_marks(self):
        return not_asked_marks()

    def _coding(self, value):
        """The row's coding, or a :class:`_Refused` with the message."""
        return _cached(self._cache, (CODING_FIELD, value), _coding_outcome, value)

    def _convert(self, question, name, value, coding):
        """One answer cell: ``_EMPTY``, a :class:`_Refused` with the message,
        or the value :meth:`parse` stores. Memoised by column, cell and coding
        (a cell's meaning depends on nothing else)."""
        return _cached(
            self._cache,
            (name, coding, value),
            self._convert_cell,
            question,
            name,
            value,
            coding,
        )

    def _convert_cell(self, question, name, value, coding):
        text = _text(value)
        if text.casefold() in self._not_asked_marks:
            text = ""
        if not text:
            return _EMPTY
        try:
            if question.field_type == MATRIX:
                return self.option(question, text, coding).pk
            if is_other(question, text, coding):
                return logic.OTHER
            if question.field_type == SCALE:
                return self.option(question, text, coding).pk
            if question.field_type in (GROUP, *CHOICE_TYPES):
                return self.choice(question, text, coding)
            if question.field_type in MULTI_CHOICE_TYPES:
                return [
                    logic.OTHER
                    if is_other(question, item, coding)
                    else self.choice(question, item, coding)
                    for item in MULTI_SEPARATORS.split(text)
                    if item
                ]
        except ValueError as error:
            return _Refused(str(error))
        return text

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


def _refused_if_invalid(parse, value):
    try:
        return parse(value)
    except ValueError as error:
        return _Refused(str(error))


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
        batch_size = WRITE_CHUNK
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
        channel = _cached(
            self.parser._cache,
            (CHANNEL_FIELD, row.get(CHANNEL_FIELD)),
            _refused_if_invalid,
            parse_channel,
            row.get(CHANNEL_FIELD),
        )
        if channel.__class__ is _Refused:
            errors[CHANNEL_FIELD] = channel.message
        else:
            instance.channel = channel
        day = _cached(
            self.parser._cache,
            (DATE_FIELD, row.get(DATE_FIELD)),
            _refused_if_invalid,
            parse_day,
            row.get(DATE_FIELD),
        )
        if day.__class__ is _Refused:
            errors[DATE_FIELD] = day.message
        else:
            instance.submitted_on = day
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
        # The answer rows as tuples (ANSWER_COLUMNS without the response, the
        # survey, the group and the channel, added when they are written).
        instance._pilots_answers = [
            (
                answer["question_key"],
                answer.get("row_key", ""),
                answer.get("row_label", ""),
                answer.get("unit_id"),
                answer.get("option_id"),
                answer.get("value", ""),
            )
            for answer in answer_rows
        ]
        instance._pilots_units = response_unit_ids(answer_rows)
        self._check_quotas(instance, data, answer_rows)

    def import_data_inner(
        self,
        dataset,
        dry_run,
        raise_errors,
        using_transactions,
        collect_failed_rows,
        **kwargs,
    ):
        """django-import-export's row loop, without what a new response does
        not need (instance loaders, diffs, per-row hooks and savepoints): each
        row is checked by :meth:`import_instance` and the valid ones written
        by :meth:`bulk_create` in chunks of ``WRITE_CHUNK``. The result is a
        regular ``Result``: rows, invalid rows with their errors by column,
        error rows and totals, as the machinery reports them."""
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        using = self.get_db_connection_name()
        try:
            with atomic_if_using_transaction(using_transactions, using=using):
                self.before_import(dataset, **kwargs)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        result.total_rows = len(dataset)
        if collect_failed_rows:
            result.add_dataset_headers(dataset.headers)
        headers = dataset.headers
        # One shared result for every new row: nothing is recorded per row.
        new_row = self.get_row_result_class()()
        new_row.import_type = RowResult.IMPORT_TYPE_NEW
        totals = result.totals
        append_row = result.rows.append
        pending = self.create_instances
        batch = self.batch
        writing = not dry_run
        progress = self.progress
        for number, values in enumerate(dataset, 1):
            if progress is not None and (number - 1) % PROGRESS_EVERY == 0:
                progress(number - 1)
            row = dict(zip(headers, values, strict=False))
            instance = SurveyResponse()
            try:
                self.import_instance(instance, row)
            except ValidationError as error:
                row_result = self.get_row_result_class()()
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = error
                result.append_invalid_row(number, row, error)
                if collect_failed_rows:
                    result.append_failed_row(row, error)
            except Exception as error:
                row_result = self.get_row_result_class()()
                row_result.import_type = RowResult.IMPORT_TYPE_ERROR
                row_result.errors.append(
                    self.get_error_result_class()(error, row=row, number=number)
                )
                result.append_error_row(number, row, row_result.errors)
                if collect_failed_rows:
                    result.append_failed_row(row, row_result.errors[0])
                if raise_errors:
                    raise import_export_errors.ImportError(
                        error, number=number, row=row
                    ) from error
            else:
                append_row(new_row)
                totals[RowResult.IMPORT_TYPE_NEW] += 1
                if writing:
                    instance.import_batch = batch
                    pending.append(instance)
                    if len(pending) >= WRITE_CHUNK:
                        writing = self._write(using_transactions, raise_errors, result)
                continue
            append_row(row_result)
            totals[row_result.import_type] += 1
            if raise_errors and row_result.validation_error is not None:
                raise import_export_errors.ImportError(
                    row_result.validation_error, number=number, row=row
                )
        if writing and pending:
            self._write(using_transactions, raise_errors, result)
        pending.clear()
        try:
            with atomic_if_using_transaction(using_transactions, using=using):
                self.after_import(dataset, result, dry_run=dry_run, **kwargs)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        return result

    def _write(self, using_transactions, raise_errors, result):
        """Write the pending responses; False once writing failed (the import
        is rolled back: the rows left are only checked)."""
        using = self.get_db_connection_name()
        with atomic_if_using_transaction(using_transactions, using=using):
            self.bulk_create(using_transactions, False, raise_errors, result=result)
        return not result.base_errors

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
                    *answer,
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

    def get_export_table(self, *, page=None):
        """The resource's columns, read without model instances: ``(channel,
        date, data)`` tuples a database chunk at a time (memory stays flat),
        each answer cell taken from the stored labels as
        :class:`AnswerExportField` does (:func:`.selectors.export_value`)."""
        if page is None:
            return None
        resource = self.get_resource(page=page)
        fields_by_name = {f.column_name: f for f in resource.get_export_fields()}
        columns = [c for c in self.columns if c.field in fields_by_name]
        # Per column: the channel, the date, or (question key, matrix row key).
        plan = []
        for column in columns:
            field = fields_by_name[column.field]
            if isinstance(field, AnswerExportField):
                plan.append((field.question_key, field.row_key))
            else:
                plan.append(column.field)
        if any(
            isinstance(entry, str) and entry not in (CHANNEL_FIELD, DATE_FIELD)
            for entry in plan
        ):
            return None  # a column this table does not know: the resource's way
        queryset = self.get_export_queryset(page=page).values_list(
            "channel", "submitted_on", "data"
        )
        return [c.header for c in columns], _export_rows(queryset, plan)

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


def _export_cell(value, row_key):
    value = export_value(value, row_key)
    return "" if value is None else value


def _export_rows(queryset, plan, *, chunk_size=2000):
    """The export rows of ``(channel, submitted_on, data)`` tuples: a stored
    label is written as it is; "not asked", "other", several choices and
    matrix rows go through :func:`.selectors.export_value`."""
    other = logic.OTHER
    answers = [entry for entry in plan if entry.__class__ is tuple]
    # The channel and date columns, put in their places after the answers.
    inserts = [(n, entry) for n, entry in enumerate(plan) if entry.__class__ is str]
    for channel, submitted_on, data in queryset.iterator(chunk_size=chunk_size):
        get = (data or {}).get
        row = [
            value
            if row_key is None
            and (value := get(key, "")).__class__ is str
            and value != other
            else _export_cell(get(key, ""), row_key)
            for key, row_key in answers
        ]
        for position, entry in inserts:
            if entry == CHANNEL_FIELD:
                row.insert(position, channel)
            else:
                row.insert(position, submitted_on.isoformat() if submitted_on else "")
        yield row


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
