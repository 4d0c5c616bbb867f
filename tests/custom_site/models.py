"""The suite's page mixins on a department's own base page.

``DepartmentPage`` is the site's base page, with a field of its own; the survey,
pilot and scorecard pages add the suite's mixins to it, with inline models of
their own built on the suite's abstract bases, the way docs/surveys.md,
docs/pilots.md and docs/scorecards.md show. ``DepartmentPilotPage`` is the other
way: a subclass of the suite's concrete pilot page (docs/pilots.md).
"""

from django.db import models
from django.db.models import Q
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList, TabbedInterface
from wagtail.models import Page

from wagtail_pilots.pilots.models import (
    AbstractIndicatorReading,
    AbstractPilotEvaluationLink,
    AbstractPilotGroupMember,
    AbstractPilotIndicator,
    AbstractPilotPhase,
    AbstractPilotSite,
    PilotIndexPageMixin,
    PilotProgramPage,
    PilotProgramPageMixin,
    PilotReportPageMixin,
)
from wagtail_pilots.scorecards.forms import ScorecardPageForm
from wagtail_pilots.scorecards.models import (
    AbstractAccessCode,
    AbstractBallot,
    AbstractEvaluatorGroup,
    AbstractScorecardCriterion,
    AbstractScorecardGate,
    AbstractScorecardSnapshot,
    AbstractScorecardSubject,
    ScorecardPageMixin,
)
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
    settings_panels = (
        SurveyPageMixin.survey_settings_panels + DepartmentPage.settings_panels
    )


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


# Pilots on the department's own base page ---------------------------------------


class DepartmentPilotIndexPage(PilotIndexPageMixin, DepartmentPage):
    template = "custom_site/department_pilot_index_page.html"
    content_panels = DepartmentPage.content_panels + PilotIndexPageMixin.content_panels
    subpage_types = ["custom_site.DepartmentPilotProgramPage"]

    @classmethod
    def get_pilot_model(cls):
        return DepartmentPilotProgramPage


class DepartmentPilotProgramPage(PilotProgramPageMixin, DepartmentPage):
    template = "custom_site/department_pilot_program_page.html"
    content_panels = (
        DepartmentPage.content_panels
        + PilotProgramPageMixin.content_panels
        + PilotProgramPageMixin.plan_panels
        + PilotProgramPageMixin.review_panels
    )
    parent_page_types = ["custom_site.DepartmentPilotIndexPage"]
    subpage_types = ["custom_site.DepartmentPilotReportPage"]

    @classmethod
    def get_report_model(cls):
        return DepartmentPilotReportPage


class DepartmentPilotReportPage(PilotReportPageMixin, DepartmentPage):
    template = "wagtail_pilots/pilots/pilot_report_page.html"
    content_panels = DepartmentPage.content_panels + PilotReportPageMixin.content_panels
    parent_page_types = ["custom_site.DepartmentPilotProgramPage"]
    subpage_types = []


class DepartmentPilotMember(AbstractPilotGroupMember):
    pilot = ParentalKey(
        DepartmentPilotProgramPage, on_delete=models.CASCADE, related_name="members"
    )


class DepartmentPilotSite(AbstractPilotSite):
    pilot = ParentalKey(
        DepartmentPilotProgramPage, on_delete=models.CASCADE, related_name="sites"
    )


class DepartmentPilotPhase(AbstractPilotPhase):
    pilot = ParentalKey(
        DepartmentPilotProgramPage, on_delete=models.CASCADE, related_name="phases"
    )


class DepartmentPilotIndicator(AbstractPilotIndicator):
    pilot = ParentalKey(
        DepartmentPilotProgramPage,
        on_delete=models.CASCADE,
        related_name="indicators",
    )


class DepartmentIndicatorReading(AbstractIndicatorReading):
    indicator = models.ForeignKey(
        DepartmentPilotIndicator, on_delete=models.CASCADE, related_name="readings"
    )
    report = ParentalKey(
        DepartmentPilotReportPage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="readings",
    )


class DepartmentPilotEvaluationLink(AbstractPilotEvaluationLink):
    pilot = ParentalKey(
        DepartmentPilotProgramPage,
        on_delete=models.CASCADE,
        related_name="evaluation_links",
    )


# A scorecard on the department's own base page ---------------------------------


class DepartmentScorecardPage(ScorecardPageMixin, DepartmentPage):
    template = "custom_site/department_scorecard_page.html"
    content_panels = DepartmentPage.content_panels + [
        FieldPanel("intro"),
        InlinePanel("subjects", label="subject"),
        InlinePanel("criteria", label="criterion"),
        InlinePanel("groups", label="evaluator group"),
        InlinePanel("gates", label="gate"),
        *ScorecardPageMixin.settings_panels_scorecard,
    ]
    base_form_class = ScorecardPageForm


class DepartmentSubject(AbstractScorecardSubject):
    page = ParentalKey(
        DepartmentScorecardPage, on_delete=models.CASCADE, related_name="subjects"
    )


class DepartmentCriterion(AbstractScorecardCriterion):
    page = ParentalKey(
        DepartmentScorecardPage, on_delete=models.CASCADE, related_name="criteria"
    )


class DepartmentEvaluatorGroup(AbstractEvaluatorGroup):
    page = ParentalKey(
        DepartmentScorecardPage, on_delete=models.CASCADE, related_name="groups"
    )


class DepartmentGate(AbstractScorecardGate):
    page = ParentalKey(
        DepartmentScorecardPage, on_delete=models.CASCADE, related_name="gates"
    )


class DepartmentBallot(AbstractBallot):
    scorecard = models.ForeignKey(
        DepartmentScorecardPage, on_delete=models.CASCADE, related_name="ballots"
    )
    group = models.ForeignKey(
        DepartmentEvaluatorGroup, on_delete=models.CASCADE, related_name="ballots"
    )
    subject = models.ForeignKey(
        DepartmentSubject, on_delete=models.CASCADE, related_name="ballots"
    )
    criterion = models.ForeignKey(
        DepartmentCriterion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ballots",
    )

    class Meta(AbstractBallot.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "evaluator", "subject", "criterion"],
                condition=Q(criterion__isnull=False),
                name="custom_site_one_score_per_evaluator",
            ),
            models.UniqueConstraint(
                fields=["scorecard", "evaluator", "subject"],
                condition=Q(criterion__isnull=True),
                name="custom_site_one_vote_per_evaluator",
            ),
        ]


class DepartmentScorecardCode(AbstractAccessCode):
    scorecard = models.ForeignKey(
        DepartmentScorecardPage, on_delete=models.CASCADE, related_name="access_codes"
    )
    group = models.ForeignKey(
        DepartmentEvaluatorGroup,
        on_delete=models.CASCADE,
        related_name="access_codes",
    )
    subject = models.ForeignKey(
        DepartmentSubject,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_codes",
    )


class DepartmentSnapshot(AbstractScorecardSnapshot):
    scorecard = models.ForeignKey(
        DepartmentScorecardPage, on_delete=models.CASCADE, related_name="snapshots"
    )

    class Meta(AbstractScorecardSnapshot.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "version"], name="custom_site_snapshot_version"
            )
        ]
