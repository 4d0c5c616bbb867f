"""Importing paper questionnaires of a survey with pages, conditions and
follow-ups: a hidden question's cell stays empty, an answer to a question the
respondent should not have been asked is a row/column error, and "not asked"
is stored as such (distinct from "no answer")."""

import pytest

from tests.fixtures.imports import IMPORT_TEST_MARKS, csv_bytes, upload_check_import
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.surveys.logic import OTHER
from wagtail_pilots.surveys.models import SurveyNotAsked, SurveyResponse
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.selectors import survey_results

pytestmark = IMPORT_TEST_MARKS

HEADER = [
    "您的身份",
    "总体评价",
    "总体评价 - 请说明不满意的地方",
    "主要原因",
    "主要原因 - 其他（请注明）",
    "村里的变化",
    "党建工作评价",
]


def run_import(survey, lines):
    return upload_check_import(
        "responses", csv_bytes([HEADER, *lines]), page=survey, force=True
    )


def keys(survey):
    return {q.label: q.key for q in survey_questions(survey)}


def test_hidden_questions_are_empty_and_stored_as_not_asked(logic_survey):
    batch = run_import(
        logic_survey,
        [
            ["党员", "不满意", "=1+1 排队久", "其他", "窗口少", "满意", "基本满意"],
            ["群众", "满意", "", "", "", "满意", ""],
            # An exported "(not asked)" reads as empty.
            ["群众", "基本满意", "", "(not asked)", "", "满意", "（未问）"],
        ],
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    k = keys(logic_survey)
    party, masses, third = SurveyResponse.objects.order_by("pk")
    assert party.data[k["主要原因"]] == OTHER
    assert party.data[k["主要原因"] + "__other"] == "窗口少"
    assert party.data[k["总体评价"] + "__followup"] == "=1+1 排队久"
    assert masses.data[k["主要原因"]] is None
    assert masses.data[k["党建工作评价"]] is None
    assert third.data[k["党建工作评价"]] is None
    assert set(
        SurveyNotAsked.objects.filter(response=masses).values_list(
            "question_key", flat=True
        )
    ) == {k["主要原因"], k["党建工作评价"]}
    # The base of a conditional question: those who were asked it.
    results = survey_results(survey=logic_survey)
    by_label = {item.question.label: item for item in results.questions}
    assert by_label["党建工作评价"].asked == 1
    assert by_label["主要原因"].asked == 1
    assert by_label["总体评价"].asked is None
    assert by_label["党建工作评价"].result.valid == 1


def test_an_answer_to_a_hidden_question_is_a_row_and_column_error(logic_survey):
    batch = run_import(
        logic_survey,
        [
            ["党员", "满意", "", "", "", "满意", "满意"],
            ["群众", "满意", "", "", "", "满意", "不满意"],
        ],
    )
    assert batch.status == ImportBatch.Status.CHECKED
    [error] = batch.errors
    assert error["row"] == 3
    assert error["column"] == "党建工作评价"
    assert "not asked" in error["message"]
    assert not SurveyResponse.objects.exists()


def test_a_required_question_that_was_asked_must_be_answered(logic_survey):
    batch = run_import(logic_survey, [["党员", "不满意", "", "", "", "满意", "满意"]])
    assert batch.status == ImportBatch.Status.CHECKED
    [error] = batch.errors
    assert (error["row"], error["column"]) == (2, "主要原因")


def test_other_without_its_text_is_an_error_in_its_column(logic_survey):
    batch = run_import(
        logic_survey, [["党员", "不满意", "", "其他", "", "满意", "满意"]]
    )
    assert batch.status == ImportBatch.Status.CHECKED
    [error] = batch.errors
    assert error["column"] == "主要原因 - 其他（请注明）"


def test_export_keeps_not_asked_apart_from_no_answer(admin_client, logic_survey):
    run_import(
        logic_survey,
        [
            ["群众", "满意", "", "", "", "满意", ""],
            ["党员", "不满意", "@SUM(1)", "其他", "=CMD()", "满意", "满意"],
        ],
    )
    url = f"/admin/pilots/surveys/{logic_survey.pk}/responses/export/csv/"
    text = b"".join(admin_client.get(url).streaming_content).decode()
    header, masses, party = text.splitlines()[:3]
    assert "主要原因 / 其他（请注明）" in header or "Other, please specify" in header
    # The export's language is the admin's: either way "not asked" in words.
    assert "(not asked)" in masses or "（未问）" in masses
    assert ",," in masses  # the empty follow-up and "other" text stay empty
    # Free text in its own columns, formula-safe.
    assert "'@SUM(1)" in party and "'=CMD()" in party
    assert "Other, please specify" in party or "其他（请注明）" in party


@pytest.fixture
def optional_branch(make_survey, scale):  # noqa: F811
    """Two pages; the second, for party members only, has an optional
    question: left blank it is "no answer", hidden it is "not asked"."""
    return make_survey(
        slug="optional-branch",
        fields=[
            {"label": "您的身份", "field_type": "group", "choices": "党员\n群众"},
            {"label": "总体评价", "field_type": "scale", "scale": scale},
            {
                "label": "党建工作评价",
                "field_type": "scale",
                "scale": scale,
                "required": False,
                "page_break": True,
                "conditions": [
                    {"question": "您的身份", "op": "in", "values": ["党员"]}
                ],
            },
        ],
    )


def test_not_asked_and_no_answer_stay_apart_through_export_and_import_again(
    admin_client, optional_branch
):
    """Storage, results, the response screen and both exports tell a hidden
    question (not asked) from one left blank (no answer); the responses
    export imports again to the same stored answers."""
    from django.urls import reverse

    from wagtail_pilots.importexport.views import export_url
    from wagtail_pilots.surveys.importexport import ResponsesKind

    header = ["您的身份", "总体评价", "党建工作评价"]
    batch = upload_check_import(
        "responses",
        csv_bytes(
            [
                header,
                ["党员", "满意", ""],
                ["群众", "满意", ""],
                ["党员", "满意", "不满意"],
            ]
        ),
        page=optional_branch,
        force=True,
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    key = keys(optional_branch)["党建工作评价"]
    blank, hidden, answered = SurveyResponse.objects.order_by("pk")
    # Storage: "" is no answer, None (and a not-asked row) is not asked.
    assert blank.data[key] == "" and hidden.data[key] is None
    assert answered.data[key] == "不满意"
    assert list(SurveyNotAsked.objects.values_list("response_id", flat=True)) == [
        hidden.pk
    ]
    # Results: asked of 2 of the 3, one valid answer, one missing.
    item = next(
        i
        for i in survey_results(survey=optional_branch).questions
        if i.question.key == key
    )
    assert item.asked == 2
    assert item.result.valid == 1
    # The response screen says which is which.
    detail = reverse(
        "wagtail_pilots_surveys:response_detail", args=[optional_branch.pk, hidden.pk]
    )
    assert (
        "(not asked)"
        in admin_client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    detail = reverse(
        "wagtail_pilots_surveys:response_detail", args=[optional_branch.pk, blank.pk]
    )
    assert (
        "Unanswered"
        in admin_client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )

    # The responses export (the import's own layout): "（未问）" against empty.
    exported = admin_client.get(export_url(ResponsesKind(), optional_branch))
    assert exported.status_code == 200
    body = (
        b"".join(exported.streaming_content) if exported.streaming else exported.content
    )
    lines = body.decode("utf-8-sig").splitlines()
    column = lines[0].split(",").index("党建工作评价")
    cells = [line.split(",")[column] for line in lines[1:4]]
    assert cells[0] == "" and cells[2] == "不满意"
    assert cells[1] in ("（未问）", "(not asked)")

    # Imported again: the same three answers, not asked still not asked.
    again = upload_check_import(
        "responses", body, page=optional_branch, force=True, name="again.csv"
    )
    assert again.status == ImportBatch.Status.DONE, again.errors
    copies = SurveyResponse.objects.filter(import_batch=again).order_by("pk")
    assert [r.data[key] for r in copies] == ["", None, "不满意"]
    assert SurveyNotAsked.objects.filter(response__in=copies).count() == 1
