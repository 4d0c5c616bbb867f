"""Survey logic: pages (sections) and conditional display, as pure functions.

A survey's questions are split into pages at each question marked "starts a new
page"; a question (or, on a question that starts a page, the whole page) can be
shown only when earlier answers match its conditions. Conditions are data::

    [{"question": "q_satisfaction", "op": "in", "values": ["不满意"]}, ...]

combined with ``"all"`` or ``"any"``. ``op`` is ``"in"`` (is one of),
``"not_in"`` (is not one of: also true when the question was not answered) or
``"answered"`` (was answered). Values are option labels or choices.

The server decides what was shown from the answers alone
(:func:`visible_keys`): the public form, the answering service and the import
all call it, so a hidden question is neither required nor stored, whatever the
client sent. No database access here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .questions import (
    CHOICE_TYPES,
    GROUP,
    MATRIX,
    MULTI_CHOICE_TYPES,
    SCALE,
    Question,
)

IN = "in"
NOT_IN = "not_in"
ANSWERED = "answered"
OPERATORS = (IN, NOT_IN, ANSWERED)
ALL = "all"
ANY = "any"

#: The value of the "Other, please specify" choice, in forms and stored answers.
OTHER = "__other__"
#: Where the text of "Other, please specify" and of a follow-up are stored.
OTHER_SUFFIX = "__other"
FOLLOW_UP_SUFFIX = "__followup"

#: Questions whose answers can be compared with values (is one of / is not one of).
VALUE_TYPES = (SCALE, MATRIX, GROUP, *CHOICE_TYPES, *MULTI_CHOICE_TYPES)
#: Questions that can offer "Other, please specify" and follow-ups.
FOLLOW_UP_TYPES = (SCALE, *CHOICE_TYPES, *MULTI_CHOICE_TYPES)


@dataclass
class SurveySection:
    """One page of a survey: its position (from 0), title, condition, questions."""

    index: int
    title: str = ""
    conditions: list[dict[str, Any]] = field(default_factory=list)
    match: str = ALL
    questions: list[Question] = field(default_factory=list)


def question_numbers(questions: Sequence[Question]) -> dict[str, int]:
    """Each question's number as the respondent reads it (1, 2, 3… in survey
    order, across pages, hidden questions included): the web form, paper
    entry and the printed questionnaire all number questions with this."""
    return {q.key: number for number, q in enumerate(questions, start=1)}


def paginate(questions: Sequence[Question]) -> list[SurveySection]:
    """The pages of a survey: a new page starts at each question marked so.

    The conditions of a question that starts a page belong to the page.
    """
    pages: list[SurveySection] = []
    for question in questions:
        if not pages or (question.page_break and pages[-1].questions):
            pages.append(SurveySection(index=len(pages)))
        page = pages[-1]
        if question.page_break and not page.questions:
            page.title = question.page_title
            page.conditions = list(question.conditions)
            page.match = question.conditions_match
        page.questions.append(question)
    return pages


def own_conditions(question: Question, page: SurveySection) -> list[dict[str, Any]]:
    """The conditions of ``question`` itself (a page's first question lends its
    conditions to the page)."""
    if page.questions and page.questions[0] is question and question.page_break:
        return []
    return list(question.conditions)


def answer_labels(question: Question, value: Any) -> frozenset[str] | None:
    """What a respondent chose, as labels; ``None`` when not answered.

    ``value`` is in the shape of the answering service's data: an option's pk
    for a scale question, ``{row key: option pk}`` for a matrix, a list for
    several choices, text otherwise.
    """
    if question.field_type == MATRIX:
        labels = set()
        for row_value in (value or {}).values() if isinstance(value, dict) else ():
            option = question.option_by_pk(row_value) if row_value else None
            if option is not None:
                labels.add(option.label)
        return frozenset(labels) or None
    if question.field_type in MULTI_CHOICE_TYPES:
        items = [v for v in (value or []) if v not in (None, "")]
        return frozenset(str(v) for v in items) or None
    if value in (None, "", [], {}):
        return None
    if question.field_type == SCALE and str(value) != OTHER:
        option = question.option_by_pk(value)
        return frozenset([option.label]) if option is not None else None
    return frozenset([str(value)])


def rule_matches(rule: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    chosen = answers.get(rule.get("question", ""))
    op = rule.get("op")
    if op == ANSWERED:
        return chosen is not None
    values = set(rule.get("values") or ())
    hit = chosen is not None and bool(chosen & values)
    return hit if op == IN else not hit


def conditions_met(
    conditions: Sequence[Mapping[str, Any]],
    match: str,
    answers: Mapping[str, Any],
) -> bool:
    if not conditions:
        return True
    results = (rule_matches(rule, answers) for rule in conditions)
    return any(results) if match == ANY else all(results)


@dataclass
class Visibility:
    """What a respondent is shown for given answers: the visible pages (by
    index) and the visible question keys."""

    pages: list[int]
    keys: set[str]

    def shown(self, key: str) -> bool:
        return key in self.keys


def visible(sections: Sequence[SurveySection], data: Mapping[str, Any]) -> Visibility:
    """Evaluate every condition in order. A hidden question counts as not
    answered for the conditions after it, whatever ``data`` holds for it."""
    answers: dict[str, frozenset[str] | None] = {}
    pages: list[int] = []
    keys: set[str] = set()
    for page in sections:
        if not conditions_met(page.conditions, page.match, answers):
            continue
        page_keys = []
        for question in page.questions:
            if not conditions_met(
                own_conditions(question, page), question.conditions_match, answers
            ):
                continue
            page_keys.append(question.key)
            answers[question.key] = answer_labels(question, data.get(question.key))
        if page_keys:
            pages.append(page.index)
            keys.update(page_keys)
    return Visibility(pages=pages, keys=keys)


def visible_keys(questions: Sequence[Question], data: Mapping[str, Any]) -> set[str]:
    return visible(paginate(questions), data).keys


def conditional_keys(questions: Sequence[Question]) -> set[str]:
    """The questions that some respondents may not be asked: with conditions
    of their own or on a page with conditions."""
    keys: set[str] = set()
    for page in paginate(questions):
        for question in page.questions:
            if page.conditions or own_conditions(question, page):
                keys.add(question.key)
    return keys


def has_logic(questions: Iterable[Question]) -> bool:
    return any(q.conditions for q in questions)


def offers_other(question: Question) -> bool:
    return question.other and question.field_type in FOLLOW_UP_TYPES


def follow_up_applies(question: Question, value: Any) -> bool:
    """Whether the follow-up text box belongs to the answer ``value``."""
    if not question.follow_up_options or question.field_type not in FOLLOW_UP_TYPES:
        return False
    chosen = answer_labels(question, value) or frozenset()
    return bool(chosen & set(question.follow_up_options))


def option_labels(question: Question) -> list[str]:
    """The values a condition on ``question`` can name."""
    if question.options:
        return [o.label for o in question.options]
    return list(question.choices)


# Checking an editor's conditions ------------------------------------------------


@dataclass(frozen=True)
class LogicProblem:
    """A problem with one question's conditions, naming that question."""

    question: str  # the key of the question whose conditions are wrong
    message: str
    params: dict[str, str]


def check_logic(
    questions: Sequence[Question], *, deleted: Iterable[str] = ()
) -> list[LogicProblem]:
    """What is wrong with the conditions of ``questions`` (in survey order).

    A condition may only look back: a reference to the question itself or to a
    later question (which could make a cycle), to a deleted question or to a
    question that does not exist is refused, and so is a value that is not one
    of the referenced question's options. ``message`` is an untranslated
    template, translated by the caller.
    """
    deleted = set(deleted)
    position = {q.key: i for i, q in enumerate(questions)}
    by_key = {q.key: q for q in questions}
    problems: list[LogicProblem] = []
    for index, question in enumerate(questions):
        for rule in question.conditions:
            ref = str(rule.get("question", ""))
            params = {"question": question.label, "ref": ref}
            if ref in deleted:
                problems.append(LogicProblem(question.key, "deleted", params))
                continue
            if ref not in position:
                problems.append(LogicProblem(question.key, "unknown", params))
                continue
            target = by_key[ref]
            params["ref"] = target.label
            if position[ref] == index:
                problems.append(LogicProblem(question.key, "self", params))
                continue
            if position[ref] > index:
                problems.append(LogicProblem(question.key, "forward", params))
                continue
            op = rule.get("op")
            if op not in OPERATORS:
                problems.append(LogicProblem(question.key, "operator", params))
                continue
            if op == ANSWERED:
                continue
            if target.field_type not in VALUE_TYPES:
                problems.append(LogicProblem(question.key, "no_options", params))
                continue
            allowed = set(option_labels(target))
            if offers_other(target):
                allowed.add(OTHER)
            for value in rule.get("values") or ():
                if value not in allowed:
                    problems.append(
                        LogicProblem(
                            question.key,
                            "value",
                            {**params, "value": str(value)},
                        )
                    )
            if not rule.get("values"):
                problems.append(LogicProblem(question.key, "no_values", params))
    return problems


def valid_conditions(value: Any) -> bool:
    """Whether ``value`` has the shape of stored conditions (the schema)."""
    if not isinstance(value, list):
        return False
    for rule in value:
        if not isinstance(rule, dict) or set(rule) - {"question", "op", "values"}:
            return False
        if not isinstance(rule.get("question"), str) or rule.get("op") not in (
            OPERATORS
        ):
            return False
        values = rule.get("values", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return False
    return True
