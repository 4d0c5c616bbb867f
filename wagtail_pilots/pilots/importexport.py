"""Import/export kinds of pilots (registered in ``wagtail_hooks.py``).

Both are scoped to one pilot page (``--page`` / ``?page=``):

- **pilot-phases**: phases by name — a known name updates that phase, a new
  name adds one at the end. Phases are part of the page, so after an import (or
  its rollback) the page is saved as a new revision and, when it is live,
  published; a pilot with an unpublished draft is refused (publish or discard
  the draft first, so that nobody's edits are overwritten).
- **indicator-readings**: readings by indicator (name, within this pilot) and
  date — a known pair updates the value and note.

Dates are accepted as Excel dates, ``2026-06-05``, ``2026/6/5``, ``2026.6.5``,
``2026年6月5日`` or ``20260605``.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from wagtail_pilots.importexport.registry import (
    PERMISSION_EXPORT,
    PERMISSION_IMPORT,
    Column,
    ImportExportKind,
)
from wagtail_pilots.importexport.resources import BatchResourceMixin
from wagtail_pilots.importexport.widgets import CodeForeignKeyWidget, TextWidget
from wagtail_pilots.models import Unit

from .models import IndicatorReading, PilotIndicator, PilotPhase, PilotProgramPage

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
        if value is None:
            return None
        if isinstance(value, int):
            return value
        number = Decimal(value).normalize()
        return int(number) if number == number.to_integral_value() else number


class _PilotScoped(BatchResourceMixin):
    def pilot_id(self):
        return self.page.pk if self.page is not None else None


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

    def get_queryset(self):
        return PilotPhase.objects.filter(pilot_id=self.pilot_id()).select_related(
            "owner_unit"
        )

    def init_instance(self, row=None):
        instance = super().init_instance(row)
        instance.pilot_id = self.pilot_id()
        return instance

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk is None:
            last = (
                PilotPhase.objects.filter(pilot_id=self.pilot_id())
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

    def get_queryset(self, value, row, *args, **kwargs):
        return PilotIndicator.objects.filter(pilot_id=self.pilot_id)

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
        self.fields["indicator"].widget.pilot_id = self.pilot_id()

    def get_instance(self, instance_loader, row):
        # An unknown indicator or a bad date is reported on its column when the
        # row's fields are read, not as an error of the whole row.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def get_queryset(self):
        return IndicatorReading.objects.filter(
            indicator__pilot_id=self.pilot_id()
        ).select_related("indicator")


def _publish_phases(batch):
    """Bring the page's revisions in line with the phases now in the database."""
    page = PilotProgramPage.objects.get(pk=batch.page_id)
    revision = page.save_revision(user=batch.user, clean=False)
    if page.live:
        revision.publish(user=batch.user)


class PilotPhasesKind(ImportExportKind):
    name = "pilot-phases"
    label = gettext_lazy("pilot phases")
    resource_class = PhaseResource
    models = (PilotPhase,)
    page_model = PilotProgramPage
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
    # model permissions on the inline.
    def has_import_permission(self, user, *, page=None):
        return (
            user.is_active
            and user.has_perm(PERMISSION_IMPORT)
            and self._has_page_permission(user, page)
        )

    def has_export_permission(self, user, *, page=None):
        return (
            user.is_active
            and user.has_perm(PERMISSION_EXPORT)
            and self._has_page_permission(user, page)
        )

    def check_page(self, page):
        super().check_page(page)
        if page.specific.has_unpublished_changes:
            raise ValueError(
                _(
                    "“%(page)s” has unpublished changes: publish or discard them "
                    "first (imported phases are saved as a new version of the page)."
                )
                % {"page": page.title}
            )

    def get_export_queryset(self, *, page=None):
        return (
            PilotPhase.objects.filter(pilot_id=page.pk)
            .select_related("owner_unit")
            .order_by("sort_order", "pk")
        )

    def after_import(self, *, batch, result):
        _publish_phases(batch)

    def after_rollback(self, *, batch):
        _publish_phases(batch)


class IndicatorReadingsKind(ImportExportKind):
    name = "indicator-readings"
    label = gettext_lazy("indicator readings")
    resource_class = ReadingResource
    models = (IndicatorReading,)
    page_model = PilotProgramPage
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
            IndicatorReading.objects.filter(indicator__pilot_id=page.pk)
            .select_related("indicator")
            .order_by("indicator__sort_order", "date", "pk")
        )
