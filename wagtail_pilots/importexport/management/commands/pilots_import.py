"""``manage.py pilots_import KIND FILE``: the same checks and import as the admin."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from wagtail.models import Page

from ...formats import FORMATS, ImportFileError, check_file_size
from ...models import ImportBatch
from ...registry import get_kind, get_kinds
from ...services import (
    BatchStateError,
    DuplicateImportError,
    batch_can_import,
    batch_check,
    batch_discard,
    batch_import,
    batch_upload,
)


def resolve_page(value):
    """A page by id or slug; ``CommandError`` when none or several match."""
    if value is None:
        return None
    query = Q(slug=value)
    if str(value).isdigit():
        query |= Q(pk=int(value))
    pages = list(Page.objects.filter(query)[:2])
    if not pages:
        raise CommandError(f"No page with id or slug {value!r}.")
    if len(pages) > 1:
        raise CommandError(f"Several pages have the slug {value!r}: use the page id.")
    return pages[0].specific


class Command(BaseCommand):
    help = "Import a CSV, XLSX or JSON file (dry run first; nothing written on error)."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="what to import, e.g. units")
        parser.add_argument("file", help="path of the file to import")
        parser.add_argument("--page", help="id or slug of the page to import into")
        parser.add_argument("--dry-run", action="store_true", help="check only")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows only"
        )
        parser.add_argument("--encoding", default="", help="CSV encoding (detected)")
        parser.add_argument("--format", choices=FORMATS, default="", dest="fmt")
        parser.add_argument(
            "--force", action="store_true", help="import a file imported before"
        )

    def handle(
        self,
        *args,
        kind,
        file,
        page,
        dry_run,
        skip_invalid,
        encoding,
        fmt,
        force,
        **options,
    ):
        found = get_kind(kind)
        if found is None:
            raise CommandError(
                f"Unknown kind {kind!r}; choose one of: {', '.join(sorted(get_kinds()))}."
            )
        if not found.importable:
            raise CommandError(f"{kind} cannot be imported.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        scope = resolve_page(page)
        try:
            # Refused before the file is read into memory.
            check_file_size(path.stat().st_size)
            batch = batch_upload(
                kind=found,
                file_name=path.name,
                data=path.read_bytes(),
                page=scope,
                file_format=fmt,
                encoding=encoding,
                skip_invalid=skip_invalid,
                force=force,
            )
        except DuplicateImportError as error:
            raise CommandError(
                f"This file was already imported (batch #{error.existing.pk}, "
                f"{error.existing.created_at:%Y-%m-%d %H:%M}). Use --force to import it again."
            ) from None
        except ImportFileError as error:
            raise CommandError(f"{error} Nothing was written.") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        batch = batch_check(batch=batch, on_progress=self.progress("checking"))
        self.report(batch)
        if batch.status == ImportBatch.Status.FAILED:
            batch_discard(batch=batch)
            raise CommandError("The file could not be read. Nothing was written.")
        if batch.rows_invalid and not skip_invalid:
            batch_discard(batch=batch)
            raise CommandError(
                f"{batch.rows_invalid} invalid row(s). Nothing was written "
                "(fix them, or use --skip-invalid)."
            )
        if not batch_can_import(batch):
            batch_discard(batch=batch)
            raise CommandError("No valid row to import. Nothing was written.")
        if dry_run:
            batch_discard(batch=batch)
            self.stdout.write(self.style.SUCCESS("Dry run: nothing was written."))
            return
        try:
            batch = batch_import(batch=batch, on_progress=self.progress("importing"))
        except BatchStateError as error:
            # Confirmed in the admin meanwhile: imported there, not twice.
            raise CommandError(str(error)) from None
        self.report(batch)
        if batch.status != ImportBatch.Status.DONE:
            raise CommandError("Nothing was written.")
        self.stdout.write(self.style.SUCCESS(f"Batch #{batch.pk} imported."))

    def progress(self, verb):
        def show(rows_done, total):
            width = 30
            filled = width * rows_done // total if total else width
            end = "\n" if rows_done >= total else ""
            self.stdout.write(
                f"\r{verb} [{'#' * filled}{'.' * (width - filled)}] {rows_done}/{total}",
                ending=end,
            )
            self.stdout.flush()

        return show

    def report(self, batch):
        out = self.stdout
        out.write(
            f"rows: {batch.rows_total}  new: {batch.rows_new}  updated: "
            f"{batch.rows_updated}  skipped: {batch.rows_skipped}  invalid: {batch.rows_invalid}"
        )
        for error in batch.errors:
            where = []
            if error.get("row") is not None:
                where.append(f"row {error['row']}")
            if error.get("column"):
                where.append(f"column {error['column']}")
            prefix = ", ".join(where)
            self.stderr.write(
                f"{prefix}: {error['message']}" if prefix else error["message"]
            )
        if batch.message and batch.status == ImportBatch.Status.FAILED:
            self.stderr.write(batch.message)
