"""``manage.py pilots_recover_tasks``: fail background tasks left running by a
dead worker and queue the safe ones again (run it from cron every few minutes)."""

from django.core.management.base import BaseCommand

from ...tasks import recover_stale_tasks


class Command(BaseCommand):
    help = (
        "Mark background tasks still running after TASK_TIME_LIMIT as failed (their "
        "worker stopped) and queue again those that are safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help="running for longer than this (default: TASK_TIME_LIMIT)",
        )

    def handle(self, *args, seconds, **options):
        failed = recover_stale_tasks(older_than_seconds=seconds)
        self.stdout.write(f"{len(failed)} task(s) left running by a stopped worker.")
