"""Background tasks that cannot hang a worker for good.

django-tasks (0.12) has no time limit of its own and its database worker runs
one task at a time, so a task that never returns blocks every task queued
behind it, and a worker killed mid-task leaves its result marked RUNNING for
ever. Two helpers close those gaps:

- :func:`time_limit` stops a block of code after ``seconds`` with
  :class:`TaskTimeLimitExceeded` (``SIGALRM``; only in a process's main thread,
  which is where ``manage.py db_worker`` runs tasks — elsewhere it does nothing,
  and the socket timeouts such as ``EMAIL_TIMEOUT`` are what bounds the work).
- :func:`recover_stale_tasks` (``manage.py pilots_recover_tasks``) marks task
  results still RUNNING after ``TASK_TIME_LIMIT`` (other tasks: after a day) as
  failed — their worker is gone — and queues again those registered with
  :func:`recoverable`, which are safe to run twice.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import signal
import threading
from collections.abc import Callable

from django.utils import timezone

from .conf import pilots_settings

logger = logging.getLogger(__name__)

STALE_MESSAGE = (
    "Still marked running after the task time limit: the worker that ran it "
    "stopped (killed, restarted or hung). Marked failed by pilots_recover_tasks."
)


class TaskTimeLimitExceeded(Exception):
    """The task ran longer than its time limit and was stopped."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise :class:`TaskTimeLimitExceeded` in the block after ``seconds``.

    Interrupts blocking calls (a socket read that never returns) as well. Does
    nothing outside the main thread or where ``SIGALRM`` does not exist, and
    restores any timer and handler that were set before.
    """
    if (
        not seconds
        or not hasattr(signal, "SIGALRM")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def _expired(signum, frame):
        raise TaskTimeLimitExceeded(f"stopped after the time limit of {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    outer_delay, _interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:
            signal.setitimer(signal.ITIMER_REAL, outer_delay)


# task path -> retry(args, kwargs) returning (args, kwargs) to queue, or None
_RECOVERABLE: dict[str, Callable] = {}


def recoverable(task, *, retry: Callable | None = None):
    """Declare that ``task`` may run again after its worker died.

    ``retry(args, kwargs)`` returns the ``(args, kwargs)`` to queue (for
    example with the attempt counted) or ``None`` to give up; by default the
    same arguments are queued again.
    """
    _RECOVERABLE[task.module_path] = retry or (lambda args, kwargs: (args, kwargs))
    return task


def recover_stale_tasks(*, older_than_seconds: float | None = None) -> list[str]:
    """Fail task results RUNNING since before the limit and re-queue the
    recoverable ones; returns the ids marked failed.

    The limit is ``older_than_seconds``, by default ``TASK_TIME_LIMIT`` for
    recoverable tasks and one day for the others (an import of a large file
    may run long; its batch is handled by ``pilots_import_cleanup``).

    Only for the django-tasks database backend (``django_tasks_db``); with any
    other backend there is nothing stored to recover and it returns ``[]``.
    The status change is a conditional UPDATE, so a worker that finishes the
    task at the same moment, or a second recovery, does not queue it twice.
    """
    try:
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: nothing stored
        return []
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return []
    seconds = (
        pilots_settings.TASK_TIME_LIMIT
        if older_than_seconds is None
        else older_than_seconds
    )
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=seconds)
    # Tasks nobody declared recoverable (a long import) may legitimately run
    # for a long time: they are only failed after a day, unless asked.
    others_cutoff = now - datetime.timedelta(
        seconds=seconds if older_than_seconds is not None else max(seconds, 86400)
    )
    failed = []
    stale = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    for result in stale:
        if result.task_path not in _RECOVERABLE and result.started_at >= others_cutoff:
            continue
        changed = DBTaskResult.objects.filter(
            pk=result.pk, status=result.status
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=(
                f"{TaskTimeLimitExceeded.__module__}.{TaskTimeLimitExceeded.__name__}"
            ),
            traceback=STALE_MESSAGE,
        )
        if changed != 1:
            continue
        failed.append(str(result.pk))
        logger.warning(
            "Task %s (%s) was still running after %s s; marked failed",
            result.pk,
            result.task_path,
            seconds,
        )
        retry = _RECOVERABLE.get(result.task_path)
        if retry is None:
            continue
        again = retry(
            list(result.args_kwargs.get("args", [])),
            dict(result.args_kwargs.get("kwargs", {})),
        )
        if again is None:
            continue
        args, kwargs = again
        try:
            result.task.enqueue(*args, **kwargs)
        except Exception:
            logger.exception("Could not queue task %s again", result.task_path)
        else:
            logger.info("Task %s queued again", result.task_path)
    return failed
