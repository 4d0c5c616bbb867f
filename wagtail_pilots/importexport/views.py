"""Admin views: upload → preview (dry run) → confirm, batches, rollback, templates
and exports. Every view checks the kind's permissions (and page permissions for
page-scoped kinds) itself: a direct URL answers 403, not just a hidden button.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
    urlencode,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from .. import spreadsheets
from . import uploads
from .formats import ImportFileError
from .forms import EXPORT_FORMATS, ImportForm
from .models import ImportBatch
from .registry import PERMISSION_IMPORT, ExportError, get_kind, get_kinds
from .services import (
    ERROR_HEADER,
    ROW_HEADER,
    BatchStateError,
    DuplicateImportError,
    RollbackError,
    batch_can_import,
    batch_discard,
    batch_progress,
    batch_rollback,
    batch_rollback_plan,
    batch_upload,
    batches_visible_to,
    export_table,
    iter_json,
    row_outcome_label,
    user_can_see_batch,
)
from .tasks import runs_in_background, start_check, start_import

TEMPLATE_DIR = "wagtail_pilots/importexport/"


def forbidden(request):
    """A real 403 (Wagtail would turn ``PermissionDenied`` into a redirect)."""
    return TemplateResponse(request, TEMPLATE_DIR + "403.html", status=403)


def _kind_or_404(name):
    kind = get_kind(name)
    if kind is None:
        raise Http404
    return kind


def _page_from_request(request):
    page_id = request.GET.get("page") or request.POST.get("page")
    if not page_id:
        return None
    try:
        return Page.objects.get(pk=int(page_id)).specific
    except (ValueError, Page.DoesNotExist):
        raise Http404 from None


def _scope_or_404(kind, request):
    """The ``?page=`` of a request, which must be a page of the kind's type."""
    page = _page_from_request(request)
    if page is not None and kind.page_model is not None:
        try:
            kind.check_scope(page)
        except ValueError:
            raise Http404 from None
        page = kind.scope_page(page)
    return page


def _layout_or_404(kind, request):
    try:
        return kind.get_layout(request.GET.get("layout"))
    except ValueError:
        raise Http404 from None


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
    kind = get_kind(kind_name)
    if kind is None or not kind.has_export_permission(user, page=page):
        return []
    return [
        ("CSV", export_url(kind, page, "csv")),
        ("XLSX", export_url(kind, page, "xlsx")),
    ]


def _layout_filename(kind, name, layout):
    return name if kind.is_default_layout(layout) else f"{name}-{layout.name}"


class BaseView(WagtailAdminTemplateMixin):
    header_icon = "upload"
    breadcrumbs_items = []


# CSRF is checked in dispatch(), once the size limit sits first among the upload
# handlers: the middleware would read (and store) the upload before the view.
@method_decorator(csrf_exempt, name="dispatch")
class ImportView(BaseView, FormView):
    """Upload a file: it is stored, dry-run checked, and the preview shown."""

    form_class = ImportForm
    template_name = TEMPLATE_DIR + "import.html"
    upload_limit = None

    def dispatch(self, request, kind_name):
        if request.method == "POST":
            self.upload_limit = uploads.install(request)
        return csrf_protect(self.protected_dispatch)(request, kind_name)

    def protected_dispatch(self, request, kind_name):
        self.kind = _kind_or_404(kind_name)
        if not self.kind.importable:
            raise Http404
        self.page = _scope_or_404(self.kind, request)
        if not self.kind.has_import_permission(request.user, page=self.page):
            return forbidden(request)
        return super().dispatch(request)

    def get_page_title(self):
        return _("Import %(kind)s") % {"kind": self.kind.label}

    def get_page_subtitle(self):
        return self.page.title if self.page is not None else ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        layouts = self.kind.layouts or (None,)
        context.update(
            kind=self.kind,
            scope_page=self.page,
            columns=self.kind.for_page(self.page).template_columns(),
            recent=with_kind_labels(
                ImportBatch.objects.filter(kind=self.kind.name, page=self.page)[:10]
            ),
            # (layout label or "", Excel URL, CSV URL) of every template.
            templates=[
                (
                    layout.label if layout is not None else "",
                    template_url(self.kind, self.page, "xlsx", layout),
                    template_url(self.kind, self.page, "csv", layout),
                )
                for layout in layouts
            ],
            page_param=self.page.pk if self.page is not None else "",
        )
        return context

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.upload_limit is not None and self.request.method == "POST":
            kwargs["refused_upload"] = self.upload_limit.refused
        return kwargs

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            batch = batch_upload(
                kind=self.kind,
                file_name=upload.name,
                data=upload.read(),
                user=self.request.user,
                page=self.page,
                file_format=form.cleaned_data["file_format"],
                encoding=form.cleaned_data["encoding"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                force=form.cleaned_data["force"],
            )
        except DuplicateImportError as error:
            existing = error.existing
            form.add_error(
                "file",
                _(
                    "This file was already imported on %(date)s (batch #%(batch)s). "
                    "Tick “import again” below to import it once more."
                )
                % {
                    "date": existing.created_at.strftime("%Y-%m-%d %H:%M"),
                    "batch": existing.pk,
                },
            )
            return self.form_invalid(form)
        except ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        except ValueError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        start_check(batch)
        return HttpResponseRedirect(batch_url(batch))


def with_kind_labels(batches):
    """The batches, each with the translated ``kind_label`` of its kind (its
    stored name if that kind is no longer registered)."""
    kinds = get_kinds()
    batches = list(batches)
    for batch in batches:
        kind = kinds.get(batch.kind)
        batch.kind_label = kind.label if kind is not None else batch.kind
    return batches


def batch_url(batch):
    return reverse("wagtail_pilots_importexport:batch", args=[batch.pk])


class BatchMixin:
    """Loads the batch and checks import permission on its kind and page."""

    def dispatch(self, request, pk, *args, **kwargs):
        self.batch = get_object_or_404(
            ImportBatch.objects.select_related("page", "user"), pk=pk
        )
        self.kind = _kind_or_404(self.batch.kind)
        if not user_can_see_batch(request.user, self.batch):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)


class BatchView(BatchMixin, BaseView, TemplateView):
    """The preview of a checked batch, its progress, or its outcome."""

    template_name = TEMPLATE_DIR + "batch.html"

    def get_page_title(self):
        return _("Import batch #%(id)s") % {"id": self.batch.pk}

    def get_page_subtitle(self):
        return self.batch.file_name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.batch
        kind = self.kind.for_page(batch.page)
        headers = [
            kind.match_header(h).header if kind.match_header(h) else h
            for h in batch.preview.get("headers", [])
        ]
        context.update(
            batch=batch,
            kind=self.kind,
            preview_headers=headers,
            preview_rows=[
                {**row, "outcome": row_outcome_label(row.get("status", ""))}
                for row in batch.preview.get("rows", [])
            ],
            can_import=batch_can_import(batch),
            could_skip=(
                batch.status == ImportBatch.Status.CHECKED
                and batch.rows_invalid
                and batch.rows_invalid < batch.rows_total
            ),
            rows_done=batch_progress(batch=batch),
            background=runs_in_background(batch),
            rejected_count=len(batch.rejected.get("rows", [])),
            rollback_url=reverse(
                "wagtail_pilots_importexport:rollback", args=[batch.pk]
            ),
            rejected_url=reverse(
                "wagtail_pilots_importexport:rejected", args=[batch.pk, "csv"]
            ),
            rejected_xlsx_url=reverse(
                "wagtail_pilots_importexport:rejected", args=[batch.pk, "xlsx"]
            ),
            again_url=import_url(self.kind, batch.page),
        )
        return context

    def post(self, request):
        batch = self.batch
        action = request.POST.get("action")
        if action == "discard":
            try:
                batch_discard(batch=batch)
            except BatchStateError as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(batch_url(batch))
            messages.success(request, _("The upload was discarded."))
            return HttpResponseRedirect(import_url(self.kind, batch.page))
        if action == "import":
            # The status read above may be stale (a second click, another
            # window): start_import() decides, in one conditional UPDATE.
            batch.skip_invalid = bool(request.POST.get("skip_invalid"))
            if batch.status == ImportBatch.Status.CHECKED and not batch_can_import(
                batch
            ):
                messages.error(
                    request,
                    _(
                        "Fix the invalid rows, or choose to skip them, before importing."
                    ),
                )
                return HttpResponseRedirect(batch_url(batch))
            try:
                batch = start_import(batch, user=request.user)
            except BatchStateError as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(batch_url(batch))
            if batch.status == ImportBatch.Status.DONE:
                messages.success(
                    request,
                    _(
                        "Imported: %(new)s new, %(updated)s updated, %(skipped)s unchanged."
                    )
                    % {
                        "new": batch.rows_new,
                        "updated": batch.rows_updated,
                        "skipped": batch.rows_skipped,
                    },
                )
            elif batch.status == ImportBatch.Status.FAILED:
                messages.error(request, batch.message)
            return HttpResponseRedirect(batch_url(batch))
        messages.error(request, _("This action is not available for this batch."))
        return HttpResponseRedirect(batch_url(batch))


class RollbackView(BatchMixin, BaseView, TemplateView):
    template_name = TEMPLATE_DIR + "rollback.html"

    def get_page_title(self):
        return _("Roll back import batch #%(id)s") % {"id": self.batch.pk}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(batch=self.batch, kind=self.kind)
        if self.batch.can_roll_back:
            context["plan"] = batch_rollback_plan(batch=self.batch)
        return context

    def post(self, request):
        try:
            batch = batch_rollback(batch=self.batch, user=request.user)
        except RollbackError as error:
            messages.error(request, str(error))
        else:
            # "Rolled back: N created record(s) removed, M … restored."
            messages.success(request, batch.message)
        return HttpResponseRedirect(batch_url(self.batch))


class RejectedRowsView(BatchMixin, View):
    """The rows left out of a batch, with their errors, to fix and re-import."""

    def get(self, request, fmt):
        rejected = self.batch.rejected or {}
        headers = [ROW_HEADER, *rejected.get("headers", []), ERROR_HEADER]
        # The row-number column is informative only; it is ignored on re-import.
        rows = rejected.get("rows", [])
        filename = f"rejected-{self.kind.name}-{self.batch.pk}"
        if fmt == "xlsx":
            return spreadsheets.xlsx_response(filename, headers, rows)
        return spreadsheets.csv_response(filename, headers, rows)


class BatchListView(BaseView, TemplateView):
    template_name = TEMPLATE_DIR + "batches.html"
    page_title = gettext_lazy("Import batches")
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION_IMPORT):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kinds = get_kinds()
        # Batches of a page only to those who may import into that page.
        batches = batches_visible_to(self.request.user).select_related("user", "page")
        paginator = WagtailPaginator(batches, self.paginate_by)
        page_obj = paginator.get_page(self.request.GET.get("p"))
        context.update(
            batches=with_kind_labels(page_obj.object_list),
            page_obj=page_obj,
            elided_page_range=paginator.get_elided_page_range(page_obj.number),
            import_links=[
                (kind, import_url(kind))
                for kind in kinds.values()
                if kind.page_model is None
                and kind.importable
                and kind.has_import_permission(self.request.user)
            ],
        )
        return context


class TemplateDownloadView(View):
    """A blank file for a kind: headers in both languages and a sample row."""

    def get(self, request, kind_name, fmt):
        kind = _kind_or_404(kind_name)
        if not kind.importable:
            raise Http404
        layout = _layout_or_404(kind, request)
        user = request.user
        page = _scope_or_404(kind, request)
        if page is not None:
            # A page's own template (e.g. its questions as columns).
            if kind.page_model is None or not kind.has_import_permission(
                user, page=page
            ):
                return forbidden(request)
            kind = kind.for_page(page)
        elif not (
            kind.has_import_permission(user) or _may_import_somewhere(kind, user)
        ):
            return forbidden(request)
        kind = kind.for_layout(layout)
        headers = [c.header for c in kind.template_columns()]
        rows = kind.template_rows()
        filename = _layout_filename(
            kind, f"template-{kind.name}" + (f"-{page.slug}" if page else ""), layout
        )
        if fmt == "xlsx":
            return spreadsheets.xlsx_template_response(
                filename,
                headers,
                rows,
                choices=[c.choices for c in kind.template_columns()],
                notes=kind.template_notes(),
                notes_title=str(kind.template_notes_title()),
                lists_title=_("lists"),
            )
        if fmt == "csv":
            return spreadsheets.csv_response(filename, headers, rows)
        raise Http404


def _may_import_somewhere(kind, user):
    # Page-scoped kinds: the template itself reveals nothing about any page.
    return kind.page_model is not None and user.has_perm(PERMISSION_IMPORT)


def _back_url(request, page):
    """Where the user came from (same site only), else the page's editor or the
    admin's dashboard."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer,
        allowed_hosts={request.get_host()},
        require_https=request.is_secure(),
    ):
        return referer
    if page is not None:
        return reverse("wagtailadmin_pages:edit", args=[page.pk])
    return reverse("wagtailadmin_home")


class ExportView(View):
    """A streaming, formula-safe export of a kind (optionally of one page)."""

    def get(self, request, kind_name, fmt):
        kind = _kind_or_404(kind_name)
        if fmt not in EXPORT_FORMATS or not kind.exportable:
            raise Http404
        layout = _layout_or_404(kind, request)
        page = _scope_or_404(kind, request)
        if not kind.has_export_permission(request.user, page=page):
            return forbidden(request)
        try:
            headers, rows = export_table(kind=kind, page=page, layout=layout)
        except ExportError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(_back_url(request, page))
        filename = _layout_filename(kind, kind.get_export_filename(page=page), layout)
        if fmt == "xlsx":
            return spreadsheets.xlsx_response(filename, headers, rows)
        if fmt == "json":
            response = StreamingHttpResponse(
                iter_json(headers, rows), content_type="application/json; charset=utf-8"
            )
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=f"{filename}.json"
            )
            return response
        return spreadsheets.csv_response(filename, headers, rows)
