"""Field values of a model instance as JSON and back, so that an import's
updates can be undone (see :class:`.models.ImportedObject`).

Values are written the way Django's own serialisers write them: through the
model field's ``value_to_string`` (dates, decimals, times as text), except
``None``, booleans, integers and text, which JSON holds as they are. They are
read back with the field's ``to_python``. A foreign key is its target's primary
key (``value_from_object``), so no related object is loaded.
"""

from django.db import models


def tracked_fields(model, attributes) -> list:
    """The concrete fields of ``model`` that the resource fields' ``attributes``
    write; primary keys, relation paths (``a__b``) and properties are left out."""
    by_name = {
        field.name: field
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    fields = []
    for attribute in attributes:
        field = by_name.get(attribute)
        if field is not None and field not in fields:
            fields.append(field)
    return fields


def raw_values(fields, instance) -> dict:
    """``{field name: value}`` as held by ``instance`` now (no query)."""
    return {field.name: field.value_from_object(instance) for field in fields}


def dump(field, value):
    """A JSON-safe form of ``value`` of ``field``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(field, models.JSONField):
        return value
    # value_to_string reads the value from an object: give it one.
    holder = _Holder()
    setattr(holder, field.attname, value)
    return field.value_to_string(holder)


def load(field, value):
    """The Python value of ``field`` that :func:`dump` wrote."""
    if value is None or isinstance(field, models.JSONField):
        return value
    return field.to_python(value)


def changes(fields, before: dict, instance) -> tuple[dict, dict]:
    """The fields whose value ``instance`` changed since ``before``, as
    ``(previous, written)`` dicts ready for JSON; both empty when none did."""
    previous, written = {}, {}
    for field in fields:
        old = before[field.name]
        new = field.value_from_object(instance)
        if old != new:
            previous[field.name] = dump(field, old)
            written[field.name] = dump(field, new)
    return previous, written


class _Holder:
    pass
