"""Check a published scorecard result against its bundle and the live database."""

from django.core.management.base import BaseCommand, CommandError

from ....pages import specific_page_using
from ...models import ScorecardPageMixin, ScorecardSnapshot
from ...selectors import snapshot_check


class Command(BaseCommand):
    help = (
        "Verify a published scorecard version: its bundle recomputes to the "
        "published figures, and the live configuration and ballots still match "
        "it. SNAPSHOT is the version's id, or PAGE_ID/VERSION."
    )

    def add_arguments(self, parser):
        parser.add_argument("snapshot", help="snapshot id, or PAGE_ID/VERSION")

    def handle(self, *args, snapshot, **options):
        found = self._find(snapshot)
        check = snapshot_check(snapshot=found)
        self.stdout.write(f"{found.scorecard.title}, version {found.version}")
        self.stdout.write(f"published inputs digest: {found.inputs_digest}")
        self.stdout.write(f"live inputs digest:      {check.live_digest}")
        for problem in check.problems:
            self.stdout.write(f"- {problem}")
        for change in check.changes:
            self.stdout.write(f"- {change}")
        if not check.ok:
            raise CommandError(
                f"version {found.version} does not match: "
                f"{len(check.problems) + len(check.changes)} finding(s) above."
            )
        self.stdout.write(
            "The bundle verifies and the published result matches the live database."
        )

    def _find(self, text):
        page_id, _slash, version = text.partition("/")
        try:
            if version:
                lookup = {"scorecard_id": int(page_id), "version": int(version)}
            else:
                lookup = {"pk": int(page_id)}
        except ValueError:
            raise CommandError(
                f"{text!r}: give a snapshot id or PAGE_ID/VERSION, e.g. 42/1."
            ) from None
        model = ScorecardSnapshot
        if version:
            # Any scorecard page type: a site's own keeps its own snapshots.
            page = specific_page_using(ScorecardPageMixin, lookup["scorecard_id"])
            if page is not None:
                model = page.get_snapshot_model()
        found = model.objects.filter(**lookup).first()
        if found is None:
            raise CommandError(f"{text!r}: there is no published result with that id.")
        return found
