"""Background tasks (django-tasks) for large files.

Development and the tests run them at once (the immediate backend); production
queues them in the database for ``manage.py db_worker``. Both take only the
batch's id, so they can run in another process.
"""

import logging

from django_tasks import task

from .models import ImportBatch
from .services import BatchStateError, batch_check, batch_import, batch_queue

logger = logging.getLogger(__name__)


@task()
def check_batch_task(batch_id: int):
    batch = ImportBatch.objects.filter(
        pk=batch_id, status=ImportBatch.Status.UPLOADED
    ).first()
    if batch is None:
        return
    try:
        batch_check(batch=batch)
    except BatchStateError as error:
        logger.info("Check of import batch %s not started: %s", batch_id, error)


@task()
def import_batch_task(batch_id: int, user_id: int | None = None):
    batch = ImportBatch.objects.filter(
        pk=batch_id, status=ImportBatch.Status.QUEUED
    ).first()
    if batch is None:
        return
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        batch_import(batch=batch, user=user)
    except BatchStateError as error:
        # The same batch queued twice, or taken by another worker: it runs once.
        logger.info("Import batch %s not started: %s", batch_id, error)


def runs_in_background(batch) -> bool:
    from ..conf import pilots_settings

    return batch.file_size > pilots_settings.IMPORT_BACKGROUND_THRESHOLD


def start_check(batch) -> ImportBatch:
    """Dry-run the batch now, or queue it when the file is large."""
    if runs_in_background(batch):
        check_batch_task.enqueue(batch.pk)
        batch.refresh_from_db()
        return batch
    return batch_check(batch=batch)


def start_import(batch, *, user=None) -> ImportBatch:
    """Import the batch now, or queue it when the file is large.

    Raises :class:`~.services.states.BatchStateError` when the batch is no longer
    checked (the import was confirmed already): exactly one of several
    simultaneous confirmations imports it.
    """
    batch_queue(batch=batch)
    if runs_in_background(batch):
        import_batch_task.enqueue(batch.pk, user.pk if user else None)
        batch.refresh_from_db()
        return batch
    return batch_import(batch=batch, user=user)
