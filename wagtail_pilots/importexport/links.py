"""The addresses of the import/export screens of a kind (and maybe a page).

Buttons, menus and other apps' screens link to these; they live apart from
:mod:`.views` so that linking to a screen does not import the views.
"""

from django.urls import reverse
from django.utils.http import urlencode


def _with_query(url, page=None, layout=None):
    query = {}
    if page is not None:
        query["page"] = page.pk
    if layout is not None:
        query["layout"] = layout.name
    return f"{url}?{urlencode(query)}" if query else url


def import_url(kind, page=None):
    url = reverse("wagtail_pilots_importexport:import", args=[kind.name])
    return _with_query(url, page)


def template_url(kind, page=None, fmt="xlsx", layout=None):
    """``layout``: a :class:`~.registry.Layout` other than the default, or None."""
    url = reverse("wagtail_pilots_importexport:template", args=[kind.name, fmt])
    return _with_query(url, page, None if kind.is_default_layout(layout) else layout)


def export_url(kind, page=None, fmt="csv", layout=None):
    url = reverse("wagtail_pilots_importexport:export", args=[kind.name, fmt])
    return _with_query(url, page, None if kind.is_default_layout(layout) else layout)


def code_export_links(user, kind_name, page):
    """``[(label, url)]`` of the CSV and Excel exports of ``page``'s access
    codes (kind ``kind_name``), for the code screens: the only way codes are
    exported. Empty when the kind is not installed or ``user`` may not export."""
    from .registry import get_kind

    kind = get_kind(kind_name)
    if kind is None or not kind.has_export_permission(user, page=page):
        return []
    return [
        ("CSV", export_url(kind, page, "csv")),
        ("XLSX", export_url(kind, page, "xlsx")),
    ]
