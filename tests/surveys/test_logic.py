"""Survey logic without a database: pages, conditions, what was shown, and
the editor's mistakes (forward references, cycles, deleted questions)."""

from decimal import Decimal

from wagtail_pilots.surveys import logic
from wagtail_pilots.surveys.questions import Option, Question

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
    """Page 1: group, overall; page 2 (only after 不满意): why; page 3: village."""
    return [
        Question(
            key="group",
            label="您的身份",
            field_type="group",
            required=True,
            choices=["党员", "群众"],
        ),
        scale("overall", label="总体评价"),
        Question(
            key="why",
            label="不满意的原因",
            field_type="multiline",
            required=True,
            page_break=True,
            page_title="不满意的原因",
            conditions=[{"question": "overall", "op": "in", "values": ["不满意"]}],
        ),
        scale("village", page_break=True),
        scale(
            "party_work",
            conditions=[{"question": "group", "op": "in", "values": ["党员"]}],
        ),
    ]


def test_pages_start_at_each_page_break():
    pages = logic.paginate(survey())
    assert [[q.key for q in p.questions] for p in pages] == [
        ["group", "overall"],
        ["why"],
        ["village", "party_work"],
    ]
    assert pages[1].title == "不满意的原因"
    # The conditions of a page's first question are the page's.
    assert pages[1].conditions == [
        {"question": "overall", "op": "in", "values": ["不满意"]}
    ]


def test_a_page_is_shown_only_when_its_condition_is_met():
    pages = logic.paginate(survey())
    satisfied = logic.visible(pages, {"group": "群众", "overall": 1})
    assert satisfied.pages == [0, 2]
    assert satisfied.keys == {"group", "overall", "village"}
    unsatisfied = logic.visible(pages, {"group": "党员", "overall": 3})
    assert unsatisfied.pages == [0, 1, 2]
    assert unsatisfied.keys == {"group", "overall", "why", "village", "party_work"}


def test_a_hidden_question_counts_as_unanswered_for_later_conditions():
    questions = [
        scale("a"),
        scale("b", conditions=[{"question": "a", "op": "in", "values": ["不满意"]}]),
        scale("c", conditions=[{"question": "b", "op": "answered"}]),
    ]
    # b was posted (e.g. left over from going back) but is hidden: c is too.
    assert logic.visible_keys(questions, {"a": 1, "b": 2}) == {"a"}
    assert logic.visible_keys(questions, {"a": 3, "b": 2}) == {"a", "b", "c"}


def test_is_not_one_of_and_any():
    rule_not = {"question": "group", "op": "not_in", "values": ["党员"]}
    answers = {"group": frozenset(["群众"])}
    assert logic.conditions_met([rule_not], "all", answers)
    assert not logic.conditions_met([rule_not], "all", {"group": frozenset(["党员"])})
    # Not answered is "not one of" too.
    assert logic.conditions_met([rule_not], "all", {})
    rule_in = {"question": "overall", "op": "in", "values": ["不满意"]}
    both = [rule_not, rule_in]
    party_satisfied = {"group": frozenset(["党员"]), "overall": frozenset(["满意"])}
    assert not logic.conditions_met(both, "any", party_satisfied)
    assert logic.conditions_met(
        both, "any", {**party_satisfied, "overall": frozenset(["不满意"])}
    )
    assert not logic.conditions_met(
        both, "all", {**party_satisfied, "overall": frozenset(["不满意"])}
    )


def test_answer_labels_of_each_shape():
    matrix = Question(
        key="m", label="m", field_type="matrix", required=True, options=[SATISFIED]
    )
    assert logic.answer_labels(matrix, {"r1": "1", "r2": ""}) == {"满意"}
    assert logic.answer_labels(matrix, {"r1": ""}) is None
    checkboxes = Question(key="c", label="c", field_type="checkboxes", required=False)
    assert logic.answer_labels(checkboxes, ["甲", "乙"]) == {"甲", "乙"}
    assert logic.answer_labels(checkboxes, []) is None
    assert logic.answer_labels(scale("s"), "3") == {"不满意"}
    assert logic.answer_labels(scale("s"), "") is None


def test_check_logic_names_the_question_and_the_problem():
    questions = [
        scale("a", label="第一题"),
        scale(
            "b",
            label="第二题",
            conditions=[
                {"question": "c", "op": "answered"},
                {"question": "b", "op": "answered"},
                {"question": "gone", "op": "answered"},
                {"question": "old", "op": "answered"},
                {"question": "a", "op": "in", "values": ["很好"]},
            ],
        ),
        scale("c", label="第三题"),
    ]
    problems = logic.check_logic(questions, deleted={"old"})
    assert [(p.question, p.message) for p in problems] == [
        ("b", "forward"),
        ("b", "self"),
        ("b", "unknown"),
        ("b", "deleted"),
        ("b", "value"),
    ]
    assert problems[0].params == {"question": "第二题", "ref": "第三题"}
    assert problems[4].params["value"] == "很好"


def test_a_condition_on_free_text_can_only_ask_whether_it_was_answered():
    text = Question(key="t", label="意见", field_type="multiline", required=False)
    bad = scale("s", conditions=[{"question": "t", "op": "in", "values": ["x"]}])
    good = scale("s", conditions=[{"question": "t", "op": "answered"}])
    assert [p.message for p in logic.check_logic([text, bad])] == ["no_options"]
    assert logic.check_logic([text, good]) == []


def test_conditions_schema():
    assert logic.valid_conditions([{"question": "a", "op": "in", "values": ["x"]}])
    assert logic.valid_conditions([])
    assert not logic.valid_conditions({"question": "a"})
    assert not logic.valid_conditions([{"question": "a", "op": "eval"}])
    assert not logic.valid_conditions([{"question": "a", "op": "in", "values": [1]}])
    assert not logic.valid_conditions([{"question": "a", "op": "in", "code": "x"}])


def test_follow_up_belongs_to_its_options():
    question = scale("s", follow_up_options=["不满意"], other=True)
    assert logic.follow_up_applies(question, "3")
    assert not logic.follow_up_applies(question, "1")
    assert logic.offers_other(question)
    assert logic.answer_labels(question, logic.OTHER) == {logic.OTHER}


def test_the_model_field_refuses_conditions_of_another_shape():
    import pytest
    from django.core.exceptions import ValidationError

    from wagtail_pilots.surveys.models import SurveyField

    field = SurveyField._meta.get_field("conditions")
    field.validate([{"question": "a", "op": "answered"}], None)
    with pytest.raises(ValidationError):
        field.validate([{"question": "a", "op": "__import__('os')"}], None)
