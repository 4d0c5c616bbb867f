"""Writes of the pilots app: the reminders that ``pilots_remind`` sends."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import CLOSED_STATUSES, PilotProgramPageMixin, ReminderLog
from .selectors import (
    missing_reports,
    overdue_phases,
    phases_due_soon,
    pilot_page_models,
)


@dataclass(frozen=True)
class Reminder:
    """One thing to remind one address about."""

    key: str
    recipient: str
    pilot: PilotProgramPageMixin
    text: str


def _emails(unit):
    if unit is None:
        return []
    return [c.email for c in unit.contacts.all() if c.email]


def reminders_due(*, today: datetime.date, days: int) -> list[Reminder]:
    """Every reminder that applies on ``today``, whether already sent or not.

    Phases go to their owner unit's contacts (the pilot's lead unit when the
    phase has no owner); missing reports go to the lead unit's contacts.
    """
    result = []
    for model in pilot_page_models():
        pilots = model.objects.live().exclude(status__in=CLOSED_STATUSES)
        result += _reminders_of(pilots, today=today, days=days)
    return result


def _phase_key(phase):
    # Phases of a site's own pilot page type are rows of another table: their
    # keys name the model, so that its phase 1 is not the suite's phase 1.
    opts = phase._meta
    if opts.label == "wagtail_pilots_pilots.PilotPhase":
        return f"phase:{phase.pk}"
    return f"phase:{opts.label_lower}:{phase.pk}"


def _reminders_of(pilots, *, today, days):
    """The reminders of ``pilots``, a queryset of one pilot page type."""
    result = []

    def phase_reminders(phases, kind):
        for phase in phases.select_related("pilot__lead_unit").prefetch_related(
            "owner_unit__contacts", "pilot__lead_unit__contacts"
        ):
            unit = phase.owner_unit or phase.pilot.lead_unit
            if kind == "overdue":
                text = _(
                    "%(pilot)s: phase “%(phase)s” was due on %(due)s and is not "
                    "complete (%(progress)s%%)."
                )
            else:
                text = _(
                    "%(pilot)s: phase “%(phase)s” is due on %(due)s "
                    "(%(progress)s%% done)."
                )
            text = text % {
                "pilot": phase.pilot.title,
                "phase": phase.name,
                "due": phase.due_date.isoformat(),
                "progress": phase.progress,
            }
            for email in _emails(unit):
                result.append(
                    Reminder(
                        key=f"{_phase_key(phase)}:{kind}",
                        recipient=email,
                        pilot=phase.pilot,
                        text=text,
                    )
                )

    phase_reminders(overdue_phases(pilots=pilots, today=today), "overdue")
    phase_reminders(phases_due_soon(pilots=pilots, today=today, days=days), "due")

    for pilot, periods in missing_reports(
        pilots=pilots.prefetch_related("lead_unit__contacts"), today=today
    ):
        for period in periods:
            text = _("%(pilot)s: no report for %(period)s has been published.") % {
                "pilot": pilot.title,
                "period": period.start.strftime("%Y-%m"),
            }
            for email in _emails(pilot.lead_unit):
                result.append(
                    Reminder(
                        key=f"report:{pilot.pk}:{period.start.isoformat()}",
                        recipient=email,
                        pilot=pilot,
                        text=text,
                    )
                )
    return result


def _claim(reminder, today):
    """Record the reminder as sent today; False if it already was."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                key=reminder.key,
                recipient=reminder.recipient,
                sent_on=today,
                pilot_id=reminder.pilot.pk,
            )
    except IntegrityError:
        return False
    return True


def reminders_send(*, today: datetime.date, days: int, dry_run: bool = False):
    """Send each address one e-mail with its reminders not yet sent today.

    Safe to run from cron as often as you like: a reminder is claimed in
    ``ReminderLog`` (unique per subject, address and day) before it is sent, and
    the claim is withdrawn if the e-mail fails, so the next run retries it.
    Returns ``{address: [texts]}`` of what was (or, with ``dry_run``, would be)
    sent.
    """
    by_recipient = defaultdict(list)
    for reminder in reminders_due(today=today, days=days):
        by_recipient[reminder.recipient].append(reminder)
    sent = {}
    for recipient, reminders in sorted(by_recipient.items()):
        if dry_run:
            already = set(
                ReminderLog.objects.filter(
                    recipient=recipient,
                    sent_on=today,
                    key__in=[r.key for r in reminders],
                ).values_list("key", flat=True)
            )
            todo = [r for r in reminders if r.key not in already]
        else:
            todo = [r for r in reminders if _claim(r, today)]
        if not todo:
            continue
        texts = [r.text for r in todo]
        if not dry_run:
            try:
                send_mail(
                    subject=_("Pilot programs: %(count)s reminder(s)")
                    % {"count": len(texts)},
                    message="\n".join(f"- {t}" for t in texts),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[recipient],
                )
            except Exception:
                ReminderLog.objects.filter(
                    recipient=recipient, sent_on=today, key__in=[r.key for r in todo]
                ).delete()
                raise
        sent[recipient] = texts
    return sent
