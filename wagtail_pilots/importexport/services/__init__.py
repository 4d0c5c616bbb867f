"""Import and export services: the admin views, the background tasks and the
management commands all go through these functions, so they behave the same.

An import is: :func:`batch_upload` (store the file, refuse a duplicate) →
:func:`batch_check` (django-import-export dry run; counts, errors, preview) →
:func:`batch_import` (the real run, all-or-nothing unless invalid rows are
skipped) → maybe :func:`batch_rollback`.

One module per concept; this package re-exports their public names, so
``from wagtail_pilots.importexport.services import batch_check`` keeps working.
Patch a name where it is looked up (``services.rollback.RESTORE_CHUNK``), not
here.

- :mod:`.storage`: where uploaded files wait (``IMPORT_STORAGE``).
- :mod:`.progress`: rows done so far, in the shared cache.
- :mod:`.selectors`: the batches a user may see.
- :mod:`.upload`: store a file, refuse a duplicate.
- :mod:`.datasets`: file → dataset; result → errors, counts, preview, rejected rows.
- :mod:`.states`: status transitions, each one conditional UPDATE.
- :mod:`.audit`: the audit-log actions of imports and rollbacks.
- :mod:`.dry_run`: the check (django-import-export dry run).
- :mod:`.imports`: the real run.
- :mod:`.rollback`: undo an imported batch.
- :mod:`.cleanup`: discard a batch, fail interrupted ones, sweep old uploads.
- :mod:`.exports`: streaming exports.
"""

from .audit import ACTION_IMPORT, ACTION_ROLLBACK
from .cleanup import batch_discard, cleanup_abandoned, fail_interrupted
from .datasets import (
    ERROR_HEADER,
    IGNORED_HEADERS,
    MAX_STORED_ERRORS,
    PREVIEW_ROWS,
    ROW_HEADER,
    ROW_OUTCOMES,
    build_dataset,
    collect_errors,
    read_batch_table,
    row_outcome_label,
)
from .dry_run import batch_can_import, batch_check
from .exports import export_table, iter_json
from .imports import batch_import, batch_queue
from .progress import batch_progress
from .rollback import (
    RollbackError,
    batch_object_ids,
    batch_rollback,
    batch_rollback_plan,
    has_batch_key,
)
from .selectors import batches_visible_to, user_can_see_batch
from .states import INTERRUPTED_MESSAGE, BatchStateError
from .storage import read_batch_file, temp_dir, upload_storage
from .upload import DuplicateImportError, batch_upload, find_duplicate

__all__ = [
    "ACTION_IMPORT",
    "ACTION_ROLLBACK",
    "ERROR_HEADER",
    "IGNORED_HEADERS",
    "INTERRUPTED_MESSAGE",
    "MAX_STORED_ERRORS",
    "PREVIEW_ROWS",
    "ROW_HEADER",
    "ROW_OUTCOMES",
    "BatchStateError",
    "DuplicateImportError",
    "RollbackError",
    "batch_can_import",
    "batch_check",
    "batch_discard",
    "batch_import",
    "batch_object_ids",
    "batch_progress",
    "batch_queue",
    "batch_rollback",
    "batch_rollback_plan",
    "batch_upload",
    "batches_visible_to",
    "build_dataset",
    "cleanup_abandoned",
    "collect_errors",
    "export_table",
    "fail_interrupted",
    "find_duplicate",
    "has_batch_key",
    "iter_json",
    "read_batch_file",
    "read_batch_table",
    "row_outcome_label",
    "temp_dir",
    "upload_storage",
    "user_can_see_batch",
]
