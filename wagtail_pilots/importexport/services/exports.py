"""Exports: the headers and a lazy iterator of rows of a kind, for streaming."""

import json
from collections.abc import Iterable


def export_table(*, kind, page=None, layout=None) -> tuple[list, Iterable]:
    """Headers (``zh/en``) and a lazy iterator of rows, for streaming exports.

    Rows are rendered by the kind's resource (its widgets), one database chunk
    at a time, so memory stays flat however many rows there are. ``layout`` is
    one of the kind's :class:`~..registry.Layout` (None: the default).
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
