"""The evaluator's online ballot: enter a group access code, score, submit once."""

import logging

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from wagtail_pilots import ratelimit
from wagtail_pilots.access_codes import code_not_valid_message, code_used_message
from wagtail_pilots.conf import pilots_settings

from .. import scoring
from ..models import VOTE_CHOICES
from ..services import (
    BallotError,
    CodeAlreadyUsed,
    access_code_lookup,
    ballot_check,
    ballot_subjects,
    ballot_submit,
    voting_closed_message,
)

RATE = ratelimit.Rate.parse("30/10m")
CEILING_SECONDS = 3600
TEMPLATE = "wagtail_pilots/scorecards/ballot.html"
logger = logging.getLogger(__name__)


def _entries_from_post(post, group):
    entries = {}
    for name, value in post.items():
        parts = name.split("-")
        try:
            if (
                group.kind == scoring.KIND_VOTES
                and parts[0] == "vote"
                and len(parts) == 2
            ):
                entries[int(parts[1])] = value
            elif parts[0] == "score" and len(parts) == 3:
                entries[(int(parts[1]), int(parts[2]))] = value.strip()
        except ValueError:
            continue
    return entries


def _where(text, subject, criterion):
    """An error in the summary names its subject and criterion (once)."""
    if subject.display_name in text:
        return text
    return _("%(subject)s, %(criterion)s: %(error)s") % {
        "subject": subject.display_name,
        "criterion": criterion.name,
        "error": text,
    }


def _ballot_context(page, access, *, entries=None, errors=None):
    """The ballot's rows, the entries given so far and the errors, with an
    error summary whose items link to their fields (in the page's order)."""
    config = page.get_scoring_config()
    group = next(g for g in config.groups if g.key == access.group_id)
    criteria = [c for c in page.criteria.all() if c.pk in group.criteria]
    subjects = ballot_subjects(scorecard=page, access=access)
    votes = access.group.kind == scoring.KIND_VOTES
    vote_labels = dict(VOTE_CHOICES)
    entries = entries or {}
    errors = errors or {}
    rows = []
    summary = [{"anchor": "", "text": text} for text in errors.get("__all__", [])]
    for subject in subjects:
        anchor = f"subject-{subject.pk}"
        if votes:
            field = f"vote-{subject.pk}"
            vote = entries.get(subject.pk, "")
            error = errors.get(field)
            rows.append(
                {
                    "subject": subject,
                    "anchor": anchor,
                    "field": field,
                    "vote": vote,
                    "vote_label": vote_labels.get(vote, ""),
                    "choices": VOTE_CHOICES,
                    "error": error,
                }
            )
            summary += [{"anchor": anchor, "text": text} for text in error or ()]
        else:
            cells = []
            for criterion in criteria:
                field = f"score-{subject.pk}-{criterion.pk}"
                error = errors.get(field)
                cells.append(
                    {
                        "criterion": criterion,
                        "field": field,
                        "value": entries.get((subject.pk, criterion.pk), ""),
                        "error": error,
                    }
                )
                summary += [
                    {"anchor": f"id_{field}", "text": _where(t, subject, criterion)}
                    for t in error or ()
                ]
            rows.append(
                {
                    "subject": subject,
                    "anchor": anchor,
                    "cells": cells,
                    "invalid": any(c["error"] for c in cells),
                }
            )
    return {
        "page": page,
        "access": access,
        "group": access.group,
        "criteria": criteria,
        "rows": rows,
        "votes": votes,
        "error_summary": summary,
    }


def code_ceiling_scope(page):
    """Failed codes of one scorecard from every client, counted per hour."""
    return f"scorecards:code-ceiling:{page.pk}"


def _refuse(request, page, context, message, *, retry_after):
    """HTTP 429 with the message and a ``Retry-After`` of at most that long."""
    context["code_error"] = message
    response = render(
        request,
        TEMPLATE,
        {**context, "base_template": page.get_base_template()},
        status=429,
    )
    response["Retry-After"] = str(int(retry_after))
    return response


@never_cache
def ballot_view(request, page):
    key = ratelimit.client_key(request)
    context = {"page": page, "step": "code"}
    if not page.ballots_open:
        context.update(step="closed", closed_message=voting_closed_message())
        return render(
            request,
            TEMPLATE,
            {**context, "base_template": page.get_base_template()},
            status=200 if request.method != "POST" else 403,
        )
    if request.method != "POST":
        return render(
            request, TEMPLATE, {**context, "base_template": page.get_base_template()}
        )
    if not ratelimit.hit("scorecards.ballot", key, RATE):
        return _refuse(
            request,
            page,
            context,
            _("Too many attempts. Please wait a few minutes."),
            retry_after=RATE.window,
        )
    ceiling = code_ceiling_scope(page)
    if ratelimit.is_locked(
        ceiling, "all", failures=pilots_settings.CODE_FAILURES_PER_HOUR
    ):
        logger.warning(
            "Scorecard %s: %s wrong access codes within the hour; code entry "
            "paused for everyone",
            page.pk,
            pilots_settings.CODE_FAILURES_PER_HOUR,
        )
        return _refuse(
            request,
            page,
            context,
            _(
                "Too many wrong access codes were entered for this scorecard in "
                "the last hour. Code entry is paused; please try again later."
            ),
            retry_after=CEILING_SECONDS,
        )
    code = request.POST.get("code", "")
    access = access_code_lookup(scorecard=page, code=code)
    if access is None:
        ratelimit.record_failure(ceiling, "all", lockout_seconds=CEILING_SECONDS)
        context["code_error"] = code_not_valid_message()
        return render(
            request,
            TEMPLATE,
            {**context, "base_template": page.get_base_template()},
            status=400,
        )
    if access.is_used:
        context["code_error"] = code_used_message()
        return render(
            request,
            TEMPLATE,
            {**context, "base_template": page.get_base_template()},
            status=409,
        )
    context.update(step="ballot", code=code)
    action = request.POST.get("action")
    entries = _entries_from_post(request.POST, access.group)
    if action not in ("review", "submit"):
        # The code was just accepted, or "change my answers" from the
        # confirmation step: the ballot, with what was entered so far.
        context.update(_ballot_context(page, access, entries=entries))
        return render(
            request, TEMPLATE, {**context, "base_template": page.get_base_template()}
        )
    try:
        # The whole ballot is checked (nothing is written) before it is shown
        # for confirmation, and again, written at once, when it is confirmed.
        if action == "review" or request.POST.get("confirmed") != "1":
            ballot_check(scorecard=page, code=code, entries=entries)
            context.update(_ballot_context(page, access, entries=entries))
            context["step"] = "confirm"
            return render(
                request,
                TEMPLATE,
                {**context, "base_template": page.get_base_template()},
            )
        ballot_submit(scorecard=page, code=code, entries=entries)
    except CodeAlreadyUsed:
        context.update(
            step="code", code_error=_("This access code has already been used.")
        )
        return render(
            request,
            TEMPLATE,
            {**context, "base_template": page.get_base_template()},
            status=409,
        )
    except BallotError as exc:
        context.update(
            _ballot_context(page, access, entries=entries, errors=exc.message_dict)
        )
        return render(
            request,
            TEMPLATE,
            {**context, "base_template": page.get_base_template()},
            status=400,
        )
    context["step"] = "done"
    if not page.blind_mode:
        context.update(_interim(page))
    return render(
        request, TEMPLATE, {**context, "base_template": page.get_base_template()}
    )


def _interim(page):
    """Interim ranking for evaluators of a scorecard that is not blind."""
    from .. import presentation
    from ..selectors import scorecard_result
    from ..services import configuration_data, outputs_data

    try:
        loaded, result = scorecard_result(scorecard=page)
    except scoring.ScoringInputError:
        return {}
    configuration, outputs = configuration_data(loaded), outputs_data(result)
    return {"interim_rows": presentation.ranking_rows(configuration, outputs)}
