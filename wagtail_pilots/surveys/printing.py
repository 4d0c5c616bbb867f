"""The printable questionnaire, as pure functions of a survey's questions.

:func:`questionnaire` lays a survey out for paper: its parts (the web form's
pages), each question numbered as the web form numbers it
(:func:`.logic.question_numbers`), each answer with its code, and each
condition written out in words (:func:`condition_sentence`), e.g.
``若第3题选“不满意”，请答第4题。`` or ``If you chose “Dissatisfied” in question
3, answer question 4.`` in the active language.

The codes are the response import's coding scheme, read ``正序``: the options
of a question are numbered 1, 2, 3… in the order the web form shows them, and
“other, please specify” comes last with the next number
(:func:`answer_codes`). A clerk keying a printed questionnaire into the import
template writes the codes circled on paper and ``正序`` in the row's
``数字编码`` column; the template's coding sheet lists the same codes.

No database access here: the view reads the questions once
(:func:`.questions.survey_questions`) and passes them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import logic
from .questions import (
    CHOICE_TYPES,
    GROUP,
    MATRIX,
    MULTI_CHOICE_TYPES,
    Question,
    Row,
)

# How a question is laid out on paper.
CHOICE = "choice"  # tick one option
MULTI = "multi"  # tick any number of options
GRID = "grid"  # a matrix: one option per row
LINE = "line"  # a short answer on a line
BOX = "box"  # a free-text box
TICK = "tick"  # a single yes/no tick box

TEXT_BOXES = ("multiline",)
TICK_TYPES = ("checkbox",)


@dataclass(frozen=True)
class Code:
    """One answer as printed: its code, its text, whether it is “other”."""

    code: int
    label: str
    other: bool = False


def answer_values(question: Question) -> list[str]:
    """The options of ``question`` (scale labels or choices), in order."""
    if question.options:
        return [o.label for o in question.options]
    return list(question.choices)


def answer_texts(question: Question) -> list[str]:
    """The options of ``question`` as a respondent reads them (a translated
    survey's words), in the same order as :func:`answer_values`."""
    if question.options:
        return [o.text for o in question.options]
    return [text for _value, text in question.choice_pairs()]


def answer_codes(question: Question, *, shown: bool = False) -> list[Code]:
    """The codes of a question's answers: 1, 2, 3… in the options' order
    (the import's ``正序``), then “other, please specify” with the next code.
    Empty for a question without options. The labels are the stored values
    (the source's words, as the import template lists them), or with
    ``shown`` the words a respondent reads: a translation prints its own
    words beside the same codes."""
    labels = answer_texts(question) if shown else answer_values(question)
    codes = [Code(number, label) for number, label in enumerate(labels, start=1)]
    if codes and logic.offers_other(question):
        codes.append(Code(len(codes) + 1, other_label(), other=True))
    return codes


def other_code(question: Question) -> int | None:
    """The code of “other, please specify”, whatever the coding order; ``None``
    when the question does not offer it."""
    if not logic.offers_other(question) or not answer_values(question):
        return None
    return len(answer_values(question)) + 1


def other_label() -> str:
    from .forms import OTHER_LABEL

    return str(OTHER_LABEL)


# Conditions in words ----------------------------------------------------------


def _quoted(value: str) -> str:
    if value == logic.OTHER:
        value = other_label()
    return pgettext("printed condition, a quoted option", "“%(option)s”") % {
        "option": value
    }


def _values(values: Sequence[str], question: Question | None = None) -> str:
    """The options ``values`` (stored values) quoted, in the words of
    ``question`` (a translation's) when given."""
    separator = pgettext("printed condition, between options", " or ")
    if question is not None:
        values = [
            v if v == logic.OTHER else str(question.text_of(str(v))) for v in values
        ]
    return separator.join(_quoted(str(v)) for v in values)


def _question_ref(ref: str, questions: Mapping[str, Question], numbers) -> str:
    number = numbers.get(ref)
    if number is not None:
        return str(number)
    question = questions.get(ref)
    return _quoted(question.label if question is not None else ref)


def rule_clause(
    rule: Mapping[str, Any],
    *,
    questions: Mapping[str, Question],
    numbers: Mapping[str, int],
) -> str:
    """One condition in words, without “if”: ``第3题选“不满意”`` /
    ``you chose “Dissatisfied” in question 3``."""
    ref = str(rule.get("question", ""))
    number = _question_ref(ref, questions, numbers)
    target = questions.get(ref)
    matrix = target is not None and target.field_type == MATRIX
    op = rule.get("op")
    if op == logic.ANSWERED:
        return _("you answered question %(number)s") % {"number": number}
    values = _values(list(rule.get("values") or ()), target)
    params = {"number": number, "options": values}
    if op == logic.NOT_IN:
        if matrix:
            return _("you chose %(options)s in no row of question %(number)s") % params
        return _("you did not choose %(options)s in question %(number)s") % params
    if matrix:
        return _("you chose %(options)s in any row of question %(number)s") % params
    return _("you chose %(options)s in question %(number)s") % params


def conditions_clause(
    conditions: Sequence[Mapping[str, Any]],
    match: str,
    *,
    questions: Mapping[str, Question],
    numbers: Mapping[str, int],
) -> str:
    """Several conditions joined by “and” (all of them) or “or” (any)."""
    clauses = [
        rule_clause(rule, questions=questions, numbers=numbers) for rule in conditions
    ]
    if match == logic.ANY:
        separator = pgettext("printed condition, any of them", " or ")
    else:
        separator = pgettext("printed condition, all of them", " and ")
    return separator.join(clauses)


def condition_sentence(
    conditions: Sequence[Mapping[str, Any]],
    match: str,
    *,
    questions: Sequence[Question],
    target: int | tuple[int, int],
) -> str:
    """The instruction a printed questionnaire gives for ``conditions``.

    ``target`` is the number of the question they show, or ``(first, last)``
    for a part (a page of the web form) they show. Empty without conditions::

        若第3题选“不满意”，请答第4题。
        若第1题选“党员”，且第2题未选“满意”，请答本部分（第5—7题），否则跳过本部分。
    """
    if not conditions:
        return ""
    by_key = {q.key: q for q in questions}
    clause = conditions_clause(
        conditions,
        match,
        questions=by_key,
        numbers=logic.question_numbers(questions),
    )
    if isinstance(target, tuple):
        first, last = target
        if first == last:
            return _(
                "If %(conditions)s, answer this part (question %(first)s); "
                "otherwise skip it."
            ) % {"conditions": clause, "first": first}
        return _(
            "If %(conditions)s, answer this part (questions %(first)s–%(last)s); "
            "otherwise skip it."
        ) % {"conditions": clause, "first": first, "last": last}
    return _("If %(conditions)s, answer question %(number)s.") % {
        "conditions": clause,
        "number": target,
    }


def follow_up_sentence(question: Question) -> str:
    """The follow-up's instruction: ``若选“不满意”，请说明不满意的地方：``."""
    if not question.follow_up_options or (
        question.field_type not in logic.FOLLOW_UP_TYPES
    ):
        return ""
    label = question.follow_up_label or _("Please tell us more")
    return _("If you chose %(options)s: %(question)s") % {
        "options": _values(question.follow_up_options, question),
        "question": label,
    }


# The questionnaire --------------------------------------------------------------


@dataclass
class PrintedQuestion:
    number: int
    question: Question
    layout: str
    codes: list[Code] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    condition: str = ""
    follow_up: str = ""

    @property
    def label(self) -> str:
        return self.question.label

    @property
    def help_text(self) -> str:
        return self.question.help_text

    @property
    def key(self) -> str:
        return self.question.key


@dataclass
class PrintedPart:
    """One part of the questionnaire: a page of the web form."""

    number: int  # from 1
    title: str
    condition: str
    questions: list[PrintedQuestion]

    @property
    def first(self) -> int:
        return self.questions[0].number

    @property
    def last(self) -> int:
        return self.questions[-1].number


def layout_of(question: Question) -> str:
    if question.field_type == MATRIX:
        return GRID
    if question.field_type in MULTI_CHOICE_TYPES:
        return MULTI
    if question.field_type in (GROUP, *CHOICE_TYPES) or question.options:
        return CHOICE
    if question.field_type in TEXT_BOXES:
        return BOX
    if question.field_type in TICK_TYPES:
        return TICK
    return LINE


def questionnaire(questions: Sequence[Question]) -> list[PrintedPart]:
    """The parts of the printed questionnaire, with numbered questions, codes
    and conditions in words (in the active language)."""
    numbers = logic.question_numbers(questions)
    parts: list[PrintedPart] = []
    for page in logic.paginate(questions):
        printed = []
        for question in page.questions:
            number = numbers[question.key]
            printed.append(
                PrintedQuestion(
                    number=number,
                    question=question,
                    layout=layout_of(question),
                    codes=answer_codes(question, shown=True),
                    rows=list(question.rows) if question.field_type == MATRIX else [],
                    condition=condition_sentence(
                        logic.own_conditions(question, page),
                        question.conditions_match,
                        questions=questions,
                        target=number,
                    ),
                    follow_up=follow_up_sentence(question),
                )
            )
        if not printed:
            continue
        parts.append(
            PrintedPart(
                number=page.index + 1,
                title=page.title,
                condition=condition_sentence(
                    page.conditions,
                    page.match,
                    questions=questions,
                    target=(printed[0].number, printed[-1].number),
                ),
                questions=printed,
            )
        )
    return parts
