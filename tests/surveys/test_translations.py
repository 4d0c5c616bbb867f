"""Surveys in two languages (issue 15, item 7): a survey page translated with
Wagtail's own locales and page translation — by ``copy_for_translation`` (what
Wagtail's "Translate" does) and by wagtail-localize — asks its questions in the
visitor's language and stores every answer against one survey, its source.

Wagtail's i18n is switched on test by test (the ``i18n`` fixture), with the
example site's URLs as an i18n site has them: Chinese pages at ``/…/``,
English ones at ``/en/…/``.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_urlconf
from django.utils.translation import deactivate
from wagtail.models import Locale

from tests.fixtures.surveys import THREE_LEVEL, post_data
from wagtail_pilots.surveys import selectors
from wagtail_pilots.surveys.models import (
    AccessCode,
    Scale,
    SurveyAnswer,
    SurveyField,
    SurveyPage,
    SurveyQuota,
    SurveyResponse,
)
from wagtail_pilots.surveys.questions import split_choices, survey_questions
from wagtail_pilots.surveys.services import access_codes_generate

pytestmark = pytest.mark.django_db

LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]

#: The English of the test surveys and of the 3-level scale.
ENGLISH = {
    "村委会满意度测评": "Village committee satisfaction survey",
    "分页与条件测评": "Survey in pages, with conditions",
    "您的身份": "You are",
    "党员": "Party member",
    "村民代表": "Villagers' representative",
    "其他群众": "Other resident",
    "群众": "Resident",
    "总体评价": "Overall, how satisfied are you?",
    "村委会评价": "The village committees",
    "意见建议": "Comments and suggestions",
    "请说明不满意的地方": "What dissatisfied you?",
    "主要原因": "The main reason",
    "办事慢": "Slow service",
    "态度差": "Unfriendly staff",
    "不满意的原因": "Why you are dissatisfied",
    "村里的变化": "Changes in the village",
    "党建工作评价": "Party building work",
    "满意度（三级）": "Satisfaction (3 levels)",
    "满意": "Satisfied",
    "基本满意": "Fairly satisfied",
    "不满意": "Dissatisfied",
}


@pytest.fixture
def i18n(settings):
    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
    settings.ROOT_URLCONF = "tests.surveys.urls_i18n"
    yield
    # A request that raised leaves its URLconf and language on the thread.
    set_urlconf(None)
    deactivate()


@pytest.fixture
def en(i18n):
    return Locale.objects.get_or_create(language_code="en")[0]


def english(text):
    return ENGLISH.get(text, text)


def translate_scale(scale, locale):
    """The scale's English translation, made as Wagtail's "Translate" makes it."""
    translation = scale.copy_for_translation(locale)
    translation.name = english(scale.name)
    for option in translation.options.all():
        option.label = english(option.label)
    translation.save()
    return translation


def translate_survey(page, locale, *, words=english):
    """The survey's translation made with Wagtail alone: copy_for_translation
    (its parents become aliases), then every question worded in English, then
    published — what an editor does after "Translate"."""
    translation = page.copy_for_translation(locale, copy_parents=True)
    translation.title = words(page.title)
    translation.save()
    for question in translation.form_fields.all():
        question.label = words(question.label)
        question.page_title = words(question.page_title)
        question.follow_up_label = words(question.follow_up_label)
        question.choices = "\n".join(words(c) for c in split_choices(question.choices))
        question.save()
    translation.save_revision().publish()
    return SurveyPage.objects.get(pk=translation.pk)


@pytest.fixture
def english_survey(survey, scale, en):
    translate_scale(scale, en)
    return translate_survey(survey, en)


def answer_rows(response):
    return sorted(
        SurveyAnswer.objects.filter(response=response).values_list(
            "survey_id", "question_key", "row_key", "unit_id", "option_id", "value"
        ),
        key=str,
    )


# Wagtail's own translation ----------------------------------------------------


def test_copy_for_translation_keeps_each_questions_key(survey, en):
    translation = survey.copy_for_translation(en, copy_parents=True)
    source = list(survey.form_fields.order_by("sort_order"))
    copied = list(translation.form_fields.order_by("sort_order"))
    assert [q.clean_name for q in copied] == [q.clean_name for q in source]
    assert [q.translation_key for q in copied] == [q.translation_key for q in source]
    assert {q.locale_id for q in copied} == {en.pk}
    assert {q.locale_id for q in source} == {survey.locale_id}


def test_english_visitors_are_asked_in_english(client, survey, english_survey):
    assert english_survey.url == "/en/survey/"
    assert survey.url == "/survey/"

    shown = client.get(english_survey.url)
    assert shown.status_code == 200
    assert shown["Content-Language"] == "en"
    html = shown.content.decode()
    for words in (
        "Village committee satisfaction survey",
        "You are",
        "Party member",
        "Overall, how satisfied are you?",
        "Fairly satisfied",
        "Comments and suggestions",
        "Submit",
    ):
        assert words in html
    # What the visitor reads is English; the values sent are the source's.
    assert 'value="党员"' in html
    read = re.sub(r'value="[^"]*"', "", html)
    for chinese in ("总体评价", "基本满意", "村民代表"):
        assert chinese not in read
    # Units are rows under their own names.
    assert "石桥村" in html

    chinese_page = client.get(survey.url).content.decode()
    assert "总体评价" in chinese_page and "基本满意" in chinese_page
    assert "Overall, how satisfied" not in chinese_page


def test_an_english_response_is_stored_against_the_source_like_a_chinese_one(
    client, survey, english_survey
):
    assert english_survey.get_survey_source().pk == survey.pk
    data = {
        "group": "村民代表",
        "overall": "基本满意",
        "rows": {"红山村": "不满意"},
    }
    in_english = client.post(english_survey.url, post_data(survey, **data))
    assert in_english.status_code == 302
    assert in_english["Location"].startswith("/en/survey/?done=")
    in_chinese = client.post(survey.url, post_data(survey, **data))
    assert in_chinese.status_code == 302

    first, second = SurveyResponse.objects.order_by("pk")
    assert first.survey_id == second.survey_id == survey.pk
    assert not SurveyResponse.objects.filter(survey_id=english_survey.pk).exists()
    assert first.group == second.group == "村民代表"
    assert first.data == second.data
    assert answer_rows(first) == answer_rows(second)
    survey.refresh_from_db()
    english_survey.refresh_from_db()
    assert survey.response_count == 2
    assert english_survey.response_count == 0

    # The thank-you page is the translation's, in English.
    thanks = client.get(in_english["Location"])
    assert thanks.status_code == 200
    assert thanks["Content-Language"] == "en"


def test_results_count_both_languages_and_speak_the_viewers(
    client, admin_client, admin_user, survey, english_survey, settings
):
    # Two responses: below the public results' small-cell size (5), which
    # would hide every figure and word of the options.
    settings.WAGTAIL_PILOTS = {
        **getattr(settings, "WAGTAIL_PILOTS", {}),
        "SURVEY_MIN_CELL_SIZE": 1,
    }
    client.post(english_survey.url, post_data(survey, overall="不满意"))
    client.post(survey.url, post_data(survey, overall="满意"))

    results = selectors.survey_results(survey=survey)
    assert results.responses == 2
    overall = next(i for i in results.questions if i.question.field_type == "scale")
    assert {o.label: o.count for o in overall.options} == {
        "满意": 1,
        "基本满意": 0,
        "不满意": 1,
    }

    # Public results of the translation: the source's figures, in English.
    SurveyPage.objects.filter(pk=survey.pk).update(results_visibility="live")
    shown = client.get(english_survey.get_results_url())
    assert shown.status_code == 200
    english_results = shown.context["results"]
    assert english_results.responses == 2
    assert "Dissatisfied" in shown.content.decode()
    chinese = client.get(survey.get_results_url())
    assert chinese.context["results"].responses == 2
    assert "不满意" in chinese.content.decode()

    # The admin's results screen: one survey, worded in the admin's language
    # (Wagtail's per-user language: with i18n_patterns the admin's URLs are
    # outside the language prefixes).
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_user)
    profile.preferred_language = "en"
    profile.save()
    for page in (survey, english_survey):
        screen = admin_client.get(
            reverse("wagtail_pilots_surveys:results", args=[page.pk])
        )
        assert screen.status_code == 200
        assert screen.context["page"].pk == survey.pk
        assert screen.context["results"].responses == 2
        assert "Overall, how satisfied are you?" in screen.content.decode()


def test_the_raw_export_keeps_the_sources_words(client, survey, english_survey):
    client.post(english_survey.url, post_data(survey, overall="不满意"))
    header, rows = selectors.raw_response_rows(survey=survey)
    assert "总体评价" in header
    (row,) = list(rows)
    assert "不满意" in row and "党员" in row


def test_the_translations_admin_screens_are_its_sources(
    admin_client, survey, english_survey
):
    """Paper entry, codes, imports and exports opened from the English page
    work on the source survey: one set of responses in every language."""
    from wagtail_pilots.importexport.links import export_url, import_url
    from wagtail_pilots.surveys.importexport import ResponsesKind

    paper = admin_client.post(
        reverse("wagtail_pilots_surveys:paper", args=[english_survey.pk]),
        post_data(survey, wp_serial="P-001"),
    )
    assert paper.status_code == 302
    assert SurveyResponse.objects.get().survey_id == survey.pk

    kind = ResponsesKind()
    shown = admin_client.get(import_url(kind, english_survey))
    assert shown.status_code == 200
    assert shown.context["scope_page"].pk == survey.pk
    exported = admin_client.get(export_url(kind, english_survey))
    assert exported.status_code == 200
    body = (
        b"".join(exported.streaming_content) if exported.streaming else exported.content
    ).decode("utf-8-sig")
    # The paper questionnaire, in the source's words (the import's too).
    assert body.splitlines()[0].startswith("您的身份,总体评价")
    assert body.splitlines()[1].startswith("党员,满意")


def test_a_quota_counts_the_answers_of_every_language(client, survey, english_survey):
    SurveyQuota.objects.create(page=survey, group="党员", limit=1)
    assert client.post(survey.url, post_data(survey)).status_code == 302
    refused = client.post(english_survey.url, post_data(survey))
    assert refused.status_code == 200
    assert "The quota of 1 response for the respondent group" in (
        refused.content.decode()
    )
    assert SurveyResponse.objects.count() == 1


def test_the_sources_access_codes_open_the_translation_once(
    client, survey, english_survey
):
    SurveyPage.objects.filter(pk=survey.pk).update(access="code")
    (code,) = access_codes_generate(survey=survey, count=1)

    first_step = client.get(english_survey.url)
    assert "Step 1: enter your access code" in first_step.content.decode()
    checked = client.post(english_survey.url, {"wp_step": "code", "wp_code": code.code})
    assert checked.status_code == 200
    assert "Overall, how satisfied are you?" in checked.content.decode()

    answered = client.post(
        english_survey.url, post_data(survey, wp_code=code.code, token="en")
    )
    assert answered.status_code == 302
    code.refresh_from_db()
    assert code.used_on is not None
    assert SurveyResponse.objects.get().survey_id == survey.pk

    again = client.post(survey.url, post_data(survey, wp_code=code.code, token="zh"))
    assert again.status_code == 200
    assert SurveyResponse.objects.count() == 1
    assert not AccessCode.objects.filter(survey_id=english_survey.pk).exists()


def test_answering_one_language_answers_the_survey_in_this_browser(
    client, survey, english_survey
):
    SurveyPage.objects.filter(pk=survey.pk).update(access="browser")
    assert client.post(english_survey.url, post_data(survey)).status_code == 302
    again = client.get(survey.url)
    assert again.context["survey_message"] is not None
    assert 'name="wp_token"' not in again.content.decode()


def test_conditions_follow_the_same_answers_in_english(client, logic_survey, scale, en):
    translate_scale(scale, en)
    english_logic = translate_survey(logic_survey, en)
    keys = {q.label: q for q in survey_questions(logic_survey)}
    overall = keys["总体评价"]
    dissatisfied = next(o for o in overall.options if o.label == "不满意")
    satisfied = next(o for o in overall.options if o.label == "满意")

    def first_page(option, token):
        data = post_data(logic_survey, group="党员", overall=None, token=token)
        data.update({overall.key: str(option.pk), "wp_nav": "next", "wp_page": "0"})
        return client.post(english_logic.url, data)

    first = client.get(english_logic.url).content.decode()
    assert "What dissatisfied you?" in first
    assert "If you chose Dissatisfied (optional)" in first
    why = first_page(dissatisfied, "a").content.decode()
    assert "Why you are dissatisfied" in why
    assert "Slow service" in why and 'value="办事慢"' in why
    skipped = first_page(satisfied, "b").content.decode()
    assert "Slow service" not in skipped
    assert "Changes in the village" in skipped

    # Sent in English: the reason is stored as the source words it.
    village, party = keys["村里的变化"], keys["党建工作评价"]
    data = post_data(logic_survey, group="党员", overall=None, token="d")
    data.update(
        {
            overall.key: str(dissatisfied.pk),
            keys["主要原因"].key: "办事慢",
            village.key: str(satisfied.pk),
            party.key: str(satisfied.pk),
            "wp_page": "2",
        }
    )
    assert client.post(english_logic.url, data).status_code == 302
    response = SurveyResponse.objects.get()
    assert response.survey_id == logic_survey.pk
    assert response.data[keys["主要原因"].key] == "办事慢"
    assert response.data[overall.key] == "不满意"


def test_a_translation_with_more_choices_than_its_source_keeps_the_sources(
    client, survey, en
):
    """Choices match by position: a translation that lists a different number
    of them is not used for that question (the source's words are shown)."""
    translation = translate_survey(
        survey, en, words=lambda t: "A, B, C, D" if t == "党员" else english(t)
    )
    html = client.get(translation.url).content.decode()
    assert "Overall, how satisfied are you?" in html
    assert "党员" in html and "村民代表" in html


def test_editing_a_translation_does_not_check_the_sources_conditions(
    admin_client, logic_survey, scale, en
):
    """A translation's choices are words, not condition values: saving the
    English page in the editor must not refuse the (copied) conditions."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    english_logic = translate_survey(logic_survey, en)
    fields = []
    for question in english_logic.form_fields.order_by("sort_order"):
        fields.append(
            {
                "id": question.pk,
                "label": question.label,
                "help_text": question.help_text,
                "field_type": question.field_type,
                "required": "on" if question.required else "",
                "scale": question.scale_id or "",
                "rows": question.rows,
                "choices": question.choices,
                "default_value": question.default_value,
                "page_break": "on" if question.page_break else "",
                "page_title": question.page_title,
                "conditions": "\n".join(
                    f"{r['question']} = {', '.join(r['values'])}"
                    for r in question.conditions
                ),
                "conditions_match": question.conditions_match,
                "other_option": "on" if question.other_option else "",
                "follow_up_options": question.follow_up_options,
                "follow_up_label": question.follow_up_label,
                "ORDER": question.sort_order,
            }
        )
    data = nested_form_data(
        {
            "title": english_logic.title,
            "slug": english_logic.slug,
            "intro": rich_text(""),
            "thank_you_text": rich_text(""),
            "form_fields": inline_formset(fields, initial=len(fields)),
            "group_populations": inline_formset([]),
            "quotas": inline_formset([]),
            "opens_at": "",
            "closes_at": "",
            "minimum_sample": "2",
            "threshold": "60",
            "access": "anyone",
            "anonymous": "on",
            "results_visibility": "never",
            "paper_issued": "",
            "notify_to": "",
        }
    )
    data["action-publish"] = "publish"
    response = admin_client.post(
        reverse("wagtailadmin_pages:edit", args=[english_logic.pk]), data
    )
    errors = response.context["form"].errors if response.status_code == 200 else {}
    assert response.status_code == 302, errors


# wagtail-localize ---------------------------------------------------------------


def localize(instance, locale, words=english):
    """Translate ``instance`` the way wagtail-localize does: its strings into
    translation memory, then the translation made from them."""
    from wagtail_localize.models import (
        StringSegment,
        StringTranslation,
        TranslationSource,
    )

    source, _created = TranslationSource.get_or_create_from_instance(instance)
    for segment in StringSegment.objects.filter(source=source).select_related(
        "string", "context"
    ):
        text = segment.string.data  # line breaks are <br/> there
        translated = "<br/>".join(words(line) for line in text.split("<br/>"))
        if translated != text:
            StringTranslation.objects.update_or_create(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                defaults={"data": translated},
            )
    translated, _created = source.create_or_update_translation(
        locale, copy_parent_pages=True, fallback=True
    )
    return translated


def test_wagtail_localize_offers_the_wording_and_keeps_the_rest(survey):
    from wagtail_localize.models import StringSegment, TranslationSource

    source, _created = TranslationSource.get_or_create_from_instance(survey)
    texts = set(
        StringSegment.objects.filter(source=source).values_list(
            "string__data", flat=True
        )
    )
    # (wagtail-localize shows a text's line breaks as <br/>.)
    assert {"总体评价", "您的身份", "党员<br/>村民代表<br/>其他群众"} <= texts
    question = SurveyField.objects.filter(page=survey).first()
    assert question.clean_name not in texts  # keys are not for translators


def test_a_survey_translated_with_wagtail_localize_pools_its_answers(
    client, survey, scale, en, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        english_scale = localize(scale, en)
        localize(survey, en)
    assert english_scale.locale_id == en.pk
    assert [o.label for o in english_scale.options.all()] == [
        "Satisfied",
        "Fairly satisfied",
        "Dissatisfied",
    ]
    english_survey = SurveyPage.objects.get(
        translation_key=survey.translation_key, locale=en
    )
    assert english_survey.live
    assert english_survey.get_survey_source().pk == survey.pk
    copied = english_survey.form_fields.order_by("sort_order")
    assert [q.clean_name for q in copied] == [
        q.clean_name for q in survey.form_fields.order_by("sort_order")
    ]
    assert [q.label for q in copied] == [
        "You are",
        "Overall, how satisfied are you?",
        "The village committees",
        "Comments and suggestions",
    ]

    html = client.get(english_survey.url).content.decode()
    assert "Overall, how satisfied are you?" in html
    assert "Villagers&#x27; representative" in html or "Villagers' representative" in (
        html
    )
    assert "Fairly satisfied" in html

    assert client.post(english_survey.url, post_data(survey)).status_code == 302
    assert client.post(survey.url, post_data(survey)).status_code == 302
    first, second = SurveyResponse.objects.order_by("pk")
    assert first.survey_id == second.survey_id == survey.pk
    assert answer_rows(first) == answer_rows(second)
    assert selectors.survey_results(survey=survey).responses == 2


# What a survey in one language costs -------------------------------------------


def counted_post(client, page, survey):
    client.post(page.url, post_data(survey, token="warm-up"))
    data = post_data(survey, token="counted")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(page.url, data)
    assert response.status_code == 302
    return [q["sql"] for q in queries.captured_queries]


def looks_for_translations(sql):
    return [s for s in sql if '"wagtailcore_page"."translation_key" = ' in s]


def test_a_survey_in_the_default_language_looks_up_no_translation(client, survey):
    """Without Wagtail's i18n a post costs test_public's 16 queries, and
    nothing looks for a source or a translation."""
    sql = counted_post(client, survey, survey)
    assert len(sql) <= 16
    assert not looks_for_translations(sql)


def test_nor_with_wagtail_i18n_on(client, survey, en):
    """The default-language page is its own source: with i18n on a post costs
    one query more, Wagtail's own (the active locale, while routing)."""
    sql = counted_post(client, survey, survey)
    assert len(sql) <= 16 + 1
    assert not looks_for_translations(sql)
    assert len([s for s in sql if "wagtailcore_locale" in s]) == 1


def test_a_translation_costs_a_fixed_number_of_queries_more(
    client, survey, english_survey
):
    sql = counted_post(client, english_survey, survey)
    # Wagtail's routing of a translation: the active locale, the root's
    # translation and the original of the aliased home page (3); ours: the
    # source (1), the translation's words (1), its scales' options (1).
    assert len(sql) <= 16 + 3 + 3
    assert len(looks_for_translations(sql)) == 2  # the root's, the survey's


# Lists of surveys ---------------------------------------------------------------


def test_lists_show_each_survey_once(admin_client, client, survey, english_survey):
    from django.utils import translation
    from wagtail.models import Page

    from wagtail_pilots.surveys.selectors import surveys_for_dashboard, surveys_open

    assert [s.page.pk for s in surveys_for_dashboard(pages=Page.objects.all())] == [
        survey.pk
    ]
    with translation.override("zh-hans"):
        assert [s.page.pk for s in surveys_open()] == [survey.pk]
    with translation.override("en"):
        assert [s.page.pk for s in surveys_open()] == [english_survey.pk]


def test_scale_names_are_unique_per_language(scale, en):
    from django.core.exceptions import ValidationError

    translation = translate_scale(scale, en)
    copy = Scale(name=translation.name, locale=en)
    with pytest.raises(ValidationError):
        copy.full_clean()
    Scale(name=THREE_LEVEL + "（新）").full_clean()


# The example site's demo ---------------------------------------------------------


def test_the_demo_translates_its_surveys_into_english(client, home_page, en):
    """``EXAMPLE_SITE_I18N=1 make demo``: the survey in pages in English, its
    condition working (it names its question by key)."""
    from example_site.demo import surveys as demo
    from example_site.demo import translations

    demo.open_survey(home_page)
    logic, _created = demo.logic_survey(home_page)
    translated = translations.load(home=home_page)
    assert len(translated) == 2
    assert translations.load(home=home_page) == translated  # safe to run again
    english_logic = SurveyPage.objects.get(
        translation_key=logic.translation_key, locale=en
    )
    assert english_logic.live

    shown = client.get(english_logic.url).content.decode()
    assert "Your visit to a service centre" in shown
    assert "Overall, how satisfied were you with this visit?" in shown
    assert "Fairly satisfied" in shown

    overall = next(q for q in survey_questions(logic) if q.field_type == "scale")
    dissatisfied = next(o for o in overall.options if o.label == "不满意")
    data = post_data(logic, group="个体工商户", overall=None, token="demo")
    data.update({overall.key: str(dissatisfied.pk), "wp_nav": "next", "wp_page": "0"})
    why = client.post(english_logic.url, data).content.decode()
    assert "Why you were dissatisfied" in why
    assert "Documents asked for again and again" in why
