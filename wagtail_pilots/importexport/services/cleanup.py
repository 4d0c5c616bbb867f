"""Giving up batches: discard one, fail the ones a dead worker left
"importing", sweep abandoned uploads.
"""

from django.utils import timezone

from ...conf import pilots_settings
from ..models import ImportBatch
from .states import INTERRUPTED_MESSAGE, BatchStateError, state_error, transition
from .storage import delete_strays, delete_upload


def batch_discard(*, batch) -> ImportBatch:
    """Give up a batch that was not imported: its temporary file is deleted and
    an open batch becomes "cancelled" (a failed one stays failed).

    Raises :class:`BatchStateError`, deleting nothing, when the batch is being
    imported or was imported (maybe just now, by another request).
    """
    stored_name = batch.stored_name
    batch.stored_name = ""
    kept = transition(
        batch,
        ImportBatch.OPEN_STATUSES,
        ImportBatch.Status.CANCELLED,
        fields=["stored_name"],
    ) or transition(
        batch,
        ImportBatch.Status.FAILED,
        ImportBatch.Status.FAILED,
        fields=["stored_name"],
    )
    if not kept:
        raise state_error(batch, "discard")
    delete_upload(stored_name)
    return batch


def fail_interrupted(*, older_than) -> int:
    """Mark batches still "importing" since before ``older_than`` as failed.

    A worker killed in the middle of an import (deploy, out of memory) leaves its
    batch ``running``; its transaction was rolled back by the database, so
    nothing was written. Marking it failed frees the file's SHA-256 for a new
    upload (a retry) and deletes the temporary file. Returns how many.
    """
    stale = ImportBatch.objects.filter(
        status=ImportBatch.Status.RUNNING, created_at__lt=older_than
    )
    count = 0
    for batch in stale:
        stored_name = batch.stored_name
        batch.stored_name = ""
        batch.message = str(INTERRUPTED_MESSAGE)
        batch.finished_at = timezone.now()
        # Only if still "importing": an import that commits meanwhile keeps
        # its "imported" (on PostgreSQL this UPDATE waits for that commit).
        if transition(
            batch,
            ImportBatch.Status.RUNNING,
            ImportBatch.Status.FAILED,
            fields=["stored_name", "message", "finished_at"],
        ):
            delete_upload(stored_name)
            count += 1
    return count


def cleanup_abandoned(*, older_than_hours: float | None = None) -> int:
    """Delete temporary files of uploads never confirmed; returns how many.

    Also removes stray uploads in the storage that no batch refers to.
    """
    hours = (
        pilots_settings.IMPORT_ABANDONED_AFTER_HOURS
        if older_than_hours is None
        else older_than_hours
    )
    cutoff = timezone.now() - timezone.timedelta(hours=hours)
    count = 0
    stale = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(stored_name="")
    for batch in stale.exclude(
        status__in=(ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING)
    ):
        try:
            batch_discard(batch=batch)
        except BatchStateError:
            continue  # confirmed meanwhile: no longer abandoned
        count += 1
    known = set(
        ImportBatch.objects.exclude(stored_name="").values_list(
            "stored_name", flat=True
        )
    )
    count += fail_interrupted(older_than=cutoff)
    count += delete_strays(known=known, older_than=cutoff)
    return count
