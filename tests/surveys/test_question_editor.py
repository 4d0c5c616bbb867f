"""The question editor: ready question sets, the type-aware editor script and
the searchable unit list (their behaviour in a browser is in
tests/browser/test_survey_builder.py)."""

import pytest
from django.core.exceptions import ValidationError

from wagtail_pilots.surveys.models import Scale, SurveyAnswer, SurveyPage
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import question_set_insert

pytestmark = pytest.mark.django_db


def sets_url(survey):
    return f"/admin/pilots/surveys/{survey.pk}/question-sets/"


def test_the_sets_are_listed_with_their_questions(admin_client, survey):
    html = admin_client.get(sets_url(survey)).content.decode()
    for text in ("标准三级满意度", "五级满意度", "单位服务评价", "工作人员服务态度"):
        assert text in html
    assert html.count('name="set"') == 3
    # The survey editor links to it from its header.
    edit = admin_client.get(f"/admin/pages/{survey.pk}/edit/").content.decode()
    assert sets_url(survey) in edit


def test_inserting_a_set_appends_its_questions_to_a_draft(admin_client, survey):
    # Answers under q7 (a deleted question): new numbers start above it.
    response = survey.survey_responses.create(submitted_on="2025-06-01")
    SurveyAnswer.objects.create(
        response=response, survey=survey, question_key="q7", channel="web"
    )
    posted = admin_client.post(sets_url(survey), {"set": "unit-services"})
    assert posted.status_code == 302
    assert posted.url == f"/admin/pages/{survey.pk}/edit/"
    survey = SurveyPage.objects.get(pk=survey.pk)
    # The live survey is unchanged until the draft is published.
    assert len(survey_questions(survey)) == 4
    assert survey.has_unpublished_changes
    draft = survey.get_latest_revision_as_object()
    draft.save_revision().publish()
    questions = survey_questions(SurveyPage.objects.get(pk=survey.pk))
    assert [q.key for q in questions] == ["q1", "q2", "q3", "q4", "q8", "q9"]
    matrix = questions[4]
    assert matrix.label == "您对该单位的服务是否满意？"
    assert matrix.field_type == "matrix"
    assert [r.label for r in matrix.rows] == [
        "工作人员服务态度",
        "办事速度和效率",
        "办事程序和收费公开",
        "廉洁自律",
        "总体评价",
    ]
    assert [o.label for o in matrix.options] == ["满意", "基本满意", "不满意"]
    assert questions[5].field_type == "multiline" and not questions[5].required


def test_five_level_set_uses_the_five_level_scale(survey):
    question_set_insert(survey=survey, name="satisfaction-5")
    draft = SurveyPage.objects.get(pk=survey.pk).get_latest_revision_as_object()
    scale_question = list(draft.form_fields.all())[-2]
    assert scale_question.scale.name == "满意度（五级）"
    assert scale_question.clean_name == "q5"


def test_a_missing_scale_or_unknown_set_writes_nothing(admin_client, survey):
    revisions = survey.revisions.count()
    with pytest.raises(ValidationError):
        question_set_insert(survey=survey, name="nope")
    Scale.objects.filter(name="满意度（五级）").delete()
    response = admin_client.post(
        sets_url(survey), {"set": "satisfaction-5"}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("满意度（五级）" in m and "已不存在" in m for m in messages)
    assert survey.revisions.count() == revisions


def test_editors_without_edit_rights_cannot_insert(client, survey, make_editor):
    client.force_login(make_editor())
    response = client.post(sets_url(survey), {"set": "satisfaction-3"})
    assert response.status_code == 403
    assert not SurveyPage.objects.get(pk=survey.pk).has_unpublished_changes


def test_editor_carries_its_static_script_and_no_inline_one(admin_client, survey):
    html = admin_client.get(f"/admin/pages/{survey.pk}/edit/").content.decode()
    assert "wagtail_pilots/surveys/question_editor.js" in html
    assert "data-wp-question-type" in html
    # The units are a searchable, scrolling list (one per unit, 3 villages).
    assert html.count("data-wp-filterable") >= 1
    assert "搜索单位" in html
    # Help texts in Chinese, not Wagtail's untranslated English ones.
    assert "Comma or new line separated" not in html
    assert "每行一个选项" in html
