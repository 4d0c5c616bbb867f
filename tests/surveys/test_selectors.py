"""Results computed in SQL, checked against counts worked out by hand."""

from decimal import Decimal as D

import pytest

from wagtail_pilots.surveys import selectors
from wagtail_pilots.surveys.models import Scale, ScaleOption
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

pytestmark = pytest.mark.django_db


def answer(survey, *, group, overall, rows, channel="web"):
    questions = {q.field_type: q for q in survey_questions(survey)}
    by_label = {o.label: o.pk for o in questions["scale"].options}
    matrix = questions["matrix"]
    data = {
        questions["group"].key: group,
        questions["scale"].key: by_label[overall],
        matrix.key: {
            row.key: by_label[rows[row.label]] if rows.get(row.label) else ""
            for row in matrix.rows
        },
    }
    return response_submit(survey=survey, data=data, channel=channel)[0]


@pytest.fixture
def answered(survey):
    answer(
        survey,
        group="党员",
        overall="满意",
        rows={"石桥村": "满意", "红山村": "不满意", "龙口村": "基本满意"},
    )
    answer(
        survey,
        group="党员",
        overall="不满意",
        rows={"石桥村": "满意", "红山村": "不满意", "龙口村": None},
    )
    answer(
        survey,
        group="村民代表",
        overall="基本满意",
        rows={"石桥村": "基本满意", "红山村": "满意", "龙口村": "不满意"},
        channel="paper",
    )
    return survey


def test_per_question_counts_rate_index(answered, django_assert_max_num_queries):
    # 10, and on PostgreSQL the advisory lock under which the reader
    # folds pending tally changes (tallies.py).
    with django_assert_max_num_queries(11):
        results = selectors.survey_results(survey=answered)
    assert results.responses == 3
    assert {c: n for c, _l, n in results.channels} == {
        "web": 2,
        "paper": 1,
        "import": 0,
    }
    overall = next(q for q in results.questions if q.question.field_type == "scale")
    assert [(o.label, o.count) for o in overall.options] == [
        ("满意", 1),
        ("基本满意", 1),
        ("不满意", 1),
    ]
    assert overall.result.satisfied == 2 and overall.result.valid == 3
    assert overall.result.index == D(60)  # (100 + 80 + 0) / 3
    assert overall.result.insufficient_sample is False  # minimum sample 2
    assert overall.result.below_threshold is False  # 66.67% ≥ 60%
    groups = {b.label: b.result for b in overall.groups}
    assert (groups["党员"].satisfied, groups["党员"].valid) == (1, 2)
    assert (groups["村民代表"].satisfied, groups["村民代表"].valid) == (1, 1)
    assert groups["村民代表"].insufficient_sample is True  # 1 < 2
    channels = {b.key: b.result for b in overall.channels}
    assert (channels["web"].satisfied, channels["web"].valid) == (1, 2)
    assert (channels["paper"].satisfied, channels["paper"].valid) == (1, 1)


def test_matrix_rows_and_flags(answered):
    results = selectors.survey_results(survey=answered)
    matrix = next(q for q in results.questions if q.question.field_type == "matrix")
    assert (matrix.result.satisfied, matrix.result.valid) == (5, 8)
    assert matrix.result.score_sum == D(460)
    rows = {b.label: b.result for b in matrix.rows}
    assert (rows["石桥村"].satisfied, rows["石桥村"].valid) == (3, 3)
    assert rows["石桥村"].score_sum == D(280)
    assert (rows["红山村"].satisfied, rows["红山村"].valid) == (1, 3)
    assert rows["红山村"].below_threshold is True  # 33.33% < 60%
    assert (rows["龙口村"].satisfied, rows["龙口村"].valid) == (1, 2)  # one blank
    assert rows["龙口村"].index == D(40)


def test_satisfaction_by_unit_contract(answered, villages):
    shiqiao, hongshan, longkou = villages
    result = selectors.satisfaction_by_unit(survey=answered)
    assert result == {
        shiqiao.pk: {"satisfied": 3, "valid": 3, "score_sum": D(280)},
        hongshan.pk: {"satisfied": 1, "valid": 3, "score_sum": D(100)},
        longkou.pk: {"satisfied": 1, "valid": 2, "score_sum": D(80)},
    }
    only = selectors.satisfaction_by_unit(survey=answered, unit_ids=[longkou.pk])
    assert list(only) == [longkou.pk]
    assert isinstance(only[longkou.pk]["score_sum"], D)
    matrix_key = next(
        q.key for q in survey_questions(answered) if q.field_type == "matrix"
    )
    assert selectors.satisfaction_by_unit(survey=answered, question_key=matrix_key)
    assert selectors.satisfaction_by_unit(survey=answered, question_key="nope") == {}


def test_excluded_option_is_not_valid(make_survey):
    scale = Scale.objects.create(name="含不了解")
    for i, (label, score, sat, exc) in enumerate(
        [("好", 100, True, False), ("差", 0, False, False), ("不了解", 0, False, True)]
    ):
        ScaleOption.objects.create(
            scale=scale,
            sort_order=i,
            label=label,
            score=score,
            satisfied=sat,
            excluded=exc,
        )
    survey = make_survey(
        fields=[{"label": "评价", "field_type": "scale", "scale": scale}]
    )
    (question,) = survey_questions(survey)
    for label in ("好", "差", "不了解"):
        option = next(o for o in question.options if o.label == label)
        response_submit(survey=survey, data={question.key: option.pk}, channel="paper")
    (item,) = selectors.survey_results(survey=survey).questions
    assert item.answered == 3
    assert (item.result.satisfied, item.result.valid) == (1, 2)
    assert item.result.index == D(50)


def test_comparison_of_two_surveys(answered, make_survey):
    after = make_survey(slug="after")
    for _ in range(2):
        answer(
            after,
            group="党员",
            overall="满意",
            rows={"石桥村": "满意", "红山村": "满意", "龙口村": "满意"},
        )
    comparison = selectors.survey_comparison(before=answered, after=after)
    # before: overall 2/3 + matrix 5/8 = 7/11; after: 8/8.
    assert comparison.before.satisfied == 7 and comparison.before.valid == 11
    assert comparison.after.rate == 1
    assert comparison.difference == D(1) - D(7) / D(11)


def test_query_count_does_not_grow(survey, django_assert_max_num_queries):
    for i in range(15):
        answer(
            survey,
            group=["党员", "村民代表", "其他群众"][i % 3],
            overall=["满意", "基本满意", "不满意"][i % 3],
            rows={"石桥村": "满意", "红山村": "不满意", "龙口村": "基本满意"},
        )
    # 10, and on PostgreSQL the advisory lock under which the reader
    # folds pending tally changes (tallies.py).
    with django_assert_max_num_queries(11):
        selectors.survey_results(survey=survey)


def test_export_rows(answered):
    header, rows = selectors.results_table_rows(
        selectors.survey_results(survey=answered)
    )
    assert header[5] == "rate_percent"
    overall = next(r for r in rows if r[1] == "all" and r[0] == "总体评价")
    assert overall[5] == D("66.67") and overall[8] == D("60.00")
    header, raw = selectors.raw_response_rows(survey=answered)
    raw = list(raw)
    assert len(raw) == 3
    assert "村委会评价 / 龙口村" in header
