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


@dataclass(frozen=True)
class Column:
    """A column of a file, matched to the resource field of the same name.

    ``en`` and ``zh`` are the headers written in templates and exports (as
    ``"zh/en"``); any of them, ``field`` itself or an ``aliases`` entry is
    accepted on import.
    """

    field: str
    en: str
    zh: str
    required: bool = False
    aliases: tuple = ()
    sample: object = ""

    @property
    def header(self):
        return f"{self.zh}/{self.en}"

    def accepted(self):
        names = {self.field, self.en, self.zh, self.header, *self.aliases}
        return {normalise_header(n) for n in names if n}


class ImportExportKind:
    """Base class of a kind; see the module docstring."""

    name: str = ""
    label = ""
    resource_class = None
    columns: tuple = ()
    # Models whose rows an import of this kind creates, removed on rollback.
    models: tuple = ()
    # Rows an import updates are recorded (changed fields before and after) and
    # restored on rollback. False for a kind that undoes its updates itself.
    restore_updates = True
    # A page type an import belongs to (``--page`` on the command line), or None.
    page_model = None
    # The model of the admin listing that shows this kind's header buttons.
    listing_model = None
    importable = True
    exportable = True
    # Extra sample rows of the template, beyond the one built from ``Column.sample``.
    sample_rows: tuple = ()

    def __repr__(self):
        return f"<ImportExportKind {self.name}>"

    # -- columns ---------------------------------------------------------------

    def for_page(self, page):
        """The kind as it applies to ``page`` (or to no page).

        Kinds whose columns depend on the page (a survey's questions) return a
        copy with those columns; the machinery calls this before reading a file,
        writing a template or exporting. The default returns the kind itself.
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

    def template_rows(self):
        rows = [[column.sample for column in self.columns]]
        rows.extend(list(row) for row in self.sample_rows)
        return rows

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
        formula-safe like any other export."""
        return None

    def get_export_filename(self, *, page=None):
        return self.name if page is None else f"{self.name}-{page.slug}"

    # -- permissions -------------------------------------------------------------

    def has_import_permission(self, user, *, page=None) -> bool:
        """Import needs ``import_data``, add/change on every created model and,
        for page-scoped kinds, the right to edit that page."""
        if not (user.is_active and user.has_perm(PERMISSION_IMPORT)):
            return False
        for model in self.models:
            opts = model._meta
            for action in ("add", "change"):
                if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
                    return False
        return self._has_page_permission(user, page)

    def has_export_permission(self, user, *, page=None) -> bool:
        if not (user.is_active and user.has_perm(PERMISSION_EXPORT)):
            return False
        for model in self.models:
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

    def check_page(self, page):
        """Raise ``ValueError`` with a message when ``page`` does not suit the kind."""
        if self.page_model is None:
            if page is not None:
                raise ValueError(
                    _("%(kind)s are not imported into a page.") % {"kind": self.label}
                )
            return
        if page is None:
            raise ValueError(
                _("Choose the page to import %(kind)s into.") % {"kind": self.label}
            )
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

    def before_rollback(self, *, batch):
        """Called inside the rollback's transaction, once the objects the batch
        updated have their previous values back, before those it created are
        deleted."""

    def after_rollback(self, *, batch):
        """Called inside the rollback's transaction, after objects are deleted.

        Override to correct counters the import had increased.
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
