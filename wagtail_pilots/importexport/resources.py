"""django-import-export resources of the suite, and the mixin every kind's uses."""

import itertools

from django.contrib.contenttypes.models import ContentType
from django.utils.functional import cached_property
from import_export import fields, resources
from import_export.results import RowResult

from ..models import Unit, unit_kind_choices
from . import snapshots
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
    - Objects it updates are remembered as ``ImportedObject`` rows with the
      changed fields' values before and after (``after_init_instance`` notes the
      values of the instance as loaded, ``after_import_row`` compares them with
      what was saved; unchanged and skipped rows record nothing), so that a
      rollback can restore them. A kind with ``restore_updates = False`` (one
      that undoes its updates itself) records none.
    - ``before_import_row`` reports progress every few hundred rows.

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
        self._created = {}
        self._updated = {}
        self._row = None
        self._rows_seen = 0

    def file_row(self, number):
        """The row number shown in a spreadsheet for the dataset's row ``number``
        (1-based, as django-import-export counts): the header is row 1 and blank
        rows skipped on reading still count."""
        if self.file_row_numbers is not None:
            return self.file_row_numbers(number - 1)
        return number + 1

    def _has_batch_field(self):
        from .services import has_batch_key

        return has_batch_key(self._meta.model)

    def _records_updates(self, kwargs):
        return (
            self.batch is not None
            and not kwargs.get("dry_run")
            and getattr(self.kind, "restore_updates", True)
        )

    @cached_property
    def _tracked_fields(self):
        return snapshots.tracked_fields(
            self._meta.model, [f.attribute for f in self.get_import_fields()]
        )

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        # Only what the batch creates belongs to it: an object it updates keeps
        # the batch that created it (its rollback is recorded separately).
        if (
            self.batch is not None
            and instance._state.adding
            and self._has_batch_field()
        ):
            instance.import_batch = self.batch

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        if is_create and not kwargs.get("dry_run") and instance.pk is not None:
            self._created[instance.pk] = None

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        self._row = None
        # Counted before the row is imported: invalid rows count as processed too.
        if self.progress is not None and self._rows_seen % PROGRESS_EVERY == 0:
            self.progress(self._rows_seen)
        self._rows_seen += 1

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if not new and self._records_updates(kwargs):
            # The values as loaded, before the row's cells are applied: plain
            # field values, no query and no copy of the instance.
            self._row = (instance, snapshots.raw_values(self._tracked_fields, instance))

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self._row is None or row_result.import_type != RowResult.IMPORT_TYPE_UPDATE:
            return
        instance, before = self._row
        self._row = None
        if instance.pk in self._created:
            return  # created earlier in this file: the rollback deletes it
        previous, written = snapshots.changes(self._tracked_fields, before, instance)
        if instance.pk in self._updated:
            # Updated again by a later row of the file: keep the values from
            # before the first update and those written by the last.
            first_previous, first_written = self._updated[instance.pk]
            previous = {**previous, **first_previous}
            written = {**first_written, **written}
            for field in self._tracked_fields:
                if field.name in previous and snapshots.load(
                    field, previous[field.name]
                ) == snapshots.load(field, written[field.name]):
                    del previous[field.name], written[field.name]
        if previous:
            self._updated[instance.pk] = (previous, written)
        else:
            self._updated.pop(instance.pk, None)

    # django-import-export passes ``dry_run`` to the row hooks but not to
    # before_import / after_import: kept here for them.
    dry_run = False

    def import_data(self, dataset, dry_run=False, **kwargs):
        self.dry_run = dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.progress is not None:
            self.progress(len(dataset))
        if self.dry_run or self.batch is None:
            return
        content_type = ContentType.objects.get_for_model(self._meta.model)
        created = () if self._has_batch_field() else self._created
        records = itertools.chain(
            (
                ImportedObject(
                    batch=self.batch, content_type=content_type, object_id=str(pk)
                )
                for pk in created
            ),
            (
                ImportedObject(
                    batch=self.batch,
                    content_type=content_type,
                    object_id=str(pk),
                    action=ImportedObject.Action.UPDATED,
                    previous=previous,
                    written=written,
                )
                for pk, (previous, written) in self._updated.items()
            ),
        )
        ImportedObject.objects.bulk_create(records, batch_size=1000)


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
