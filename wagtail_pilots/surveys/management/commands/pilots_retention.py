"""``manage.py pilots_retention``: clear free-text answers and client digests
of survey responses older than N days, and delete saved questionnaires
(drafts) past their last day. Run it daily from cron or a systemd timer;
``--dry-run`` first to see what it would change."""

from django.core.management.base import BaseCommand, CommandError

from ...services import drafts_expired_delete, responses_retention_apply


class Command(BaseCommand):
    help = (
        "Clear free-text answers and client digests of survey responses older "
        "than N days (and any code-to-response key left in anonymous surveys), "
        "in one transaction; delete saved questionnaires past their last day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="keep this many days (default: "
            "WAGTAIL_PILOTS['SURVEY_RETENTION_DAYS'])",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="print what would change per survey; change nothing",
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        from wagtail_pilots.conf import pilots_settings

        if days is None:
            days = pilots_settings.SURVEY_RETENTION_DAYS
        if days < 1:
            raise CommandError(f"--days must be 1 or more, not {days}.")
        reports = responses_retention_apply(days=days, dry_run=dry_run)
        drafts = drafts_expired_delete(dry_run=dry_run)
        verb = "would clear" if dry_run else "cleared"
        for r in reports:
            line = (
                f"Survey {r.survey_id} «{r.title}»: {verb} {r.texts_cleared} "
                f"free-text answer(s) in {r.responses_with_text} response(s), "
                f"{r.digests_cleared} client digest(s)"
            )
            if r.code_links_cut:
                line += f", {r.code_links_cut} access code link(s) to responses"
            self.stdout.write(line + ".")
        totals = (
            sum(r.texts_cleared for r in reports),
            sum(r.digests_cleared for r in reports),
            sum(r.code_links_cut for r in reports),
        )
        self.stdout.write(
            f"Older than {days} day(s): {verb} {totals[0]} free-text answer(s), "
            f"{totals[1]} client digest(s) and {totals[2]} code link(s) in "
            f"{len(reports)} survey(s)"
            + (" (dry run: nothing changed)." if dry_run else ".")
        )
        self.stdout.write(
            f"Saved questionnaires past their last day: "
            f"{'would delete' if dry_run else 'deleted'} {drafts}."
        )
