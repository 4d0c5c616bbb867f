"""The suite's page mixins on a department's own base page.

``DepartmentPage`` is the site's base page, with a field of its own; the survey
page adds the suite's mixin to it, the way docs/surveys.md shows.
"""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList, TabbedInterface
from wagtail.models import Page

from wagtail_pilots.pilots.models import PilotProgramPage
from wagtail_pilots.surveys.models import AbstractSurveyField, SurveyPageMixin


class DepartmentPage(Page):
    """The site's own base page: every page shows the office in charge."""

    office = models.CharField(max_length=100, blank=True)

    content_panels = Page.content_panels + [FieldPanel("office")]


class DepartmentSurveyPage(SurveyPageMixin, DepartmentPage):
    template = "custom_site/department_survey_page.html"
    landing_page_template = "wagtail_pilots/surveys/survey_page_landing.html"

    content_panels = DepartmentPage.content_panels + [
        FieldPanel("intro"),
        InlinePanel("form_fields", label="questions"),
        FieldPanel("thank_you_text"),
    ]
    settings_panels = SurveyPageMixin.survey_settings_panels + Page.settings_panels


class DepartmentQuestion(AbstractSurveyField):
    page = ParentalKey(
        DepartmentSurveyPage, on_delete=models.CASCADE, related_name="form_fields"
    )


class DepartmentPilotPage(PilotProgramPage):
    """A pilot with a field of its own: a subclass of the concrete pilot page
    (docs/pilots.md)."""

    template = "custom_site/department_pilot_page.html"
    file_number = models.CharField(max_length=50, blank=True)

    content_panels = PilotProgramPage.content_panels + [FieldPanel("file_number")]
    # The pilot page has tabs: replace the content tab, keep the others.
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="content"),
            *PilotProgramPage.edit_handler.children[1:],
        ]
    )
