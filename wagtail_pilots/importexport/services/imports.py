"""The real run: import a checked batch in one transaction."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ...conf import get_cache
from ..formats import ImportFileError
from ..models import ImportBatch
from .audit import ACTION_IMPORT, log_data
from .datasets import (
    MAX_STORED_ERRORS,
    build_dataset,
    collect_errors,
    read_batch_table,
    rejected_table,
    result_counts,
)
from .progress import progress_callback, progress_key
from .states import FINISH_FIELDS, INTERRUPTED_MESSAGE, fail, state_error, transition
from .storage import delete_upload

logger = logging.getLogger(__name__)


class _Superseded(Exception):
    """Raised inside the import's transaction to roll it back when the batch
    was taken out of "importing" by someone else meanwhile."""


DONE_FIELDS = (
    *FINISH_FIELDS,
    "rows_total",
    "rows_new",
    "rows_updated",
    "rows_skipped",
    "rows_invalid",
    "rejected",
    "stored_name",
)


def batch_queue(*, batch) -> ImportBatch:
    """Confirm a checked batch for import (checked → queued), saving its
    ``skip_invalid`` choice in the same UPDATE.

    Raises :class:`BatchStateError` when the batch is no longer checked: the
    import was confirmed already (another click, window or user) or the batch
    was discarded. Of any number of simultaneous confirmations exactly one
    passes.
    """
    if not transition(
        batch,
        ImportBatch.Status.CHECKED,
        ImportBatch.Status.QUEUED,
        fields=["skip_invalid"],
    ):
        raise state_error(batch, "import")
    return batch


def batch_import(*, batch, user=None, on_progress=None) -> ImportBatch:
    """Import a checked (or queued) batch for real, in one transaction.

    All-or-nothing unless ``batch.skip_invalid``: then invalid rows are left out
    and kept in ``batch.rejected`` for download. A row that fails for any other
    reason rolls everything back. Writes an audit-log entry.

    The batch moves to "importing" in one conditional UPDATE first, and to
    "imported" inside the import's own transaction, so its rows, its status and
    its audit entry are committed together. Raises :class:`BatchStateError`,
    importing nothing, when the batch is not checked or queued (another request,
    task or command is importing it or has imported it).
    """
    from ..registry import get_kind

    kind = get_kind(batch.kind).for_page(batch.page)
    if not transition(
        batch,
        (ImportBatch.Status.CHECKED, ImportBatch.Status.QUEUED),
        ImportBatch.Status.RUNNING,
    ):
        raise state_error(batch, "import")
    try:
        table = read_batch_table(batch)
        dataset, headers = build_dataset(table, kind)
    except ImportFileError as error:
        return fail(batch, error, source=ImportBatch.Status.RUNNING)
    resource = kind.get_resource(
        batch=batch,
        page=batch.page,
        user=user or batch.user,
        progress=progress_callback(batch, on_progress),
    )
    resource.file_row_numbers = table.row_number
    stored_name = batch.stored_name
    try:
        with transaction.atomic():
            result = resource.import_data(
                dataset,
                dry_run=False,
                use_transactions=True,
                rollback_on_validation_errors=not batch.skip_invalid,
                collect_failed_rows=False,
            )
            errors = collect_errors(result, table, headers)
            failed = result.has_errors() or (
                result.has_validation_errors() and not batch.skip_invalid
            )
            _record_outcome(batch, result, table, dataset, headers, errors)
            if not failed:
                kind.after_import(batch=batch, result=result)
                batch.finished_at = timezone.now()
                batch.message = ""
                batch.stored_name = ""
                # In the same transaction as the rows: both or neither.
                if not transition(
                    batch,
                    ImportBatch.Status.RUNNING,
                    ImportBatch.Status.DONE,
                    fields=DONE_FIELDS,
                ):
                    raise _Superseded
                log(
                    instance=batch,
                    action=ACTION_IMPORT,
                    user=user or batch.user,
                    data=log_data(batch),
                )
    except _Superseded:
        get_cache().delete(progress_key(batch.pk))
        raise state_error(batch, "import") from None
    except Exception:
        # The transaction is rolled back: nothing of the file was written. The
        # batch must not stay "importing" for ever; its file stays for a retry.
        logger.exception("Import batch %s stopped", batch.pk)
        get_cache().delete(progress_key(batch.pk))
        batch.rows_new = batch.rows_updated = batch.rows_skipped = 0
        return fail(batch, INTERRUPTED_MESSAGE, source=ImportBatch.Status.RUNNING)
    get_cache().delete(progress_key(batch.pk))
    if failed:
        batch.rows_new = batch.rows_updated = batch.rows_skipped = 0
        return fail(
            batch,
            _("Nothing was imported: %(count)s row(s) have errors.")
            % {"count": len({e["row"] for e in errors}) or 1},
            source=ImportBatch.Status.RUNNING,
        )
    # After the commit; a file left by a crash here is swept by the clean-up.
    delete_upload(stored_name)
    return batch


def _record_outcome(batch, result, table, dataset, headers, errors):
    for field, value in result_counts(result).items():
        setattr(batch, field, value)
    batch.rows_total = len(dataset)
    batch.rows_done = len(dataset)
    batch.errors = errors[:MAX_STORED_ERRORS]
    batch.rejected = rejected_table(table, dataset, errors, headers)
