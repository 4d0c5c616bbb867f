"""``manage.py pilots_import_cleanup``: delete files of uploads never confirmed
and mark imports interrupted by a stopped worker as failed."""

from django.core.management.base import BaseCommand

from ...services import cleanup_abandoned


class Command(BaseCommand):
    help = (
        "Delete temporary files of import uploads that were never confirmed and "
        "mark imports interrupted by a stopped worker as failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=float, default=None, help="older than (default: setting)"
        )

    def handle(self, *args, hours, **options):
        count = cleanup_abandoned(older_than_hours=hours)
        self.stdout.write(
            f"{count} abandoned upload(s) or interrupted import(s) cleaned up."
        )
