"""Per-survey tallies (issue 17): the results read counts kept up to date on
write, and those counts always equal a recount of the answer rows — after
random submissions, paper entries, imports, rollbacks, deletions and the
retention run — so the figures a user sees are the same either way."""

import datetime
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.fixtures.imports import csv_bytes, upload_check_import
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.services import batch_rollback
from wagtail_pilots.surveys import selectors, tallies
from wagtail_pilots.surveys.models import (
    ScaleOption,
    SurveyAnswer,
    SurveyResponse,
    SurveyTally,
    SurveyTallyDelta,
)
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import (
    paper_entry_record,
    response_submit,
    responses_retention_apply,
)

pytestmark = pytest.mark.django_db

GROUPS = ["党员", "村民代表", "其他群众"]
LEVELS = ["满意", "基本满意", "不满意"]
HEADER = [
    "您的身份",
    "总体评价",
    "村委会评价 - 石桥村",
    "村委会评价 - 红山村",
    "村委会评价 - 龙口村",
    "意见建议",
]


def figures(results):
    """Everything a results screen shows, as plain values."""

    def result(r):
        if r is None:
            return None
        return (r.satisfied, r.valid, r.score_sum, r.clusters, r.interval)

    def slices(items):
        return [
            (b.key, b.label, result(b.result), [(o.label, o.count) for o in b.options])
            for b in items
        ]

    return {
        "responses": results.responses,
        "channels": results.channels,
        "groups": results.groups,
        "days": (results.first_day, results.last_day),
        "overall": result(results.overall),
        "questions": [
            (
                q.question.key,
                q.answered,
                q.asked,
                [(o.label, o.count, o.share) for o in q.options],
                result(q.result),
                slices(q.rows),
                slices(q.groups),
                slices(q.channels),
            )
            for q in results.questions
        ],
    }


def from_answer_rows(survey, monkeypatch, **kwargs):
    """The results counted from the answer rows, as before the tallies."""
    with monkeypatch.context() as patch:
        patch.setattr(
            selectors,
            "_counts_source",
            lambda *, survey, questions, filters: selectors._AnswerRows(
                survey=survey, filters=filters
            ),
        )
        return selectors.survey_results(survey=survey, **kwargs)


def assert_tallies_right(survey, monkeypatch):
    assert tallies.differences(survey.pk) == {}
    assert figures(selectors.survey_results(survey=survey)) == figures(
        from_answer_rows(survey, monkeypatch)
    )


def random_data(survey, rng):
    questions = {q.field_type: q for q in survey_questions(survey)}
    options = {o.label: o.pk for o in questions["scale"].options}
    matrix = questions["matrix"]
    return {
        questions["group"].key: rng.choice(GROUPS + [""]),
        questions["scale"].key: rng.choice([*options.values(), ""]),
        matrix.key: {
            row.key: rng.choice([*options.values(), ""]) for row in matrix.rows
        },
        questions["multiline"].key: rng.choice(["", "路灯不亮"]),
    }


def import_rows(rng, count):
    lines = [list(HEADER)]
    for index in range(count):
        lines.append(
            [rng.choice(GROUPS), rng.choice(LEVELS)]
            + [rng.choice(LEVELS) for _row in range(3)]
            + [f"意见{index}"]
        )
    return csv_bytes(lines)


def run_import(survey, data, name):
    batch = upload_check_import("responses", data, page=survey, name=name, force=True)
    assert batch.status == ImportBatch.Status.DONE, (batch.message, batch.errors)
    return batch


@pytest.mark.parametrize("seed", [1, 2])
def test_tallies_equal_a_recount_after_random_writes(survey, monkeypatch, seed):
    rng = random.Random(seed)
    batches = []
    for step in range(24):
        action = rng.choice(
            ["web", "web", "web", "paper", "import", "rollback", "delete", "many"]
        )
        if action in ("web", "paper"):
            response_submit(
                survey=survey,
                data=random_data(survey, rng),
                channel=action,
                now=datetime.datetime(2025, 6, rng.randint(1, 28), tzinfo=datetime.UTC),
            )
        elif action == "import":
            batches.append(
                run_import(survey, import_rows(rng, rng.randint(1, 4)), f"{step}.csv")
            )
        elif action == "rollback" and batches:
            batch_rollback(batch=batches.pop(rng.randrange(len(batches))))
        elif action == "delete":
            response = (
                SurveyResponse.objects.filter(survey=survey).order_by("?").first()
            )
            if response is not None:
                response.delete()
        elif action == "many":
            ids = list(
                SurveyResponse.objects.filter(survey=survey).values_list(
                    "pk", flat=True
                )
            )
            SurveyResponse.objects.filter(
                pk__in=rng.sample(ids, min(2, len(ids)))
            ).delete()
        if step % 6 == 5:  # some reads fold midway, others find many changes
            assert_tallies_right(survey, monkeypatch)
    assert SurveyResponse.objects.filter(survey=survey).exists()
    assert_tallies_right(survey, monkeypatch)
    # Group and channel filters read the tallies too, and agree.
    for filters in (
        selectors.ResultFilters(group="党员"),
        selectors.ResultFilters(channel="import"),
    ):
        assert figures(selectors.survey_results(survey=survey, filters=filters)) == (
            figures(from_answer_rows(survey, monkeypatch, filters=filters))
        )


def test_conditional_questions_paper_entry_and_retention(
    logic_survey, monkeypatch, admin_user
):
    questions = {q.label: q for q in survey_questions(logic_survey)}

    def option(label, text):
        return next(o.pk for o in questions[label].options if o.label == text)

    rng = random.Random(7)
    for index in range(12):
        group = rng.choice(["党员", "群众"])
        overall = rng.choice(LEVELS)
        data = {
            questions["您的身份"].key: group,
            questions["总体评价"].key: option("总体评价", overall),
            questions["村里的变化"].key: option("村里的变化", rng.choice(LEVELS)),
        }
        if overall == "不满意":
            data[questions["主要原因"].key] = rng.choice(["办事慢", "态度差"])
        if group == "党员":
            data[questions["党建工作评价"].key] = option("党建工作评价", "满意")
        if index % 4 == 0:
            paper_entry_record(
                survey=logic_survey,
                data=data,
                serial=f"A{index:03}",
                entered_by=admin_user,
                confirm=True,
            )
        else:
            response_submit(survey=logic_survey, data=data)
    assert tallies.totals(logic_survey.pk) or tallies.pending(logic_survey.pk)
    assert_tallies_right(logic_survey, monkeypatch)
    results = selectors.survey_results(survey=logic_survey)
    party = next(q for q in results.questions if q.question.label == "党建工作评价")
    assert party.asked == sum(n for g, n in results.groups if g == "党员")
    # Retention clears free text only: the counts do not move.
    before = tallies.totals(logic_survey.pk)
    responses_retention_apply(
        days=1, today=datetime.date.today() + datetime.timedelta(days=30)
    )
    assert not tallies.pending(logic_survey.pk)
    assert tallies.totals(logic_survey.pk) == before
    assert_tallies_right(logic_survey, monkeypatch)


def test_a_scale_changed_after_the_answers_is_read_as_it_is_now(survey, monkeypatch):
    rng = random.Random(3)
    for _index in range(10):
        response_submit(survey=survey, data=random_data(survey, rng))
    selectors.survey_results(survey=survey)  # folded
    basic = ScaleOption.objects.get(scale__name="满意度（三级）", label="基本满意")
    basic.satisfied, basic.excluded = False, True
    basic.save()
    fresh = type(survey).objects.get(pk=survey.pk)
    assert figures(selectors.survey_results(survey=fresh)) == figures(
        from_answer_rows(fresh, monkeypatch)
    )


def test_results_read_a_fixed_number_of_queries_whatever_the_responses(survey):
    rng = random.Random(5)
    counts = []
    for size in (3, 30):
        while SurveyResponse.objects.filter(survey=survey).count() < size:
            response_submit(survey=survey, data=random_data(survey, rng))
        questions = survey_questions(survey)
        with CaptureQueriesContext(connection) as folding:
            selectors.survey_results(survey=survey, questions=questions)
        with CaptureQueriesContext(connection) as reading:
            results = selectors.survey_results(survey=survey, questions=questions)
        counts.append((len(folding), len(reading)))
        assert results.responses == size
        # Nothing reads the answer rows any more.
        assert not any(
            SurveyAnswer._meta.db_table in q["sql"] for q in reading.captured_queries
        )
    assert counts[0] == counts[1]
    # Pending changes checked, the tallies read; folding adds a few.
    assert counts[0][1] <= 4 and counts[0][0] <= 8


def test_results_pages_keep_their_query_bounds(
    admin_client, client, survey, django_assert_max_num_queries
):
    rng = random.Random(11)
    for _index in range(25):
        response_submit(survey=survey, data=random_data(survey, rng))
    survey.results_visibility = "live"
    survey.save_revision().publish()
    url = reverse("wagtail_pilots_surveys:results", args=[survey.pk])
    admin_client.get(url)  # folds
    with django_assert_max_num_queries(40):
        assert admin_client.get(url).status_code == 200
    with django_assert_max_num_queries(20):
        response = client.get(survey.url + "results/")
    assert response.status_code == 200


def test_a_survey_counted_before_the_tallies_is_recounted_on_first_view(
    survey, monkeypatch
):
    rng = random.Random(13)
    for _index in range(6):
        response_submit(survey=survey, data=random_data(survey, rng))
    SurveyTallyDelta.objects.all().delete()
    SurveyTally.objects.all().delete()
    assert figures(selectors.survey_results(survey=survey)) == figures(
        from_answer_rows(survey, monkeypatch)
    )
    assert SurveyTally.objects.filter(survey=survey).exists()


def test_deleting_the_survey_page_deletes_its_tallies(survey):
    response_submit(survey=survey, data=random_data(survey, random.Random(1)))
    selectors.survey_results(survey=survey)
    survey.delete()
    assert not SurveyTally.objects.exists() and not SurveyTallyDelta.objects.exists()


@pytest.fixture
def english_commands(settings):
    """The command speaks the site's language: English here."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def test_command_checks_and_rebuilds(survey, english_commands):
    rng = random.Random(17)
    for _index in range(5):
        response_submit(survey=survey, data=random_data(survey, rng))
    out = StringIO()
    call_command("pilots_tallies", stdout=out)
    assert "Folded" in out.getvalue() and not SurveyTallyDelta.objects.exists()
    out = StringIO()
    call_command("pilots_tallies", "--check", stdout=out)
    assert f"Survey {survey.pk}: the tallies equal a recount." in out.getvalue()
    # An answer written around the services: the check names the count.
    answer = (
        SurveyAnswer.objects.filter(survey=survey, row_key="")
        .exclude(option=None)
        .first()
    )
    SurveyAnswer.objects.filter(pk=answer.pk).delete()
    out = StringIO()
    with pytest.raises(CommandError, match="run pilots_tallies --rebuild"):
        call_command(
            "pilots_tallies", "--check", "--survey", str(survey.pk), stdout=out
        )
    assert f"Survey {survey.pk}: " in out.getvalue()
    assert f"kind=answers question_key={answer.question_key}" in out.getvalue()
    call_command("pilots_tallies", "--rebuild", stdout=StringIO())
    out = StringIO()
    call_command("pilots_tallies", "--check", stdout=out)
    assert "equal a recount" in out.getvalue()
