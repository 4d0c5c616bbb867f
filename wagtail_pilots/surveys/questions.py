"""A survey's questions as plain data, read once from its form fields.

Forms, the answering service, paper entry and the results all work from these
descriptions, so a question's key, rows and options mean the same everywhere.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

SCALE = "scale"
MATRIX = "matrix"
GROUP = "group"
CHOICE_TYPES = ("dropdown", "radio")
MULTI_CHOICE_TYPES = ("checkboxes", "multiselect")


@dataclass(frozen=True)
class Option:
    """A scale option. ``label`` is the source's wording, what answers,
    conditions and exports use; ``text`` is what a respondent reads (the
    scale's translation in a translated survey, see ``translations.py``)."""

    pk: int
    label: str
    score: Decimal
    satisfied: bool
    excluded: bool
    translated: str = ""

    @property
    def text(self):
        return self.translated or self.label


@dataclass(frozen=True)
class Row:
    """A matrix row: ``key`` and ``label`` are the source's (stored with each
    answer), ``text`` the wording shown."""

    key: str
    label: str
    unit_id: int | None = None
    translated: str = ""

    @property
    def text(self):
        return self.translated or self.label


@dataclass
class Question:
    key: str
    label: str
    field_type: str
    required: bool
    help_text: str = ""
    options: list[Option] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    # Survey logic (see ``logic.py``): pages, conditions and follow-ups.
    page_break: bool = False
    page_title: str = ""
    conditions: list[dict] = field(default_factory=list)
    conditions_match: str = "all"
    other: bool = False
    follow_up_options: list[str] = field(default_factory=list)
    follow_up_label: str = ""
    #: The wording shown for each of ``choices`` (a translation's), by
    #: position; empty: the choices as they are.
    choice_texts: list[str] = field(default_factory=list)

    def choice_pairs(self):
        """``[(value, text)]`` of the choices: the value stored, the text shown."""
        texts = self.choice_texts if len(self.choice_texts) == len(self.choices) else []
        return list(zip(self.choices, texts or self.choices, strict=True))

    def text_of(self, value):
        """The wording shown for a stored value (an option's label or a
        choice); the value itself when it is neither."""
        for option in self.options:
            if option.label == value:
                return option.text
        for choice, text in self.choice_pairs():
            if choice == value:
                return text
        return value

    @property
    def is_rated(self):
        return self.field_type in (SCALE, MATRIX)

    @property
    def is_counted(self):
        return self.is_rated or self.field_type in (
            GROUP,
            *CHOICE_TYPES,
            *MULTI_CHOICE_TYPES,
        )

    def row_field_name(self, row):
        return f"{self.key}__{row.key}"

    def option_by_pk(self, pk):
        if not hasattr(self, "_options_by_pk"):
            self._options_by_pk = {str(o.pk): o for o in self.options}
        return self._options_by_pk.get(str(pk))


QUESTION_KEY = re.compile(r"^q(\d+)$")


def needs_numbered_key(label, label_key):
    """Whether a new question gets a numbered key (``q1``, ``q2``…) rather than
    the key Wagtail derives from its label: a label that is not plain ASCII
    would become an unreadable ``u5bf9u5404…``."""
    return not label_key or not (label or "").isascii()


def next_question_key(taken):
    """``q<N>`` with N one more than the highest ``q<N>`` in ``taken``: never a
    number used before, so a new question cannot inherit a deleted one's
    answers."""
    numbers = [int(m.group(1)) for k in taken if (m := QUESTION_KEY.match(k or ""))]
    return f"q{max(numbers, default=0) + 1}"


def label_row_key(label):
    """A stable key for a free-text matrix row: survives reordering the rows."""
    return "r" + hashlib.sha256(label.encode()).hexdigest()[:10]


def split_choices(text):
    from wagtail.contrib.forms.forms import _split_by_newline_or_comma

    if not (text or "").strip():
        return []
    return [c for c in _split_by_newline_or_comma(text) if c]


def split_lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def question_from_field(form_field):
    key = form_field.clean_name or form_field.get_field_clean_name()
    question = Question(
        key=key,
        label=form_field.label,
        field_type=form_field.field_type,
        required=form_field.required,
        help_text=form_field.help_text,
        page_break=bool(getattr(form_field, "page_break", False)),
        page_title=getattr(form_field, "page_title", "") or "",
        conditions=list(getattr(form_field, "conditions", None) or []),
        conditions_match=getattr(form_field, "conditions_match", "") or "all",
        other=bool(getattr(form_field, "other_option", False)),
        follow_up_options=split_lines(getattr(form_field, "follow_up_options", "")),
        follow_up_label=getattr(form_field, "follow_up_label", "") or "",
    )
    if form_field.field_type in (SCALE, MATRIX) and form_field.scale_id:
        question.options = [
            Option(o.pk, o.label, o.score, o.satisfied, o.excluded)
            for o in form_field.scale.options.all()
        ]
    if form_field.field_type == MATRIX:
        rows = [Row(label_row_key(label), label) for label in form_field.row_labels()]
        # In memory for an unsaved preview, prefetched otherwise.
        units = sorted(form_field.row_units.all(), key=lambda u: (u.code, u.pk))
        rows += [Row(f"u{unit.pk}", unit.name, unit.pk) for unit in units]
        question.rows = rows
    if form_field.field_type in (GROUP, *CHOICE_TYPES, *MULTI_CHOICE_TYPES):
        question.choices = split_choices(form_field.choices)
    return question


@dataclass(frozen=True)
class Wording:
    """What a translation of a survey says of one question: its texts only."""

    key: str
    label: str = ""
    help_text: str = ""
    page_title: str = ""
    follow_up_label: str = ""
    choices: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()


def wording_from_field(form_field):
    return Wording(
        key=form_field.clean_name or form_field.get_field_clean_name(),
        label=form_field.label or "",
        help_text=form_field.help_text or "",
        page_title=getattr(form_field, "page_title", "") or "",
        follow_up_label=getattr(form_field, "follow_up_label", "") or "",
        choices=tuple(split_choices(getattr(form_field, "choices", ""))),
        rows=tuple(split_lines(getattr(form_field, "rows", ""))),
    )


def translate_questions(questions, wording, option_texts=None):
    """``questions`` (a survey's source questions) worded by a translation.

    ``wording``: the translation's :class:`Wording` per question, matched by
    key; ``option_texts``: ``{option pk: text}`` from the scales'
    translations. Choices and matrix rows are matched by position, and only
    when the translation has as many as the source (otherwise the source's
    wording stays). Keys, values, options, conditions and everything that is
    stored stay the source's: only the ``text`` shown changes.
    """
    by_key = {w.key: w for w in wording}
    texts = option_texts or {}
    result = []
    for question in questions:
        changes = {}
        if texts and question.options:
            changes["options"] = [
                replace(o, translated=texts.get(o.pk, "")) for o in question.options
            ]
        own = by_key.get(question.key)
        if own is not None:
            for name in ("label", "help_text", "page_title", "follow_up_label"):
                if getattr(own, name):
                    changes[name] = getattr(own, name)
            if question.choices and len(own.choices) == len(question.choices):
                changes["choice_texts"] = list(own.choices)
            labelled = [r for r in question.rows if r.unit_id is None]
            if labelled and len(own.rows) == len(labelled):
                row_texts = iter(own.rows)
                changes["rows"] = [
                    r
                    if r.unit_id is not None
                    else replace(r, translated=next(row_texts))
                    for r in question.rows
                ]
        result.append(replace(question, **changes) if changes else question)
    return result


def survey_questions(survey):
    """Every question of ``survey`` in order (one query plus prefetches)."""
    return [question_from_field(f) for f in survey.get_form_fields()]
