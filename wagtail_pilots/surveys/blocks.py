"""StreamField blocks: a survey's form, or its results, inside any page."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ..pages import MixinPageChooserBlock
from .models import Access


class SurveyFormBlock(blocks.StructBlock):
    """The form of a survey page; answers are posted to the survey page itself."""

    survey = MixinPageChooserBlock(
        mixin="wagtail_pilots.surveys.models.SurveyPageMixin", label=_("survey")
    )
    heading = blocks.CharBlock(label=_("heading"), required=False)

    class Meta:
        icon = "form"
        label = _("survey form")
        template = "wagtail_pilots/surveys/blocks/survey_form_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        survey = value.get("survey")
        # In the visitor's language when the survey is translated into it.
        survey = survey.specific.localized if survey is not None else None
        context["survey"] = survey
        # Rendered without the page's request ({{ page.body }} rather than
        # {% include_block %}) there is no CSRF token: the template links to
        # the survey instead of showing a form that would be refused.
        has_csrf = bool(parent_context and parent_context.get("csrf_token"))
        if survey is not None and survey.live:
            state = survey.get_state()
            context["survey_state"] = state
            access = survey.get_survey_source().access
            if has_csrf and state == "open" and access != Access.ONCE_PER_BROWSER:
                context["form"] = survey.get_form(
                    page=survey, require_code=access == Access.CODE
                )
        return context


class SurveyResultsBlock(blocks.StructBlock):
    """A survey's results, shown only when its settings publish them."""

    survey = MixinPageChooserBlock(
        mixin="wagtail_pilots.surveys.models.SurveyPageMixin", label=_("survey")
    )
    heading = blocks.CharBlock(label=_("heading"), required=False)

    class Meta:
        icon = "table"
        label = _("survey results")
        template = "wagtail_pilots/surveys/blocks/survey_results_block.html"

    def get_context(self, value, parent_context=None):
        from .questions import survey_questions
        from .selectors import public_results
        from .translations import translated_questions

        context = super().get_context(value, parent_context=parent_context)
        survey = value.get("survey")
        survey = survey.specific.localized if survey is not None else None
        context["survey"] = survey
        results = None
        if survey is not None and survey.live and survey.results_are_public():
            # The source's figures, in the words of the visitor's language.
            source = survey.get_survey_source()
            questions = translated_questions(survey_questions(source), survey)
            results = public_results(survey=source, questions=questions)
        context["results"] = results
        return context


class OpenSurveysBlock(blocks.StructBlock):
    """The surveys a visitor can answer now: title, closing date, minutes to
    answer and whether an access code is needed. Only live, public pages."""

    heading = blocks.CharBlock(label=_("heading"), required=False)
    parent = blocks.PageChooserBlock(
        label=_("only surveys under"),
        required=False,
        help_text=_("leave empty to list the open surveys of the whole site"),
    )
    limit = blocks.IntegerBlock(
        label=_("how many"), default=10, min_value=1, max_value=50
    )

    class Meta:
        icon = "form"
        label = _("open surveys")
        template = "wagtail_pilots/surveys/blocks/open_surveys.html"

    def get_context(self, value, parent_context=None):
        from .selectors import surveys_open

        context = super().get_context(value, parent_context=parent_context)
        context["open_surveys"] = surveys_open(
            parent=value.get("parent"), limit=value.get("limit") or 10
        )
        return context


SUITE_BLOCKS = [
    ("open_surveys", OpenSurveysBlock()),
    ("survey_form", SurveyFormBlock()),
    ("survey_results", SurveyResultsBlock()),
]
