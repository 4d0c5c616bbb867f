"""``manage.py pilots_tallies``: the per-survey tallies the results read.

Without an option it folds every survey's pending changes into its tallies
(readers do it too; run it from cron to keep first views quick).
``--check`` recounts each survey from its answer rows and lists every count
that differs (exit status 1 when one does); ``--rebuild`` replaces the
tallies by that recount. ``--survey ID`` (repeatable) limits the work to
those surveys. It speaks the site's language (``LANGUAGE_CODE``)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ... import tallies


class Command(BaseCommand):
    help = (
        "Fold pending changes into the survey tallies; with --check, recount "
        "them from the answer rows and report differences; with --rebuild, "
        "replace them by the recount."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--check",
            action="store_true",
            help="recount from the answer rows and list the differences",
        )
        action.add_argument(
            "--rebuild",
            action="store_true",
            help="replace the tallies by a recount of the answer rows",
        )
        parser.add_argument(
            "--survey",
            type=int,
            action="append",
            dest="surveys",
            metavar="ID",
            help="only this survey page (repeatable)",
        )

    def handle(self, *args, check=False, rebuild=False, surveys=None, **options):
        survey_ids = surveys or tallies.tallied_survey_ids()
        if not check and not rebuild:
            folded = sum(tallies.fold(survey_id) for survey_id in survey_ids)
            self.stdout.write(
                ngettext(
                    "Folded %(count)s pending change into the survey tallies.",
                    "Folded %(count)s pending changes into the survey tallies.",
                    folded,
                )
                % {"count": folded}
            )
            return
        wrong = 0
        for survey_id in survey_ids:
            if rebuild:
                keys = tallies.rebuild(survey_id)
                self.stdout.write(
                    ngettext(
                        "Survey %(id)s: rebuilt, %(count)s count.",
                        "Survey %(id)s: rebuilt, %(count)s counts.",
                        keys,
                    )
                    % {"id": survey_id, "count": keys}
                )
                continue
            found = tallies.differences(survey_id)
            if not found:
                self.stdout.write(
                    _("Survey %(id)s: the tallies equal a recount.") % {"id": survey_id}
                )
                continue
            wrong += 1
            self.stdout.write(
                ngettext(
                    "Survey %(id)s: %(count)s count differs from a recount:",
                    "Survey %(id)s: %(count)s counts differ from a recount:",
                    len(found),
                )
                % {"id": survey_id, "count": len(found)}
            )
            for key, (tallied, counted) in sorted(found.items()):
                parts = [
                    f"{name}={value}"
                    for name, value in key._asdict().items()
                    if value not in ("", 0)
                ]
                self.stdout.write(
                    "  "
                    + _("%(key)s: tallied %(tallied)s, recounted %(counted)s")
                    % {"key": " ".join(parts), "tallied": tallied, "counted": counted}
                )
        if wrong:
            raise CommandError(
                ngettext(
                    "%(count)s survey's tallies differ from a recount: run "
                    "pilots_tallies --rebuild.",
                    "%(count)s surveys' tallies differ from a recount: run "
                    "pilots_tallies --rebuild.",
                    wrong,
                )
                % {"count": wrong},
                returncode=1,
            )
