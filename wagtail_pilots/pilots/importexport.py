"""Import/export kinds of pilots (registered in ``wagtail_hooks.py``).

- **pilots**, scoped to a pilot index page (the pilot listing): one row per
  pilot program under it, by code (else by exact title). New pilots are
  created as drafts with a first revision, for editors to review and publish;
  an updated pilot gets a new revision by the importing user, published when
  the page is live. A live pilot with unpublished changes is refused on its
  row (publish or discard the draft first).

Scoped to one pilot page (``--page`` / ``?page=``):

- **pilot-phases**: phases by name — a known name updates that phase, a new
  name adds one at the end. Phases are part of the page, so after an import
  the page is saved as a new revision and, when it is live, published; a live
  pilot with an unpublished draft is refused (publish or discard the draft
  first, so that nobody's edits are overwritten).
- **indicator-readings**: readings by indicator (name, within this pilot) and
  date — a known pair updates the value and note.

Rolling back a ``pilots`` or ``pilot-phases`` batch deletes the pages it
created and puts every page it changed back to the revision it had before the
import (:class:`~.models.PilotPageImport` remembers both revisions); it is
refused, naming the page, when a page was changed since the import.

Dates are accepted as Excel dates, ``2026-06-05``, ``2026/6/5``, ``2026.6.5``,
``2026年6月5日`` or ``20260605``.
"""

import copy
import datetime
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from wagtail_pilots.importexport.registry import (
    PERMISSION_EXPORT,
    PERMISSION_IMPORT,
    Column,
    ImportExportKind,
)
from wagtail_pilots.importexport.resources import BatchResourceMixin
from wagtail_pilots.importexport.widgets import (
    ChoiceWidget,
    CodeForeignKeyWidget,
    CodeListWidget,
    TextWidget,
    cell_text,
    render_number,
)
from wagtail_pilots.models import Unit
from wagtail_pilots.pages import specific_page_using

from . import progress as rules
from .forms import pilot_date_errors
from .models import (
    CADENCE_CHOICES,
    DECISION_CHOICES,
    STATUS_CHOICES,
    STATUS_PLANNING,
    IndicatorReading,
    PilotIndexPageMixin,
    PilotIndicator,
    PilotPageImport,
    PilotPhase,
    PilotProgramPage,
    PilotProgramPageMixin,
)
from .selectors import pilots_under, summarize

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class DateWidget(widgets.Widget):
    """A date as Chinese offices write it; blank is None unless required."""

    def __init__(self, *, required=False, **kwargs):
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = "" if value is None else force_str(value).strip()
        if not text:
            if self.required:
                raise ValueError(_("Enter a date."))
            return None
        match = _DATE.match(text)
        if match is None and re.fullmatch(r"\d{8}", text):
            match = re.match(r"(\d{4})(\d{2})(\d{2})", text)
        if match is not None:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
        raise ValueError(
            _("“%(value)s” is not a date (write it as 2026-06-05).") % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class NumberWidget(widgets.Widget):
    """A finite number (NaN and infinities refused); blank is ``default``."""

    def __init__(self, *, default=None, integer=False, **kwargs):
        self.default = default
        self.integer = integer
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        text = "" if value is None else force_str(value).strip().rstrip("%")
        if not text:
            if self.default is None:
                raise ValueError(_("Enter a number."))
            return self.default
        try:
            number = Decimal(repr(value) if isinstance(value, float) else text)
        except InvalidOperation:
            raise ValueError(
                _("“%(value)s” is not a number.") % {"value": text}
            ) from None
        if not number.is_finite():
            raise ValueError(_("Enter a finite number."))
        if self.integer:
            if number != number.to_integral_value():
                raise ValueError(_("Enter a whole number."))
            return int(number)
        return number

    def render(self, value, obj=None, **kwargs):
        return render_number(value)


class _PilotScoped(BatchResourceMixin):
    def pilot_id(self):
        return self.page.pk if self.page is not None else None

    def pilot_class(self):
        """The page type of the pilot imported into: its hooks name the models
        of its phases, indicators and readings (a site's own, or the suite's)."""
        if self.page is None:
            return PilotProgramPage
        return self.page.specific_class

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The rows are the inline model of the page's own type (its hook), not
        # necessarily the resource's default: new instances, look-ups and
        # "does not exist" all go by this options' model.
        self._meta = copy.copy(self._meta)
        self._meta.model = self.get_row_model()


class PhaseResource(_PilotScoped, resources.ModelResource):
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget())
    start_date = fields.Field(
        attribute="start_date", column_name="start_date", widget=DateWidget()
    )
    due_date = fields.Field(
        attribute="due_date", column_name="due_date", widget=DateWidget()
    )
    completed_on = fields.Field(
        attribute="completed_on", column_name="completed_on", widget=DateWidget()
    )
    weight = fields.Field(
        attribute="weight",
        column_name="weight",
        widget=NumberWidget(default=Decimal(1)),
    )
    progress = fields.Field(
        attribute="progress",
        column_name="progress",
        widget=NumberWidget(default=0, integer=True),
    )
    owner_unit = fields.Field(
        attribute="owner_unit",
        column_name="owner_unit",
        widget=CodeForeignKeyWidget(Unit, field="code"),
    )
    note = fields.Field(attribute="note", column_name="note", widget=TextWidget())

    class Meta:
        model = PilotPhase
        fields = (
            "name",
            "start_date",
            "due_date",
            "completed_on",
            "weight",
            "progress",
            "owner_unit",
            "note",
        )
        import_id_fields = ("name",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True

    def get_row_model(self):
        return self.pilot_class().get_phase_model()

    def get_queryset(self):
        return (
            self.get_row_model()
            .objects.filter(pilot_id=self.pilot_id())
            .select_related("owner_unit")
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        pilot = _pilot_page(self.pilot_id())
        if pilot.live and pilot.has_unpublished_changes:
            # A draft saved since the upload was checked: refuse, as at upload.
            raise ValueError(
                _(
                    "“%(page)s” has unpublished changes: publish or discard them "
                    "first (imported phases are saved as a new version of the page)."
                )
                % {"page": pilot.title}
            )
        if _locked(pilot, self.user):
            raise ValueError(_locked_message(pilot.title))
        if not self.dry_run and self.batch is not None:
            # The version a rollback goes back to; the revision the import
            # makes is added by PilotPhasesKind.after_import.
            PilotPageImport.objects.create(
                batch=self.batch,
                page_id=self.pilot_id(),
                revision_before=_revision_before(self.pilot_id(), self.user),
            )

    def init_instance(self, row=None):
        instance = super().init_instance(row)
        instance.pilot_id = self.pilot_id()
        return instance

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            last = (
                self.get_queryset()
                .order_by("-sort_order")
                .values_list("sort_order", flat=True)
                .first()
            )
            instance.sort_order = (last or 0) + 1

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
        if not (instance.name or "").strip():
            errors.setdefault("name", []).append(_("Enter the phase's name."))
        super().validate_instance(instance, errors, validate_unique=False)


class IndicatorWidget(widgets.ForeignKeyWidget):
    """An indicator of the pilot being imported, by name."""

    def __init__(self, **kwargs):
        self.pilot_id = None
        super().__init__(PilotIndicator, field="name", **kwargs)

    def set_pilot(self, *, pilot_id, indicator_model):
        self.pilot_id = pilot_id
        self.model = indicator_model

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(pilot_id=self.pilot_id)

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else force_str(value).strip()
        if not text:
            raise ValueError(_("Enter the indicator."))
        found = self.get_queryset(value, row).filter(name=text).first()
        if found is None:
            names = "、".join(
                self.get_queryset(value, row).values_list("name", flat=True)
            )
            raise ValueError(
                _("This pilot has no indicator “%(name)s”; indicators: %(names)s.")
                % {"name": text, "names": names}
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return value.name if value is not None else ""


class ReadingResource(_PilotScoped, resources.ModelResource):
    indicator = fields.Field(
        attribute="indicator", column_name="indicator", widget=IndicatorWidget()
    )
    date = fields.Field(
        attribute="date", column_name="date", widget=DateWidget(required=True)
    )
    value = fields.Field(attribute="value", column_name="value", widget=NumberWidget())
    note = fields.Field(attribute="note", column_name="note", widget=TextWidget())

    class Meta:
        model = IndicatorReading
        fields = ("indicator", "date", "value", "note")
        import_id_fields = ("indicator", "date")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["indicator"].widget.set_pilot(
            pilot_id=self.pilot_id(),
            indicator_model=self.pilot_class().get_indicator_model(),
        )

    def get_row_model(self):
        return self.pilot_class().get_reading_model()

    def get_instance(self, instance_loader, row):
        # An unknown indicator or a bad date is reported on its column when the
        # row's fields are read, not as an error of the whole row.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def get_queryset(self):
        return (
            self.get_row_model()
            .objects.filter(indicator__pilot_id=self.pilot_id())
            .select_related("indicator")
        )


# -- pages an import changes: revisions and rollback -------------------------------


def _pilot_page(page_id):
    """The specific pilot page ``page_id`` (of any pilot page type), or None."""
    return specific_page_using(PilotProgramPageMixin, page_id)


def _revision_before(page_id, user):
    """The revision to go back to on rollback: the page's latest one.

    A page made without revisions (by code or a fixture) first gets one of its
    current state, so there is something to go back to.
    """
    page = _pilot_page(page_id)
    if page.latest_revision_id is None:
        return page.save_revision(user=user, changed=False, clean=False)
    return page.latest_revision


def _save_page_revision(page, *, user):
    """Save ``page`` (changed in memory) as a new revision, as the editor would.

    A live page is published; a page that is not live is also written to the
    database, as Wagtail's editor does for drafts of unpublished pages.
    """
    if page.live:
        revision = page.save_revision(user=user, log_action=True, clean=False)
        revision.publish(user=user)
    else:
        page.save(clean=False)
        revision = page.save_revision(user=user, log_action=True, clean=False)
    return revision


def _page_records(batch):
    return list(
        PilotPageImport.objects.filter(batch=batch)
        .select_related("revision_before")
        .order_by("pk")
    )


def _locked(page, user):
    """Locked against ``user`` (by another editor, or by a workflow), where
    Wagtail's editor would refuse to save; without a user (the command line)
    any lock counts."""
    if user is None:
        return page.locked
    return page.permissions_for_user(user).page_locked()


def _locked_message(page_title):
    return _("“%(page)s” is locked: it must be unlocked first.") % {"page": page_title}


def _check_rollback(records, *, user):
    """Raise ``RollbackError`` naming every page the rollback would harm."""
    from wagtail_pilots.importexport.services import RollbackError

    problems = []
    for record in records:
        page = _pilot_page(record.page_id)
        if page is None:
            continue  # deleted since: nothing to remove or restore
        title = page.get_admin_display_title()
        perms = page.permissions_for_user(user) if user is not None else None
        if page.latest_revision_id != record.revision_after_id:
            problems.append(
                _("“%(page)s” was changed after this import (it has a newer version).")
                % {"page": title}
            )
        elif _locked(page, user):
            problems.append(_locked_message(title))
        elif record.created:
            if page.live:
                problems.append(
                    _("“%(page)s” was published after this import.") % {"page": title}
                )
            elif page.get_children().exists():
                problems.append(
                    _("“%(page)s” now has pages under it.") % {"page": title}
                )
            elif perms is not None and not perms.can_delete():
                problems.append(_("You may not delete “%(page)s”.") % {"page": title})
        elif record.revision_before is None:
            problems.append(
                _("The version of “%(page)s” from before this import no longer exists.")
                % {"page": title}
            )
        elif perms is not None and not (
            perms.can_edit() and (perms.can_publish() or not page.live)
        ):
            problems.append(
                _("You may not edit and publish “%(page)s”.") % {"page": title}
            )
    if problems:
        raise RollbackError(
            _("This batch cannot be rolled back: %(problems)s")
            % {"problems": " ".join(problems)}
        )


def _restore_pages(records, *, user):
    """Delete the pages the batch created; put the pages it changed back to
    their revision from before the import (a new revision, published when the
    page is live — Wagtail's own "revert"). Returns how many of each, as the
    rollback hooks report them."""
    counts = {"deleted": 0, "restored": 0}
    for record in records:
        page = _pilot_page(record.page_id)
        if page is None:
            continue
        if record.created:
            # Wagtail's DeletePageAction: tree (numchild) kept right, logged.
            page.delete(user=user)
            counts["deleted"] += 1
            continue
        counts["restored"] += 1
        before = record.revision_before
        restored = before.as_object()
        if page.live:
            revision = restored.save_revision(
                user=user, previous_revision=before, log_action=True, clean=False
            )
            revision.publish(user=user, previous_revision=before)
        else:
            restored.save(clean=False)
            revision = restored.save_revision(
                user=user, previous_revision=before, log_action=True, clean=False
            )
        if before is not None:
            # The page is again as an earlier batch left it: that batch's
            # "changed since?" check must compare with this new revision, or
            # rolling back newest first would block the older batch for good.
            PilotPageImport.objects.filter(
                page_id=page.pk, revision_after=before
            ).exclude(pk=record.pk).update(revision_after=revision)
    return counts


def _publish_phases(batch, *, user=None):
    """Bring the page's revisions in line with the phases now in the database."""
    page = _pilot_page(batch.page_id)
    user = user or batch.user
    revision = page.save_revision(user=user, clean=False)
    if page.live:
        revision.publish(user=user)
    return revision


class PilotPhasesKind(ImportExportKind):
    name = "pilot-phases"
    label = gettext_lazy("pilot phases")
    resource_class = PhaseResource
    models = (PilotPhase,)
    page_model = PilotProgramPageMixin

    def get_models(self, *, page=None):
        # The phases of the page's own type (a site's pilot page type too).
        if page is None:
            return self.models
        return (page.specific_class.get_phase_model(),)

    columns = (
        Column(
            "name",
            en="phase",
            zh="阶段名称",
            required=True,
            aliases=("阶段", "名称", "name"),
            sample="建立联动机制",
        ),
        Column(
            "start_date",
            en="start",
            zh="开始日期",
            aliases=("开始", "start date"),
            sample="2026-03-01",
        ),
        Column(
            "due_date",
            en="due date",
            zh="完成时限",
            aliases=("截止日期", "时限", "due"),
            sample="2026-06-05",
        ),
        Column(
            "completed_on",
            en="completed on",
            zh="完成日期",
            aliases=("实际完成日期", "completed"),
            sample="",
        ),
        Column("weight", en="weight", zh="权重", sample=20),
        Column(
            "progress",
            en="progress (%)",
            zh="进度(%)",
            aliases=("进度", "progress", "完成进度"),
            sample=60,
        ),
        Column(
            "owner_unit",
            en="owner unit code",
            zh="责任单位代码",
            aliases=("责任单位", "owner unit", "owner"),
            sample="",
        ),
        Column("note", en="note", zh="备注", sample=""),
    )

    # Phases are part of the page: editing the page is what matters, not
    # model permissions on the inline. The phase rows of a live page are what
    # the public sees, so importing into a live pilot publishes it: that needs
    # the right to publish it too (an editor without it edits the page and
    # submits it for moderation instead).
    def has_import_permission(self, user, *, page=None):
        if not (
            user.is_active
            and user.has_perm(PERMISSION_IMPORT)
            and self._has_page_permission(user, page)
        ):
            return False
        return not page.live or page.permissions_for_user(user).can_publish()

    def has_export_permission(self, user, *, page=None):
        return (
            user.is_active
            and user.has_perm(PERMISSION_EXPORT)
            and self._has_page_permission(user, page)
        )

    def check_page(self, page):
        super().check_page(page)
        # A page never published is its own draft (the editor keeps it in the
        # database): only a live page's newer draft would be overwritten.
        page = page.specific
        if page.live and page.has_unpublished_changes:
            raise ValueError(
                _(
                    "“%(page)s” has unpublished changes: publish or discard them "
                    "first (imported phases are saved as a new version of the page)."
                )
                % {"page": page.title}
            )

    def get_export_queryset(self, *, page=None):
        return (
            page.specific_class.get_phase_model()
            .objects.filter(pilot_id=page.pk)
            .select_related("owner_unit")
            .order_by("sort_order", "pk")
        )

    # Restored through page revisions in the rollback hooks, not field by field.
    restore_updates = False

    def after_import(self, *, batch, result):
        revision = _publish_phases(batch)
        PilotPageImport.objects.filter(batch=batch, page_id=batch.page_id).update(
            revision_after=revision
        )

    def before_rollback(self, *, batch, user=None):
        _check_rollback(_page_records(batch), user=user)

    def after_rollback(self, *, batch, user=None):
        # The phases the batch created are deleted by now; the page goes back
        # to its revision from before the import (phases it updated included).
        records = _page_records(batch)
        if records:
            _restore_pages(records, user=user)
            return {"restored": batch.rows_updated}
        # A batch imported before pages were recorded: bring the page's
        # revisions in line with the phases that are left.
        _publish_phases(batch, user=user)
        return None


class IndicatorReadingsKind(ImportExportKind):
    name = "indicator-readings"
    label = gettext_lazy("indicator readings")
    resource_class = ReadingResource
    models = (IndicatorReading,)
    page_model = PilotProgramPageMixin

    def get_models(self, *, page=None):
        if page is None:
            return self.models
        return (page.specific_class.get_reading_model(),)

    columns = (
        Column(
            "indicator",
            en="indicator",
            zh="指标",
            required=True,
            aliases=("指标名称",),
            sample="群众满意度",
        ),
        Column(
            "date",
            en="date",
            zh="日期",
            required=True,
            aliases=("监测日期",),
            sample="2026-06-30",
        ),
        Column(
            "value",
            en="value",
            zh="数值",
            required=True,
            aliases=("值", "读数"),
            sample=92.5,
        ),
        Column("note", en="note", zh="备注", sample=""),
    )

    def get_export_queryset(self, *, page=None):
        return (
            page.specific_class.get_reading_model()
            .objects.filter(indicator__pilot_id=page.pk)
            .select_related("indicator")
            .order_by("indicator__sort_order", "date", "pk")
        )


# -- pilots (the pilot listing of an index page) -----------------------------------

# Tree fields Wagtail and treebeard fill in when the page is added under its index.
_TREE_FIELDS = ("path", "depth", "numchild", "url_path")


_text = cell_text


class SitesField(fields.Field):
    """The pilot's sites of one role (pilot sites, demonstration sites) as unit
    codes. A cell present in the file replaces the sites of that role; the
    pilot's other sites (responsible units, coordinating departments) stay."""

    def __init__(self, *, role, column_name):
        self.role = role
        super().__init__(
            attribute=column_name,
            column_name=column_name,
            widget=CodeListWidget(Unit, field="code"),
        )

    def get_value(self, instance):
        return [site.unit for site in instance.sites.all() if site.role == self.role]

    def save(self, instance, row, is_m2m=False, **kwargs):
        units = self.clean(row, **kwargs)
        current = list(instance.sites.all())
        site_model = type(instance).get_site_model()
        kept = {site.unit_id: site for site in current if site.role == self.role}
        replacement = [
            kept.get(unit.pk) or site_model(unit=unit, role=self.role) for unit in units
        ]
        sites = []
        for site in current:
            if site.role != self.role:
                sites.append(site)
            elif replacement:
                # The new list takes the place of the first site of this role.
                sites.extend(replacement)
                replacement = []
        sites.extend(replacement)
        for position, site in enumerate(sites):
            site.sort_order = position
        instance.sites = sites


class PilotInstanceLoader(BaseInstanceLoader):
    """The pilots under the index, read once (with their sites): a row is
    matched by its code, or by its exact title when the code is blank."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.by_code = defaultdict(list)
        self.by_title = defaultdict(list)
        for pilot in resource.get_queryset():
            # Hold the prefetched sites as the page's in-memory child relation:
            # django-import-export deep-copies the instance to compare, and a
            # copied prefetch would query again (every pilot's sites at once).
            sites = list(pilot.sites.all())
            pilot._prefetched_objects_cache.pop("sites", None)
            pilot.sites = sites
            if pilot.code:
                self.by_code[pilot.code].append(pilot)
            self.by_title[pilot.title].append(pilot)

    def matches(self, *, code, title):
        if code:
            return self.by_code.get(code, [])
        return self.by_title.get(title, []) if title else []

    def get_instance(self, row):
        found = self.matches(code=_text(row.get("code")), title=_text(row.get("title")))
        return found[0] if len(found) == 1 else None


class PilotResource(BatchResourceMixin, resources.ModelResource):
    """Pilot programs under one :class:`~.models.PilotIndexPage` (``self.page``).

    The dry run checks every cell and writes nothing; the real run creates and
    revises pages the way the editor does (see the module docstring).
    """

    code = fields.Field(attribute="code", column_name="code", widget=TextWidget())
    title = fields.Field(attribute="title", column_name="title", widget=TextWidget())
    summary = fields.Field(
        attribute="summary", column_name="summary", widget=TextWidget()
    )
    status = fields.Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(
            STATUS_CHOICES,
            blank_value=STATUS_PLANNING,
            aliases={"进行中": "running", "试点中": "running", "终止": "stopped"},
        ),
    )
    lead_unit = fields.Field(
        attribute="lead_unit",
        column_name="lead_unit",
        widget=CodeForeignKeyWidget(Unit, field="code"),
    )
    start_date = fields.Field(
        attribute="start_date", column_name="start_date", widget=DateWidget()
    )
    end_date = fields.Field(
        attribute="end_date", column_name="end_date", widget=DateWidget()
    )
    report_cadence = fields.Field(
        attribute="report_cadence",
        column_name="report_cadence",
        widget=ChoiceWidget(
            CADENCE_CHOICES,
            blank_value=rules.CADENCE_MONTHLY,
            aliases={
                "月报": rules.CADENCE_MONTHLY,
                "按月": rules.CADENCE_MONTHLY,
                "季报": rules.CADENCE_QUARTERLY,
                "按季": rules.CADENCE_QUARTERLY,
                "不定期": rules.CADENCE_NONE,
            },
        ),
    )
    pilot_sites = SitesField(role="pilot", column_name="pilot_sites")
    demonstration_sites = SitesField(
        role="demonstration", column_name="demonstration_sites"
    )
    decision = fields.Field(
        attribute="decision",
        column_name="decision",
        widget=ChoiceWidget(
            DECISION_CHOICES,
            blank_value="",
            aliases={
                "推广": "roll_out",
                "延长": "extend",
                "调整": "adjust",
                "终止": "stop",
            },
        ),
    )
    decision_date = fields.Field(
        attribute="decision_date", column_name="decision_date", widget=DateWidget()
    )
    rollout_scope = fields.Field(
        attribute="rollout_scope", column_name="rollout_scope", widget=TextWidget()
    )
    # Read-only: computed by the selectors for the export, never imported.
    progress = fields.Field(column_name="progress", readonly=True)
    health = fields.Field(column_name="health", readonly=True)
    overdue_phases = fields.Field(column_name="overdue_phases", readonly=True)

    class Meta:
        model = PilotProgramPage
        fields = (
            "code",
            "title",
            "summary",
            "status",
            "lead_unit",
            "start_date",
            "end_date",
            "report_cadence",
            "pilot_sites",
            "demonstration_sites",
            "decision",
            "decision_date",
            "rollout_scope",
            "progress",
            "health",
            "overdue_phases",
        )
        import_id_fields = ()
        instance_loader_class = PilotInstanceLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.today = timezone.localdate()
        self._reset()

    def _reset(self):
        # Where each code, title and pilot was first seen: {key: file row}.
        self._seen_codes = {}
        self._seen_titles = {}
        self._seen_pages = {}
        self._row_number = None
        self._problems = {}
        self._title_before = ""

    def get_queryset(self):
        if self.page is None:
            return PilotProgramPage.objects.none()
        return pilots_under(self.page.specific)

    def get_export_queryset(self):
        """The pilots with the phase totals their progress and health come from."""
        return pilots_under(self.page.specific, today=self.today)

    def init_instance(self, row=None):
        # A page of the type the index lists (a site's own pilot page type too).
        instance = self.index.get_pilot_model()()
        instance.locale_id = self.index.locale_id
        return instance

    # -- import ------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._reset()
        # A fresh index: treebeard places new children from its numchild.
        self.index = self.page.specific_class.objects.get(pk=self.page.pk)

    def import_row(self, row, instance_loader, **kwargs):
        # The row's number, for messages that point back at an earlier row.
        self._row_number = kwargs.get("row_number")
        return super().import_row(row, instance_loader, **kwargs)

    def get_or_init_instance(self, instance_loader, row):
        code = _text(row.get("code"))
        title = _text(row.get("title"))
        key = "code" if code else "title"
        problems = defaultdict(list)
        found = instance_loader.matches(code=code, title=title)
        if len(found) == 1:
            instance, new = found[0], False
        else:
            instance, new = self.init_instance(row), True
            if found:
                problems[key].append(
                    _(
                        "Several pilots under this index have the code “%(key)s”: "
                        "give them different codes first."
                    )
                    % {"key": code}
                    if code
                    else _(
                        "Several pilots under this index are titled “%(key)s”: "
                        "write the code of the one you mean."
                    )
                    % {"key": title}
                )
        # The same pilot twice in one file: which row should win is unclear.
        here = self.file_row(self._row_number) if self._row_number else None
        if code and code in self._seen_codes:
            problems["code"].append(
                _("This code is already in row %(row)s of this file.")
                % {"row": self._seen_codes[code]}
            )
        elif not code and title and title in self._seen_titles:
            problems["title"].append(
                _(
                    "A pilot with this title is already in row %(row)s of this "
                    "file: give each row its own code."
                )
                % {"row": self._seen_titles[title]}
            )
        elif not new and instance.pk in self._seen_pages:
            problems[key].append(
                _("This pilot is already in row %(row)s of this file.")
                % {"row": self._seen_pages[instance.pk]}
            )
        if code:
            self._seen_codes.setdefault(code, here)
        if title:
            self._seen_titles.setdefault(title, here)
        if not new:
            self._seen_pages.setdefault(instance.pk, here)
        self._problems = dict(problems)
        self._title_before = instance.title
        return instance, new

    # On a pilot that exists, a blank cell in these columns keeps its value: a
    # blank code only means "matched by title", and a status or cadence left
    # empty must not set a running pilot back to the defaults of a new one.
    KEEP_WHEN_BLANK = ("code", "status", "report_cadence")

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if (
            field.column_name in self.KEEP_WHEN_BLANK
            and instance.pk
            and not _text(row.get(field.column_name))
        ):
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        errors = dict(import_validation_errors or {})
        for field, messages in self._problems.items():
            errors.setdefault(field, []).extend(messages)
        if "title" not in errors and not (instance.title or "").strip():
            errors["title"] = [_("Enter the pilot's title.")]
        # The rules of the editor's page form (PilotProgramPageForm).
        dates = pilot_date_errors(
            start_date=instance.start_date,
            end_date=instance.end_date,
            decision_date=instance.decision_date,
        )
        for field, message in dates.items():
            errors.setdefault(field, [message])
        # The model's own rules (lengths, choices); the tree fields and, for a
        # new page, the slug are set when the page is added under the index.
        exclude = {*errors, *_TREE_FIELDS}
        if instance.pk is None:
            exclude.add("slug")
        try:
            instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.pk is not None:
            for message in self._page_problems(instance):
                errors.setdefault(NON_FIELD_ERRORS, []).append(message)
        if errors:
            raise ValidationError(errors)

    def _page_problems(self, page):
        title = self._title_before
        if page.live and page.has_unpublished_changes:
            yield _(
                "“%(page)s” has unpublished changes: publish or discard the draft "
                "first (the import saves a new version of the page)."
            ) % {"page": title}
        if _locked(page, self.user):
            yield _locked_message(title)
        if self.user is None:
            return
        perms = page.permissions_for_user(self.user)
        if not perms.can_edit():
            yield _("You may not edit “%(page)s”.") % {"page": title}
        elif page.live and not perms.can_publish():
            yield _(
                "“%(page)s” is live and you may not publish it, so the import "
                "cannot update it."
            ) % {"page": title}

    def save_instance(self, instance, is_create, row, **kwargs):
        # Pages are added to the tree and revised, not just saved; the dry run
        # (which checks every cell) writes nothing at all.
        self.before_save_instance(instance, row, **kwargs)
        if not self._is_dry_run(kwargs):
            if is_create:
                self._create_page(instance)
            else:
                self._update_page(instance)
        self.after_save_instance(instance, row, **kwargs)

    def _create_page(self, page):
        page.live = False
        page.owner = self.user
        allow_unicode = getattr(settings, "WAGTAIL_ALLOW_UNICODE_SLUGS", True)
        if not slugify(page.title, allow_unicode=allow_unicode):
            # Wagtail derives the slug from the title (unique among the
            # siblings); a title that gives none falls back to the code.
            page.slug = self._free_slug(
                slugify(page.code, allow_unicode=allow_unicode) or "pilot"
            )
        self.index.add_child(instance=page)
        revision = page.save_revision(user=self.user, log_action=True, clean=False)
        if self.batch is not None:
            PilotPageImport.objects.create(
                batch=self.batch, page=page, created=True, revision_after=revision
            )

    def _free_slug(self, base):
        slug, number = base, 1
        while self.index.get_children().filter(slug=slug).exists():
            number += 1
            slug = f"{base}-{number}"
        return slug

    def _update_page(self, page):
        before = _revision_before(page.pk, self.user)
        revision = _save_page_revision(page, user=self.user)
        if self.batch is not None:
            PilotPageImport.objects.create(
                batch=self.batch,
                page=page,
                revision_before=before,
                revision_after=revision,
            )

    # -- export ------------------------------------------------------------------

    def _summary(self, pilot):
        summary = getattr(pilot, "_export_summary", None)
        if summary is None:
            summary = pilot._export_summary = summarize(pilot, today=self.today)
        return summary

    def dehydrate_progress(self, pilot):
        return NumberWidget().render(self._summary(pilot).progress_display)

    def dehydrate_health(self, pilot):
        return force_str(self._summary(pilot).health_label)

    def dehydrate_overdue_phases(self, pilot):
        return self._summary(pilot).overdue_count


class PilotsKind(ImportExportKind):
    name = "pilots"
    label = gettext_lazy("pilot programs")
    resource_class = PilotResource
    # Pages are not deleted by the generic rollback: before_rollback deletes the
    # created ones with Wagtail's DeletePageAction and restores the changed ones.
    models = ()
    page_model = PilotIndexPageMixin
    # Restored through page revisions in the rollback hooks, not field by field.
    restore_updates = False
    columns = (
        Column(
            "code",
            en="code",
            zh="编号",
            aliases=("试点编号", "项目编号"),
            sample="SFX-ZF-06",
        ),
        Column(
            "title",
            en="title",
            zh="名称",
            required=True,
            aliases=("试点名称", "项目名称", "标题", "name"),
            sample="社区网格化管理试点",
        ),
        Column(
            "summary",
            en="summary",
            zh="摘要",
            aliases=("简介", "概述"),
            sample="把社区划分为若干网格，每格配一名网格员，做到小事不出网格、大事不出社区。",
        ),
        Column(
            "status", en="status", zh="状态", aliases=("试点状态",), sample="筹备中"
        ),
        Column(
            "lead_unit",
            en="lead unit code",
            zh="牵头单位代码",
            aliases=("牵头单位", "lead unit"),
            sample="MZJ",
        ),
        Column(
            "start_date",
            en="start date",
            zh="开始日期",
            aliases=("开始", "start"),
            sample="2026-07-01",
        ),
        Column(
            "end_date",
            en="end date",
            zh="结束日期",
            aliases=("结束", "end"),
            sample="2027-06-30",
        ),
        Column(
            "report_cadence",
            en="report cadence",
            zh="报告周期",
            aliases=("cadence",),
            sample="每月",
        ),
        Column(
            "pilot_sites",
            en="pilot sites",
            zh="试点单位代码",
            aliases=("试点单位", "pilot site codes"),
            sample="CGZ；QSZ",
        ),
        Column(
            "demonstration_sites",
            en="demonstration sites",
            zh="示范点代码",
            aliases=("示范点", "demonstration site codes"),
            sample="CGZ-DJ",
        ),
        Column("decision", en="decision", zh="决定", aliases=("推广决定",), sample=""),
        Column(
            "decision_date",
            en="decision date",
            zh="决定日期",
            sample="",
        ),
        Column(
            "rollout_scope",
            en="roll-out scope",
            zh="推广范围",
            sample="",
        ),
        Column(
            "progress",
            en="progress (%)",
            zh="进度(%)",
            aliases=("进度", "progress"),
            readonly=True,
        ),
        Column("health", en="health", zh="进展状况", readonly=True),
        Column(
            "overdue_phases",
            en="overdue phases",
            zh="逾期阶段数",
            aliases=("逾期阶段",),
            readonly=True,
        ),
    )

    def has_import_permission(self, user, *, page=None):
        """``import_data`` and the right to add pilots under the index; each
        pilot a row updates is checked on its row (edit, and publish when live)."""
        return (
            user.is_active
            and user.has_perm(PERMISSION_IMPORT)
            and self._is_index(page)
            and page.permissions_for_user(user).can_add_subpage()
        )

    def has_export_permission(self, user, *, page=None):
        return (
            user.is_active
            and user.has_perm(PERMISSION_EXPORT)
            and self._is_index(page)
            and self._has_page_permission(user, page)
        )

    def _is_index(self, page):
        return page is not None and isinstance(page.specific, self.page_model)

    def get_export_queryset(self, *, page=None):
        return self.get_resource(page=page).get_export_queryset()

    def before_rollback(self, *, batch, user=None):
        records = _page_records(batch)
        _check_rollback(records, user=user)
        return _restore_pages(records, user=user)
