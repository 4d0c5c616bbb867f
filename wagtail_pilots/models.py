"""Shared models: the organisational units every part of the suite refers to."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.models import Orderable
from wagtail.search import index

from .conf import pilots_settings

UNIT_KINDS = (
    ("county", _("county")),
    ("town", _("town")),
    ("village", _("village")),
    ("community", _("community")),
    ("department", _("department")),
    ("enterprise", _("enterprise")),
    ("school", _("school")),
    ("hospital", _("hospital")),
    ("pilot_site", _("pilot site")),
    ("other", _("other")),
)


def unit_kind_choices():
    """Built-in kinds plus those a site adds with ``WAGTAIL_PILOTS["UNIT_KINDS"]``."""
    return [*UNIT_KINDS, *pilots_settings.UNIT_KINDS]


unit_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, '-', '_' or '.', starting with a letter or digit."),
)


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Unit(index.Indexed, ClusterableModel):
    """A department, town, village, school, pilot site... that the suite refers to.

    Units form a tree through ``parent`` (a county contains towns, a town contains
    villages). ``code`` is the stable key used by imports and exports.
    """

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("code"),
        max_length=50,
        unique=True,
        validators=[unit_code_validator],
        help_text=_("short unique code used in imports and exports, e.g. QS-01"),
    )
    kind = models.CharField(
        _("kind"), max_length=30, choices=unit_kind_choices, default="department"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.CharField(
        _("region"),
        max_length=100,
        blank=True,
        help_text=_("administrative region, e.g. the county or district name"),
    )
    active = models.BooleanField(pgettext_lazy("unit", "active"), default=True)

    objects = UnitQuerySet.as_manager()

    search_fields = [
        index.SearchField("name"),
        index.SearchField("code"),
        index.SearchField("region"),
        index.AutocompleteField("name"),
        index.AutocompleteField("code"),
        index.FilterField("kind"),
        index.FilterField("active"),
        index.FilterField("parent"),
    ]

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("code"), FieldPanel("kind")]),
        FieldPanel("parent"),
        FieldRowPanel([FieldPanel("region"), FieldPanel("active")]),
        MultiFieldPanel(
            [InlinePanel("contacts", label=_("contact"))],
            heading=_("contacts"),
        ),
    ]

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "active"])]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        # Codes are compared case-insensitively in imports: store them upper-case
        # before the validators and the unique check see them.
        if self.code:
            self.code = self.code.strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self):
        super().clean()
        self._check_parent_cycle()

    def _check_parent_cycle(self):
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A unit cannot be its own parent.")})
        if self.pk is None:
            return  # a new unit cannot be anyone's ancestor yet
        seen = {self.pk}
        ancestor_id = self.parent_id
        while ancestor_id is not None:
            if ancestor_id in seen:
                raise ValidationError(
                    {
                        "parent": _(
                            "%(parent)s is inside %(unit)s: choosing it as parent "
                            "would make a loop."
                        )
                        % {"parent": self.parent, "unit": self.name}
                    }
                )
            seen.add(ancestor_id)
            ancestor_id = (
                Unit.objects.filter(pk=ancestor_id)
                .values_list("parent_id", flat=True)
                .first()
            )

    def get_ancestors(self):
        """Ancestors from the root down, excluding this unit."""
        chain = []
        node = self.parent
        seen = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_name(self):
        return " / ".join([*(u.name for u in self.get_ancestors()), self.name])


class UnitContact(Orderable):
    """A person to contact at a unit (reminders about pilot deadlines go here)."""

    unit = ParentalKey(Unit, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("full name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("role")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("unit contact")
        verbose_name_plural = _("unit contacts")

    def __str__(self):
        return self.name
