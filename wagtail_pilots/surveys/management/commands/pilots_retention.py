"""``manage.py pilots_retention``: clear free-text answers and client digests
of survey responses older than N days, and delete saved questionnaires
(drafts) past their last day. Run it daily from cron or a systemd timer;
``--dry-run`` first to see what it would change. It speaks the site's
language (``LANGUAGE_CODE``)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ...services import (
    drafts_expired_delete,
    notification_results_prune,
    responses_retention_apply,
)


class Command(BaseCommand):
    help = (
        "Clear free-text answers and client digests of survey responses older "
        "than N days (and any code-to-response key left in anonymous surveys, "
        "the rows old response imports kept, first paper entries never "
        "entered a second time and finished notification task results), in one "
        "transaction; delete saved questionnaires past their last day."
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
            raise CommandError(
                _("--days must be 1 or more, not %(days)s.") % {"days": days}
            )
        reports = responses_retention_apply(days=days, dry_run=dry_run)
        drafts = drafts_expired_delete(dry_run=dry_run)
        verb = (
            pgettext("retention", "would clear")
            if dry_run
            else pgettext("retention", "cleared")
        )
        # The full stop of a report line (Chinese has its own).
        stop = pgettext("retention", ".")
        for r in reports:
            line = _(
                "Survey %(id)s «%(title)s»: %(verb)s %(texts)s free-text "
                "answer(s) in %(responses)s response(s), %(digests)s client "
                "digest(s)"
            ) % {
                "id": r.survey_id,
                "title": r.title,
                "verb": verb,
                "texts": r.texts_cleared,
                "responses": r.responses_with_text,
                "digests": r.digests_cleared,
            }
            if r.code_links_cut:
                line += _(", %(count)s access code link(s) to responses") % {
                    "count": r.code_links_cut
                }
            if r.imports_cleared:
                line += _(", the rows kept by %(count)s response import(s)") % {
                    "count": r.imports_cleared
                }
            if r.paper_drafts_deleted:
                line += _(
                    ", %(count)s first paper entry(ies) never entered a second time"
                ) % {"count": r.paper_drafts_deleted}
            self.stdout.write(line + stop)
        totals = {
            "days": days,
            "verb": verb,
            "texts": sum(r.texts_cleared for r in reports),
            "digests": sum(r.digests_cleared for r in reports),
            "links": sum(r.code_links_cut for r in reports),
            "imports": sum(r.imports_cleared for r in reports),
            "drafts": sum(r.paper_drafts_deleted for r in reports),
            "surveys": len(reports),
        }
        tasks = notification_results_prune(dry_run=dry_run)
        if tasks:
            self.stdout.write(
                _(
                    "Notification tasks: %(verb)s %(count)s finished result(s) "
                    "(each kept a response's id with its exact times)"
                )
                % {"verb": verb, "count": tasks}
                + stop
            )
        summary = (
            _(
                "Older than %(days)s day(s): %(verb)s %(texts)s free-text answer(s), "
                "%(digests)s client digest(s) and %(links)s code link(s), the rows "
                "kept by %(imports)s response import(s) and %(drafts)s first paper "
                "entry(ies) in %(surveys)s survey(s)"
            )
            % totals
        )
        self.stdout.write(
            summary + (_(" (dry run: nothing changed).") if dry_run else stop)
        )
        self.stdout.write(
            _("Saved questionnaires past their last day: %(verb)s %(count)s")
            % {
                "verb": (
                    pgettext("retention", "would delete")
                    if dry_run
                    else pgettext("retention", "deleted")
                ),
                "count": drafts,
            }
            + stop
        )
