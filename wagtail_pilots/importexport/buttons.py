"""Buttons and menu items that lead to the import/export views.

- ``listing_buttons(model, user)`` answers the suite's
  ``register_pilots_listing_buttons`` hook: the header "more" menu of a listing
  (the unit snippets, later the pilots) gets Import / Export / Template entries
  for every kind whose ``listing_model`` is that model.
- ``page_header_buttons`` answers Wagtail's ``register_page_header_buttons``: a
  page whose type is a kind's ``page_model`` (a survey, a scorecard) gets the same
  entries in its header menu, scoped to that page.

Only kinds the user may use are shown; the views check again.
"""

from django.utils.translation import gettext as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets.button import Button

from .links import export_url, import_url, template_url
from .registry import PERMISSION_IMPORT, get_kinds, kinds_for_model


def kind_buttons(kind, user, *, page=None, priority=100):
    """Import, template and export entries of ``kind`` that ``user`` may use;
    a kind with several layouts gets a template and exports for each."""
    label = kind.label
    layouts = kind.layouts or (None,)
    named = len(layouts) > 1
    if kind.importable and kind.has_import_permission(user, page=page):
        yield Button(
            _("Import %(kind)s") % {"kind": label},
            url=import_url(kind, page),
            icon_name="upload",
            priority=priority,
            attrs={"data-pilots-import": kind.name},
        )
        for layout in layouts:
            yield Button(
                _("Download the %(kind)s template (%(layout)s)")
                % {"kind": label, "layout": layout.label}
                if named
                else _("Download the %(kind)s template") % {"kind": label},
                url=template_url(kind, page, "xlsx", layout),
                icon_name="doc-empty",
                priority=priority + 1,
                attrs={"data-pilots-template": _button_key(kind, layout)},
            )
    if kind.exportable and kind.has_export_permission(user, page=page):
        for layout in layouts:
            for fmt, text, text_layout in (
                (
                    "xlsx",
                    _("Export %(kind)s (Excel)"),
                    _("Export %(kind)s (Excel, %(layout)s)"),
                ),
                (
                    "csv",
                    _("Export %(kind)s (CSV)"),
                    _("Export %(kind)s (CSV, %(layout)s)"),
                ),
            ):
                yield Button(
                    text_layout % {"kind": label, "layout": layout.label}
                    if named
                    else text % {"kind": label},
                    url=export_url(kind, page, fmt, layout),
                    icon_name="download",
                    priority=priority + 2,
                    attrs={"data-pilots-export": f"{_button_key(kind, layout)}-{fmt}"},
                )


def _button_key(kind, layout):
    # The default layout keeps the kind's name (``ballots-csv``), others add
    # theirs (``ballots-wide-csv``).
    if kind.is_default_layout(layout):
        return kind.name
    return f"{kind.name}-{layout.name}"


def listing_buttons(model, user):
    buttons = []
    for kind in kinds_for_model(model):
        buttons.extend(kind_buttons(kind, user))
    return buttons


def page_header_buttons(page, user, view_name=None, next_url=None):
    page_class = page.specific_class
    if page_class is None:
        return
    for kind in get_kinds().values():
        if kind.page_model is not None and issubclass(page_class, kind.page_model):
            yield from kind_buttons(kind, user, page=page, priority=80)


class ImportBatchesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION_IMPORT)
