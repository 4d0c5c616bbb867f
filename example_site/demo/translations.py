"""English translations of the demo surveys, made with Wagtail alone.

Only when the site runs with Wagtail's i18n (``EXAMPLE_SITE_I18N=1``, see
``settings/dev.py``): an ``en`` locale, the 3-level scale translated, and the
English translations of the survey in pages (``/en/banshi-tiyan/``) and of the
open survey (``/en/zhengwu-fuwu-haochaping/``), made the way an editor makes
them with "Translate" (``copy_for_translation``; their parent pages become
English aliases) and then worded in English. Answers given in English count in
the Chinese survey's results. Safe to run again.
"""

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale

from wagtail_pilots.surveys.models import Scale, SurveyPage
from wagtail_pilots.surveys.questions import split_choices

from .surveys import LOGIC_SLUG, OPEN_SLUG

SCALE_NAME = "满意度（三级）"

ENGLISH = {
    SCALE_NAME: "Satisfaction (3 levels)",
    "满意 / 基本满意 / 不满意": "Satisfied / Fairly satisfied / Dissatisfied",
    "满意": "Satisfied",
    "基本满意": "Fairly satisfied",
    "不满意": "Dissatisfied",
    # The survey in pages.
    "便民服务中心办事体验调查": "Your visit to a service centre",
    "您的身份": "You are",
    "企业代表": "An enterprise representative",
    "个体工商户": "Self-employed",
    "其他群众": "Another resident",
    "对这次办事的总体评价": "Overall, how satisfied were you with this visit?",
    "请说说哪里让您不满意": "What dissatisfied you?",
    "不满意的主要原因": "The main reason",
    "不满意的原因": "Why you were dissatisfied",
    "等候时间长": "A long wait",
    "材料要求反复": "Documents asked for again and again",
    "工作人员态度": "The staff's attitude",
    "是否跑了不止一次": "Did you have to come more than once?",
    "办事过程": "Your visit",
    "一次办成": "Done in one visit",
    "跑了两次": "Two visits",
    "跑了三次及以上": "Three visits or more",
    "对涉企事项“一件事一次办”的评价": (
        "Business matters handled “all in one visit”: how satisfied are you?"
    ),
    "意见和建议": "Comments and suggestions",
    # The open survey.
    "政务服务“好差评”群众满意度调查": "Rate our government services",
    "对办事效率的总体评价": "Overall, how satisfied are you with how fast we work?",
    "对各乡镇便民服务中心的评价": "The service centres of the towns",
}

INTROS = {
    LOGIC_SLUG: (
        "<p>Three short pages, about three minutes. Only the questions that "
        "apply to your answers appear; you can go back and change an answer "
        "at any time.</p>",
        "<p>Thank you! What you write is read by the staff only, to improve "
        "their work, and is never published.</p>",
    ),
    OPEN_SLUG: (
        "<p>How was your last visit to a county or town service centre? No "
        "login, no code, anonymous; about two minutes.</p>",
        "<p>Thank you! We read every comment.</p>",
    ),
}


def english(text):
    return ENGLISH.get(text, text)


def translate_scale(scale, locale):
    existing = scale.get_translation_or_none(locale)
    if existing is not None:
        return existing
    translation = scale.copy_for_translation(locale)
    translation.name = english(scale.name)
    translation.description = english(scale.description)
    for option in translation.options.all():
        option.label = english(option.label)
    translation.save()
    return translation


def translate_survey(page, locale):
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing
    translation = page.copy_for_translation(locale, copy_parents=True)
    translation.title = english(page.title)
    translation.intro, translation.thank_you_text = INTROS[page.slug]
    translation.save()
    for question in translation.form_fields.all():
        question.label = english(question.label)
        question.page_title = english(question.page_title)
        question.follow_up_label = english(question.follow_up_label)
        question.choices = "\n".join(
            english(c) for c in split_choices(question.choices)
        )
        question.save()
    translation.save_revision().publish()
    return translation


@transaction.atomic
def load(*, home, stdout=None):
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return None
    source = Locale.get_default()
    locale = Locale.objects.get_or_create(language_code="en")[0]
    translate_scale(Scale.objects.get(name=SCALE_NAME, locale=source), locale)
    translated = [
        translate_survey(page.specific, locale)
        for page in SurveyPage.objects.filter(
            slug__in=[LOGIC_SLUG, OPEN_SLUG], locale=source
        )
    ]
    if stdout is not None:
        stdout.write(
            "  translations: "
            + ", ".join(page.get_url() or page.title for page in translated)
        )
    return translated
