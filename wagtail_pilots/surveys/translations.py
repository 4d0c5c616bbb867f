"""Surveys in several languages, with Wagtail's own locales.

A survey page translated with Wagtail's i18n (``WAGTAIL_I18N_ENABLED``, a
:class:`~wagtail.models.Locale` per language, "Translate" by
``wagtail.contrib.simple_translation`` or wagtail-localize, which both copy the
page with :meth:`~wagtail.models.Page.copy_for_translation`) is one survey in
several languages:

- its **source** is its translation in the site's default language
  (``LANGUAGE_CODE``), found by ``translation_key``; a page without one is its
  own source. Responses, answers, access codes, quotas, paper entry, imports,
  results and every setting (dates, maximum, access, anonymity) are the
  source's, so all languages pool into one set of figures;
- a translation gives **wording** only: the question labels, help texts, page
  titles, follow-up questions, the choices of choice and group questions and
  the rows of a matrix (both by position), matched to the source's questions by
  their key (``clean_name``, which ``copy_for_translation`` keeps). The options
  of a scale come from the scale's own translation into the page's language
  (matched by the options' ``translation_key``);
- what a respondent chooses is stored as the source's value (a scale option's
  pk, a choice or group as the source words it), so an answer given in English
  is the same answer as one given in Chinese, and conditions (which name
  question keys and source values) work unchanged.

Nothing here costs a query on a page that is its own source once the default
locale's id is known (it is kept per process, see :func:`default_locale_id`).
"""

from __future__ import annotations

from django.conf import settings

_default_locale_ids: dict[str, int] = {}


def i18n_enabled():
    return bool(getattr(settings, "WAGTAIL_I18N_ENABLED", False))


def default_locale_id():
    """The pk of the default locale (``LANGUAGE_CODE``), or ``None`` when it
    does not exist. Kept per process and language code, forgotten whenever a
    locale is saved or deleted (see :func:`forget_locales`)."""
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    try:
        code = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    except LookupError:
        return None
    pk = _default_locale_ids.get(code)
    if pk is None:
        pk = (
            Locale.objects.filter(language_code=code)
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            _default_locale_ids[code] = pk
    return pk


def forget_locales(**kwargs):
    """Signal receiver: a locale changed, look the default one up again."""
    _default_locale_ids.clear()


def survey_source(page):
    """The page ``page``'s responses are stored against: its translation in
    the default locale, or ``page`` itself (no query then when the default
    locale is known). Remembered on the page object."""
    cached = page.__dict__.get("_wp_survey_source")
    if cached is not None:
        return cached
    source = page
    if i18n_enabled() and page.translation_key is not None:
        default_id = default_locale_id()
        if default_id is not None and page.locale_id != default_id:
            found = (
                type(page)
                .objects.filter(translation_key=page.translation_key)
                .filter(locale_id=default_id)
                .exclude(pk=page.pk)
                .first()
            )
            if found is not None:
                source = found
    page.__dict__["_wp_survey_source"] = source
    return source


def is_translation(page):
    """Whether ``page`` is a translation of another survey page (its wording
    only is used)."""
    return survey_source(page).pk != page.pk


def wording_of(page):
    """The wording of ``page``'s own questions (one query, or none for a page
    built from a revision)."""
    from .questions import wording_from_field

    return [wording_from_field(field) for field in page.form_fields.all()]


def scale_option_texts(questions, locale_id):
    """``{source option pk: label}`` of the options of ``questions``' scales
    in their translations into ``locale_id`` (one query; options without a
    translation are left out)."""
    from django.db.models import OuterRef, Subquery

    from .models import ScaleOption

    option_ids = {o.pk for q in questions for o in q.options}
    if not option_ids or locale_id is None:
        return {}
    translated = ScaleOption.objects.filter(
        translation_key=OuterRef("translation_key"), locale_id=locale_id
    ).values("label")[:1]
    return {
        pk: text
        for pk, text in ScaleOption.objects.filter(pk__in=option_ids)
        .exclude(locale_id=locale_id)
        .annotate(text=Subquery(translated))
        .values_list("pk", "text")
        if text
    }


def translated_questions(questions, page):
    """The source's ``questions`` worded as ``page`` (a translation) words
    them; ``questions`` unchanged when ``page`` is the source."""
    from .questions import translate_questions

    if not is_translation(page):
        return questions
    return translate_questions(
        questions, wording_of(page), scale_option_texts(questions, page.locale_id)
    )


def translation_for_language(source, language_code=None):
    """The live translation of ``source`` in ``language_code`` (default: the
    active language), or ``None``: for screens shown in the viewer's language."""
    from django.utils import translation
    from wagtail.coreutils import get_supported_content_language_variant

    if not i18n_enabled() or source.translation_key is None:
        return None
    try:
        code = get_supported_content_language_variant(
            language_code or translation.get_language()
        )
    except LookupError:
        return None
    return (
        type(source)
        .objects.filter(translation_key=source.translation_key)
        .filter(locale__language_code=code)
        .exclude(pk=source.pk)
        .first()
    )


def questions_for_viewer(source, language_code=None):
    """The source's questions, worded in the viewer's language when the survey
    has a translation in it (the results screen), else as the source words
    them."""
    from .questions import survey_questions

    questions = survey_questions(source)
    translation_page = translation_for_language(source, language_code)
    if translation_page is None:
        return questions
    translation_page.__dict__["_wp_survey_source"] = source
    return translated_questions(questions, translation_page)


def source_surveys(queryset):
    """``queryset`` (pages) without the translations of other surveys: the
    admin's lists of surveys show each survey once, as its source."""
    from django.db.models import Exists, OuterRef, Q
    from wagtail.models import Page

    if not i18n_enabled():
        return queryset
    default_id = default_locale_id()
    if default_id is None:
        return queryset
    has_source = Page.objects.filter(
        translation_key=OuterRef("translation_key"), locale_id=default_id
    )
    return queryset.exclude(~Q(locale_id=default_id) & Exists(has_source))


class LocalizeFields:
    """wagtail-localize's ``override_translatable_fields`` of a model, built
    when wagtail-localize asks for them (it need not be installed).

    ``translated`` are offered to translators; ``synchronized`` are copied
    from the source and not overridable: a question's key, type, scale,
    conditions and follow-up options are the source's, whatever a
    translation holds.
    """

    def __init__(self, *, translated=(), synchronized=()):
        self.translated = tuple(translated)
        self.synchronized = tuple(synchronized)

    def __get__(self, instance, owner):
        try:
            from wagtail_localize.fields import SynchronizedField, TranslatableField
        except ImportError:
            return []
        return [TranslatableField(name) for name in self.translated] + [
            SynchronizedField(name, overridable=False) for name in self.synchronized
        ]
