"""The dry run: check a batch's file without changing the database."""

from django.utils.translation import gettext as _
from wagtail.signal_handlers import disable_reference_index_auto_update

from ...conf import get_cache
from ..formats import ImportFileError
from ..models import ImportBatch
from .datasets import (
    MAX_STORED_ERRORS,
    build_dataset,
    collect_errors,
    preview_table,
    read_batch_table,
    rejected_table,
    result_counts,
)
from .progress import progress_callback, progress_key
from .states import fail, state_error, transition


def batch_check(*, batch, on_progress=None) -> ImportBatch:
    """Dry-run the batch's file: fills in counts, errors and the preview.

    The database is left exactly as it was (django-import-export rolls the dry
    run's transaction back).
    """
    from ..registry import get_kind

    kind = get_kind(batch.kind).for_page(batch.page)
    if not transition(batch, ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKING):
        raise state_error(batch, "check")
    try:
        table = read_batch_table(batch)
        dataset, headers = build_dataset(table, kind)
    except ImportFileError as error:
        batch.errors = [
            {"row": error.row, "column": error.column or "", "message": error.message}
        ]
        return fail(batch, error, source=ImportBatch.Status.CHECKING)
    if batch.file_format == "":
        batch.file_format = table.format
    if table.encoding:
        batch.encoding = table.encoding
    batch.rows_total = len(dataset)
    resource = kind.get_resource(
        batch=batch,
        page=batch.page,
        user=batch.user,
        progress=progress_callback(batch, on_progress),
    )
    resource.file_row_numbers = table.row_number
    # The dry run's writes are rolled back: keeping Wagtail's reference index
    # up to date for them would be wasted work (a third of the time per row).
    with disable_reference_index_auto_update():
        result = resource.import_data(
            dataset, dry_run=True, use_transactions=True, collect_failed_rows=False
        )
    errors = collect_errors(result, table, headers)
    for field, value in result_counts(result).items():
        setattr(batch, field, value)
    batch.rows_invalid = len({e["row"] for e in errors if e["row"] is not None}) or (
        batch.rows_invalid
    )
    batch.errors = errors[:MAX_STORED_ERRORS]
    batch.preview = preview_table(table, dataset, result)
    batch.rejected = rejected_table(table, dataset, errors, headers)
    batch.rows_done = 0
    target = ImportBatch.Status.CHECKED
    if result.base_errors:
        target = ImportBatch.Status.FAILED
        batch.message = _("The file could not be checked.")
    get_cache().delete(progress_key(batch.pk))
    if not transition(batch, ImportBatch.Status.CHECKING, target, fields=CHECK_FIELDS):
        # Discarded while it was being checked: the discard stands.
        batch.refresh_from_db()
    return batch


CHECK_FIELDS = (
    "file_format",
    "encoding",
    "rows_total",
    "rows_new",
    "rows_updated",
    "rows_skipped",
    "rows_invalid",
    "rows_done",
    "errors",
    "preview",
    "rejected",
    "message",
)


def batch_can_import(batch) -> bool:
    """A checked batch can be imported when it has no invalid rows, or when the
    user chose to skip them and at least one row is valid."""
    if batch.status != ImportBatch.Status.CHECKED:
        return False
    if not batch.rows_invalid:
        return True
    return batch.skip_invalid and batch.rows_invalid < batch.rows_total
