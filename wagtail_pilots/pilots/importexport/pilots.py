"""The **pilots** kind: the pilot programs under one pilot index page."""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources
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
    DateWidget,
    NumberWidget,
    TextWidget,
    cell_text,
)
from wagtail_pilots.models import Unit

from .. import progress as rules
from ..forms import pilot_date_errors
from ..models import (
    CADENCE_CHOICES,
    DECISION_CHOICES,
    STATUS_CHOICES,
    STATUS_PLANNING,
    PilotIndexPageMixin,
    PilotPageImport,
    PilotProgramPage,
)
from ..selectors import pilots_under, summarize
from .page_revisions import (
    check_rollback,
    locked,
    locked_message,
    page_records,
    restore_pages,
    revision_before,
    save_page_revision,
)

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
        if locked(page, self.user):
            yield locked_message(title)
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
        before = revision_before(page.pk, self.user)
        revision = save_page_revision(page, user=self.user)
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
        records = page_records(batch)
        check_rollback(records, user=user)
        return restore_pages(records, user=user)
