"""A scorecard criterion fed by a survey: the satisfaction rate (or index) of the
survey's matrix answers about each subject's unit (docs/design.md "Scorecard")."""

from decimal import Decimal as D

import pytest

from tests.scorecards.helpers import make_scorecard
from wagtail_pilots.scorecards.models import ScorecardCriterion, ScorecardSubject
from wagtail_pilots.scorecards.selectors import scorecard_result
from wagtail_pilots.scorecards.services import ballot_enter
from wagtail_pilots.surveys.models import Channel
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import response_submit

pytestmark = pytest.mark.django_db

# One row per questionnaire: the rating of each village committee (None: blank).
ANSWERS = [
    {"石桥村": "满意", "红山村": "不满意", "龙口村": "满意"},
    {"石桥村": "基本满意", "红山村": "不满意", "龙口村": None},
    {"石桥村": "不满意", "红山村": "满意", "龙口村": "满意"},
    {"石桥村": "满意", "红山村": "基本满意", "龙口村": "不满意"},
]


def answer_paper(survey, ratings):
    questions = {q.field_type: q for q in survey_questions(survey)}
    matrix = questions["matrix"]
    option = {o.label: o.pk for o in matrix.options}
    data = {
        questions["group"].key: "党员",
        questions["scale"].key: option["满意"],
        matrix.key: {
            row.key: option[ratings[row.label]]
            for row in matrix.rows
            if ratings[row.label]
        },
    }
    response_submit(survey=survey, data=data, channel=Channel.PAPER)


@pytest.fixture
def assessment(home_page, survey, villages):
    for ratings in ANSWERS:
        answer_paper(survey, ratings)
    page = make_scorecard(
        home_page,
        subjects=[v.name for v in villages],
        criteria=[("工作实绩", 60, 0, 10), ("群众满意度", 40, 0, 100, "survey")],
        groups=[("考核组", 100, "scores", "mean", 0, 1, "工作实绩")],
        slug="village-assessment",
    )
    for subject in page.subjects.all():
        ScorecardSubject.objects.filter(pk=subject.pk).update(
            unit=next(v for v in villages if v.name == subject.name)
        )
    ScorecardCriterion.objects.filter(page=page, name="群众满意度").update(
        survey=survey, metric="rate"
    )
    page.refresh_from_db()
    group = page.groups.get()
    criterion = page.criteria.get(name="工作实绩")
    for subject in page.subjects.all():
        ballot_enter(
            scorecard=page,
            group=group,
            evaluator="e1",
            subject=subject,
            criterion=criterion,
            value={"石桥村": D(8), "红山村": D(6), "龙口村": D(10)}[subject.name],
        )
    return page


def by_name(result):
    return {s.subject.name: s for s in result.subjects}


def survey_value(subject_result):
    return next(c for c in subject_result.criteria if c.source == "survey")


def test_survey_rate_feeds_the_criterion_with_its_n(assessment):
    _, result = scorecard_result(scorecard=assessment)
    subjects = by_name(result)
    # 石桥村 3 of 4 satisfied, 红山村 2 of 4, 龙口村 2 of 3 (one blank).
    assert survey_value(subjects["石桥村"]).value == D(75)
    assert survey_value(subjects["石桥村"]).n == 4
    assert survey_value(subjects["红山村"]).value == D(50)
    assert survey_value(subjects["龙口村"]).n == 3
    assert survey_value(subjects["龙口村"]).value.quantize(D("0.0001")) == D("66.6667")
    # Totals: 60% × ballots (0–10 mapped to 0–100) + 40% × rate.
    assert subjects["石桥村"].total == D(78)
    assert subjects["红山村"].total == D(56)
    assert subjects["龙口村"].total.quantize(D("0.01")) == D("86.67")
    assert [s.subject.name for s in result.ranked] == ["龙口村", "石桥村", "红山村"]


def test_survey_index_metric(assessment):
    ScorecardCriterion.objects.filter(page=assessment, name="群众满意度").update(
        metric="index"
    )
    assessment.refresh_from_db()
    _, result = scorecard_result(scorecard=assessment)
    subjects = by_name(result)
    # Index = mean option score: 满意 100, 基本满意 80, 不满意 0.
    assert survey_value(subjects["石桥村"]).value == D(70)
    assert survey_value(subjects["红山村"]).value == D(45)
    assert subjects["石桥村"].total == D(76)
    assert subjects["红山村"].total == D(54)


def test_subject_without_survey_answers_is_flagged_not_crashed(assessment, villages):
    from wagtail_pilots.models import Unit

    other = Unit.objects.create(code="V-9", name="水口村", kind="village")
    ScorecardSubject.objects.filter(page=assessment, name="龙口村").update(unit=other)
    assessment.refresh_from_db()
    _, result = scorecard_result(scorecard=assessment)
    longkou = by_name(result)["龙口村"]
    assert survey_value(longkou).value is None
    assert longkou.warnings


def test_demo_town_assessment_takes_public_satisfaction_from_the_survey():
    from io import StringIO

    from django.core.management import call_command

    from wagtail_pilots.scorecards.models import ScorecardPage

    call_command("load_demo", stdout=StringIO())
    page = ScorecardPage.objects.get(slug="xiangzhen-kaohe")
    criterion = page.criteria.get(source="survey")
    assert (criterion.name, criterion.weight, criterion.metric) == (
        "群众满意度",
        20,
        "rate",
    )
    _, result = scorecard_result(scorecard=page)
    bottom = [s for s in result.subjects if s.bottom]
    assert [s.subject.name for s in bottom] == ["双坪乡"]
    value = survey_value(bottom[0])
    assert value.n > 1000
    assert value.value < 60  # the least satisfied town, below the 60% line


@pytest.mark.parametrize(
    ("policy", "total"),
    [("renormalise", D(100)), ("zero", D(60))],
)
def test_insufficient_survey_sample_is_not_ranked_silently(
    assessment, survey, policy, total
):
    # The survey asks for 4 valid answers: 龙口村 has 3 (one blank).
    type(survey).objects.filter(pk=survey.pk).update(minimum_sample=4)
    type(assessment).objects.filter(pk=assessment.pk).update(
        missing_group_policy=policy
    )
    assessment.refresh_from_db()
    _, result = scorecard_result(scorecard=assessment)
    longkou = by_name(result)["龙口村"]
    value = survey_value(longkou)
    assert value.value is None and value.insufficient and value.n == 3
    assert ("insufficient_sample", 3, 4) in [
        (w.code, w.n, w.minimum) for w in longkou.warnings
    ]
    # Ballots alone (10 of 10 → 100) rescaled, or the survey's 40% counted as 0.
    assert longkou.total == total
    # The others have 4 answers and keep their survey rate.
    assert survey_value(by_name(result)["石桥村"]).value == D(75)
