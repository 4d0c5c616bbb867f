"""Where issue 15's features meet: save and resume on a translated survey
page, and a draft saved before the survey's editor published a change (a
question removed, a required one added). The printed questionnaire of a
translated survey is tested with the printed questionnaire
(``test_questionnaire_print.py``)."""

import re

import pytest

from tests.fixtures.surveys import old_started
from wagtail_pilots.surveys.models import (
    Access,
    AccessCode,
    SurveyAnswer,
    SurveyDraft,
    SurveyField,
    SurveyNotAsked,
    SurveyPage,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import survey_questions
from wagtail_pilots.surveys.services import access_codes_generate

from .test_resume import saved_secrets
from .test_survey_logic_flow import hidden_fields
from .test_translations import (  # noqa: F401 (fixtures)
    en,
    i18n,
    translate_scale,
    translate_survey,
)

pytestmark = pytest.mark.django_db


class Visitor:
    """A browser without JavaScript on one page of a survey (``url``), which
    may be a translation: answers are given by the source's words."""

    def __init__(self, client, source, url, html=None):
        self.client = client
        self.url = url
        self.questions = {q.label: q for q in survey_questions(source)}
        self.html = html if html is not None else client.get(url).content.decode()

    def value(self, label, text):
        question = self.questions[label]
        if question.options:
            return next(str(o.pk) for o in question.options if o.label == text)
        return text

    def post(self, answers=None, *, nav=None, **raw):
        data = hidden_fields(self.html)
        data["wp_started"] = old_started(data["wp_token"])
        for label, text in (answers or {}).items():
            data[self.questions[label].key] = self.value(label, text)
        data.update(raw)
        if nav:
            data["wp_nav"] = nav
        response = self.client.post(self.url, data)
        self.html = response.content.decode() if response.status_code == 200 else ""
        return response


def checked_values(html):
    return re.findall(r'value="([^"]+)"[^>]*checked', html)


# Save and resume on a translated page ---------------------------------------


@pytest.fixture
def english_logic(logic_survey, scale, en):  # noqa: F811
    translate_scale(scale, en)
    return translate_survey(logic_survey, en)


def test_save_and_resume_on_the_english_page(client, logic_survey, english_logic):
    visitor = Visitor(client, logic_survey, english_logic.url)
    assert "Save and continue later" in visitor.html
    key = visitor.questions["总体评价"].key
    visitor.post(
        {"您的身份": "党员", "总体评价": "不满意"},
        nav="next",
        **{key + "__followup": "queue too long"},
    )
    assert "Page 2 of 3" in visitor.html
    assert "Why you are dissatisfied" in visitor.html
    assert visitor.post({"主要原因": "办事慢"}, nav="save").status_code == 200
    assert "Your answers are saved" in visitor.html
    link, code = saved_secrets(visitor.html)
    # The link opens the English page; the draft is the survey's (its source's).
    assert link.startswith("http://testserver/en/")
    assert SurveyDraft.objects.get().survey_id == logic_survey.pk

    # Back by the link: in English, on the "why" page, the answer chosen.
    html = client.get(link).content.decode()
    assert "Page 2 of 3" in html
    assert "Why you are dissatisfied" in html and "Slow service" in html
    assert "办事慢" in checked_values(html)

    # The short code works on the Chinese page too (one survey).
    chinese = client.post(logic_survey.url, {"wp_resume_code": code})
    assert chinese.status_code == 200
    assert "办事慢" in checked_values(chinese.content.decode())
    assert "不满意的原因" in chinese.content.decode()

    # Sent in English: one response of the source; the draft is gone.
    visitor = Visitor(client, logic_survey, english_logic.url, html=html)
    visitor.post({"主要原因": "办事慢"}, nav="next")
    assert "Page 3 of 3" in visitor.html
    response = visitor.post({"村里的变化": "满意", "党建工作评价": "基本满意"})
    assert response.status_code == 302
    stored = SurveyResponse.objects.get()
    assert stored.survey_id == logic_survey.pk
    assert stored.data[visitor.questions["主要原因"].key] == "办事慢"
    assert stored.data[key + "__followup"] == "queue too long"
    assert not SurveyDraft.objects.exists()
    assert SurveyPage.objects.get(pk=logic_survey.pk).response_count == 1
    assert "This resume code or link is not valid" in client.get(link).content.decode()


def test_a_translated_code_survey_saves_and_resumes_by_the_sources_code(
    client,
    make_survey,
    scale,
    en,  # noqa: F811
):
    source = make_survey(access=Access.CODE)
    translate_scale(scale, en)
    english_page = translate_survey(source, en)
    code = access_codes_generate(survey=source, count=1)[0].code
    html = client.post(
        english_page.url, {"wp_step": "code", "wp_code": code}
    ).content.decode()
    assert "You are" in html
    visitor = Visitor(client, source, english_page.url, html=html)
    visitor.post({"您的身份": "村民代表"}, nav="save", wp_code=code)
    assert "Your answers are saved" in visitor.html
    assert "enter your access code" in visitor.html
    assert SurveyDraft.objects.get().survey_id == source.pk
    # The code again, on the English page: the answer is back.
    html = client.post(
        english_page.url, {"wp_step": "code", "wp_code": code}
    ).content.decode()
    assert re.search(r'value="村民代表"[^>]*checked', html)
    # Sending with the code uses it up once and deletes the draft.
    visitor = Visitor(client, source, english_page.url, html=html)
    rows = {
        visitor.questions["村委会评价"].row_field_name(row): visitor.value(
            "总体评价", "满意"
        )
        for row in visitor.questions["村委会评价"].rows
    }
    response = visitor.post(
        {"您的身份": "村民代表", "总体评价": "满意"}, wp_code=code, **rows
    )
    assert response.status_code == 302
    assert SurveyResponse.objects.get().survey_id == source.pk
    assert AccessCode.objects.get().used_on is not None
    assert not SurveyDraft.objects.exists()


# A draft, then the editor publishes a change ------------------------------------


def save_on_the_why_page(client, survey):
    visitor = Visitor(client, survey, survey.url)
    visitor.post({"您的身份": "党员", "总体评价": "不满意"}, nav="next")
    visitor.post({"主要原因": "办事慢"}, nav="save")
    link, _code = saved_secrets(visitor.html)
    assert link
    return visitor, link


def publish_without(survey, label):
    """What the editor does: delete a question, publish."""
    SurveyField.objects.filter(page=survey, label=label).delete()
    page = SurveyPage.objects.get(pk=survey.pk)
    page.save_revision().publish()
    return SurveyPage.objects.get(pk=survey.pk)


@pytest.fixture
def english_ui(settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def test_a_question_removed_after_saving_is_neither_shown_nor_stored(
    client, logic_survey, english_ui
):
    visitor, link = save_on_the_why_page(client, logic_survey)
    removed = visitor.questions["主要原因"].key
    assert SurveyDraft.objects.get().data[removed] == ["办事慢"]
    survey = publish_without(logic_survey, "主要原因")

    # The link still opens the questionnaire: the "why" page is gone, so the
    # second page is now the village's; the first keeps its answers.
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Page 2 of 2" in html and "村里的变化" in html
    assert "主要原因" not in html and "办事慢" not in html
    visitor = Visitor(client, logic_survey, survey.url, html=html)
    visitor.questions = {q.label: q for q in survey_questions(survey)}
    visitor.post(nav="back")
    assert "Page 1 of 2" in visitor.html
    assert re.search(r'value="党员"[^>]*checked', visitor.html)
    # A forged post of the removed question is ignored as well.
    visitor.post(
        {"您的身份": "党员", "总体评价": "不满意"}, nav="next", **{removed: "办事慢"}
    )
    assert "Page 2 of 2" in visitor.html
    assert (
        visitor.post({"村里的变化": "满意", "党建工作评价": "满意"}).status_code == 302
    )
    stored = SurveyResponse.objects.get()
    assert removed not in stored.data
    assert not SurveyAnswer.objects.filter(question_key=removed).exists()
    assert not SurveyNotAsked.objects.filter(question_key=removed).exists()
    assert not SurveyDraft.objects.exists()
    assert SurveyPage.objects.get(pk=survey.pk).response_count == 1


def test_a_required_question_added_after_saving_is_asked_before_sending(
    client, logic_survey, scale, english_ui
):
    visitor, link = save_on_the_why_page(client, logic_survey)
    SurveyField.objects.create(
        page=logic_survey,
        sort_order=1,
        label="办事效率",
        field_type="scale",
        scale=scale,
    )
    SurveyPage.objects.get(pk=logic_survey.pk).save_revision().publish()
    survey = SurveyPage.objects.get(pk=logic_survey.pk)

    html = client.get(link).content.decode()
    assert "Page 2 of 3" in html and "办事慢" in checked_values(html)
    visitor = Visitor(client, survey, survey.url, html=html)
    visitor.post(nav="next")
    response = visitor.post({"村里的变化": "满意", "党建工作评价": "满意"})
    # Sending opens the first page, where the new question waits.
    assert response.status_code == 200
    assert "Page 1 of 3" in visitor.html
    assert "办事效率" in visitor.html and "Please answer this question." in visitor.html
    assert not SurveyResponse.objects.exists()
    assert SurveyDraft.objects.count() == 1
