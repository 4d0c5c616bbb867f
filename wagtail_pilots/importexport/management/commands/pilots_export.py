"""``manage.py pilots_export KIND``: a streaming, formula-safe export."""

import sys

from django.core.management.base import BaseCommand, CommandError

from .... import spreadsheets
from ...registry import ExportError, get_kind, get_kinds
from ...services import export_table, iter_json
from .pilots_import import resolve_page


class Command(BaseCommand):
    help = "Export a kind as CSV, XLSX or JSON (streamed, formula-safe)."

    def add_arguments(self, parser):
        parser.add_argument("kind")
        parser.add_argument("--page", help="id or slug of the page to export from")
        parser.add_argument(
            "--format", choices=("csv", "xlsx", "json"), default="csv", dest="fmt"
        )
        parser.add_argument(
            "-o", "--output", help="file to write (default: standard output)"
        )
        parser.add_argument(
            "--layout",
            default="",
            help="layout of kinds that have several (ballots: long or wide)",
        )

    def handle(self, *args, kind, page, fmt, output, layout, **options):
        found = get_kind(kind)
        if found is None or not found.exportable:
            raise CommandError(
                f"Unknown kind {kind!r}; choose one of: {', '.join(sorted(get_kinds()))}."
            )
        try:
            chosen = found.get_layout(layout)
        except ValueError as error:
            raise CommandError(str(error)) from None
        scope = resolve_page(page)
        try:
            found.check_scope(scope, export=True)
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            headers, rows = export_table(kind=found, page=scope, layout=chosen)
        except ExportError as error:
            raise CommandError(str(error)) from None
        if fmt == "xlsx":
            if not output:
                raise CommandError("XLSX needs -o FILE.")
            with open(output, "wb") as handle:
                spreadsheets.write_xlsx(handle, headers, rows)
            return
        chunks = (
            spreadsheets.iter_csv(headers, rows)
            if fmt == "csv"
            else iter_json(headers, rows)
        )
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        else:
            stream = getattr(self.stdout, "_out", sys.stdout)
            for chunk in chunks:
                stream.write(chunk)
