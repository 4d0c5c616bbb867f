"""Progress of a running check or import: rows done, in the shared cache so
that any web process can read what a task worker reports.
"""

from ...conf import get_cache


def progress_key(batch_id):
    return f"wagtail_pilots:import-progress:{batch_id}"


def batch_progress(*, batch) -> int:
    """Rows processed so far; read from the shared cache while a task runs."""
    value = get_cache().get(progress_key(batch.pk))
    return batch.rows_done if value is None else value


def progress_callback(batch, on_progress=None):
    cache = get_cache()

    def report(rows_done):
        cache.set(progress_key(batch.pk), rows_done, 3600)
        if on_progress is not None:
            on_progress(rows_done, batch.rows_total)

    return report
