"""Scorecard pages, their inlines, ballots, access codes and published snapshots.

The arithmetic is in :mod:`.scoring`; reads that feed it are in :mod:`.selectors`
and writes (ballots, codes, publishing) in :mod:`.services`.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from ..access_codes import AbstractAccessCode as BaseAccessCode
from ..compat import get_page_model_string
from ..pages import BaseTemplateMixin, inline_model
from ..panels import ScreenLinksPanel
from . import scoring
from .forms import ScorecardPageForm

DECIMAL = {"max_digits": 12, "decimal_places": 4}

SOURCE_CHOICES = (
    (scoring.SOURCE_BALLOTS, _("ballots")),
    (scoring.SOURCE_SURVEY, _("survey")),
)
METRIC_RATE = "rate"
METRIC_INDEX = "index"
METRIC_CHOICES = (
    (METRIC_RATE, _("satisfaction rate")),
    (METRIC_INDEX, _("satisfaction index")),
)
KIND_CHOICES = (
    (scoring.KIND_SCORES, _("scores")),
    (scoring.KIND_VOTES, _("yes/no votes")),
)
AGGREGATION_CHOICES = (
    (scoring.AGG_MEAN, _("mean")),
    (scoring.AGG_TRIMMED, _("trimmed mean")),
    (scoring.AGG_MEDIAN, _("median")),
)
GATE_TARGET_CHOICES = (
    (scoring.GATE_GROUP, _("evaluator group")),
    (scoring.GATE_CRITERION, _("criterion")),
)
TIE_BREAK_CHOICES = (
    (scoring.TIE_BREAK_CRITERIA, _("higher value on the heaviest criterion first")),
    (scoring.TIE_BREAK_GROUPS, _("more points from the heaviest group first")),
    (scoring.TIE_BREAK_ORDER, _("order of the subjects list")),
)
MISSING_CHOICES = (
    (scoring.MISSING_RENORMALISE, _("rescale over the groups present")),
    (scoring.MISSING_ZERO, _("count the missing group as 0")),
)
VOTE_YES = "yes"
VOTE_NO = "no"
VOTE_ABSTAIN = "abstain"
VOTE_CHOICES = (
    (VOTE_YES, pgettext_lazy("vote", "yes")),
    (VOTE_NO, pgettext_lazy("vote", "no")),
    (VOTE_ABSTAIN, pgettext_lazy("vote", "abstain")),
)
CHANNEL_WEB = "web"
CHANNEL_ADMIN = "admin"
CHANNEL_PAPER = "paper"
CHANNEL_IMPORT = "import"
CHANNEL_CHOICES = (
    (CHANNEL_WEB, _("online")),
    (CHANNEL_ADMIN, _("entered in the admin")),
    (CHANNEL_PAPER, _("paper")),
    (CHANNEL_IMPORT, _("import")),
)


def validate_quorum(text):
    """A quorum is a fraction (2/3) or a percentage (66.67%), above 0 and ≤ 1."""
    try:
        scoring.parse_quorum(text)
    except scoring.ScoringInputError:
        raise ValidationError(
            _(
                "Enter a fraction such as 2/3 or a percentage such as 66.67%%, "
                "above 0 and at most 100%%; “%(value)s” is neither."
            ),
            params={"value": text},
            code="quorum",
        ) from None


class ScorecardPageMixin(BaseTemplateMixin, RoutablePageMixin, models.Model):
    """Fields and behaviour of a scorecard; combine with a Page class.

    The default concrete page is :class:`ScorecardPage`. A site puts the mixin
    on its own base page with inline models of its own, built on the abstract
    bases below (``AbstractScorecardSubject`` … ``AbstractScorecardSnapshot``)
    and found through the ``get_*_model()`` hooks (docs/scorecards.md).
    """

    intro = RichTextField(_("introduction"), blank=True)
    shortlist_size = models.PositiveIntegerField(
        _("shortlist size"),
        default=0,
        help_text=_("the top N go forward; 0 for no shortlist"),
    )
    bottom_size = models.PositiveIntegerField(
        _("bottom flag"),
        default=0,
        help_text=_("flag the last K ranked subjects; 0 for none"),
    )
    tie_break = models.CharField(
        _("tie-break rule"),
        max_length=20,
        choices=TIE_BREAK_CHOICES,
        default=scoring.TIE_BREAK_CRITERIA,
    )
    missing_group_policy = models.CharField(
        _("subject missing a whole group"),
        max_length=20,
        choices=MISSING_CHOICES,
        default=scoring.MISSING_RENORMALISE,
        help_text=_("either way the subject is flagged"),
    )
    small_sample = models.PositiveIntegerField(
        _("small sample warning below"),
        default=0,
        help_text=_("flag figures based on fewer ballots or answers; 0 to disable"),
    )
    blind_mode = models.BooleanField(
        _("blind mode"),
        default=True,
        help_text=_("evaluators never see other ballots or interim results"),
    )
    ballots_open = models.BooleanField(
        _("voting open"),
        default=True,
        help_text=_(
            "when off, no new ballot is accepted: not online, not entered in the "
            "admin, not imported"
        ),
    )
    ballot_title = models.CharField(
        _("ballot title"),
        max_length=255,
        blank=True,
        help_text=_(
            "the heading of the online ballot, e.g. “2026 annual assessment ballot”; "
            "empty: “Ballot: ” and the page title"
        ),
    )
    quorum = models.CharField(
        _("quorum"),
        max_length=20,
        blank=True,
        validators=[validate_quorum],
        help_text=_(
            "the share of each subject's electorate that must vote, e.g. 2/3 or "
            "80%; a figure from fewer voters is flagged. Leave empty for none"
        ),
    )
    notice_days = models.PositiveIntegerField(
        _("public notice period (days)"), default=5
    )
    objection_phone = models.CharField(
        _("phone for objections"), max_length=50, blank=True
    )
    objection_email = models.EmailField(_("e-mail for objections"), blank=True)
    objection_address = models.CharField(
        _("postal address for objections"), max_length=255, blank=True
    )

    settings_panels_scorecard = [
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("shortlist_size"), FieldPanel("bottom_size")]
                ),
                FieldRowPanel(
                    [FieldPanel("tie_break"), FieldPanel("missing_group_policy")]
                ),
                FieldRowPanel([FieldPanel("small_sample"), FieldPanel("quorum")]),
            ],
            heading=_("ranking rules"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("blind_mode"), FieldPanel("ballots_open")]),
                FieldPanel("ballot_title"),
                FieldPanel("notice_days"),
            ],
            heading=_("ballots and publication"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("objection_phone"), FieldPanel("objection_email")]
                ),
                FieldPanel("objection_address"),
            ],
            heading=_("objections during the public notice"),
            help_text=_(
                "shown on the published notice: where the public can raise an "
                "objection while the notice runs"
            ),
        ),
    ]

    class Meta:
        abstract = True

    # Building blocks: the models of this page type's inlines and records ------
    # Found by related name, so a scorecard page type of a site's own brings its
    # own models (extending the ``Abstract*`` bases below); selectors, services,
    # imports, exports and views go through these hooks.

    @classmethod
    def get_subject_model(cls):
        """The model of the subjects (``subjects``)."""
        return inline_model(cls, "subjects")

    @classmethod
    def get_criterion_model(cls):
        """The model of the criteria (``criteria``)."""
        return inline_model(cls, "criteria")

    @classmethod
    def get_group_model(cls):
        """The model of the evaluator groups (``groups``)."""
        return inline_model(cls, "groups")

    @classmethod
    def get_gate_model(cls):
        """The model of the gates (``gates``)."""
        return inline_model(cls, "gates")

    @classmethod
    def get_ballot_model(cls):
        """The model of the ballots (``ballots``)."""
        return inline_model(cls, "ballots")

    @classmethod
    def get_access_code_model(cls):
        """The model of the evaluators' access codes (``access_codes``)."""
        return inline_model(cls, "access_codes")

    @classmethod
    def get_snapshot_model(cls):
        """The model of the published results (``snapshots``)."""
        return inline_model(cls, "snapshots")

    def get_scoring_config(self):
        from .selectors import scorecard_config

        return scorecard_config(scorecard=self)

    def get_ballot_title(self):
        """The online ballot's heading: named as a ballot, never as results."""
        if self.ballot_title:
            return self.ballot_title
        return _("Ballot: %(title)s") % {"title": self.title}

    @property
    def ballot_url(self):
        return (self.url or "") + self.reverse_subpage("score")

    @path("score/", name="score")
    def score_view(self, request):
        from .views.ballots import ballot_view

        return ballot_view(request, self)

    @path("results/v<int:version>/bundle/", name="bundle")
    def bundle_view(self, request, version):
        from .views.public import bundle_download

        return bundle_download(request, self, version)

    def get_context(self, request, *args, **kwargs):
        from .presentation import snapshot_context
        from .selectors import snapshot_latest

        context = super().get_context(request, *args, **kwargs)
        context.update(snapshot_context(snapshot_latest(scorecard=self)))
        return context


class ScorecardPage(ScorecardPageMixin, Page):
    content_panels = Page.content_panels + [
        ScreenLinksPanel(
            "wagtail_pilots.scorecards.views.admin.scorecard_admin_buttons",
            heading=_("Scorecard screens"),
        ),
        FieldPanel("intro"),
        InlinePanel(
            "subjects",
            label=pgettext_lazy("scorecard", "subject"),
            heading=_("subjects"),
        ),
        InlinePanel("criteria", label=_("criterion"), heading=_("criteria")),
        InlinePanel(
            "groups", label=_("evaluator group"), heading=_("evaluator groups")
        ),
        InlinePanel("gates", label=_("gate"), heading=_("gates")),
        *ScorecardPageMixin.settings_panels_scorecard,
    ]
    base_form_class = ScorecardPageForm
    template = "wagtail_pilots/scorecards/scorecard_page.html"
    page_description = _(
        "A weighted scorecard (考核/结构推荐/综合评价): subjects scored on weighted "
        "criteria by weighted evaluator groups, ranked and published for notice."
    )
    # A scorecard is a leaf: ballots, results and codes are admin screens.
    subpage_types = []

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self):
        return self.title


class AbstractScorecardSubject(Orderable):
    """A subject scored: a unit, or a free name (a candidate).

    Abstract, without the key to its page (like Wagtail's ``AbstractFormField``):
    a scorecard page type of your own adds ``page = ParentalKey("MyScorecardPage",
    on_delete=models.CASCADE, related_name="subjects")``.
    """

    unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_("a free name, when the subject is not a unit (e.g. a candidate)"),
    )
    description = models.TextField(_("description"), blank=True)
    home_unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("home unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the workplace whose members cast the trust vote"),
    )

    panels = [
        FieldRowPanel([FieldPanel("unit"), FieldPanel("name")]),
        FieldPanel("description"),
        FieldPanel("home_unit"),
    ]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = pgettext_lazy("scorecard", "subject")
        verbose_name_plural = _("subjects")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.name:
            return self.name
        return self.unit.name if self.unit_id else ""

    def clean(self):
        super().clean()
        if not self.unit_id and not self.name.strip():
            raise ValidationError({"name": _("Choose a unit or enter a name.")})


class ScorecardSubject(AbstractScorecardSubject):
    """The subjects of the default :class:`ScorecardPage`."""

    page = ParentalKey(ScorecardPage, on_delete=models.CASCADE, related_name="subjects")

    class Meta(AbstractScorecardSubject.Meta):
        verbose_name = pgettext_lazy("scorecard", "subject")
        verbose_name_plural = _("subjects")


class AbstractScorecardCriterion(Orderable):
    """A weighted criterion, scored from ballots or taken from a survey.

    Abstract, without the key to its page (``related_name="criteria"``).
    """

    name = models.CharField(_("name"), max_length=200)
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    minimum = models.DecimalField(_("lowest value"), default=0, **DECIMAL)
    maximum = models.DecimalField(_("highest value"), default=100, **DECIMAL)
    source = models.CharField(
        _("source"), max_length=20, choices=SOURCE_CHOICES, default="ballots"
    )
    survey = models.ForeignKey(
        get_page_model_string(),
        verbose_name=_("survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("for a survey criterion: the survey whose answers are used"),
    )
    metric = models.CharField(
        _("survey figure"), max_length=10, choices=METRIC_CHOICES, default=METRIC_RATE
    )
    question_key = models.CharField(
        _("survey question"),
        max_length=100,
        blank=True,
        help_text=_("optional: use only this question of the survey"),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("weight")]),
        FieldRowPanel([FieldPanel("minimum"), FieldPanel("maximum")]),
        FieldPanel("source"),
        PageChooserPanel("survey"),
        FieldRowPanel([FieldPanel("metric"), FieldPanel("question_key")]),
    ]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if (
            self.minimum is not None
            and self.maximum is not None
            and self.minimum >= self.maximum
        ):
            errors["maximum"] = _("The highest value must be above the lowest value.")
        if self.source == scoring.SOURCE_SURVEY and not self.survey_id:
            errors["survey"] = _("Choose the survey this criterion is taken from.")
        if errors:
            raise ValidationError(errors)


class ScorecardCriterion(AbstractScorecardCriterion):
    """The criteria of the default :class:`ScorecardPage`."""

    page = ParentalKey(ScorecardPage, on_delete=models.CASCADE, related_name="criteria")

    class Meta(AbstractScorecardCriterion.Meta):
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")


class AbstractEvaluatorGroup(Orderable):
    """A weighted group of evaluators (a layer of a structured recommendation).

    Abstract, without the key to its page (``related_name="groups"``).
    """

    name = models.CharField(_("name"), max_length=200)
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    expected_headcount = models.PositiveIntegerField(
        _("expected headcount"),
        null=True,
        blank=True,
        help_text=_(
            "how many evaluators the group has; each subject's turnout is held "
            "against it and the quorum"
        ),
    )
    own_unit_only = models.BooleanField(
        _("own unit only"),
        default=False,
        help_text=_(
            "each evaluator votes only on the subjects whose home unit is the "
            "unit of their access code (a trust vote in the candidate's own workplace); "
            "each subject's electorate is the codes issued to its home unit"
        ),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=KIND_CHOICES, default=scoring.KIND_SCORES
    )
    aggregation = models.CharField(
        _("aggregation"),
        max_length=10,
        choices=AGGREGATION_CHOICES,
        default=scoring.AGG_MEAN,
    )
    trim = models.PositiveSmallIntegerField(
        _("values dropped at each end"),
        default=0,
        help_text=_("for a trimmed mean: drop the k highest and the k lowest"),
    )
    criteria_scored = models.CharField(
        _("criteria scored"),
        max_length=1000,
        blank=True,
        help_text=_(
            "the criteria this group scores (stored by name); none for every "
            "criterion taken from ballots"
        ),
    )
    min_ballots = models.PositiveIntegerField(_("minimum ballots"), default=0)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("weight")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("expected_headcount")]),
        FieldPanel("own_unit_only"),
        FieldRowPanel([FieldPanel("aggregation"), FieldPanel("trim")]),
        FieldRowPanel([FieldPanel("criteria_scored"), FieldPanel("min_ballots")]),
    ]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("evaluator group")
        verbose_name_plural = _("evaluator groups")

    def __str__(self):
        return self.name

    def criteria_names(self):
        return [n.strip() for n in self.criteria_scored.split(",") if n.strip()]

    def clean(self):
        super().clean()
        if self.aggregation == scoring.AGG_TRIMMED:
            if not self.trim:
                raise ValidationError(
                    {"trim": _("A trimmed mean drops at least one value at each end.")}
                )
            if self.min_ballots <= 2 * self.trim:
                raise ValidationError(
                    {
                        "trim": _(
                            "Dropping %(k)s at each end needs at least %(n)s ballots; "
                            "raise the minimum ballots or drop fewer."
                        )
                        % {"k": self.trim, "n": 2 * self.trim + 1}
                    }
                )


class EvaluatorGroup(AbstractEvaluatorGroup):
    """The evaluator groups of the default :class:`ScorecardPage`."""

    page = ParentalKey(ScorecardPage, on_delete=models.CASCADE, related_name="groups")

    class Meta(AbstractEvaluatorGroup.Meta):
        verbose_name = _("evaluator group")
        verbose_name_plural = _("evaluator groups")


class AbstractScorecardGate(Orderable):
    """A threshold a subject must reach to be ranked (e.g. trust share ≥ 50).

    Abstract, without the key to its page (``related_name="gates"``).
    """

    target = models.CharField(
        _("applies to"),
        max_length=10,
        choices=GATE_TARGET_CHOICES,
        default=scoring.GATE_GROUP,
    )
    target_name = models.CharField(_("group or criterion"), max_length=200)
    threshold = models.DecimalField(
        _("threshold (0–100)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("subjects below this are excluded from the ranking"),
    )

    panels = [
        FieldRowPanel(
            [FieldPanel("target"), FieldPanel("target_name"), FieldPanel("threshold")]
        )
    ]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = _("gate")
        verbose_name_plural = _("gates")

    def __str__(self):
        return f"{self.target_name} ≥ {self.threshold}"


class ScorecardGate(AbstractScorecardGate):
    """The gates of the default :class:`ScorecardPage`."""

    page = ParentalKey(ScorecardPage, on_delete=models.CASCADE, related_name="gates")

    class Meta(AbstractScorecardGate.Meta):
        verbose_name = _("gate")
        verbose_name_plural = _("gates")


class AbstractBallot(models.Model):
    """One evaluator's value for a subject on a criterion, or their vote on a subject.

    ``evaluator`` is an anonymous id (an access code's, or one chosen by whoever
    enters paper ballots). ``import_batch`` is the bulk import that created the
    ballot, if any (rolling that batch back deletes its ballots).

    Abstract, without its four keys: a scorecard page type of your own adds
    ``scorecard`` (``related_name="ballots"``), ``group``, ``subject`` and a
    nullable ``criterion`` to its own inline models, and the constraints of
    :class:`Ballot` (one value per evaluator, subject and criterion).
    """

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    evaluator = models.CharField(_("evaluator"), max_length=64)
    value = models.DecimalField(
        pgettext_lazy("ballot", "value"), null=True, blank=True, **DECIMAL
    )
    vote = models.CharField(_("vote"), max_length=10, choices=VOTE_CHOICES, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=CHANNEL_CHOICES, default=CHANNEL_ADMIN
    )
    import_batch = models.ForeignKey(
        "wagtail_pilots_importexport.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self):
        return f"{self.evaluator}: {self.subject_id}/{self.criterion_id}"


class Ballot(AbstractBallot):
    """The ballots of the default :class:`ScorecardPage`."""

    scorecard = models.ForeignKey(
        ScorecardPage, on_delete=models.CASCADE, related_name="ballots"
    )
    group = models.ForeignKey(
        EvaluatorGroup,
        verbose_name=_("evaluator group"),
        on_delete=models.CASCADE,
        related_name="ballots",
    )
    subject = models.ForeignKey(
        ScorecardSubject,
        verbose_name=pgettext_lazy("scorecard", "subject"),
        on_delete=models.CASCADE,
        related_name="ballots",
    )
    criterion = models.ForeignKey(
        ScorecardCriterion,
        verbose_name=_("criterion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ballots",
    )

    class Meta(AbstractBallot.Meta):
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "evaluator", "subject", "criterion"],
                condition=Q(criterion__isnull=False),
                name="scorecards_one_score_per_evaluator",
            ),
            models.UniqueConstraint(
                fields=["scorecard", "evaluator", "subject"],
                condition=Q(criterion__isnull=True),
                name="scorecards_one_vote_per_evaluator",
            ),
            models.CheckConstraint(
                condition=(
                    Q(criterion__isnull=False, value__isnull=False, vote="")
                    | Q(
                        criterion__isnull=True,
                        value__isnull=True,
                        vote__in=[VOTE_YES, VOTE_NO, VOTE_ABSTAIN],
                    )
                ),
                name="scorecards_ballot_value_or_vote",
            ),
        ]
        indexes = [
            models.Index(
                fields=["scorecard", "group", "subject", "criterion", "value"],
                name="scorecards_ballot_cell",
            ),
            models.Index(
                fields=["scorecard", "evaluator"], name="scorecards_evaluator"
            ),
        ]


def new_evaluator_id():
    return uuid.uuid4().hex


class AbstractAccessCode(BaseAccessCode):
    """A one-time code giving one evaluator of one group a ballot (see
    :mod:`wagtail_pilots.access_codes`); marked used when the ballot is stored.

    Abstract, without its keys: ``scorecard`` (``related_name="access_codes"``),
    ``group`` (to your evaluator group model) and ``subject`` (to your subject
    model, ``null=True``, ``on_delete=SET_NULL``: the subject the code belongs to
    when that subject is also an evaluator; it never votes on them).
    """

    page_field = "scorecard"
    # The key of these digests since the first release: printed codes need it.
    digest_purpose = "wagtail_pilots.scorecards.access_code"

    unit = models.ForeignKey(
        "wagtail_pilots.Unit",
        verbose_name=_("evaluator's unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("in an own-unit group, the code votes on this unit's subjects"),
    )
    evaluator = models.CharField(
        _("evaluator"), max_length=64, unique=True, default=new_evaluator_id
    )

    class Meta:
        abstract = True
        verbose_name = _("evaluator access code")
        verbose_name_plural = _("evaluator access codes")
        ordering = ["group", "pk"]


class AccessCode(AbstractAccessCode):
    """The evaluators' codes of the default :class:`ScorecardPage`."""

    scorecard = models.ForeignKey(
        ScorecardPage, on_delete=models.CASCADE, related_name="access_codes"
    )
    group = models.ForeignKey(
        EvaluatorGroup,
        verbose_name=_("evaluator group"),
        on_delete=models.CASCADE,
        related_name="access_codes",
    )
    subject = models.ForeignKey(
        ScorecardSubject,
        verbose_name=_("belongs to subject"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_codes",
        help_text=_(
            "the code of a subject who is also an evaluator: it never votes on "
            "that subject"
        ),
    )

    class Meta(AbstractAccessCode.Meta):
        verbose_name = _("evaluator access code")
        verbose_name_plural = _("evaluator access codes")
        ordering = ["group", "pk"]


class AbstractScorecardSnapshot(models.Model):
    """A frozen, published result: configuration, input digest and outputs.

    Abstract, without the key to its page: a scorecard page type of your own
    adds ``scorecard`` (``related_name="snapshots"``) and a unique constraint on
    ``scorecard`` and ``version``.
    """

    # Records, not content: kept out of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    configuration = models.JSONField(_("configuration"))
    inputs_digest = models.CharField(_("inputs digest (SHA-256)"), max_length=64)
    outputs = models.JSONField(_("outputs"))
    ballot_count = models.PositiveIntegerField(_("ballots"))
    #: Ballot sheets: the evaluators who took part (``ballot_count`` counts their
    #: individual scores and votes). None on versions published before it was kept.
    sheet_count = models.PositiveIntegerField(_("ballot sheets"), null=True, blank=True)
    notice_days = models.PositiveIntegerField(_("public notice period (days)"))
    notice_until = models.DateField(_("public notice until"))
    #: The verification bundle (a ZIP, see :mod:`.bundle`); empty for versions
    #: published before bundles existed.
    bundle = models.BinaryField(
        _("verification bundle"), blank=True, default=b"", editable=False
    )
    bundle_digest = models.CharField(
        _("verification bundle SHA-256"), max_length=64, blank=True, editable=False
    )
    #: The secret behind this version's pseudonyms: never published or exported.
    pseudonym_salt = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True
        verbose_name = _("published result")
        verbose_name_plural = _("published results")

    def __str__(self):
        return f"{self.scorecard} v{self.version}"

    @property
    def bundle_url(self):
        """The public download of the verification bundle, or ``None``."""
        if not self.bundle_digest:
            return None
        page = getattr(self, "page", None) or self.scorecard
        url = page.url
        if not url:
            return None
        return url + page.reverse_subpage("bundle", args=[self.version])


class ScorecardSnapshot(AbstractScorecardSnapshot):
    """The published results of the default :class:`ScorecardPage`."""

    scorecard = models.ForeignKey(
        ScorecardPage, on_delete=models.CASCADE, related_name="snapshots"
    )

    class Meta(AbstractScorecardSnapshot.Meta):
        verbose_name = _("published result")
        verbose_name_plural = _("published results")
        ordering = ["scorecard", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "version"], name="scorecards_snapshot_version"
            )
        ]


def check_scorecard_pages(app_configs=None, **kwargs):
    """System check: every scorecard page type has the inlines and records it
    needs, built on the suite's abstract models."""
    from ..pages import check_inlines

    return check_inlines(
        ScorecardPageMixin,
        {
            "subjects": AbstractScorecardSubject,
            "criteria": AbstractScorecardCriterion,
            "groups": AbstractEvaluatorGroup,
            "gates": AbstractScorecardGate,
            "ballots": AbstractBallot,
            "access_codes": AbstractAccessCode,
            "snapshots": AbstractScorecardSnapshot,
        },
        check_id="wagtail_pilots.E103",
    )
