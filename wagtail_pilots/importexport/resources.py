"""django-import-export resources of the suite, and the mixin every kind's uses."""

from django.contrib.contenttypes.models import ContentType
from import_export import fields, resources

from ..models import Unit, unit_kind_choices
from .models import ImportedObject
from .widgets import (
    ChoiceWidget,
    CodeForeignKeyWidget,
    CodeWidget,
    TextWidget,
    YesNoWidget,
)

PROGRESS_EVERY = 200


class BatchResourceMixin:
    """Ties a resource to an :class:`~.models.ImportBatch` through documented hooks.

    - Objects the import creates are remembered for rollback: through the model's
      own ``import_batch`` foreign key when it has one (set in
      ``before_save_instance``), else as :class:`~.models.ImportedObject` rows
      written in ``after_import``.
    - ``after_import_row`` reports progress every few hundred rows.

    A kind's resource receives ``batch``, ``page``, ``user``, ``progress`` and
    ``kind`` as keyword arguments and finds them on ``self``; :meth:`file_row`
    gives the row number a user sees in the file, for messages that point at
    another row (e.g. "the first one is in row 3").
    """

    # Set by the import services: the file's ``Table.row_number``.
    file_row_numbers = None

    def __init__(self, *, batch=None, page=None, user=None, progress=None, kind=None):
        super().__init__()
        self.batch = batch
        self.page = page
        self.user = user
        self.progress = progress
        self.kind = kind
        self._created = []
        self._rows_seen = 0

    def file_row(self, number):
        """The row number shown in a spreadsheet for the dataset's row ``number``
        (1-based, as django-import-export counts): the header is row 1 and blank
        rows skipped on reading still count."""
        if self.file_row_numbers is not None:
            return self.file_row_numbers(number - 1)
        return number + 1

    def _has_batch_field(self):
        return any(f.name == "import_batch" for f in self._meta.model._meta.fields)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if self.batch is not None and self._has_batch_field():
            instance.import_batch = self.batch

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        if is_create and not kwargs.get("dry_run") and instance.pk is not None:
            self._created.append(instance.pk)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # Counted before the row is imported: invalid rows count as processed too.
        if self.progress is not None and self._rows_seen % PROGRESS_EVERY == 0:
            self.progress(self._rows_seen)
        self._rows_seen += 1

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.progress is not None:
            self.progress(len(dataset))
        if kwargs.get("dry_run") or self.batch is None or self._has_batch_field():
            return
        content_type = ContentType.objects.get_for_model(self._meta.model)
        ImportedObject.objects.bulk_create(
            (
                ImportedObject(
                    batch=self.batch, content_type=content_type, object_id=str(pk)
                )
                for pk in self._created
            ),
            batch_size=1000,
        )


class ExportOnlyResource(BatchResourceMixin, resources.Resource):
    """The resource of an export-only kind, whose table comes from the kind's
    ``get_export_table`` (a ranked result, printable codes)."""


class UnitResource(BatchResourceMixin, resources.ModelResource):
    """Units by code: a row with a known code updates that unit.

    A parent is given by its code and may be a unit earlier in the same file.
    """

    code = fields.Field(attribute="code", column_name="code", widget=CodeWidget())
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget())
    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(
            unit_kind_choices,
            blank_value="department",
            aliases={"镇": "town", "乡": "town", "县": "county", "区": "county"},
        ),
    )
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=CodeForeignKeyWidget(Unit, field="code"),
    )
    region = fields.Field(attribute="region", column_name="region", widget=TextWidget())
    active = fields.Field(
        attribute="active", column_name="active", widget=YesNoWidget(default=True)
    )

    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "parent", "region", "active")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_html_diff = True

    def get_queryset(self):
        return Unit.objects.select_related("parent").order_by("code")
