"""E-mail the contacts of owner units about due and overdue phases and missing
reports. Run it daily from cron; it never sends the same reminder twice a day."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...services import reminders_send


class Command(BaseCommand):
    help = (
        "E-mail unit contacts about pilot phases due within N days or overdue, "
        "and about missing reports."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="warn about phases due within this many days "
            "(default: WAGTAIL_PILOTS['PILOT_REMIND_DAYS'])",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print what would be sent; send and record nothing",
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        from ....conf import pilots_settings

        if days is None:
            days = pilots_settings.PILOT_REMIND_DAYS
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        sent = reminders_send(today=timezone.localdate(), days=days, dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        for recipient, texts in sent.items():
            self.stdout.write(f"{verb} to {recipient}:")
            for text in texts:
                self.stdout.write(f"  - {text}")
        total = sum(len(t) for t in sent.values())
        self.stdout.write(
            f"{verb} {len(sent)} e-mail(s) with {total} reminder(s)"
            + (" (dry run: nothing sent or recorded)." if dry_run else ".")
        )
