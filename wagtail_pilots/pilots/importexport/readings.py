"""The **indicator-readings** kind: the readings of one pilot page, by
indicator and date.
"""

from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from wagtail_pilots.importexport.registry import (
    Column,
    ImportExportKind,
)
from wagtail_pilots.importexport.widgets import (
    DateWidget,
    NumberWidget,
    TextWidget,
)

from ..models import (
    IndicatorReading,
    PilotIndicator,
    PilotProgramPageMixin,
)
from .scoped import PilotScopedResource


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


class ReadingResource(PilotScopedResource, resources.ModelResource):
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
