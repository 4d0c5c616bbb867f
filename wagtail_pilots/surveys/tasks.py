"""Background tasks (django-tasks): the notification e-mail for a new response."""

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from wagtail.admin.mail import send_mail

from wagtail_pilots.conf import pilots_settings
from wagtail_pilots.tasks import recoverable, time_limit

logger = logging.getLogger(__name__)


@task()
def notify_survey_response(response_id, attempt=1):
    """Tell the survey's editors that a response arrived.

    Runs after the response is committed. A response already notified is
    skipped, so a retried task never sends twice; a failing mail server is retried
    up to ``SURVEY_NOTIFY_ATTEMPTS`` times, and the response stays stored whatever
    happens here.
    """
    from .models import SurveyResponse

    response = (
        SurveyResponse.objects.select_related("survey")
        .filter(pk=response_id, notified_at__isnull=True)
        .first()
    )
    if response is None:
        return "skipped"
    survey = response.survey.specific
    addresses = [a.strip() for a in (survey.notify_to or "").split(",") if a.strip()]
    if not addresses:
        return "skipped"
    subject = _("New response to %(survey)s") % {"survey": survey.title}
    body = _(
        "Response #%(number)s to %(survey)s arrived on %(date)s. "
        "%(count)s responses so far."
    ) % {
        "number": response.pk,
        "survey": survey.title,
        "date": response.submitted_on.isoformat(),
        "count": survey.response_count,
    }
    try:
        # EMAIL_TIMEOUT bounds each socket operation; the time limit bounds the
        # whole conversation with a server that answers too slowly.
        with time_limit(pilots_settings.TASK_TIME_LIMIT):
            send_mail(subject, body, addresses)
    except Exception:
        logger.warning(
            "Notification for survey response %s failed (attempt %s)",
            response_id,
            attempt,
            exc_info=True,
        )
        if attempt >= pilots_settings.SURVEY_NOTIFY_ATTEMPTS:
            raise
        retry = notify_survey_response
        if retry.get_backend().supports_defer:
            retry = retry.using(
                run_after=timezone.now() + datetime.timedelta(minutes=attempt * 5)
            )
        retry.enqueue(response_id=response_id, attempt=attempt + 1)
        return "retrying"
    notified_at = timezone.now()
    if survey.anonymous:
        # An anonymous survey keeps the day only, also of the notification.
        notified_at = timezone.localtime(notified_at).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    SurveyResponse.objects.filter(pk=response_id, notified_at__isnull=True).update(
        notified_at=notified_at
    )
    return "sent"


def _retry_after_a_dead_worker(args, kwargs):
    """A notification left running by a dead worker counts as one attempt."""
    attempt = int(kwargs.get("attempt", 1))
    if attempt >= pilots_settings.SURVEY_NOTIFY_ATTEMPTS:
        return None
    return args, {**kwargs, "attempt": attempt + 1}


# Safe to run again: a response already notified is skipped.
recoverable(notify_survey_response, retry=_retry_after_a_dead_worker)
