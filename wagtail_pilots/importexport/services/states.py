"""Status transitions of a batch.

uploaded → checking → checked → queued → running → done → rolled back, with
failed (from checking or running) and cancelled (from uploaded, checking or
checked). Every change of status is one conditional UPDATE ("… WHERE status IN
(the states it may come from)"): of two requests, tasks or commands that try
the same change at once, the database lets exactly one through, and the other
gets a BatchStateError. So a batch is imported once however often "import" is
confirmed, and a finished batch never goes back to failed or running.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ImportBatch

INTERRUPTED_MESSAGE = gettext_lazy(
    "The import was interrupted and nothing was imported. Upload the file again "
    "to retry."
)


class BatchStateError(Exception):
    """The batch is not (or no longer) in the state an action needs: another
    request, a background task or a command changed it first. The message says
    what state it is in; nothing was done."""

    def __init__(self, message, *, batch=None):
        super().__init__(message)
        self.message = message
        self.batch = batch

    def __str__(self):
        return str(self.message)


def transition(batch, source, target, *, fields=()) -> bool:
    """Move ``batch`` from one of the ``source`` statuses to ``target``, saving
    the named ``fields`` of the in-memory object in the same UPDATE.

    Returns False, changing nothing, when the batch was not in a ``source``
    status in the database (whatever the in-memory object says).
    """
    sources = (source,) if isinstance(source, str) else tuple(source)
    values = {name: getattr(batch, name) for name in fields}
    changed = ImportBatch.objects.filter(pk=batch.pk, status__in=sources).update(
        status=target, **values
    )
    if changed:
        batch.status = target
    return bool(changed)


def state_error(batch, action) -> BatchStateError:
    """The refusal when ``action`` ("check", "import", "discard") found the
    batch in another state than it needs; reads the state from the database."""
    batch.refresh_from_db()
    status = batch.status
    if action == "import" and status in (
        ImportBatch.Status.QUEUED,
        ImportBatch.Status.RUNNING,
    ):
        message = _(
            "This batch is already being imported (the import was confirmed "
            "twice, or by someone else): it was not started a second time."
        )
    elif action == "import" and status == ImportBatch.Status.DONE:
        message = _(
            "This batch has already been imported: it was not imported a second time."
        )
    elif action == "import":
        message = _("This batch cannot be imported: it is “%(status)s”.") % {
            "status": batch.get_status_display()
        }
    elif action == "discard":
        message = _("This batch can no longer be discarded: it is “%(status)s”.") % {
            "status": batch.get_status_display()
        }
    else:
        message = _("This batch is not waiting to be checked: it is “%(status)s”.") % {
            "status": batch.get_status_display()
        }
    return BatchStateError(message, batch=batch)


FINISH_FIELDS = ("message", "finished_at", "errors", "rows_done")


def fail(batch, message, *, source):
    """Mark the batch failed — only if it is still in ``source`` (a batch that
    another process finished meanwhile keeps its outcome); returns the batch as
    the database now holds it."""
    batch.message = str(message)
    batch.finished_at = timezone.now()
    fields = [
        *FINISH_FIELDS,
        "rows_total",
        "rows_new",
        "rows_updated",
        "rows_skipped",
        "rows_invalid",
        "rejected",
        "file_format",
        "encoding",
    ]
    if not transition(batch, source, ImportBatch.Status.FAILED, fields=fields):
        batch.refresh_from_db()
    return batch
