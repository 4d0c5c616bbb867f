"""Import and export services: the admin views, the background tasks and the
management commands all go through these functions, so they behave the same.

An import is: :func:`batch_upload` (store the file, refuse a duplicate) →
:func:`batch_check` (django-import-export dry run; counts, errors, preview) →
:func:`batch_import` (the real run, all-or-nothing unless invalid rows are
skipped) → maybe :func:`batch_rollback`.
"""

import hashlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

import tablib
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ValidationError,
)
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.results import RowResult
from wagtail.log_actions import log
from wagtail.signal_handlers import disable_reference_index_auto_update

from ..conf import get_cache, pilots_settings
from . import snapshots
from .formats import ImportFileError, Table, check_file_size, read_table
from .models import ImportBatch, ImportedObject
from .registry import normalise_header

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 1000
INTERRUPTED_MESSAGE = gettext_lazy(
    "The import was interrupted and nothing was imported. Upload the file again "
    "to retry."
)
# Columns our own rejected-rows file adds; ignored when that file is re-imported.
ERROR_HEADER = "错误/error"
ROW_HEADER = "行号/row"
IGNORED_HEADERS = {normalise_header(ERROR_HEADER), normalise_header(ROW_HEADER)}

ACTION_IMPORT = "wagtail_pilots.import"
ACTION_ROLLBACK = "wagtail_pilots.import_rollback"


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


class DuplicateImportError(Exception):
    """The same file was already imported for the same kind and page."""

    def __init__(self, existing):
        super().__init__(str(existing))
        self.existing = existing


# -- temporary files -------------------------------------------------------------


def temp_dir() -> Path:
    path = Path(
        pilots_settings.IMPORT_TEMP_DIR
        or Path(tempfile.gettempdir()) / "wagtail-pilots-imports"
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _stored_path(batch) -> Path | None:
    if not batch.stored_name:
        return None
    # The name is ours (a UUID), but never trust it blindly.
    return temp_dir() / Path(batch.stored_name).name


def read_batch_file(batch) -> bytes:
    path = _stored_path(batch)
    if path is None or not path.exists():
        raise ImportFileError(
            _("The uploaded file is no longer available: upload it again.")
        )
    return path.read_bytes()


# -- progress ------------------------------------------------------------------


def _progress_key(batch_id):
    return f"wagtail_pilots:import-progress:{batch_id}"


def batch_progress(*, batch) -> int:
    """Rows processed so far; read from the shared cache while a task runs."""
    value = get_cache().get(_progress_key(batch.pk))
    return batch.rows_done if value is None else value


def _progress_callback(batch, on_progress=None):
    cache = get_cache()

    def report(rows_done):
        cache.set(_progress_key(batch.pk), rows_done, 3600)
        if on_progress is not None:
            on_progress(rows_done, batch.rows_total)

    return report


# -- reads ---------------------------------------------------------------------


def batches_visible_to(user):
    """The batches ``user`` may see, as a queryset (newest first).

    A batch is visible to whoever may import its kind — into its page, for
    page-scoped kinds: an editor of survey A does not see the file names and
    operators of survey B's imports. The rights are checked once per kind and
    once per page that has batches (few), never once per batch.
    """
    from django.db.models import Q

    from .registry import PERMISSION_IMPORT, get_kinds

    if not (user.is_active and user.has_perm(PERMISSION_IMPORT)):
        return ImportBatch.objects.none()
    from wagtail.models import Page

    kinds = get_kinds()
    visible = Q(pk__in=[])
    for kind in kinds.values():
        if kind.page_model is None and kind.has_import_permission(user):
            visible |= Q(kind=kind.name, page__isnull=True)
    pairs = list(
        ImportBatch.objects.filter(kind__in=kinds, page__isnull=False)
        .order_by()
        .values_list("kind", "page_id")
        .distinct()
    )
    pages = Page.objects.filter(pk__in={page_id for _k, page_id in pairs}).specific()
    pages = {page.pk: page for page in pages}
    allowed = {}
    for name, page_id in pairs:
        page = pages.get(page_id)
        if page is not None and kinds[name].has_import_permission(user, page=page):
            allowed.setdefault(name, []).append(page_id)
    for name, page_ids in allowed.items():
        visible |= Q(kind=name, page_id__in=page_ids)
    return ImportBatch.objects.filter(visible)


def user_can_see_batch(user, batch) -> bool:
    """Whether ``user`` may see and act on one batch: import rights on its
    kind, into its page for page-scoped kinds (the rule of
    :func:`batches_visible_to`, for one batch: a few queries, not a scan)."""
    from .registry import get_kind

    kind = get_kind(batch.kind)
    if kind is None:
        return False
    # specific_deferred: the page's class without another query (the rights
    # need its type and tree position, not its fields).
    page = batch.page.specific_deferred if batch.page_id else None
    return kind.has_import_permission(user, page=page)


# -- upload --------------------------------------------------------------------


def find_duplicate(*, kind, sha256, page=None):
    return (
        ImportBatch.objects.imported()
        .filter(kind=kind.name, sha256=sha256, page=page)
        .order_by("-created_at")
        .first()
    )


def batch_upload(
    *,
    kind,
    file_name: str,
    data: bytes,
    user=None,
    page=None,
    file_format: str = "",
    encoding: str = "",
    skip_invalid: bool = False,
    force: bool = False,
) -> ImportBatch:
    """Store an uploaded file and create its batch.

    Raises :class:`DuplicateImportError` when the same file was already imported
    (same SHA-256, kind and page) and ``force`` is false, ``ValueError`` when
    ``page`` does not suit the kind, and :class:`ImportFileError` when the file
    is over ``IMPORT_MAX_FILE_SIZE``; nothing is stored then.
    """
    kind.check_page(page)
    check_file_size(len(data))
    sha256 = hashlib.sha256(data).hexdigest()
    if not force:
        existing = find_duplicate(kind=kind, sha256=sha256, page=page)
        if existing is not None:
            raise DuplicateImportError(existing)
    stored_name = f"{uuid.uuid4().hex}.upload"
    path = temp_dir() / stored_name
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)
    return ImportBatch.objects.create(
        kind=kind.name,
        file_name=os.path.basename(file_name)[:255] or "upload",
        file_size=len(data),
        sha256=sha256,
        file_format=file_format or "",
        encoding=encoding or "",
        stored_name=stored_name,
        page=page,
        user=user,
        skip_invalid=skip_invalid,
        forced=force,
    )


# -- reading a file into a dataset ----------------------------------------------


def build_dataset(table: Table, kind) -> tuple[tablib.Dataset, dict]:
    """Match the file's headers to the kind's columns; returns the dataset (in the
    resource's column names) and ``{field: header as written in the file}``.

    Raises :class:`ImportFileError` listing every missing, duplicate or unknown
    header at once.
    """
    used = {}
    positions = []
    unknown = []
    duplicates = []
    for position, header in enumerate(table.headers):
        text = force_str(header).strip()
        if not text or normalise_header(text) in IGNORED_HEADERS:
            continue
        column = kind.match_header(text)
        if column is None:
            unknown.append(text)
            continue
        if column.field in used:
            duplicates.append((used[column.field], text))
            continue
        used[column.field] = text
        if column.readonly:
            # Written by exports for information (e.g. progress), never imported.
            continue
        positions.append((position, column.field))
    problems = []
    missing = [c.header for c in kind.columns if c.required and c.field not in used]
    if missing:
        problems.append(
            _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}
        )
    for first, second in duplicates:
        problems.append(
            _("Columns “%(first)s” and “%(second)s” are the same column.")
            % {"first": first, "second": second}
        )
    if unknown:
        problems.append(
            _("Unknown column(s): %(columns)s. Accepted columns: %(accepted)s.")
            % {
                "columns": ", ".join(unknown),
                "accepted": ", ".join(c.header for c in kind.template_columns()),
            }
        )
    if problems:
        raise ImportFileError(
            " ".join(problems), row=1 if table.format != "json" else None
        )
    dataset = tablib.Dataset(headers=[name for _p, name in positions])
    for values in table.rows:
        dataset.append([values[p] for p, _name in positions])
    return dataset, used


def read_batch_table(batch) -> Table:
    data = read_batch_file(batch)
    return read_table(
        data,
        filename=batch.file_name,
        fmt=batch.file_format or None,
        encoding=batch.encoding or None,
    )


def collect_errors(result, table: Table, headers: dict) -> list:
    """Every row error of a django-import-export result as
    ``{"row", "column", "message"}`` dicts, rows numbered as in the file."""
    errors = []
    for invalid in result.invalid_rows:
        row = table.row_number(invalid.number - 1)
        for field, messages in invalid.error_dict.items():
            column = "" if field == NON_FIELD_ERRORS else headers.get(field, field)
            for message in messages:
                errors.append({"row": row, "column": column, "message": str(message)})
    for number, row_errors in result.row_errors():
        row = table.row_number(number - 1)
        for error in row_errors:
            errors.append(
                {"row": row, "column": "", "message": _error_text(error.error)}
            )
    for error in result.base_errors:
        errors.append({"row": None, "column": "", "message": _error_text(error.error)})
    errors.sort(key=lambda e: (e["row"] is None, e["row"] or 0))
    return errors


def _error_text(exception):
    # Unexpected exceptions are logged in full for the developers; users see
    # one line, never a traceback.
    logger.info("import row error: %r", exception)
    return force_str(exception) or exception.__class__.__name__


def _counts(result):
    totals = result.totals
    return {
        "rows_new": totals.get("new", 0),
        "rows_updated": totals.get("update", 0),
        "rows_skipped": totals.get("skip", 0),
        "rows_invalid": totals.get("invalid", 0) + totals.get("error", 0),
    }


# What django-import-export's row types mean to an editor, in the words of the
# batch's counts (an "error" row is counted, and shown, as invalid).
ROW_OUTCOMES = {
    RowResult.IMPORT_TYPE_NEW: gettext_lazy("new"),
    RowResult.IMPORT_TYPE_UPDATE: gettext_lazy("updated"),
    RowResult.IMPORT_TYPE_SKIP: gettext_lazy("skipped (unchanged)"),
    RowResult.IMPORT_TYPE_INVALID: gettext_lazy("invalid"),
    RowResult.IMPORT_TYPE_ERROR: gettext_lazy("invalid"),
    RowResult.IMPORT_TYPE_DELETE: gettext_lazy("deleted"),
}


def row_outcome_label(import_type):
    """The translated outcome of a preview row (its stored ``status``)."""
    return ROW_OUTCOMES.get(import_type, import_type)


def _preview(table, dataset, result):
    statuses = [r.import_type for r in result.rows]
    if len(statuses) != len(dataset):
        statuses = [""] * len(dataset)
    rows = []
    for index in range(min(PREVIEW_ROWS, len(dataset))):
        rows.append(
            {
                "number": table.row_number(index),
                "status": statuses[index],
                "values": [_jsonable(v) for v in dataset[index]],
            }
        )
    return {"headers": list(dataset.headers), "rows": rows}


def _rejected(table, dataset, errors, headers_by_field):
    bad_rows = {}
    for error in errors:
        if error["row"] is not None:
            bad_rows.setdefault(error["row"], []).append(
                f"{error['column']}: {error['message']}"
                if error["column"]
                else error["message"]
            )
    rows = []
    for index in range(len(dataset)):
        number = table.row_number(index)
        if number in bad_rows:
            rows.append(
                [
                    number,
                    *(_jsonable(v) for v in dataset[index]),
                    "; ".join(bad_rows[number]),
                ]
            )
    headers = [headers_by_field.get(f, f) for f in dataset.headers]
    return {"headers": headers, "rows": rows}


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return force_str(value)


# -- status transitions -------------------------------------------------------------
#
# uploaded → checking → checked → queued → running → done → rolled back, with
# failed (from checking or running) and cancelled (from uploaded, checking or
# checked). Every change of status is one conditional UPDATE ("… WHERE status IN
# (the states it may come from)"): of two requests, tasks or commands that try
# the same change at once, the database lets exactly one through, and the other
# gets a BatchStateError. So a batch is imported once however often "import" is
# confirmed, and a finished batch never goes back to failed or running.


def _transition(batch, source, target, *, fields=()) -> bool:
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


def _state_error(batch, action) -> BatchStateError:
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


def _fail(batch, message, *, source):
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
    if not _transition(batch, source, ImportBatch.Status.FAILED, fields=fields):
        batch.refresh_from_db()
    return batch


# -- dry run ---------------------------------------------------------------------


def batch_check(*, batch, on_progress=None) -> ImportBatch:
    """Dry-run the batch's file: fills in counts, errors and the preview.

    The database is left exactly as it was (django-import-export rolls the dry
    run's transaction back).
    """
    from .registry import get_kind

    kind = get_kind(batch.kind).for_page(batch.page)
    if not _transition(batch, ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKING):
        raise _state_error(batch, "check")
    try:
        table = read_batch_table(batch)
        dataset, headers = build_dataset(table, kind)
    except ImportFileError as error:
        batch.errors = [
            {"row": error.row, "column": error.column or "", "message": error.message}
        ]
        return _fail(batch, error, source=ImportBatch.Status.CHECKING)
    if batch.file_format == "":
        batch.file_format = table.format
    if table.encoding:
        batch.encoding = table.encoding
    batch.rows_total = len(dataset)
    resource = kind.get_resource(
        batch=batch,
        page=batch.page,
        user=batch.user,
        progress=_progress_callback(batch, on_progress),
    )
    resource.file_row_numbers = table.row_number
    # The dry run's writes are rolled back: keeping Wagtail's reference index
    # up to date for them would be wasted work (a third of the time per row).
    with disable_reference_index_auto_update():
        result = resource.import_data(
            dataset, dry_run=True, use_transactions=True, collect_failed_rows=False
        )
    errors = collect_errors(result, table, headers)
    for field, value in _counts(result).items():
        setattr(batch, field, value)
    batch.rows_invalid = len({e["row"] for e in errors if e["row"] is not None}) or (
        batch.rows_invalid
    )
    batch.errors = errors[:MAX_STORED_ERRORS]
    batch.preview = _preview(table, dataset, result)
    batch.rejected = _rejected(table, dataset, errors, headers)
    batch.rows_done = 0
    target = ImportBatch.Status.CHECKED
    if result.base_errors:
        target = ImportBatch.Status.FAILED
        batch.message = _("The file could not be checked.")
    get_cache().delete(_progress_key(batch.pk))
    if not _transition(batch, ImportBatch.Status.CHECKING, target, fields=CHECK_FIELDS):
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


# -- the real run -----------------------------------------------------------------


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
    if not _transition(
        batch,
        ImportBatch.Status.CHECKED,
        ImportBatch.Status.QUEUED,
        fields=["skip_invalid"],
    ):
        raise _state_error(batch, "import")
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
    from .registry import get_kind

    kind = get_kind(batch.kind).for_page(batch.page)
    if not _transition(
        batch,
        (ImportBatch.Status.CHECKED, ImportBatch.Status.QUEUED),
        ImportBatch.Status.RUNNING,
    ):
        raise _state_error(batch, "import")
    try:
        table = read_batch_table(batch)
        dataset, headers = build_dataset(table, kind)
    except ImportFileError as error:
        return _fail(batch, error, source=ImportBatch.Status.RUNNING)
    resource = kind.get_resource(
        batch=batch,
        page=batch.page,
        user=user or batch.user,
        progress=_progress_callback(batch, on_progress),
    )
    resource.file_row_numbers = table.row_number
    stored_path = _stored_path(batch)
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
                if not _transition(
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
                    data=_log_data(batch),
                )
    except _Superseded:
        get_cache().delete(_progress_key(batch.pk))
        raise _state_error(batch, "import") from None
    except Exception:
        # The transaction is rolled back: nothing of the file was written. The
        # batch must not stay "importing" for ever; its file stays for a retry.
        logger.exception("Import batch %s stopped", batch.pk)
        get_cache().delete(_progress_key(batch.pk))
        batch.rows_new = batch.rows_updated = batch.rows_skipped = 0
        return _fail(batch, INTERRUPTED_MESSAGE, source=ImportBatch.Status.RUNNING)
    get_cache().delete(_progress_key(batch.pk))
    if failed:
        batch.rows_new = batch.rows_updated = batch.rows_skipped = 0
        return _fail(
            batch,
            _("Nothing was imported: %(count)s row(s) have errors.")
            % {"count": len({e["row"] for e in errors}) or 1},
            source=ImportBatch.Status.RUNNING,
        )
    if stored_path is not None:
        # After the commit; a file left by a crash here is swept by the clean-up.
        stored_path.unlink(missing_ok=True)
    return batch


def _record_outcome(batch, result, table, dataset, headers, errors):
    for field, value in _counts(result).items():
        setattr(batch, field, value)
    batch.rows_total = len(dataset)
    batch.rows_done = len(dataset)
    batch.errors = errors[:MAX_STORED_ERRORS]
    batch.rejected = _rejected(table, dataset, errors, headers)


def _log_data(batch):
    return {
        "kind": batch.kind,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
        "page_id": batch.page_id,
        "rows_new": batch.rows_new,
        "rows_updated": batch.rows_updated,
        "rows_skipped": batch.rows_skipped,
        "rows_invalid": batch.rows_invalid,
    }


# -- rollback and clean-up ---------------------------------------------------------


def has_batch_key(model) -> bool:
    """Whether the model records its import batch itself (``import_batch``
    foreign key: responses, ballots), rather than through ImportedObject."""
    return any(f.name == "import_batch" for f in model._meta.fields)


def _created_records(*, batch, model):
    """ImportedObject rows of the ``model`` objects the batch created."""
    return ImportedObject.objects.filter(
        batch=batch,
        content_type=ContentType.objects.get_for_model(model),
        action=ImportedObject.Action.CREATED,
    )


def batch_object_ids(*, batch, model) -> list:
    """Primary keys of ``model`` objects the batch created."""
    if has_batch_key(model):
        return list(
            model._default_manager.filter(import_batch=batch).values_list(
                "pk", flat=True
            )
        )
    ids = _created_records(batch=batch, model=model).values_list("object_id", flat=True)
    return [model._meta.pk.to_python(pk) for pk in ids]


def _batch_page(batch):
    """The specific page the batch was imported into, or ``None``."""
    if not batch.page_id:
        return None
    from wagtail.models import Page

    page = Page.objects.filter(pk=batch.page_id).first()
    return page.specific if page is not None else None


def batch_rollback_plan(*, batch) -> dict:
    """What rolling the batch back would do: ``{"created": objects it would
    delete, "updated": objects it would restore}`` (counted by the database).
    Kinds that undo their own objects (``restore_updates = False``: pages)
    report the batch's own counts of new and updated rows."""
    from .registry import get_kind

    kind = get_kind(batch.kind)
    if kind is not None and not kind.restore_updates:
        return {"created": batch.rows_new, "updated": batch.rows_updated}
    created = 0
    models = kind.get_models(page=_batch_page(batch)) if kind is not None else ()
    for model in models:
        if has_batch_key(model):
            created += model._default_manager.filter(import_batch=batch).count()
        else:
            created += _created_records(batch=batch, model=model).count()
    updated = ImportedObject.objects.filter(
        batch=batch, action=ImportedObject.Action.UPDATED
    ).count()
    return {"created": created, "updated": updated}


class RollbackError(Exception):
    pass


# Objects named in a refusal; the message says how many more there are.
NAMED_OBJECTS = 5
RESTORE_CHUNK = 500


def _name_objects(described, total):
    text = "; ".join(described[:NAMED_OBJECTS])
    if total > NAMED_OBJECTS:
        text += " " + _("and %(count)s more") % {"count": total - NAMED_OBJECTS}
    return text


def _error_text_for(model, error):
    """The messages of a model ``ValidationError``, each after its field's label."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for name, messages in error.message_dict.items():
        text = " ".join(messages)
        if name == NON_FIELD_ERRORS:
            parts.append(text)
        else:
            try:
                label = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:
                label = name
            parts.append(f"{label}: {text}")
    return " ".join(parts)


def _updated_records(batch):
    """``(model, [(object pk, previous, written), ...])`` in chunks, read page
    by page (no cursor stays open while objects are saved)."""
    records = ImportedObject.objects.filter(
        batch=batch, action=ImportedObject.Action.UPDATED
    )
    content_type_ids = list(
        records.order_by().values_list("content_type", flat=True).distinct()
    )
    for content_type_id in content_type_ids:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue  # the model is gone: nothing left to restore
        rows = records.filter(content_type_id=content_type_id).order_by("pk")
        last = 0
        while True:
            page = list(
                rows.filter(pk__gt=last).values_list(
                    "pk", "object_id", "previous", "written"
                )[:RESTORE_CHUNK]
            )
            if not page:
                break
            last = page[-1][0]
            yield (
                model,
                [
                    (model._meta.pk.to_python(object_id), previous, written)
                    for _pk, object_id, previous, written in page
                ],
            )


def _restore_updated(batch) -> tuple[int, int]:
    """Put the objects the batch updated back as they were before the import.

    Inside the rollback's transaction. An object whose imported values were
    changed since (by an editor, or a later import) refuses the whole rollback,
    so that nobody's edit is silently overwritten; only the fields the import
    changed are compared and restored, so later edits of other fields are kept.
    Each object is validated (its fields, unique values) and saved through its
    normal ``save()`` — search index, reference index and signals as for any
    edit — and once all are back, its ``clean()`` is run against the result
    (a unit's parent must not make a loop). Objects deleted since are left
    deleted. Returns ``(restored, not_found)``; raises :class:`RollbackError`.
    """
    changed, invalid, restored_keys = [], [], []
    changed_count = invalid_count = not_found = 0
    for model, chunk in _updated_records(batch):
        current = (
            model._default_manager.select_for_update()
            .filter(pk__in=[pk for pk, _p, _w in chunk])
            .order_by()
            .in_bulk()
        )
        for pk, previous, written in chunk:
            obj = current.get(pk)
            if obj is None:
                not_found += 1
                continue
            fields = [f for f in model._meta.concrete_fields if f.name in written]
            edited = [
                f
                for f in fields
                if snapshots.load(f, written[f.name]) != f.value_from_object(obj)
            ]
            if edited:
                changed_count += 1
                if len(changed) < NAMED_OBJECTS:
                    labels = ", ".join(str(f.verbose_name) for f in edited)
                    changed.append(f"{obj} ({labels})")
                continue
            if changed_count:
                continue  # refused anyway: only finish finding the edited ones
            label = str(obj)  # named as users see it now, before the restore
            for field in fields:
                setattr(obj, field.attname, snapshots.load(field, previous[field.name]))
            others = [
                f.name for f in model._meta.concrete_fields if f.name not in written
            ]
            try:
                obj.clean_fields(exclude=others)
                obj.validate_unique(exclude=others)
                obj.validate_constraints(exclude=others)
            except ValidationError as error:
                invalid_count += 1
                if len(invalid) < NAMED_OBJECTS:
                    invalid.append(f"{label}: {_error_text_for(model, error)}")
                continue
            if not invalid_count:
                obj.save(update_fields=[f.name for f in fields])
                restored_keys.append((model, pk, label))
    if changed_count:
        raise RollbackError(
            _(
                "This batch cannot be rolled back: %(count)s record(s) it updated "
                "have been changed since the import (%(objects)s), and restoring "
                "them would overwrite those changes. Nothing was rolled back."
            )
            % {"count": changed_count, "objects": _name_objects(changed, changed_count)}
        )
    # Rules across objects (a unit's ancestors) are checked once all are back.
    by_model = {}
    for model, pk, label in restored_keys:
        by_model.setdefault(model, {})[pk] = label
    for model, labels in by_model.items():
        pks = list(labels)
        for start in range(0, len(pks), RESTORE_CHUNK):
            for obj in model._default_manager.filter(
                pk__in=pks[start : start + RESTORE_CHUNK]
            ):
                try:
                    obj.clean()
                except ValidationError as error:
                    invalid_count += 1
                    if len(invalid) < NAMED_OBJECTS:
                        text = _error_text_for(model, error)
                        invalid.append(f"{labels[obj.pk]}: {text}")
    if invalid_count:
        raise RollbackError(
            _(
                "This batch cannot be rolled back: restoring %(count)s record(s) it "
                "updated would make them invalid (%(objects)s). Nothing was rolled "
                "back."
            )
            % {"count": invalid_count, "objects": _name_objects(invalid, invalid_count)}
        )
    return len(restored_keys), not_found


def batch_rollback(*, batch, user=None) -> ImportBatch:
    """Undo the batch in one transaction, and log it: objects it updated get
    their previous values back (see :func:`_restore_updated`), objects it
    created are deleted. ``batch.message`` then says how many of each.

    Raises :class:`RollbackError`, with nothing changed, when the batch cannot
    be rolled back: not imported, an updated object was changed since, a
    restored value would be invalid, or other data now depends on what it
    created.
    """
    from .registry import get_kind

    kind = get_kind(batch.kind)
    if kind is None:
        raise RollbackError(
            _("This batch cannot be rolled back: its kind “%(kind)s” is not installed.")
            % {"kind": batch.kind}
        )
    deleted = 0
    try:
        with transaction.atomic():
            # Locked and checked again inside the transaction: a second click
            # or a concurrent command waits, then finds it rolled back.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if not locked.can_roll_back:
                raise RollbackError(_("Only an imported batch can be rolled back."))
            # Restored first: the check compares with what the import left.
            restored, not_found = _restore_updated(batch)
            # Kinds that undo their own rows (pages) may return their counts.
            counts = kind.before_rollback(batch=batch, user=user) or {}
            deleted += counts.get("deleted", 0)
            restored += counts.get("restored", 0)
            for model in kind.get_models(page=_batch_page(batch)):
                if has_batch_key(model):
                    _count, by_model = model._default_manager.filter(
                        import_batch=batch
                    ).delete()
                    deleted += by_model.get(model._meta.label, 0)
                    continue
                ids = batch_object_ids(batch=batch, model=model)
                for start in range(0, len(ids), 500):
                    _count, by_model = model._default_manager.filter(
                        pk__in=ids[start : start + 500]
                    ).delete()
                    deleted += by_model.get(model._meta.label, 0)
            counts = kind.after_rollback(batch=batch, user=user) or {}
            deleted += counts.get("deleted", 0)
            restored += counts.get("restored", 0)
            batch.imported_objects.all().delete()
            batch.rolled_back_at = timezone.now()
            batch.message = _(
                "Rolled back: %(deleted)s created record(s) removed, %(restored)s "
                "updated record(s) restored."
            ) % {"deleted": deleted, "restored": restored}
            if not_found:
                batch.message += " " + _(
                    "%(count)s updated record(s) had been deleted since the import "
                    "and were left deleted."
                ) % {"count": not_found}
            # Conditional as every status change (SQLite ignores the row lock
            # above when its transactions are not IMMEDIATE).
            if not _transition(
                batch,
                ImportBatch.Status.DONE,
                ImportBatch.Status.ROLLED_BACK,
                fields=["rolled_back_at", "message"],
            ):
                raise RollbackError(_("Only an imported batch can be rolled back."))
            log(
                instance=batch,
                action=ACTION_ROLLBACK,
                user=user,
                data={
                    **_log_data(batch),
                    "deleted": deleted,
                    "restored": restored,
                    "not_found": not_found,
                },
            )
    except RollbackError:
        batch.refresh_from_db()
        raise
    except (ProtectedError, RestrictedError) as error:
        batch.refresh_from_db()
        blockers = ", ".join(
            sorted(
                {
                    str(o)
                    for o in list(
                        getattr(error, "protected_objects", None)
                        or getattr(error, "restricted_objects", ())
                    )[:5]
                }
            )
        )
        raise RollbackError(
            _(
                "This batch cannot be rolled back: other data now refers to what it "
                "imported (%(objects)s)."
            )
            % {"objects": blockers}
        ) from None
    except IntegrityError:
        # A constraint the checks above could not foresee (a concurrent write).
        logger.exception("Rollback of import batch %s refused", batch.pk)
        batch.refresh_from_db()
        raise RollbackError(
            _(
                "This batch cannot be rolled back: the database refused the change "
                "(another edit may have happened at the same time). Nothing was "
                "rolled back; try again."
            )
        ) from None
    return batch


def batch_discard(*, batch) -> ImportBatch:
    """Give up a batch that was not imported: its temporary file is deleted and
    an open batch becomes "cancelled" (a failed one stays failed).

    Raises :class:`BatchStateError`, deleting nothing, when the batch is being
    imported or was imported (maybe just now, by another request).
    """
    path = _stored_path(batch)
    batch.stored_name = ""
    kept = _transition(
        batch,
        ImportBatch.OPEN_STATUSES,
        ImportBatch.Status.CANCELLED,
        fields=["stored_name"],
    ) or _transition(
        batch,
        ImportBatch.Status.FAILED,
        ImportBatch.Status.FAILED,
        fields=["stored_name"],
    )
    if not kept:
        raise _state_error(batch, "discard")
    if path is not None:
        path.unlink(missing_ok=True)
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
        path = _stored_path(batch)
        batch.stored_name = ""
        batch.message = str(INTERRUPTED_MESSAGE)
        batch.finished_at = timezone.now()
        # Only if still "importing": an import that commits meanwhile keeps
        # its "imported" (on PostgreSQL this UPDATE waits for that commit).
        if _transition(
            batch,
            ImportBatch.Status.RUNNING,
            ImportBatch.Status.FAILED,
            fields=["stored_name", "message", "finished_at"],
        ):
            if path is not None:
                path.unlink(missing_ok=True)
            count += 1
    return count


def cleanup_abandoned(*, older_than_hours: float | None = None) -> int:
    """Delete temporary files of uploads never confirmed; returns how many.

    Also removes stray files in the temporary folder that no batch refers to.
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
    for path in temp_dir().glob("*.upload"):
        if path.name not in known and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
            count += 1
    return count


# -- export --------------------------------------------------------------------------


def export_table(*, kind, page=None, layout=None) -> tuple[list, Iterable]:
    """Headers (``zh/en``) and a lazy iterator of rows, for streaming exports.

    Rows are rendered by the kind's resource (its widgets), one database chunk
    at a time, so memory stays flat however many rows there are. ``layout`` is
    one of the kind's :class:`~.registry.Layout` (None: the default).
    """
    kind = kind.for_page(page).for_layout(layout)
    custom = kind.get_export_table(page=page)
    if custom is not None:
        return custom
    resource = kind.get_resource(page=page)
    fields_by_name = {f.column_name: f for f in resource.get_export_fields()}
    columns = [c for c in kind.columns if c.field in fields_by_name]
    headers = [c.header for c in columns]
    queryset = kind.get_export_queryset(page=page)

    def rows():
        for instance in queryset.iterator(chunk_size=2000):
            yield [
                resource.export_field(fields_by_name[c.field], instance)
                for c in columns
            ]

    return headers, rows()


def iter_json(headers, rows):
    """A JSON list of objects, produced piece by piece."""
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + json.dumps(
            dict(zip(headers, row, strict=False)), ensure_ascii=False, default=str
        )
    yield "]\n"
