"""Pilot program pages: index, pilot, report, and the inlines of a pilot.

Each page type is an abstract mixin plus a concrete page (DESIGN.md), so a site
can put the behaviour on its own base page::

    class MyPilotPage(PilotProgramPageMixin, MyBasePage):
        ...

The arithmetic is in :mod:`.progress`; reads that aggregate are in
:mod:`.selectors`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

# Not extracted into the suite's catalogue: Wagtail's own messages, translated
# by Wagtail.
from django.utils.translation import gettext_lazy as gettext_lazy_wagtail
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from ..compat import get_page_model_string
from ..pages import BaseTemplateMixin, inline_model
from . import progress as rules
from .forms import PilotProgramPageForm, PilotReportPageForm
from .progress_sql import PilotPhaseQuerySet

STATUS_PLANNING = "planning"
STATUS_RUNNING = "running"
STATUS_EVALUATING = "evaluating"
STATUS_COMPLETED = "completed"
STATUS_ROLLED_OUT = "rolled_out"
STATUS_STOPPED = "stopped"
STATUS_CHOICES = (
    (STATUS_PLANNING, _("planning")),
    (STATUS_RUNNING, _("running")),
    (STATUS_EVALUATING, _("evaluating")),
    (STATUS_COMPLETED, _("completed")),
    (STATUS_ROLLED_OUT, _("rolled out")),
    (STATUS_STOPPED, _("stopped")),
)
# Statuses in which a pilot is no longer measured against its dates.
CLOSED_STATUSES = (STATUS_COMPLETED, STATUS_ROLLED_OUT, STATUS_STOPPED)

HEALTH_CHOICES = (
    (rules.HEALTH_ON_TRACK, _("on track")),
    (rules.HEALTH_AT_RISK, _("at risk")),
    (rules.HEALTH_OVERDUE, _("overdue")),
    (rules.HEALTH_CLOSED, _("closed")),
)

SITE_ROLE_CHOICES = (
    ("pilot", _("pilot site")),
    ("demonstration", _("demonstration site")),
    ("responsible", _("responsible unit")),
    ("coordinating", _("coordinating department")),
)

DIRECTION_CHOICES = (
    (rules.DIRECTION_HIGHER, _("higher is better")),
    (rules.DIRECTION_LOWER, _("lower is better")),
)

DECISION_CHOICES = (
    ("roll_out", _("roll out")),
    ("extend", _("extend")),
    ("adjust", _("adjust")),
    ("stop", _("stop")),
)

CADENCE_CHOICES = (
    (rules.CADENCE_MONTHLY, _("monthly")),
    (rules.CADENCE_QUARTERLY, _("quarterly")),
    (rules.CADENCE_NONE, _("no regular reports")),
)

REPORT_KIND_MONTHLY = "monthly"
REPORT_KIND_CHOICES = (
    (REPORT_KIND_MONTHLY, _("monthly report")),
    ("briefing", _("briefing")),
    ("midterm", _("mid-term report")),
    ("final", _("final summary")),
)
# Which report kind covers each reporting cadence.
CADENCE_REPORT_KINDS = {
    rules.CADENCE_MONTHLY: (REPORT_KIND_MONTHLY,),
    rules.CADENCE_QUARTERLY: (REPORT_KIND_MONTHLY, "midterm"),
}


class PilotIndexPageMixin(BaseTemplateMixin, models.Model):
    """Lists its pilots with filters, search, pagination and counts per status."""

    intro = RichTextField(_("introduction"), blank=True)
    per_page = models.PositiveSmallIntegerField(
        _("pilots per page"), default=20, validators=[MinValueValidator(1)]
    )

    content_panels = [FieldPanel("intro"), FieldPanel("per_page")]

    class Meta:
        abstract = True

    @classmethod
    def get_pilot_model(cls):
        """The pilot page type listed here (and its subclasses).

        :class:`PilotProgramPage` by default; an index of a site's own pilot
        page type returns that type.
        """
        return PilotProgramPage

    @classmethod
    def clean_subpage_models(cls):
        # Of the page types allowed by ``subpage_types`` (all by default): the
        # pilot page type listed here and a site's subclasses of it.
        return [
            model
            for model in super().clean_subpage_models()
            if issubclass(model, cls.get_pilot_model())
        ]

    def get_pilots(self):
        """The pilots listed here; override to list more or fewer."""
        return self.get_pilot_model().objects.child_of(self).live()

    def get_context(self, request, *args, **kwargs):
        from .selectors import pilot_index_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(
            pilot_index_listing(
                pilots=self.get_pilots(),
                params=request.GET,
                per_page=self.per_page,
                today=timezone.localdate(),
            )
        )
        return context


class PilotIndexPage(PilotIndexPageMixin, Page):  # noqa: DJ008 - Page has __str__
    # Wagtail derives a template name for each concrete page: name ours here.
    template = "wagtail_pilots/pilots/pilot_index_page.html"
    page_description = _(
        "A list of pilot programs with their progress and health; the pilot "
        "pages go under it."
    )
    content_panels = Page.content_panels + PilotIndexPageMixin.content_panels
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("pilot index page")
        verbose_name_plural = _("pilot index pages")


# --- Pilot -------------------------------------------------------------------


class PilotProgramPageMixin(BaseTemplateMixin, models.Model):
    """A pilot program (试点): goals, dates, sites, phases, indicators, review."""

    code = models.CharField(
        pgettext_lazy("pilot program", "code"),
        max_length=50,
        blank=True,
        help_text=_("e.g. the plan's file number"),
    )
    summary = models.TextField(_("summary"), blank=True)
    background = RichTextField(_("background and goals"), blank=True)
    lead_unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=STATUS_CHOICES, default=STATUS_PLANNING
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    report_cadence = models.CharField(
        _("report cadence"),
        max_length=20,
        choices=CADENCE_CHOICES,
        default=rules.CADENCE_MONTHLY,
        help_text=_("how often a progress report is expected"),
    )
    # Review (复盘四步法) and decision.
    review_goals = RichTextField(
        _("1. review the goals"),
        blank=True,
        help_text=_("the goals and expectations set at the start"),
    )
    review_results = RichTextField(
        _("2. evaluate the results"),
        blank=True,
        help_text=_("actual against expected: highlights and shortfalls"),
    )
    review_causes = RichTextField(
        _("3. analyse the causes"),
        blank=True,
        help_text=_("why things succeeded or failed"),
    )
    review_lessons = RichTextField(
        _("4. sum up the lessons"),
        blank=True,
        help_text=_("what to keep, what to improve and how to apply it"),
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=DECISION_CHOICES, blank=True
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    rollout_scope = models.TextField(
        _("roll-out scope"),
        blank=True,
        help_text=_("where and to whom the scheme is extended"),
    )

    content_panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("status")]),
        FieldPanel("summary"),
        FieldPanel("background"),
        FieldPanel("lead_unit"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldPanel("report_cadence"),
        InlinePanel("members", heading=_("leading group"), label=_("member")),
        InlinePanel(
            "sites",
            heading=pgettext_lazy("pilot", "sites"),
            label=pgettext_lazy("pilot", "site"),
        ),
    ]
    plan_panels = [
        InlinePanel("phases", heading=_("phases"), label=_("phase")),
        InlinePanel("indicators", heading=_("indicators"), label=_("indicator")),
    ]
    review_panels = [
        MultiFieldPanel(
            [
                FieldPanel("review_goals"),
                FieldPanel("review_results"),
                FieldPanel("review_causes"),
                FieldPanel("review_lessons"),
            ],
            heading=_("four-step review"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("decision"), FieldPanel("decision_date")]),
                FieldPanel("rollout_scope"),
            ],
            heading=_("decision"),
        ),
        InlinePanel(
            "evaluation_links",
            heading=_("evaluations"),
            label=_("evaluation"),
            help_text=_("surveys, scorecards or other pages that evaluate this pilot"),
        ),
    ]

    class Meta:
        abstract = True

    @property
    def is_closed(self):
        return self.status in CLOSED_STATUSES

    # Building blocks: the models of this page type's inlines ---------------------
    # Found by related name, so a pilot page type of a site's own brings its own
    # models (extending the ``Abstract*`` bases above); selectors, imports,
    # exports and views go through these hooks, never the default models.

    @classmethod
    def get_member_model(cls):
        """The model of the leading group (``members``)."""
        return inline_model(cls, "members")

    @classmethod
    def get_site_model(cls):
        """The model of the sites (``sites``)."""
        return inline_model(cls, "sites")

    @classmethod
    def get_phase_model(cls):
        """The model of the phases (``phases``)."""
        return inline_model(cls, "phases")

    @classmethod
    def get_indicator_model(cls):
        """The model of the indicators (``indicators``)."""
        return inline_model(cls, "indicators")

    @classmethod
    def get_reading_model(cls):
        """The model of the indicators' readings (``readings`` of an indicator)."""
        return inline_model(cls.get_indicator_model(), "readings")

    @classmethod
    def get_evaluation_link_model(cls):
        """The model of the evaluation links (``evaluation_links``)."""
        return inline_model(cls, "evaluation_links")

    @classmethod
    def get_report_model(cls):
        """The report page type created under this pilot page type.

        :class:`PilotReportPage` by default; a pilot page type whose indicators
        are a model of its own returns a report type whose readings point at
        them.
        """
        return PilotReportPage

    def phase_facts(self):
        return [p.as_rule_phase() for p in self.phases.all()]

    @cached_property
    def progress_summary(self):
        """Progress, health, deadlines of this pilot (see :mod:`.selectors`)."""
        from .selectors import pilot_summary

        return pilot_summary(pilot=self, today=timezone.localdate())

    def get_context(self, request, *args, **kwargs):
        from .selectors import pilot_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(pilot_page_context(pilot=self, today=timezone.localdate()))
        return context


class PilotProgramPage(PilotProgramPageMixin, Page):  # noqa: DJ008
    template = "wagtail_pilots/pilots/pilot_program_page.html"
    page_description = _(
        "One pilot program (试点): goals, dated phases, units, indicators, "
        "review and roll-out decision; its monthly reports go under it."
    )
    content_panels = Page.content_panels + PilotProgramPageMixin.content_panels
    edit_handler = TabbedInterface(
        [
            # Wagtail's own tab names (and their translations): the promote
            # tab reads as on every other page.
            ObjectList(content_panels, heading=gettext_lazy_wagtail("Content")),
            ObjectList(PilotProgramPageMixin.plan_panels, heading=_("plan")),
            ObjectList(PilotProgramPageMixin.review_panels, heading=_("review")),
            ObjectList(Page.promote_panels, heading=gettext_lazy_wagtail("Promote")),
            ObjectList(Page.settings_panels, heading=gettext_lazy_wagtail("Settings")),
        ]
    )
    base_form_class = PilotProgramPageForm
    search_fields = Page.search_fields + [
        index.SearchField("code"),
        index.SearchField("summary"),
        index.SearchField("background"),
        index.FilterField("status"),
        index.FilterField("lead_unit"),
    ]
    parent_page_types = ["wagtail_pilots_pilots.PilotIndexPage"]
    subpage_types = ["wagtail_pilots_pilots.PilotReportPage"]

    class Meta:
        verbose_name = _("pilot program")
        verbose_name_plural = _("pilot programs")
        indexes = [models.Index(fields=["status"])]


class AbstractPilotGroupMember(Orderable):
    """A member of the pilot's leading group (领导小组).

    Abstract, without the key to its pilot (like Wagtail's ``AbstractFormField``):
    a pilot page type of your own adds
    ``pilot = ParentalKey("MyPilotPage", on_delete=models.CASCADE,
    related_name="members")``.
    """

    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(
        _("role"), max_length=100, blank=True, help_text=_("e.g. group leader, member")
    )

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("role")])]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("leading group member")
        verbose_name_plural = _("leading group members")

    def __str__(self):
        return self.name


class PilotGroupMember(AbstractPilotGroupMember):
    """The leading group of the default :class:`PilotProgramPage`."""

    pilot = ParentalKey(
        "wagtail_pilots_pilots.PilotProgramPage",
        on_delete=models.CASCADE,
        related_name="members",
    )

    class Meta(AbstractPilotGroupMember.Meta):
        verbose_name = _("leading group member")
        verbose_name_plural = _("leading group members")


class AbstractPilotSite(Orderable):
    """A unit taking part in a pilot (pilot site, demonstration site, …).

    Abstract, without the key to its pilot (``related_name="sites"``).
    """

    unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=SITE_ROLE_CHOICES, default="pilot"
    )

    panels = [FieldRowPanel([FieldPanel("unit"), FieldPanel("role")])]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = pgettext_lazy("pilot", "site")
        verbose_name_plural = pgettext_lazy("pilot", "sites")

    def __str__(self):
        return f"{self.unit} ({self.get_role_display()})"


class PilotSite(AbstractPilotSite):
    """The sites of the default :class:`PilotProgramPage`."""

    pilot = ParentalKey(
        "wagtail_pilots_pilots.PilotProgramPage",
        on_delete=models.CASCADE,
        related_name="sites",
    )

    class Meta(AbstractPilotSite.Meta):
        verbose_name = pgettext_lazy("pilot", "site")
        verbose_name_plural = pgettext_lazy("pilot", "sites")


class AbstractPilotPhase(Orderable):
    """A dated step of the plan (e.g. "建立联动机制 6月5日前完成").

    Abstract, without the key to its pilot (``related_name="phases"``).
    """

    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("start"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=7,
        decimal_places=2,
        default=1,
        validators=[
            MinValueValidator(0, message=_("A weight cannot be negative.")),
        ],
        help_text=_("share of the whole pilot, any scale (e.g. 20 for 20%)"),
    )
    progress = models.SmallIntegerField(
        _("progress (%)"),
        default=0,
        validators=[
            MinValueValidator(0, message=_("Progress must be between 0 and 100.")),
            MaxValueValidator(100, message=_("Progress must be between 0 and 100.")),
        ],
    )
    owner_unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("owner unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("the unit responsible; its contacts get the reminders"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = PilotPhaseQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldRowPanel(
            [
                FieldPanel("start_date"),
                FieldPanel("due_date"),
                FieldPanel("completed_on"),
            ]
        ),
        FieldRowPanel(
            [FieldPanel("weight"), FieldPanel("progress"), FieldPanel("owner_unit")]
        ),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.start_date and self.due_date and self.due_date < self.start_date:
            errors["due_date"] = _("The due date cannot be before the phase's start.")
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = _("The completion date cannot be in the future.")
        if errors:
            raise ValidationError(errors)

    def as_rule_phase(self):
        return rules.Phase(
            name=self.name,
            start=self.start_date,
            due=self.due_date,
            completed_on=self.completed_on,
            weight=self.weight if self.weight is not None else rules.ZERO,
            progress=rules._dec(self.progress or 0),
        )

    def is_overdue(self, today=None):
        return rules.is_overdue(self.as_rule_phase(), today or timezone.localdate())


class PilotPhase(AbstractPilotPhase):
    """The phases of the default :class:`PilotProgramPage`."""

    pilot = ParentalKey(
        "wagtail_pilots_pilots.PilotProgramPage",
        on_delete=models.CASCADE,
        related_name="phases",
    )

    class Meta(AbstractPilotPhase.Meta):
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        indexes = [models.Index(fields=["due_date"])]


class AbstractPilotIndicator(Orderable):
    """Something measured to judge the pilot, from a baseline to a target.

    Abstract, without the key to its pilot (``related_name="indicators"``).
    """

    name = models.CharField(_("name"), max_length=200)
    measure = models.CharField(
        _("measure"), max_length=50, blank=True, help_text=_("unit of measure, e.g. %")
    )
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4)
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=DIRECTION_CHOICES,
        default=rules.DIRECTION_HIGHER,
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("measure")]),
        FieldRowPanel(
            [FieldPanel("baseline"), FieldPanel("target"), FieldPanel("direction")]
        ),
    ]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        # Shown in the menus of readings, which list the indicators of every pilot
        # (their queryset selects the pilot with them).
        pilot = getattr(self, "pilot", None)
        return f"{pilot.title} · {self.name}" if pilot else self.name

    def clean(self):
        super().clean()
        if self.baseline is None or self.target is None:
            return
        if self.direction == rules.DIRECTION_HIGHER and self.target < self.baseline:
            raise ValidationError(
                {
                    "target": _(
                        "Higher is better, so the target cannot be below the baseline."
                    )
                }
            )
        if self.direction == rules.DIRECTION_LOWER and self.target > self.baseline:
            raise ValidationError(
                {
                    "target": _(
                        "Lower is better, so the target cannot be above the baseline."
                    )
                }
            )

    def achievement_of(self, value, *, clamp=True):
        return rules.achievement(
            baseline=self.baseline,
            target=self.target,
            current=value,
            direction=self.direction,
            clamp=clamp,
        )


class PilotIndicator(AbstractPilotIndicator):
    """The indicators of the default :class:`PilotProgramPage`."""

    pilot = ParentalKey(
        "wagtail_pilots_pilots.PilotProgramPage",
        on_delete=models.CASCADE,
        related_name="indicators",
    )

    class Meta(AbstractPilotIndicator.Meta):
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")


class AbstractIndicatorReading(models.Model):
    """The value of an indicator on a date, optionally recorded in a report.

    Abstract, without its two keys: ``indicator`` (a ``ForeignKey`` to your
    indicator model, ``related_name="readings"``) and ``report`` (a nullable
    ``ParentalKey`` to your report page type, ``related_name="readings"``).
    """

    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)

    panels = [
        FieldPanel("indicator"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("value")]),
        FieldPanel("note"),
    ]

    class Meta:
        abstract = True
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")

    def __str__(self):
        return f"{self.indicator.name}: {self.value} ({self.date})"

    @property
    def pilot_title(self):
        return self.indicator.pilot.title

    pilot_title.fget.short_description = _("pilot")


class IndicatorReading(AbstractIndicatorReading):
    """The readings of the default pilot and report pages."""

    indicator = models.ForeignKey(
        PilotIndicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="readings",
    )
    report = ParentalKey(
        "wagtail_pilots_pilots.PilotReportPage",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="readings",
    )

    class Meta(AbstractIndicatorReading.Meta):
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
        ordering = ["indicator", "date", "pk"]
        indexes = [models.Index(fields=["indicator", "date"])]


class AbstractPilotEvaluationLink(Orderable):
    """A page that evaluates the pilot: a survey, a scorecard, any page.

    Abstract, without the key to its pilot (``related_name="evaluation_links"``).
    """

    page = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    label = models.CharField(
        pgettext_lazy("link", "label"),
        max_length=200,
        blank=True,
        help_text=_("shown instead of the page title if given"),
    )

    panels = [PageChooserPanel("page"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("evaluation link")
        verbose_name_plural = _("evaluation links")

    def __str__(self):
        return self.label or self.page.title


class PilotEvaluationLink(AbstractPilotEvaluationLink):
    """The evaluations of the default :class:`PilotProgramPage`."""

    pilot = ParentalKey(
        "wagtail_pilots_pilots.PilotProgramPage",
        on_delete=models.CASCADE,
        related_name="evaluation_links",
    )

    class Meta(AbstractPilotEvaluationLink.Meta):
        verbose_name = _("evaluation link")
        verbose_name_plural = _("evaluation links")


# --- Report ------------------------------------------------------------------


class PilotReportPageMixin(BaseTemplateMixin, models.Model):
    """A monthly report, briefing, mid-term report or final summary of a pilot."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=REPORT_KIND_CHOICES, default="monthly"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    body = RichTextField(_("body"), blank=True)

    content_panels = [
        FieldPanel("kind"),
        FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
        FieldPanel("body"),
        InlinePanel(
            "readings",
            heading=_("indicator readings"),
            label=_("reading"),
            help_text=_("indicator values as of this report"),
        ),
    ]

    class Meta:
        abstract = True

    @classmethod
    def get_reading_model(cls):
        """The model of this report's indicator readings (``readings``)."""
        return inline_model(cls, "readings")

    @classmethod
    def clean_parent_page_models(cls):
        # Of the page types allowed by ``parent_page_types`` (all by default):
        # the pilot pages whose report type this is (PilotProgramPage and a
        # site's subclasses of it, for the default report page).
        return [
            model
            for model in super().clean_parent_page_models()
            if issubclass(model, PilotProgramPageMixin)
            and issubclass(cls, model.get_report_model())
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["pilot"] = self.get_parent().specific
        context["readings"] = self.readings.select_related("indicator")
        return context


class PilotReportPage(PilotReportPageMixin, Page):  # noqa: DJ008
    template = "wagtail_pilots/pilots/pilot_report_page.html"
    page_description = _(
        "A monthly report or briefing (月报/简报) of the pilot program above it."
    )
    content_panels = Page.content_panels + PilotReportPageMixin.content_panels
    base_form_class = PilotReportPageForm
    search_fields = Page.search_fields + [
        index.SearchField("body"),
        index.FilterField("kind"),
    ]
    subpage_types = []

    class Meta:
        verbose_name = _("pilot report")
        verbose_name_plural = _("pilot reports")


def check_pilot_pages(app_configs=None, **kwargs):
    """System check: every pilot or report page type has the inlines it needs."""
    from ..pages import check_inlines

    return check_inlines(
        PilotProgramPageMixin,
        {
            "members": AbstractPilotGroupMember,
            "sites": AbstractPilotSite,
            "phases": AbstractPilotPhase,
            "indicators": AbstractPilotIndicator,
            "evaluation_links": AbstractPilotEvaluationLink,
        },
        check_id="wagtail_pilots.E101",
    ) + check_inlines(
        PilotReportPageMixin,
        {"readings": AbstractIndicatorReading},
        check_id="wagtail_pilots.E102",
    )


# --- Reminders ---------------------------------------------------------------


class ReminderLog(models.Model):
    """One reminder e-mailed to one address on one day (``pilots_remind``).

    The unique constraint makes the command idempotent: a second run on the same
    day finds the row and sends nothing.
    """

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    key = models.CharField(
        _("subject key"),
        max_length=100,
        help_text=_("what the reminder is about, e.g. phase:12:overdue"),
    )
    recipient = models.EmailField(_("recipient"))
    sent_on = models.DateField(_("sent on"))
    pilot = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("pilot"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "recipient", "sent_on"],
                name="wagtail_pilots_reminder_once_a_day",
            )
        ]

    def __str__(self):
        return f"{self.key} → {self.recipient} ({self.sent_on})"


# --- Imports -------------------------------------------------------------------


class PilotPageImport(models.Model):
    """A pilot page an import batch created or changed, so the batch can be
    rolled back (``pilots`` and ``pilot-phases`` kinds).

    A page is put back from its own revisions: what a rollback needs is the
    revision the page had before the import (``revision_before``; none for a
    page the import created) and the one the import made (``revision_after``:
    if the page has a newer one now, someone edited it since, and the rollback
    is refused rather than losing that work). That is page-specific, so it is
    kept here, in the app that owns the pages, rather than on the suite's
    generic ``ImportedObject`` rows, which list the objects of any model a batch
    created.
    """

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    batch = models.ForeignKey(
        "wagtail_pilots_importexport.ImportBatch",
        verbose_name=_("import batch"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    page = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created = models.BooleanField(_("created by the import"), default=False)
    revision_before = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("revision before the import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision_after = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("revision made by the import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("page changed by an import")
        verbose_name_plural = _("pages changed by imports")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "page"], name="wagtail_pilots_page_import_once"
            )
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.page_id}"
