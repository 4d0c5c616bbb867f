"""Rollback: undo an imported batch in one transaction (restore what it
updated, delete what it created), or explain why it cannot be undone.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ValidationError,
)
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import snapshots
from ..models import ImportBatch, ImportedObject
from .audit import ACTION_ROLLBACK, log_data
from .states import transition

logger = logging.getLogger(__name__)


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
    from ..registry import get_kind

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
    from ..registry import get_kind

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
            if not transition(
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
                    **log_data(batch),
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
