"""Check a published scorecard result against its bundle and the live database.
It speaks the site's language (``LANGUAGE_CODE``), the bundle's checks too."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ....pages import specific_page_using
from ... import bundle
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
        bundle.use_gettext(_)
        try:
            check = snapshot_check(snapshot=found)
        finally:
            bundle.use_gettext(None)
        self.stdout.write(
            _("%(scorecard)s, version %(version)s")
            % {"scorecard": found.scorecard.title, "version": found.version}
        )
        self.stdout.write(
            _("published inputs digest: %(digest)s") % {"digest": found.inputs_digest}
        )
        self.stdout.write(
            _("live inputs digest:      %(digest)s") % {"digest": check.live_digest}
        )
        for problem in check.problems:
            self.stdout.write(f"- {problem}")
        for change in check.changes:
            self.stdout.write(f"- {change}")
        if not check.ok:
            raise CommandError(
                _("version %(version)s does not match: %(count)s finding(s) above.")
                % {
                    "version": found.version,
                    "count": len(check.problems) + len(check.changes),
                }
            )
        self.stdout.write(
            _("The bundle verifies and the published result matches the live database.")
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
                _("%(given)r: give a snapshot id or PAGE_ID/VERSION, e.g. 42/1.")
                % {"given": text}
            ) from None
        model = ScorecardSnapshot
        if version:
            # Any scorecard page type: a site's own keeps its own snapshots.
            page = specific_page_using(ScorecardPageMixin, lookup["scorecard_id"])
            if page is not None:
                model = page.get_snapshot_model()
        found = model.objects.filter(**lookup).first()
        if found is None:
            raise CommandError(
                _("%(given)r: there is no published result with that id.")
                % {"given": text}
            )
        return found
