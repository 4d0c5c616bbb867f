"""The printed questionnaire without a database: numbers, answer codes and the
conditions written out in words, in Chinese and in English."""

from decimal import Decimal

import pytest
from django.utils import translation

from wagtail_pilots.surveys import logic, printing
from wagtail_pilots.surveys.questions import Option, Question, Row

SATISFIED = Option(1, "满意", Decimal(100), True, False)
BASIC = Option(2, "基本满意", Decimal(80), True, False)
UNSATISFIED = Option(3, "不满意", Decimal(0), False, False)


def scale(key, **kwargs):
    return Question(
        key=key,
        label=kwargs.pop("label", key),
        field_type="scale",
        required=True,
        options=[SATISFIED, BASIC, UNSATISFIED],
        **kwargs,
    )


def survey():
    """1 group, 2 overall (follow-up after 不满意), 3 why (only after 不满意,
    other), page 2 (party members only): 4 village matrix, 5 free text
    (only when a village is 不满意)."""
    return [
        Question(
            key="group",
            label="您的身份",
            field_type="group",
            required=True,
            choices=["党员", "群众"],
        ),
        scale(
            "overall",
            label="总体评价",
            follow_up_options=["不满意"],
            follow_up_label="请说明不满意的地方",
        ),
        Question(
            key="why",
            label="主要原因",
            field_type="checkboxes",
            required=True,
            choices=["办事慢", "态度差"],
            other=True,
            conditions=[{"question": "overall", "op": "in", "values": ["不满意"]}],
        ),
        Question(
            key="villages",
            label="村委会评价",
            field_type="matrix",
            required=True,
            options=[SATISFIED, BASIC, UNSATISFIED],
            rows=[Row("u1", "石桥村", 1), Row("u2", "红山村", 2)],
            page_break=True,
            page_title="党建工作",
            conditions=[{"question": "group", "op": "in", "values": ["党员"]}],
        ),
        Question(
            key="comments",
            label="意见建议",
            field_type="multiline",
            required=False,
            conditions=[
                {"question": "villages", "op": "in", "values": ["不满意"]},
                {"question": "why", "op": "answered"},
            ],
            conditions_match="any",
        ),
    ]


def sentence(conditions, match="all", target=4, questions=None):
    return printing.condition_sentence(
        conditions, match, questions=questions or survey(), target=target
    )


def test_numbers_are_the_web_forms():
    questions = survey()
    assert logic.question_numbers(questions) == {
        "group": 1,
        "overall": 2,
        "why": 3,
        "villages": 4,
        "comments": 5,
    }
    parts = printing.questionnaire(questions)
    assert [[q.number for q in p.questions] for p in parts] == [[1, 2, 3], [4, 5]]
    assert [p.title for p in parts] == ["", "党建工作"]


def test_codes_follow_the_options_and_other_comes_last():
    questions = {q.key: q for q in survey()}
    codes = printing.answer_codes(questions["overall"])
    assert [(c.code, c.label, c.other) for c in codes] == [
        (1, "满意", False),
        (2, "基本满意", False),
        (3, "不满意", False),
    ]
    with translation.override("zh-hans"):
        why = printing.answer_codes(questions["why"])
    assert [(c.code, c.label) for c in why] == [
        (1, "办事慢"),
        (2, "态度差"),
        (3, "其他（请注明）"),
    ]
    assert printing.other_code(questions["why"]) == 3
    assert printing.other_code(questions["overall"]) is None
    assert printing.answer_codes(questions["comments"]) == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "若第2题选“不满意”，请答第3题。"),
        ("en", "If you chose “不满意” in question 2, answer question 3."),
    ],
)
def test_one_condition(language, expected):
    rule = {"question": "overall", "op": "in", "values": ["不满意"]}
    with translation.override(language):
        assert sentence([rule], target=3) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            "若第1题选“党员”，且第2题选“基本满意”或“不满意”，请答第4题。",
        ),
        (
            "en",
            "If you chose “党员” in question 1 and you chose “基本满意” or “不满意” "
            "in question 2, answer question 4.",
        ),
    ],
)
def test_all_of_several_conditions_and_several_values(language, expected):
    rules = [
        {"question": "group", "op": "in", "values": ["党员"]},
        {"question": "overall", "op": "in", "values": ["基本满意", "不满意"]},
    ]
    with translation.override(language):
        assert sentence(rules, "all") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "若第1题未选“党员”，或第3题已作答，请答第4题。"),
        (
            "en",
            "If you did not choose “党员” in question 1 or you answered question 3, "
            "answer question 4.",
        ),
    ],
)
def test_any_is_not_one_of_and_was_answered(language, expected):
    rules = [
        {"question": "group", "op": "not_in", "values": ["党员"]},
        {"question": "why", "op": "answered"},
    ]
    with translation.override(language):
        assert sentence(rules, "any") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-hans",
            "若第4题任一项选“不满意”，或第4题各项均未选“满意”，请答第5题。",
        ),
        (
            "en",
            "If you chose “不满意” in any row of question 4 or you chose “满意” in "
            "no row of question 4, answer question 5.",
        ),
    ],
)
def test_a_matrix_is_matched_on_any_row(language, expected):
    rules = [
        {"question": "villages", "op": "in", "values": ["不满意"]},
        {"question": "villages", "op": "not_in", "values": ["满意"]},
    ]
    with translation.override(language):
        assert sentence(rules, "any", target=5) == expected


def test_other_is_named_by_its_label():
    rule = {"question": "why", "op": "in", "values": [logic.OTHER]}
    with translation.override("zh-hans"):
        assert sentence([rule], target=4) == "若第3题选“其他（请注明）”，请答第4题。"
    with translation.override("en"):
        assert "“Other, please specify”" in sentence([rule], target=4)


@pytest.mark.parametrize(
    ("language", "whole", "single"),
    [
        (
            "zh-hans",
            "若第1题选“党员”，请答本部分（第4—5题）；否则跳过本部分。",
            "若第1题选“党员”，请答本部分（第4题）；否则跳过本部分。",
        ),
        (
            "en",
            "If you chose “党员” in question 1, answer this part (questions 4–5); "
            "otherwise skip it.",
            "If you chose “党员” in question 1, answer this part (question 4); "
            "otherwise skip it.",
        ),
    ],
)
def test_a_page_condition_names_its_part(language, whole, single):
    rule = {"question": "group", "op": "in", "values": ["党员"]}
    with translation.override(language):
        assert sentence([rule], target=(4, 5)) == whole
        assert sentence([rule], target=(4, 4)) == single


def test_no_conditions_no_sentence():
    assert sentence([]) == ""


def test_the_questionnaire_puts_each_sentence_where_it_applies():
    with translation.override("zh-hans"):
        parts = printing.questionnaire(survey())
    first, second = parts
    assert first.condition == ""
    by_number = {q.number: q for part in parts for q in part.questions}
    assert by_number[3].condition == "若第2题选“不满意”，请答第3题。"
    assert by_number[2].follow_up == "若选“不满意”：请说明不满意的地方"
    # The page's conditions belong to the part, not to its first question.
    assert second.condition == (
        "若第1题选“党员”，请答本部分（第4—5题）；否则跳过本部分。"
    )
    assert by_number[4].condition == ""
    assert by_number[5].condition == (
        "若第4题任一项选“不满意”，或第3题已作答，请答第5题。"
    )
    assert [q.layout for q in by_number.values()] == [
        printing.CHOICE,
        printing.CHOICE,
        printing.MULTI,
        printing.GRID,
        printing.BOX,
    ]
    assert [r.label for r in by_number[4].rows] == ["石桥村", "红山村"]


def test_english_follow_up_and_default_label():
    questions = survey()
    questions[1].follow_up_label = ""
    with translation.override("en"):
        assert printing.follow_up_sentence(questions[1]) == (
            "If you chose “不满意”: Please tell us more"
        )
    assert printing.follow_up_sentence(questions[0]) == ""
