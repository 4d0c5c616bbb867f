"""The **pilot-phases** kind: the phases of one pilot page, by name."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources

from wagtail_pilots.importexport.registry import (
    PERMISSION_EXPORT,
    PERMISSION_IMPORT,
    Column,
    ImportExportKind,
)
from wagtail_pilots.importexport.widgets import (
    CodeForeignKeyWidget,
    DateWidget,
    NumberWidget,
    TextWidget,
)
from wagtail_pilots.models import Unit

from ..models import (
    PilotPageImport,
    PilotPhase,
    PilotProgramPageMixin,
)
from .page_revisions import (
    check_rollback,
    locked,
    locked_message,
    page_records,
    pilot_page,
    publish_phases,
    restore_pages,
    revision_before,
)
from .scoped import PilotScopedResource


class PhaseResource(PilotScopedResource, resources.ModelResource):
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
        pilot = pilot_page(self.pilot_id())
        if pilot.live and pilot.has_unpublished_changes:
            # A draft saved since the upload was checked: refuse, as at upload.
            raise ValueError(
                _(
                    "“%(page)s” has unpublished changes: publish or discard them "
                    "first (imported phases are saved as a new version of the page)."
                )
                % {"page": pilot.title}
            )
        if locked(pilot, self.user):
            raise ValueError(locked_message(pilot.title))
        if not self.dry_run and self.batch is not None:
            # The version a rollback goes back to; the revision the import
            # makes is added by PilotPhasesKind.after_import.
            PilotPageImport.objects.create(
                batch=self.batch,
                page_id=self.pilot_id(),
                revision_before=revision_before(self.pilot_id(), self.user),
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
        revision = publish_phases(batch)
        PilotPageImport.objects.filter(batch=batch, page_id=batch.page_id).update(
            revision_after=revision
        )

    def before_rollback(self, *, batch, user=None):
        check_rollback(page_records(batch), user=user)

    def after_rollback(self, *, batch, user=None):
        # The phases the batch created are deleted by now; the page goes back
        # to its revision from before the import (phases it updated included).
        records = page_records(batch)
        if records:
            restore_pages(records, user=user)
            return {"restored": batch.rows_updated}
        # A batch imported before pages were recorded: bring the page's
        # revisions in line with the phases that are left.
        publish_phases(batch, user=user)
        return None
