"""Survey models: scales, survey pages on Wagtail's form builder, responses,
normalised answers and access codes.

A survey page is :class:`SurveyPageMixin` (abstract, add it to your own base page)
plus the concrete :class:`SurveyPage`. Each accepted response is stored once as a
:class:`SurveyResponse` plus one :class:`SurveyAnswer` row per answered question
(per matrix row), so every figure of the results is a SQL ``GROUP BY``.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.contrib.forms.models import (
    FORM_FIELD_CHOICES,
    AbstractFormField,
    FormMixin,
    validate_to_address,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index
from wagtail.url_routing import RouteResult

from ..access_codes import AbstractAccessCode as BaseAccessCode
from ..compat import get_page_model_string
from ..pages import BaseTemplateMixin, inline_model
from ..panels import FoldedMultiFieldPanel, ScreenLinksPanel
from .forms import (
    ConditionsFormField,
    ScaleAdminForm,
    SurveyAdminPageForm,
    SurveyFormBuilder,
)
from .widgets import FilterableCheckboxSelectMultiple, QuestionTypeSelect

# Scales ---------------------------------------------------------------------


class Scale(TranslatableMixin, index.Indexed, ClusterableModel):
    """An ordered list of answer options (满意 / 基本满意 / 不满意 …).

    Translatable with Wagtail's locales: the scale's translation into a
    survey page's language (made with "Translate", by Wagtail's
    ``simple_translation`` or wagtail-localize) gives the options' wording on
    that translation of the survey; answers always count the source options
    (see ``translations.py``).
    """

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]
    base_form_class = ScaleAdminForm

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        InlinePanel("options", label=_("option"), min_num=2),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("scale")
        verbose_name_plural = _("scales")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "locale"], name="wp_surveys_scale_name_locale"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        # The name is unique per language (a translation may keep it while
        # it is being translated); the constraint's locale is not a form
        # field, so the form is told here rather than by the database.
        from wagtail.models import Locale

        locale_id = self.locale_id or getattr(Locale.get_default(), "pk", None)
        taken = (
            type(self)
            .objects.filter(name=self.name, locale_id=locale_id)
            .exclude(pk=self.pk)
        )
        if self.name and taken.exists():
            raise ValidationError(
                {"name": _("A scale with this name already exists.")},
                code="unique",
            )


class ScaleOption(TranslatableMixin, Orderable):
    """One option of a scale. Its translation (same ``translation_key``, in the
    scale's translation) gives its wording in another language."""

    scale = ParentalKey(Scale, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("label"), max_length=100)
    score = models.DecimalField(
        _("score"),
        max_digits=7,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("used for the satisfaction index, e.g. 100, 80, 0"),
    )
    satisfied = models.BooleanField(
        _("counts as satisfied"),
        default=False,
        help_text=_("answers with this option count towards the satisfaction rate"),
    )
    excluded = models.BooleanField(
        _("excluded"),
        default=False,
        help_text=_("e.g. 'don't know': not part of the valid answers"),
    )

    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("score")]),
        FieldRowPanel([FieldPanel("satisfied"), FieldPanel("excluded")]),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("scale option")
        verbose_name_plural = _("scale options")
        ordering = ["sort_order"]

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        if self.satisfied and self.excluded:
            raise ValidationError(
                {
                    "excluded": _(
                        "An option that counts as satisfied cannot be excluded."
                    )
                }
            )


# Survey pages ---------------------------------------------------------------


class ConditionsField(models.JSONField):
    """A question's display conditions: a list of rules (see ``logic.py``),
    edited as one line per condition."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ConditionsFormField, **kwargs})

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        from .logic import valid_conditions

        if not valid_conditions(value):
            raise ValidationError(
                _("Conditions must be a list of rules (question, op, values)."),
                code="invalid",
            )


from .questions import (  # noqa: E402
    GROUP,
    MATRIX,
    SCALE,
    needs_numbered_key,
    next_question_key,
    question_from_field,
)
from .translations import LocalizeFields  # noqa: E402

SURVEY_FIELD_CHOICES = (
    (SCALE, _("scale question")),
    (MATRIX, _("matrix question")),
    (GROUP, _("respondent group")),
    *FORM_FIELD_CHOICES,
)


class AbstractSurveyField(ClusterableModel, AbstractFormField):
    """A question of a survey: Wagtail's form field plus scale/matrix/group types.

    ``choices`` holds the respondent groups of a ``group`` question; a matrix
    question's rows are its ``rows`` labels (one per line) and/or ``row_units``.

    Abstract, without the key to its page (like Wagtail's ``AbstractFormField``):
    a site with its own survey page type adds one::

        class MyQuestion(AbstractSurveyField):
            page = ParentalKey(
                "MySurveyPage", on_delete=models.CASCADE, related_name="form_fields"
            )
    """

    field_type = models.CharField(
        verbose_name=pgettext_lazy("survey question", "field type"),
        max_length=16,
        choices=SURVEY_FIELD_CHOICES,
    )
    field_type.required_on_save = True
    scale = models.ForeignKey(
        Scale,
        verbose_name=_("scale"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("for scale and matrix questions"),
    )
    rows = models.TextField(
        _("matrix rows"),
        blank=True,
        help_text=_("one row label per line, for a matrix question"),
    )
    row_units = ParentalManyToManyField(
        "wagtail_pilots.Unit",
        verbose_name=_("units as matrix rows"),
        blank=True,
        related_name="+",
        help_text=_("each unit becomes a row rated on the scale"),
    )

    # Survey logic (additive; see ``logic.py`` and docs/surveys.md).
    page_break = models.BooleanField(
        _("starts a new page"),
        default=False,
        help_text=_(
            "the respondent sees this question and the ones after it on a new "
            "page; its conditions then apply to the whole page"
        ),
    )
    page_title = models.CharField(
        _("page title"),
        max_length=255,
        blank=True,
        help_text=_("optional heading of the page this question starts"),
    )
    conditions = ConditionsField(
        _("show only when"),
        default=list,
        blank=True,
        help_text=_(
            "one condition per line, about an earlier question (its label or "
            "key): “question = option, option” (is one of), “question != "
            "option” (is not one of), “question = *” (was answered); empty: "
            "always shown"
        ),
    )
    conditions_match = models.CharField(
        _("conditions to meet"),
        max_length=3,
        choices=[
            ("all", pgettext_lazy("survey conditions", "all of them")),
            ("any", pgettext_lazy("survey conditions", "any of them")),
        ],
        default="all",
    )
    other_option = models.BooleanField(
        _("offer “other, please specify”"),
        default=False,
        help_text=_("for choice and scale questions: adds an option with a text box"),
    )
    follow_up_options = models.TextField(
        _("follow-up after"),
        blank=True,
        help_text=_(
            "options (one per line) after which an optional text box asks for "
            "more, e.g. 不满意"
        ),
    )
    follow_up_label = models.CharField(
        _("follow-up question"),
        max_length=255,
        blank=True,
        help_text=_("e.g. “Why are you dissatisfied?”"),
    )

    panels = [
        FieldPanel("label"),
        FieldPanel("help_text"),
        FieldRowPanel(
            [
                FieldPanel(
                    "field_type",
                    classname="formbuilder-type",
                    required_on_save=True,
                    widget=QuestionTypeSelect,
                ),
                FieldPanel("required"),
            ]
        ),
        FieldPanel("scale", widget=forms.Select),
        FieldPanel("rows"),
        FieldPanel("row_units", widget=FilterableCheckboxSelectMultiple),
        FieldPanel(
            "choices",
            classname="formbuilder-choices",
            help_text=_(
                "one choice per line (or separated by commas), for a respondent "
                "group, drop-down, radio or checkboxes question"
            ),
        ),
        FieldPanel(
            "default_value",
            classname="formbuilder-default",
            help_text=_(
                "the answer filled in beforehand; several separated by commas "
                "for checkboxes"
            ),
        ),
        FoldedMultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("page_break"), FieldPanel("page_title")]),
                FieldPanel("conditions"),
                FieldPanel("conditions_match"),
                FieldPanel("other_option"),
                FieldRowPanel(
                    [FieldPanel("follow_up_options"), FieldPanel("follow_up_label")]
                ),
            ],
            heading=_("pages, conditions and follow-ups"),
            is_set=lambda question: question.uses_logic(),
        ),
    ]

    # With wagtail-localize (and a question model that is translatable, as
    # SurveyField is): translators get the wording, everything that decides
    # what is stored stays the source's. See translations.py.
    override_translatable_fields = LocalizeFields(
        translated=[
            "label",
            "help_text",
            "choices",
            "rows",
            "page_title",
            "follow_up_label",
        ],
        synchronized=[
            "clean_name",
            "field_type",
            "required",
            "default_value",
            "scale",
            "page_break",
            "conditions",
            "conditions_match",
            "other_option",
            "follow_up_options",
        ],
    )

    def uses_logic(self):
        """Whether any of the page, condition or follow-up settings is used
        (the editor folds them away otherwise)."""
        return bool(
            self.page_break
            or self.page_title
            or self.conditions
            or self.other_option
            or self.follow_up_options
            or self.follow_up_label
        )

    class Meta(AbstractFormField.Meta):
        abstract = True
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")

    def row_labels(self):
        return [line.strip() for line in self.rows.splitlines() if line.strip()]

    def taken_question_keys(self):
        """Keys this question's survey has used: its questions' and those of
        stored answers (a deleted question's answers keep its key)."""
        if self.page_id is None:  # pyright: ignore[reportAttributeAccessIssue]
            return set()
        page_id = self.page_id  # pyright: ignore[reportAttributeAccessIssue]
        keys = set(
            type(self)
            .objects.filter(page_id=page_id)
            .exclude(pk=self.pk)
            .values_list("clean_name", flat=True)
        )
        keys.update(
            SurveyAnswer.objects.filter(survey_id=page_id)
            .values_list("question_key", flat=True)
            .distinct()
        )
        return keys

    def assign_key(self, taken=None):
        """Give a new question its key, once (it never changes afterwards):
        the label's key when the label is plain ASCII, else ``q1``, ``q2``…
        (see :func:`.questions.next_question_key`)."""
        if self.clean_name:
            return self.clean_name
        label_key = self.get_field_clean_name()
        if needs_numbered_key(self.label, label_key):
            taken = self.taken_question_keys() if taken is None else taken
            self.clean_name = next_question_key(taken)
        else:
            self.clean_name = label_key
        return self.clean_name

    def save(self, *args, **kwargs):
        self.assign_key()
        super().save(*args, **kwargs)


class SurveyField(TranslatableMixin, AbstractSurveyField):
    """The questions of the default :class:`SurveyPage`.

    Translatable (a locale and a ``translation_key``, set from the page) so
    that wagtail-localize offers each question's wording for translation;
    ``copy_for_translation`` keeps the key of each question.
    """

    page = ParentalKey(
        "SurveyPage", on_delete=models.CASCADE, related_name="form_fields"
    )

    class Meta(AbstractSurveyField.Meta):
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        unique_together = [("translation_key", "locale")]


class Access(models.TextChoices):
    ANYONE = "anyone", _("anyone")
    ONCE_PER_BROWSER = "browser", _("once per browser")
    CODE = "code", _("access code required")


class ResultsVisibility(models.TextChoices):
    NEVER = "never", _("never")
    AFTER_CLOSING = "closed", _("after closing")
    LIVE = "live", pgettext_lazy("results visibility", "live")


class SurveyState(models.TextChoices):
    NOT_OPEN = "not_open", _("not yet open")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    FULL = "full", _("full")


class SurveyPageMixin(BaseTemplateMixin, FormMixin, models.Model):
    """Everything that makes a page a survey. Add it to your own base page::

        class MySurveyPage(SurveyPageMixin, MyBasePage):
            content_panels = MyBasePage.content_panels + [
                FieldPanel("intro"),
                InlinePanel("form_fields", label="questions"),
            ]

        class MyQuestion(AbstractSurveyField):
            page = ParentalKey(
                MySurveyPage, on_delete=models.CASCADE, related_name="form_fields"
            )

    Responses, answers and access codes point at the base page model, so they
    serve every survey page type; the blocks, exports, imports and result
    comparisons find a page by this mixin, not by :class:`SurveyPage`.
    """

    intro = RichTextField(_("introduction"), blank=True)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    max_responses = models.PositiveIntegerField(
        _("maximum responses"),
        null=True,
        blank=True,
        help_text=_("leave empty for no limit"),
    )
    minimum_sample = models.PositiveIntegerField(
        _("minimum sample"),
        default=30,
        help_text=_(
            "a rate from fewer valid answers is shown as 'insufficient sample'"
        ),
    )
    threshold = models.DecimalField(
        _("satisfaction threshold (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(60),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("rates below this percentage are flagged, e.g. 60"),
    )
    access = models.CharField(
        _("who may answer"),
        max_length=10,
        choices=Access.choices,
        default=Access.ANYONE,
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("store no IP address or user, and the date only"),
    )
    results_visibility = models.CharField(
        _("results shown publicly"),
        max_length=10,
        choices=ResultsVisibility.choices,
        default=ResultsVisibility.NEVER,
    )
    thank_you_text = RichTextField(_("thank-you text"), blank=True)
    notify_to = models.CharField(
        _("notify e-mail addresses"),
        max_length=255,
        blank=True,
        validators=[validate_to_address],
        help_text=_("optional; separate several addresses with commas"),
    )
    response_count = models.PositiveIntegerField(
        _("responses"), default=0, editable=False
    )
    paper_issued = models.PositiveIntegerField(
        _("paper questionnaires issued"),
        null=True,
        blank=True,
        help_text=_(
            "how many paper questionnaires were handed out, for the response "
            "rate; leave empty if none or unknown"
        ),
    )
    paper_double_entry = models.BooleanField(
        _("double entry of paper questionnaires"),
        default=False,
        help_text=_(
            "each paper questionnaire is typed in twice by two clerks; it is "
            "stored only when both entries agree or the differences are resolved"
        ),
    )

    base_form_class = SurveyAdminPageForm
    form_builder = SurveyFormBuilder
    # A copied survey starts empty.
    exclude_fields_in_copy = ["response_count"]
    # wagtail-localize: addresses are not words to translate.
    override_translatable_fields = LocalizeFields(synchronized=["notify_to"])

    survey_settings_panels = [
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
        FieldRowPanel(
            [
                FieldPanel("max_responses"),
                FieldPanel("minimum_sample"),
                FieldPanel("threshold"),
            ]
        ),
        FieldRowPanel([FieldPanel("access"), FieldPanel("anonymous")]),
        FieldPanel("results_visibility"),
        FieldRowPanel([FieldPanel("paper_issued"), FieldPanel("paper_double_entry")]),
        FieldPanel("notify_to"),
    ]

    class Meta:
        abstract = True

    def full_clean(self, *args, **kwargs):
        # A Chinese slug (Wagtail's default from a Chinese title) becomes its
        # pinyin before Wagtail checks it is unique: see slugs.py.
        from .slugs import readable_slug

        self.slug = readable_slug(self)
        super().full_clean(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError(
                {"closes_at": _("The survey must close after it opens.")}
            )

    # State ------------------------------------------------------------------

    def get_state(self, now=None):
        source = self.get_survey_source()
        if source.pk != self.pk:
            # A translation is open, closed or full with its source.
            return source.get_state(now)
        now = now or timezone.now()
        if self.opens_at and now < self.opens_at:
            return SurveyState.NOT_OPEN
        if self.closes_at and now >= self.closes_at:
            return SurveyState.CLOSED
        if self.max_responses is not None and (
            self.response_count >= self.max_responses
        ):
            return SurveyState.FULL
        return SurveyState.OPEN

    def results_are_public(self, now=None):
        source = self.get_survey_source()
        if source.pk != self.pk:
            return source.results_are_public(now)
        if self.results_visibility == ResultsVisibility.LIVE:
            return True
        if self.results_visibility == ResultsVisibility.AFTER_CLOSING:
            return self.get_state(now) == SurveyState.CLOSED
        return False

    # Form builder -------------------------------------------------------------

    @classmethod
    def get_question_model(cls):
        """The model of this page type's questions (``form_fields``)."""
        return inline_model(cls, "form_fields")

    @classmethod
    def get_group_population_model(cls):
        """The model of the populations per respondent group
        (``group_populations``), or ``None`` for a page type without them."""
        from django.core.exceptions import FieldDoesNotExist

        try:
            return inline_model(cls, "group_populations")
        except FieldDoesNotExist:
            return None

    @classmethod
    def get_quota_model(cls):
        """The model of the quotas per respondent group or unit (``quotas``),
        or ``None`` for a page type without them."""
        from django.core.exceptions import FieldDoesNotExist

        try:
            return inline_model(cls, "quotas")
        except FieldDoesNotExist:
            return None

    def get_form_fields(self):
        return (
            self.form_fields.all()
            .select_related("scale")
            .prefetch_related("scale__options", "row_units")
        )

    # Translations (see translations.py) ------------------------------------

    def get_survey_source(self):
        """The survey this page is a translation of (its page in the default
        language), or this page: the one whose responses, codes, quotas and
        settings count. No query for a page that is its own source."""
        from .translations import survey_source

        return survey_source(self)

    def get_form_class(self):
        from .compiled import compiled_survey
        from .translations import is_translation, translated_questions

        # A live page's question set is compiled once per published revision
        # and cached (compiled.py): no query to build the form.
        compiled = compiled_survey(self)
        if compiled is not None:
            return compiled.form_class(self.form_builder)
        if not is_translation(self):
            return super().get_form_class()
        # A translation asks the source's questions in its own words: the
        # answers are the source's values, whatever language they came in.
        fields = list(self.get_survey_source().get_form_fields())
        questions = translated_questions([question_from_field(f) for f in fields], self)
        return self.form_builder(fields, questions=questions).get_form_class()

    def get_data_fields(self):
        from .questions import survey_questions

        fields = [("submit_time", _("Submission date"))]
        for question in survey_questions(self.get_survey_source()):
            if question.field_type == MATRIX:
                fields += [
                    (f"{question.key}__{row.key}", f"{question.label} / {row.label}")
                    for row in question.rows
                ]
            else:
                fields.append((question.key, question.label))
        return fields

    def get_submission_class(self):
        return SurveyResponse

    def get_submissions(self):
        return SurveyResponse.objects.filter(survey=self.get_survey_source())

    def route(self, request, path_components):
        # ``<survey>/results/`` shows the public results (when allowed).
        if path_components == ["results"] and self.live:
            return RouteResult(self, kwargs={"show_results": True})
        return super().route(request, path_components)

    def serve(self, request, *args, show_results=False, **kwargs):
        from .views import public

        if show_results:
            return public.serve_results(self, request)
        response = public.serve_survey(self, request, *args, **kwargs)
        # The form carries a CSRF token and a signed start time: never cached
        # by a browser or a front-end cache.
        add_never_cache_headers(response)
        return response

    def get_results_url(self, request=None):
        url = self.get_url(request)
        return f"{url}results/" if url else None

    def serve_submissions_list_view(self, request, *args, **kwargs):
        # Wagtail's "Forms" listing links here: our results replace its
        # submissions table (which expects a JSON-only submission model).
        from django.shortcuts import redirect
        from django.urls import reverse

        return redirect(reverse("wagtail_pilots_surveys:results", args=[self.pk]))

    def serve_preview(self, request, mode_name):
        if mode_name == "landing":
            return self.render_landing_page(request)
        from .views.public import serve_survey

        # The editor's unsaved questions: never the compiled live ones.
        self._wp_uncompiled = True
        return serve_survey(self, request, preview=True)


class AbstractSurveyGroupPopulation(Orderable):
    """How many people a respondent group stands for, for post-stratification.

    When the editor gives every respondent group a population, the results show,
    beside the raw satisfaction rate, the rate weighted by group population (see
    :func:`.stats.post_stratify`).

    Abstract, without the key to its page, and optional: a survey page type of
    your own that wants it adds a model with ``page = ParentalKey("MySurveyPage",
    on_delete=models.CASCADE, related_name="group_populations")``.
    """

    group = models.CharField(_("respondent group"), max_length=100)
    population = models.PositiveIntegerField(
        _("population"),
        validators=[MinValueValidator(1)],
        help_text=_("how many people of this group the survey speaks for"),
    )

    panels = [FieldRowPanel([FieldPanel("group"), FieldPanel("population")])]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("group population")
        verbose_name_plural = _("group populations")

    def __str__(self):
        return f"{self.group}: {self.population}"


class SurveyGroupPopulation(AbstractSurveyGroupPopulation):
    """The group populations of the default :class:`SurveyPage`."""

    page = ParentalKey(
        "SurveyPage", on_delete=models.CASCADE, related_name="group_populations"
    )

    class Meta(AbstractSurveyGroupPopulation.Meta):
        verbose_name = _("group population")
        verbose_name_plural = _("group populations")


class AbstractSurveyQuota(Orderable):
    """A quota (at most so many responses) and/or the paper questionnaires
    handed out, for one respondent group or one evaluated unit of a survey.

    The limit is enforced by :func:`.services.response_submit` (and the
    import) with a conditional UPDATE on a :class:`SurveyQuotaCount` row, the
    way the survey's overall maximum is; the number of paper questionnaires
    issued gives the response rate of the results screen.

    Abstract, without the key to its page, and optional: a survey page type of
    your own that wants it adds a model with ``page = ParentalKey("MySurveyPage",
    on_delete=models.CASCADE, related_name="quotas")``.
    """

    group = models.CharField(
        _("respondent group"),
        max_length=100,
        blank=True,
        help_text=_("a group of the survey's group question, or leave empty"),
    )
    unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("or a unit the survey asks about (a matrix row)"),
    )
    limit = models.PositiveIntegerField(
        _("quota (at most)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("at most this many responses; leave empty for no limit"),
    )
    paper_issued = models.PositiveIntegerField(
        _("paper questionnaires issued"),
        null=True,
        blank=True,
        help_text=_("handed out to this group or unit, for the response rate"),
    )

    panels = [
        FieldRowPanel([FieldPanel("group"), FieldPanel("unit")]),
        FieldRowPanel([FieldPanel("limit"), FieldPanel("paper_issued")]),
    ]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self):
        name = self.group or (self.unit.name if self.unit_id else "")  # pyright: ignore[reportOptionalMemberAccess]
        return f"{name}: {self.limit or '–'}"


class SurveyQuota(AbstractSurveyQuota):
    """The quotas per group or unit of the default :class:`SurveyPage`."""

    page = ParentalKey("SurveyPage", on_delete=models.CASCADE, related_name="quotas")

    class Meta(AbstractSurveyQuota.Meta):
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")


class SurveyQuotaCount(models.Model):
    """How many stored responses count towards one group's or one unit's
    quota: the counter a conditional UPDATE raises with each response (so
    two concurrent responses cannot both take the last place).

    Kept apart from the quota rows the editor edits (those are rewritten
    from the revision on each publish); one row per (survey, group) or
    (survey, unit), created when a quota first applies and counted again from
    the responses when a quota is published or responses are rolled back.
    """

    wagtail_reference_index_ignore = True

    survey = models.ForeignKey(
        get_page_model_string(), on_delete=models.CASCADE, related_name="+"
    )
    group = models.CharField(_("respondent group"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("responses"), default=0)

    class Meta:
        verbose_name = _("quota counter")
        verbose_name_plural = _("quota counters")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "group"],
                condition=models.Q(unit__isnull=True),
                name="wp_surveys_quota_count_group",
            ),
            models.UniqueConstraint(
                fields=["survey", "unit"],
                condition=models.Q(unit__isnull=False),
                name="wp_surveys_quota_count_unit",
            ),
        ]

    def __str__(self):
        return f"{self.group or self.unit_id}: {self.count}"


class SurveyPage(SurveyPageMixin, Page):  # noqa: DJ008 - Page.__str__
    """The default concrete survey page."""

    template = "wagtail_pilots/surveys/survey_page.html"
    landing_page_template = "wagtail_pilots/surveys/survey_page_landing.html"
    page_description = _(
        "A satisfaction survey (满意度调查/民主测评) answered online, on paper or "
        "by import; its results are rates per question, group and unit."
    )
    # A survey is a leaf: its results, paper entry and codes are admin screens.
    subpage_types = []

    content_panels = Page.content_panels + [
        ScreenLinksPanel(
            "wagtail_pilots.surveys.views.admin.survey_admin_buttons",
            heading=_("Survey screens"),
        ),
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("questions")),
        InlinePanel(
            "group_populations",
            label=_("group population"),
            heading=_("population per respondent group (optional)"),
            help_text=_(
                "give every respondent group its population to also show the "
                "satisfaction rate weighted by group population"
            ),
        ),
        InlinePanel(
            "quotas",
            label=_("quota"),
            heading=_("quotas and paper questionnaires per group or unit (optional)"),
            help_text=_(
                "at most so many responses from a respondent group or about a "
                "unit (e.g. 50 per village), and the paper questionnaires handed "
                "out to it for the response rate"
            ),
        ),
        FieldPanel("thank_you_text"),
    ]
    settings_panels = [
        MultiFieldPanel(
            SurveyPageMixin.survey_settings_panels, heading=_("survey settings")
        ),
        *Page.settings_panels,
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("survey page")
        verbose_name_plural = _("survey pages")


# Responses ----------------------------------------------------------------


class Channel(models.TextChoices):
    WEB = "web", _("web")
    PAPER = "paper", _("paper entry")
    IMPORT = "import", _("import")


class SurveyResponse(models.Model):
    """One accepted questionnaire. ``data`` keeps the answers as shown (labels)
    for the raw export; counting uses :class:`SurveyAnswer`."""

    # Records, not content: kept out of Wagtail's reference index, where the
    # survey page's "Usage" would list every response and every save would cost
    # five more queries (see also the other record models of this package).
    wagtail_reference_index_ignore = True

    survey = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    group = models.CharField(_("respondent group"), max_length=100, blank=True)
    serial = models.CharField(
        _("questionnaire serial number"),
        max_length=50,
        blank=True,
        help_text=_("the number printed or written on a paper questionnaire"),
    )
    submitted_on = models.DateField(_("submitted on"), db_index=True)
    submitted_at = models.DateTimeField(
        _("submitted at"),
        null=True,
        blank=True,
        help_text=_("empty for anonymous surveys, which keep the date only"),
    )
    data = models.JSONField(_("answers"), default=dict)
    idempotency_token = models.CharField(
        _("idempotency token"), max_length=64, null=True, blank=True
    )
    client_digest = models.CharField(_("client digest"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    import_batch = models.ForeignKey(
        "wagtail_pilots_importexport.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "idempotency_token"],
                name="wp_surveys_response_token_unique",
            ),
            models.UniqueConstraint(
                fields=["survey", "serial"],
                condition=~models.Q(serial=""),
                name="wp_surveys_response_serial_unique",
            ),
        ]
        indexes = [models.Index(fields=["survey", "channel"])]

    def __str__(self):
        return f"#{self.pk}"

    # Wagtail's submissions views and exports call get_data()/submit_time.
    @property
    def submit_time(self):
        return self.submitted_at or self.submitted_on

    @property
    def form_data(self):
        return self.data

    def get_data(self):
        return {**self.data, "submit_time": self.submit_time}


class SurveyAnswer(models.Model):
    """One counted answer: a scale/choice question, or one row of a matrix.

    ``survey``, ``channel`` and ``group`` are copied from the response so the
    results are grouped without a join on responses.
    """

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers"
    )
    survey = models.ForeignKey(
        get_page_model_string(), on_delete=models.CASCADE, related_name="+"
    )
    question_key = models.CharField(_("question"), max_length=255)
    row_key = models.CharField(_("matrix row"), max_length=64, blank=True)
    row_label = models.CharField(_("matrix row label"), max_length=255, blank=True)
    unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    option = models.ForeignKey(
        ScaleOption,
        verbose_name=_("option"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.CharField(
        pgettext_lazy("survey answer", "value"), max_length=255, blank=True
    )
    group = models.CharField(_("respondent group"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [
            # Covers the results query: an index-only scan already in GROUP BY
            # order, so counting needs neither table look-ups nor a sort.
            models.Index(
                fields=[
                    "survey",
                    "question_key",
                    "row_key",
                    "group",
                    "channel",
                    "option",
                    "value",
                ],
                name="wp_surveys_answer_results",
            ),
            models.Index(fields=["survey", "unit"]),
        ]

    def __str__(self):
        return f"{self.question_key} {self.row_key} {self.option_id or self.value}"


class PaperEntryDraft(models.Model):
    """The first entry of a paper questionnaire under double entry, waiting for
    a second clerk to type the same questionnaire in again. Not a response: it
    is counted nowhere, and is deleted when the second entry is stored."""

    wagtail_reference_index_ignore = True

    survey = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    serial = models.CharField(_("questionnaire serial number"), max_length=50)
    data = models.JSONField(_("answers"), default=dict)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("first paper entry")
        verbose_name_plural = _("first paper entries")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "serial"], name="wp_surveys_paper_draft_unique"
            )
        ]

    def __str__(self):
        return self.serial


class SurveyDraft(models.Model):
    """A questionnaire saved with "Save and continue later", waiting for its
    respondent to come back. Not a response: counted nowhere (results,
    quotas, the overall maximum), deleted when the questionnaire is sent or
    after it expires.

    It holds no identity: no user, no address or digest of one, no time finer
    than the day it expires. It is found by keyed digests only, never by the
    secrets themselves: ``token_digest`` of the resume link's token and
    ``code_digest`` of the short resume code, or, in a survey that requires a
    参与码, of that code (with a key of its own, so it equals no column of the
    codes table).
    """

    wagtail_reference_index_ignore = True

    survey = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    token_digest = models.CharField(
        _("resume link digest"), max_length=64, null=True, blank=True, unique=True
    )
    code_digest = models.CharField(_("resume code digest"), max_length=64)
    data = models.JSONField(_("answers"), default=dict)
    page_index = models.PositiveSmallIntegerField(
        pgettext_lazy("saved questionnaire", "page"), default=0
    )
    expires_on = models.DateField(_("kept until"), db_index=True)

    class Meta:
        verbose_name = _("saved questionnaire")
        verbose_name_plural = _("saved questionnaires")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "code_digest"], name="wp_surveys_draft_code_unique"
            )
        ]

    def __str__(self):
        return f"#{self.pk}"


class SurveyNotAsked(models.Model):
    """A question a response was not asked: hidden by its conditions.

    Kept apart from :class:`SurveyAnswer` so that "not asked" never reads as
    "no answer": a conditional question's base (the respondents who were shown
    it) is the responses less these rows, counted by the database.
    """

    wagtail_reference_index_ignore = True

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="not_asked"
    )
    survey = models.ForeignKey(
        get_page_model_string(), on_delete=models.CASCADE, related_name="+"
    )
    question_key = models.CharField(_("question"), max_length=255)
    group = models.CharField(_("respondent group"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("question not asked")
        verbose_name_plural = _("questions not asked")
        indexes = [
            models.Index(
                fields=["survey", "question_key", "group", "channel"],
                name="wp_surveys_notasked_results",
            )
        ]

    def __str__(self):
        return f"{self.question_key} ({self.response_id})"


class AbstractSurveyTally(models.Model):
    """A count of a survey's stored responses, answers or respondents, under
    one key (see :mod:`.tallies` for the kinds and what each key means).

    Records, not content: written by the services alongside the answers they
    count and recounted from the answer rows by ``manage.py pilots_tallies``.
    """

    wagtail_reference_index_ignore = True

    survey = models.ForeignKey(
        get_page_model_string(), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10)
    question_key = models.CharField(_("question"), max_length=255, blank=True)
    row_key = models.CharField(_("matrix row"), max_length=64, blank=True)
    group = models.CharField(_("respondent group"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    #: A scale option's key (0: none). Not a foreign key: a count outlives
    #: nothing it names, and never stops an option from being deleted.
    option = models.BigIntegerField(_("option"), default=0)
    #: A unit's key (0: none).
    unit = models.BigIntegerField(_("unit"), default=0)
    value = models.CharField(
        pgettext_lazy("survey answer", "value"), max_length=255, blank=True
    )
    n = models.BigIntegerField(pgettext_lazy("tally", "count"), default=0)

    KEY_FIELDS = (
        "kind",
        "question_key",
        "row_key",
        "group",
        "channel",
        "option",
        "unit",
        "value",
    )

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.kind} {self.question_key} {self.value}: {self.n}"


class SurveyTally(AbstractSurveyTally):
    """A survey's counts, one row per key: what the results read."""

    class Meta:
        verbose_name = _("survey tally")
        verbose_name_plural = _("survey tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", *AbstractSurveyTally.KEY_FIELDS],
                name="wp_surveys_tally_key",
            )
        ]


class SurveyTallyDelta(AbstractSurveyTally):
    """A change to a survey's counts, appended by a write (a submission, an
    import, a rollback, a deletion) and folded into :class:`SurveyTally` by
    the next reader: concurrent writers only ever insert rows, so none waits
    for another on a shared counter."""

    class Meta:
        verbose_name = _("survey tally change")
        verbose_name_plural = _("survey tally changes")
        indexes = [models.Index(fields=["survey", "id"], name="wp_surveys_tallydelta")]


class AccessCode(BaseAccessCode):
    """A survey's one-time code handed out on paper, for a respondent group
    and/or a unit, printed in batches (see :mod:`wagtail_pilots.access_codes`).

    In an anonymous survey nothing links a code to a response: ``response``
    and ``used_at`` stay empty and the day of use alone is kept."""

    page_field = "survey"

    survey = models.ForeignKey(
        get_page_model_string(),
        on_delete=models.CASCADE,
        related_name="survey_access_codes",
    )
    group = models.CharField(_("respondent group"), max_length=100, blank=True)
    batch = models.CharField(_("batch"), max_length=100, blank=True)
    response = models.OneToOneField(
        SurveyResponse,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_code",
        help_text=_("empty for anonymous surveys: nothing links a code to answers"),
    )

    class Meta:
        verbose_name = _("access code")
        verbose_name_plural = _("access codes")
        ordering = ["pk"]


def check_survey_pages(app_configs=None, **kwargs):
    """System check: every survey page type has its questions (``form_fields``)
    built on :class:`AbstractSurveyField`, so that a page type of a site's own
    that forgot them fails at start-up with the model to add, not on first use."""
    from ..pages import check_inlines

    return check_inlines(
        SurveyPageMixin,
        {"form_fields": AbstractSurveyField},
        check_id="wagtail_pilots.E104",
    )
