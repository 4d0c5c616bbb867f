"""``manage.py pilots_import_rollback BATCH_ID``: the admin's *Roll back*."""

from django.core.management.base import BaseCommand, CommandError

from ...models import ImportBatch
from ...services import RollbackError, batch_rollback, batch_rollback_plan


class Command(BaseCommand):
    help = (
        "Roll back an imported batch: delete what it created and restore what it "
        "updated, in one transaction (refused, with nothing changed, if a record "
        "it updated has been changed since)."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id", type=int, help="the batch number (#)")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, batch_id, interactive, **options):
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"There is no import batch #{batch_id}.")
        if not batch.can_roll_back:
            raise CommandError(
                f"Batch #{batch.pk} is {batch.get_status_display()}: only an "
                "imported batch can be rolled back."
            )
        plan = batch_rollback_plan(batch=batch)
        self.stdout.write(
            f"Batch #{batch.pk} ({batch.kind}, {batch.file_name}): rolling back "
            f"removes {plan['created']} created record(s) and restores "
            f"{plan['updated']} updated record(s)."
        )
        if interactive:
            try:
                answer = input("Type 'yes' to roll it back: ")
            except (EOFError, KeyboardInterrupt):
                # No terminal (cron, a pipe) or Ctrl-C/Ctrl-D.
                raise CommandError(
                    "Cancelled: nothing was rolled back (no answer; use "
                    "--no-input to roll back without asking)."
                ) from None
            if answer.strip().lower() != "yes":
                raise CommandError("Cancelled: nothing was rolled back.")
        try:
            batch = batch_rollback(batch=batch)
        except RollbackError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(batch.message))
