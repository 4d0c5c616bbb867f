"""A survey's question set, compiled once per published revision.

Answering a survey needs its questions (fields, scales and their options,
matrix rows and units, conditions, pages, "other" and follow-ups), its quotas
and the form class built from them. Read from the database on every request,
that was about a third of a submission. Here they are compiled once into an
immutable :class:`CompiledSurvey`, kept in the suite's cache (``CACHE_ALIAS``,
shared by every worker), and the form class is built from it without a query
(once per process and language).

The cache key names the page, its live revision, its locale, the active
language and a *generation* that every change which could alter a compiled
survey replaces (:func:`invalidate`): a survey page published or unpublished
(Wagtail's ``page_published`` / ``page_unpublished`` signals), a question or
quota saved or deleted, a scale, scale option or unit saved or deleted (they
are snippets, not part of the page's revision), or a setting changed. The next
request compiles again. The generation is replaced at once and again when the
transaction commits, so a request running meanwhile cannot keep the old
questions under the new generation.

Only a live page with a live revision is compiled and cached; a preview (the
editor's unsaved questions), a draft or a page made without a revision is
built from its fields each time, as before.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.utils.crypto import get_random_string

from wagtail_pilots.conf import get_cache

from .questions import Question

logger = logging.getLogger(__name__)

GENERATION_KEY = "wagtail_pilots:surveys:compiled:generation"
KEY_PREFIX = "wagtail_pilots:surveys:compiled"
#: Compiled surveys are kept this long in the shared cache (they are also
#: replaced whenever the generation changes).
TIMEOUT = 24 * 3600
#: Compiled surveys (with their form classes) kept in this process.
_MEMO_SIZE = 256
_memo: dict[str, CompiledSurvey] = {}


@dataclass(frozen=True)
class FieldSpec:
    """What Wagtail's form builder reads of a form field, as plain data."""

    clean_name: str
    field_type: str
    label: str
    help_text: str
    required: bool
    default_value: str
    choices: str

    def get_field_clean_name(self):
        return self.clean_name

    @classmethod
    def of(cls, form_field):
        return cls(
            clean_name=form_field.clean_name or form_field.get_field_clean_name(),
            field_type=form_field.field_type,
            label=form_field.label or "",
            help_text=form_field.help_text or "",
            required=bool(form_field.required),
            default_value=form_field.default_value or "",
            choices=getattr(form_field, "choices", "") or "",
        )


@dataclass(frozen=True)
class CompiledSurvey:
    """A page's question set as asked (a translation: the source's questions
    in the translation's words), the source's quota limits and, built on
    first use in each process, the form class."""

    key: str
    fields: tuple[FieldSpec, ...]
    questions: tuple[Question, ...]
    #: ``{("group", name) | ("unit", unit id): limit}`` of the source's quotas.
    quota_limits: dict[Any, int]
    _form_classes: dict = field(default_factory=dict, compare=False, repr=False)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_form_classes"] = {}  # classes stay in their process
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)

    def form_class(self, builder_class):
        """The form class, built once per process, builder and language (the
        follow-up help text is worded when the class is built)."""
        from django.utils import translation

        memo_key = (builder_class, translation.get_language())
        form_class = self._form_classes.get(memo_key)
        if form_class is None:
            builder = builder_class(list(self.fields), questions=list(self.questions))
            form_class = builder.get_form_class()
            form_class.quota_limits = self.quota_limits
            self._form_classes[memo_key] = form_class
        return form_class


def generation():
    """The current generation (a random token, replaced by :func:`invalidate`;
    made anew when the cache lost it)."""
    cache = get_cache()
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, get_random_string(12), None)
        value = cache.get(GENERATION_KEY) or "0"
    return value


def _bump():
    _memo.clear()
    try:
        get_cache().set(GENERATION_KEY, get_random_string(12), None)
    except Exception:  # a cache outage must not stop a publish
        logger.warning("Compiled surveys: the cache is unavailable", exc_info=True)


def invalidate(**kwargs):
    """Forget every compiled survey, now and when the current transaction
    commits (a signal receiver too)."""
    from django.db import transaction

    _bump()
    transaction.on_commit(_bump)


#: Settings a compiled question set depends on (which page is a survey's
#: source): changing one forgets every compiled survey.
_SOURCE_SETTINGS = frozenset(
    {"WAGTAIL_I18N_ENABLED", "LANGUAGE_CODE", "WAGTAIL_CONTENT_LANGUAGES", "CACHES"}
)


def settings_changed(*, setting, **kwargs):
    """Form classes are built with the settings of their time (the longest
    text answer, help texts): build them again after a change."""
    from django.core.cache import InvalidCacheBackendError

    _memo.clear()
    if setting in _SOURCE_SETTINGS or setting == "WAGTAIL_PILOTS":
        # A CACHE_ALIAS being tested may name no cache.
        with contextlib.suppress(InvalidCacheBackendError):
            get_cache()
            _bump()


def compiled_key(page):
    """The cache key of ``page``'s compiled question set, or ``None`` when it
    is not compiled (not live, no live revision, or a preview)."""
    if (
        page.pk is None
        or not page.live
        or page.live_revision_id is None
        or getattr(page, "_wp_uncompiled", False)
    ):
        return None
    return (
        f"{KEY_PREFIX}:{generation()}:{page.pk}:{page.live_revision_id}:"
        f"{page.locale_id}"
    )


def compile_survey(page, key=""):
    """Read ``page``'s question set from the database (a few queries)."""
    from .questions import question_from_field
    from .services import survey_quota_limits
    from .translations import is_translation, translated_questions

    source = page.get_survey_source()
    fields = list(source.get_form_fields())
    questions = [question_from_field(f) for f in fields]
    if is_translation(page):
        questions = translated_questions(questions, page)
    return CompiledSurvey(
        key=key,
        fields=tuple(FieldSpec.of(f) for f in fields),
        questions=tuple(questions),
        quota_limits=survey_quota_limits(source),
    )


def compiled_survey(page):
    """``page``'s :class:`CompiledSurvey` from this process, the shared cache
    or the database (then cached); ``None`` for a page that is not compiled
    (see :func:`compiled_key`)."""
    try:
        key = compiled_key(page)
    except Exception:  # a cache outage: answer from the database
        logger.warning("Compiled surveys: the cache is unavailable", exc_info=True)
        return None
    if key is None:
        return None
    compiled = _memo.get(key)
    if compiled is not None:
        return compiled
    cache = get_cache()
    try:
        compiled = cache.get(key)
    except Exception:
        logger.warning("Compiled surveys: the cache is unavailable", exc_info=True)
        return None
    if not isinstance(compiled, CompiledSurvey):
        compiled = compile_survey(page, key)
        try:
            cache.set(key, compiled, TIMEOUT)
        except Exception:
            logger.warning("Compiled surveys: the cache is unavailable", exc_info=True)
    if len(_memo) >= _MEMO_SIZE:
        _memo.clear()
    _memo[key] = compiled
    return compiled


def connect_signals():
    """Forget compiled surveys when anything they are made of changes."""
    from django.apps import apps
    from django.core.signals import setting_changed
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.signals import page_published, page_unpublished

    from wagtail_pilots.models import Unit

    from .models import (
        AbstractSurveyField,
        AbstractSurveyQuota,
        Scale,
        ScaleOption,
        SurveyPageMixin,
    )

    def page_changed(sender, instance, **kwargs):
        if isinstance(instance, SurveyPageMixin):
            invalidate()

    page_published.connect(page_changed, dispatch_uid="wp_compiled_published")
    page_unpublished.connect(page_changed, dispatch_uid="wp_compiled_unpublished")
    setting_changed.connect(settings_changed, dispatch_uid="wp_compiled_settings")
    senders = [Scale, ScaleOption, Unit]
    senders += [
        model
        for model in apps.get_models()
        if issubclass(model, AbstractSurveyField | AbstractSurveyQuota)
    ]
    for model in senders:
        uid = f"wp_compiled_{model._meta.label_lower}"
        post_save.connect(invalidate, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"{uid}_delete")
        row_units = getattr(model, "row_units", None)
        through = getattr(getattr(row_units, "rel", None), "through", None)
        if through is not None:
            m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"{uid}_m2m")
