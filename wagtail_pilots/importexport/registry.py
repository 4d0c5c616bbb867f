"""The kinds of data that can be imported and exported, and how to add one.

A *kind* ties together a django-import-export ``Resource``, the columns a file may
have (headers accepted in Chinese and English), who may use it, which models an
import creates (so that a batch can be rolled back) and, optionally, the page an
import belongs to (a survey, a scorecard).

Another sub-app adds its kind from its ``wagtail_hooks.py``::

    from wagtail import hooks
    from wagtail_pilots.importexport.registry import Column, ImportExportKind

    class BallotsKind(ImportExportKind):
        name = "ballots"
        label = _("ballots")
        resource_class = BallotResource
        models = (Ballot,)
        page_model = ScorecardPage
        columns = (Column("evaluator", en="evaluator", zh="评价人", required=True),)

    @hooks.register("register_pilots_importexport_kind")
    def register_ballots_kind():
        return BallotsKind()

Subclasses customise through class attributes and the ``get_*`` / ``has_*`` /
``after_*`` methods below.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail import hooks

HOOK_NAME = "register_pilots_importexport_kind"
PERMISSION_IMPORT = "wagtail_pilots_importexport.import_data"
PERMISSION_EXPORT = "wagtail_pilots_importexport.export_data"


def normalise_header(text) -> str:
    """Compare headers ignoring case, spaces, underscores and full-width forms."""
    import unicodedata

    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s_\-*:：]+", "", text)


class ExportError(Exception):
    """An export that cannot be produced; the message says why, for the user.

    Raised by :meth:`ImportExportKind.get_export_table` (e.g. a scorecard whose
    configuration cannot be scored). The admin shows it as an error message and
    ``manage.py pilots_export`` as a command error, instead of a server error.
    """


@dataclass(frozen=True)
class Column:
    """A column of a file, matched to the resource field of the same name.

    ``en`` and ``zh`` are the headers written in templates and exports (as
    ``"zh/en"``, or once when they are the same, e.g. a wide ballot column
    ``张三×工作实绩``); any of them, ``field`` itself or an ``aliases`` entry is
    accepted on import. A ``readonly`` column (a figure computed for the
    export, e.g. a pilot's progress) is written by exports only: it is left out
    of templates and, when an exported file comes back, ignored on import.
    """

    field: str
    en: str
    zh: str
    required: bool = False
    aliases: tuple = ()
    sample: object = ""
    readonly: bool = False
    # Values offered in a drop-down list in XLSX templates (the cell still
    # accepts other text, with a warning: the import decides).
    choices: tuple = ()

    @property
    def header(self):
        return self.zh if self.zh == self.en else f"{self.zh}/{self.en}"

    def accepted(self):
        names = {self.field, self.en, self.zh, self.header, *self.aliases}
        return {normalise_header(n) for n in names if n}


@dataclass(frozen=True)
class Layout:
    """One way of laying out a kind's rows in templates and exports (ballots:
    one row per ballot, or one row per evaluator). ``label`` says what a row is;
    ``name`` is the ``?layout=`` value and the ``--layout`` of ``pilots_export``.
    """

    name: str
    label: str


class ImportExportKind:
    """Base class of a kind; see the module docstring."""

    name: str = ""
    label = ""
    resource_class = None
    columns: tuple = ()
    # Models whose rows an import of this kind creates, removed on rollback.
    models: tuple = ()
    # Rows an import updates are recorded (changed fields before and after) and
    # restored on rollback. False for a kind that puts back what it updated in
    # its own rollback hooks (pilot pages go back to their pre-import revision).
    restore_updates = True
    # A page type an import belongs to (``--page`` on the command line), or None.
    page_model = None
    # The model of the admin listing that shows this kind's header buttons.
    listing_model = None
    importable = True
    exportable = True
    # Extra sample rows of the template, beyond the one built from ``Column.sample``.
    sample_rows: tuple = ()
    # The layouts templates and exports come in, the default first (empty: just
    # one). An import tells them apart itself, e.g. by its headers.
    layouts: tuple = ()

    def __repr__(self):
        return f"<ImportExportKind {self.name}>"

    def get_models(self, *, page=None) -> tuple:
        """The models whose rows an import into ``page`` creates (``models`` by
        default). A kind whose rows are inlines of the page overrides this to
        name the page type's own models (its ``get_*_model()`` hooks), so a
        site's own page type is imported, checked and rolled back the same way.
        """
        return self.models

    # -- columns ---------------------------------------------------------------

    def for_page(self, page):
        """The kind as it applies to ``page`` (or to no page).

        Kinds whose columns depend on the page (a survey's questions) return a
        copy with those columns; the machinery calls this before reading a file,
        writing a template or exporting. The default returns the kind itself.
        """
        return self

    def get_layout(self, name=None):
        """The :class:`Layout` called ``name`` (the default one when ``name`` is
        empty; None for a kind with one layout). Raises ``ValueError`` naming the
        layouts when the kind has no such layout."""
        if not name:
            return self.layouts[0] if self.layouts else None
        for layout in self.layouts:
            if layout.name == name:
                return layout
        raise ValueError(
            _("%(kind)s have no layout “%(layout)s”; layouts: %(layouts)s.")
            % {
                "kind": self.label,
                "layout": name,
                "layouts": ", ".join(
                    f"{layout.name} ({layout.label})" for layout in self.layouts
                )
                or "—",
            }
        )

    def for_layout(self, layout):
        """The kind as it writes ``layout`` (a :class:`Layout` from
        :meth:`get_layout`, or None) in templates and exports.

        Called after :meth:`for_page`. Kinds with ``layouts`` return a copy
        whose ``columns``, ``template_rows()`` and ``get_export_table()`` follow
        that layout; the default returns the kind itself.
        """
        return self

    @cached_property
    def header_lookup(self):
        lookup = {}
        for column in self.columns:
            for name in column.accepted():
                lookup[name] = column
        return lookup

    def match_header(self, header):
        """The :class:`Column` a file's header stands for, or None."""
        key = normalise_header(header)
        if key in self.header_lookup:
            return self.header_lookup[key]
        # "单位代码 (code)" or "单位代码/code": any part naming the column will do.
        for part in re.split(r"[/|()（）]+", str(header)):
            column = self.header_lookup.get(normalise_header(part))
            if column is not None:
                return column
        return None

    def template_columns(self):
        """The columns a file to import may have: every column but read-only ones."""
        return [column for column in self.columns if not column.readonly]

    def template_rows(self):
        rows = [[column.sample for column in self.template_columns()]]
        rows.extend(list(row) for row in self.sample_rows)
        return rows

    def template_notes(self):
        """Rows of a second sheet of the XLSX template explaining how to fill
        it in (e.g. how answers are coded); empty for none."""
        return []

    def template_notes_title(self):
        return _("Notes")

    # -- resources and querysets -------------------------------------------------

    def get_resource(self, *, batch=None, page=None, user=None, progress=None):
        """The django-import-export resource for one import or export."""
        return self.resource_class(
            batch=batch, page=page, user=user, progress=progress, kind=self
        )

    def get_export_queryset(self, *, page=None):
        return self.resource_class(kind=self).get_queryset()

    def get_export_table(self, *, page=None):
        """``(headers, rows)`` for an export that is not one resource row per
        object (a ranked result, printable codes); ``None`` (the default) exports
        ``get_export_queryset`` through the resource. The rows are written
        formula-safe like any other export. Raise :class:`ExportError` with a
        message for the user when there is nothing sensible to export."""
        return None

    def get_export_filename(self, *, page=None):
        return self.name if page is None else f"{self.name}-{page.slug}"

    def is_default_layout(self, layout) -> bool:
        return layout is None or not self.layouts or layout == self.layouts[0]

    # -- permissions -------------------------------------------------------------

    def has_import_permission(self, user, *, page=None) -> bool:
        """Import needs ``import_data``, add/change on every created model and,
        for page-scoped kinds, the right to edit that page."""
        if not (user.is_active and user.has_perm(PERMISSION_IMPORT)):
            return False
        for model in self.get_models(page=page):
            opts = model._meta
            for action in ("add", "change"):
                if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
                    return False
        return self._has_page_permission(user, page)

    def has_export_permission(self, user, *, page=None) -> bool:
        if not (user.is_active and user.has_perm(PERMISSION_EXPORT)):
            return False
        for model in self.get_models(page=page):
            opts = model._meta
            if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                return False
        return self._has_page_permission(user, page)

    def _has_page_permission(self, user, page):
        if self.page_model is None:
            return page is None
        if page is None:
            return False
        return page.permissions_for_user(user).can_edit()

    def scope_page(self, page):
        """The page an import or export of this kind for ``page`` is about:
        ``page``, or the survey a translated survey page words (its source:
        all the languages of a survey are one set of responses, codes and
        results, see ``surveys/translations.py``)."""
        get_source = getattr(page, "get_survey_source", None)
        return get_source() if callable(get_source) else page

    def check_page(self, page):
        """Raise ``ValueError`` with a message when ``page`` does not suit an
        import of the kind. Kinds add their own rules (calling ``super()``)."""
        self.check_scope(page)

    def check_scope(self, page, *, export=False):
        """Raise ``ValueError`` with a message when ``page`` is not the kind of
        page the kind belongs to, is missing, or is given to a kind without
        pages (``export``: the message speaks of an export)."""
        if self.page_model is None:
            if page is not None:
                message = (
                    _("%(kind)s are not exported from a page.")
                    if export
                    else _("%(kind)s are not imported into a page.")
                )
                raise ValueError(message % {"kind": self.label})
            return
        if page is None:
            message = (
                _("Choose the page to export %(kind)s from.")
                if export
                else _("Choose the page to import %(kind)s into.")
            )
            raise ValueError(message % {"kind": self.label})
        if not isinstance(page.specific, self.page_model):
            raise ValueError(
                _("“%(page)s” is not a page that holds %(kind)s.")
                % {"page": page.title, "kind": self.label}
            )

    # -- hooks around an import ----------------------------------------------------

    def after_import(self, *, batch, result):
        """Called inside the import's transaction once every row is saved.

        Override to bring counters up to date (e.g. a survey's response count).
        """

    def before_rollback(self, *, batch, user=None):
        """Called inside the rollback's transaction, once the objects the batch
        updated have their previous values back, before those it created are
        deleted.

        ``user`` rolls the batch back (``None`` from code). Raise
        :class:`~.services.rollback.RollbackError` with a message to refuse the rollback;
        nothing is changed then. A kind that removes or restores rows itself
        (pages) returns ``{"deleted": n, "restored": m}`` so that the message
        and the audit log count them; ``None`` counts nothing.
        """

    def after_rollback(self, *, batch, user=None):
        """Called inside the rollback's transaction, after objects are deleted.

        Override to correct counters the import had increased. May return
        counts as :meth:`before_rollback` does.
        """


def _collect():
    kinds = {}
    for hook in hooks.get_hooks(HOOK_NAME):
        kind = hook()
        if not kind.name or kind.resource_class is None:
            raise ImproperlyConfigured(f"{kind!r} needs a name and a resource_class")
        if kind.name in kinds:
            raise ImproperlyConfigured(f"Two import/export kinds named {kind.name!r}")
        kinds[kind.name] = kind
    return kinds


_kinds = None


def get_kinds() -> dict:
    """Every registered kind by name."""
    global _kinds
    if _kinds is None:
        _kinds = _collect()
    return _kinds


def clear_cache():
    """Forget the registered kinds (tests registering hooks temporarily)."""
    global _kinds
    _kinds = None


def get_kind(name) -> ImportExportKind | None:
    return get_kinds().get(name)


def kinds_for_model(model):
    return [k for k in get_kinds().values() if k.listing_model is model]
