"""Admin views of a scorecard: results, exports, publishing, codes, ballot entry.

Every view checks the user's permissions on the scorecard page itself: viewing
results, exporting and entering ballots need edit permission, publishing needs
publish permission.
"""

import functools

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from wagtail_pilots import spreadsheets
from wagtail_pilots.access_codes import codes_created_message, slips_response
from wagtail_pilots.importexport.links import code_export_links

from ...pages import specific_page_using
from .. import presentation, scoring
from ..forms import ScorecardCodesForm
from ..models import (
    VOTE_CHOICES,
    ScorecardPageMixin,
)
from ..selectors import disagreement, scorecard_result, snapshot_list
from ..services import (
    BallotError,
    access_codes_generate,
    ballot_enter,
    configuration_data,
    outputs_data,
    snapshot_publish,
    voting_closed_message,
)


class _Forbidden(Exception):
    pass


def _page(request, page_id, *, publish=False):
    # Any page built on ScorecardPageMixin, not only the default ScorecardPage.
    page = specific_page_using(ScorecardPageMixin, page_id)
    if page is None:
        raise Http404
    perms = page.permissions_for_user(request.user)
    allowed = perms.can_publish() if publish else perms.can_edit()
    if not allowed:
        raise _Forbidden
    return page


def page_permission(view):
    """Answer 403 (not Wagtail's redirect to the dashboard) when the user lacks
    permission on the scorecard page, so scripts and exports fail visibly."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Forbidden:
            return HttpResponseForbidden(
                _("You do not have permission to do this on this scorecard.")
            )

    return wrapper


def _live(page):
    """(configuration data, outputs data, error message)."""
    try:
        loaded, result = scorecard_result(scorecard=page)
    except scoring.ScoringInputError as exc:
        return None, None, str(exc), None
    return configuration_data(loaded), outputs_data(result), None, loaded


def _titles(page, label):
    """The screen's name over the scorecard's title, as the survey screens do
    (a title that already ends in 结果 must not read "…结果的结果"), and both in
    the browser tab."""
    return {
        "page_title": label,
        "page_subtitle": page.title,
        "header_title": f"{label}: {page.title}",
    }


@page_permission
def results(request, page_id):
    page = _page(request, page_id)
    configuration, outputs, error, loaded = _live(page)
    snapshots = list(snapshot_list(scorecard=page))
    latest = snapshots[0] if snapshots else None
    context = {
        "page": page,
        **_titles(page, _("Results")),
        "header_icon": "list-ol",
        "error": error,
        "snapshots": snapshots,
        "latest": latest,
        "can_publish": page.permissions_for_user(request.user).can_publish(),
        "voting_open": page.ballots_open,
    }
    if outputs is not None and latest is not None:
        # What the public notice no longer matches: subjects whose rank or
        # total moved since the latest published version.
        context["changes"] = presentation.changes_since(latest.outputs, outputs)
    if outputs is not None:
        ranking = presentation.ranking_context(configuration, outputs)
        spread = disagreement(scorecard=page)
        for row in ranking["rows"]:
            sd, far = spread.get(row["key"], (None, []))
            row["spread"] = presentation.fmt(sd)
            row["far"] = far
        context.update(
            ballot_count=loaded.ballot_count,
            show_disagreement=True,
            **ranking,
        )
    return render(request, "wagtail_pilots/scorecards/admin/results.html", context)


@page_permission
def export(request, page_id, fmt):
    page = _page(request, page_id)
    configuration, outputs, error, _loaded = _live(page)
    if error:
        messages.error(request, error)
        return redirect("wagtail_pilots_scorecards:results", page.pk)
    header, rows = presentation.export_rows(configuration, outputs)
    filename = f"scorecard-{page.slug}"
    if fmt == "xlsx":
        return spreadsheets.xlsx_response(filename, header, rows, title=page.title)
    if fmt == "csv":
        return spreadsheets.csv_response(filename, header, rows)
    raise Http404


@page_permission
@require_POST
def publish(request, page_id):
    page = _page(request, page_id, publish=True)
    try:
        snapshot = snapshot_publish(
            scorecard=page,
            user=request.user,
            close_voting=bool(request.POST.get("close_voting")),
        )
    except scoring.ScoringInputError as exc:
        messages.error(request, _("Not published: %(error)s") % {"error": exc})
    else:
        messages.success(
            request,
            _("Published version %(version)s of the results.")
            % {"version": snapshot.version},
        )
        if not page.ballots_open:
            messages.info(request, voting_closed_message())
    return redirect("wagtail_pilots_scorecards:results", page.pk)


@page_permission
def snapshot(request, page_id, version):
    page = _page(request, page_id)
    snap = get_object_or_404(page.get_snapshot_model(), scorecard=page, version=version)
    context = {
        "page": page,
        **_titles(page, capfirst(_("version %(version)s") % {"version": version})),
        "header_icon": "history",
        **presentation.snapshot_context(snap),
    }
    return render(request, "wagtail_pilots/scorecards/admin/snapshot.html", context)


@page_permission
def codes(request, page_id):
    page = _page(request, page_id)
    form = ScorecardCodesForm(request.POST or None, page=page)
    if request.method == "POST" and form.is_valid():
        try:
            created = access_codes_generate(
                scorecard=page,
                group=form.cleaned_data["group"],
                count=form.cleaned_data["count"],
                unit=form.cleaned_data["unit"],
                subject=form.cleaned_data["subject"],
            )
        except BallotError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, codes_created_message(len(created)))
            return redirect("wagtail_pilots_scorecards:codes", page.pk)
    code_model = page.get_access_code_model()
    if request.GET.get("print"):
        queryset = code_model.for_page(page).filter(used_on__isnull=True)
        group_id = request.GET.get("group")
        if group_id and group_id.isdigit():
            queryset = queryset.filter(group_id=group_id)
        return slips_response(
            request,
            page=page,
            codes=queryset.select_related("group", "unit"),
            lines=lambda code: (
                code.group.name,
                code.unit.name if code.unit_id else "",
            ),
            subpage=page.reverse_subpage("score"),
        )
    counts = {
        row["group_id"]: row
        for row in code_model.for_page(page)
        .values("group_id")
        .annotate(total=Count("id"), used=Count("used_on"))
        .order_by()
    }
    context = {
        "page": page,
        **_titles(page, _("Access codes")),
        "header_icon": "key",
        "form": form,
        "groups": [
            (g, counts.get(g.pk, {"total": 0, "used": 0})) for g in page.groups.all()
        ],
        "export_links": code_export_links(request.user, "scorecard-codes", page),
    }
    return render(request, "wagtail_pilots/scorecards/admin/codes.html", context)


class BallotEntryForm(forms.Form):
    evaluator = forms.CharField(label=gettext_lazy("evaluator"), max_length=64)
    value = forms.CharField(label=pgettext_lazy("ballot", "value"), required=False)
    vote = forms.ChoiceField(
        label=gettext_lazy("vote"),
        choices=[("", "---------"), *VOTE_CHOICES],
        required=False,
    )

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["group"] = forms.ModelChoiceField(
            label=gettext_lazy("evaluator group"), queryset=page.groups.all()
        )
        self.fields["subject"] = forms.ModelChoiceField(
            label=pgettext_lazy("scorecard", "subject"), queryset=page.subjects.all()
        )
        self.fields["criterion"] = forms.ModelChoiceField(
            label=gettext_lazy("criterion"),
            queryset=page.criteria.filter(source=scoring.SOURCE_BALLOTS),
            required=False,
        )
        self.order_fields(
            ["group", "evaluator", "subject", "criterion", "value", "vote"]
        )


@page_permission
def ballot_add(request, page_id):
    page = _page(request, page_id)
    form = BallotEntryForm(request.POST or None, page=page)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ballot_enter(
                scorecard=page,
                group=data["group"],
                evaluator=data["evaluator"],
                subject=data["subject"],
                criterion=data["criterion"],
                value=data["value"] or None,
                vote=data["vote"],
            )
        except BallotError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(None if field == "__all__" else field, error)
        else:
            messages.success(request, _("Ballot saved."))
            return redirect(
                reverse("wagtail_pilots_scorecards:ballot_add", args=[page.pk])
            )
    context = {
        "page": page,
        **_titles(page, _("Enter single scores")),
        "header_icon": "form",
        "form": form,
    }
    return render(request, "wagtail_pilots/scorecards/admin/ballot_add.html", context)


def _sheet_rows(page, group, criteria, subjects, entries, errors):
    """The grid: one row per subject, one cell per criterion (or the vote)."""
    rows = []
    for subject in subjects:
        if group.kind == scoring.KIND_VOTES:
            field = f"vote-{subject.pk}"
            rows.append(
                {
                    "subject": subject,
                    "field": field,
                    "vote": entries.get(subject.pk, ""),
                    "error": (errors.get(field) or [None])[0],
                }
            )
            continue
        cells = []
        for criterion in criteria:
            field = f"score-{subject.pk}-{criterion.pk}"
            cells.append(
                {
                    "criterion": criterion,
                    "field": field,
                    "value": entries.get((subject.pk, criterion.pk), ""),
                    "error": (errors.get(field) or [None])[0],
                }
            )
        rows.append({"subject": subject, "cells": cells})
    return rows


def _sheet_error_list(rows):
    """Every cell error, named by subject and criterion, in grid order."""
    found = []
    for row in rows:
        if "cells" in row:
            for cell in row["cells"]:
                if cell["error"]:
                    found.append(
                        {
                            "field": cell["field"],
                            "where": f"{row['subject']} · {cell['criterion']}",
                            "message": cell["error"],
                        }
                    )
        elif row["error"]:
            found.append(
                {
                    "field": row["field"],
                    "where": str(row["subject"]),
                    "message": row["error"],
                }
            )
    return found


@page_permission
def ballot_sheet(request, page_id):
    """A whole paper ballot on one screen: subjects as rows, criteria as columns
    (a vote group: one row of choices per subject). Stored by
    :func:`.services.ballot_sheet_enter`, all or nothing."""
    from ..services import ballot_sheet_enter
    from .ballots import _entries_from_post

    page = _page(request, page_id)
    groups = list(page.groups.all())
    if not groups:
        messages.error(request, _("Add an evaluator group to the scorecard first."))
        return redirect("wagtailadmin_pages:edit", page.pk)
    wanted = request.POST.get("group") or request.GET.get("group")
    group = next((g for g in groups if str(g.pk) == wanted), groups[0])
    config = page.get_scoring_config()
    scored = next((g.criteria for g in config.groups if g.key == group.pk), ())
    criteria = [c for c in page.criteria.all() if c.pk in scored]
    subjects = list(page.subjects.select_related("unit"))
    entries, errors, evaluator = {}, {}, ""
    if request.method == "POST":
        entries = _entries_from_post(request.POST, group)
        evaluator = request.POST.get("evaluator", "")
        try:
            stored = ballot_sheet_enter(
                scorecard=page, group=group, entries=entries, evaluator=evaluator
            )
        except BallotError as exc:
            errors = exc.message_dict
        else:
            messages.success(
                request,
                _("Ballot %(number)s of %(group)s saved.")
                % {"number": stored, "group": group.name},
            )
            url = reverse("wagtail_pilots_scorecards:ballot_sheet", args=[page.pk])
            return redirect(f"{url}?group={group.pk}")
    rows = _sheet_rows(page, group, criteria, subjects, entries, errors)
    cell_errors = _sheet_error_list(rows)
    from ..models import CHANNEL_PAPER

    context = {
        "page": page,
        **_titles(page, _("Enter a paper ballot")),
        "header_icon": "form",
        "groups": groups,
        "group": group,
        "votes": group.kind == scoring.KIND_VOTES,
        "criteria": criteria,
        "rows": rows,
        "evaluator": evaluator,
        "evaluator_error": (errors.get("evaluator") or [None])[0],
        "form_errors": errors.get("__all__", []) + errors.get("group", []),
        "cell_errors": cell_errors,
        "first_error": cell_errors[0]["field"] if cell_errors else None,
        "vote_choices": VOTE_CHOICES,
        "voting_open": page.ballots_open,
        "paper_count": page.get_ballot_model()
        .objects.filter(scorecard=page, group=group, channel=CHANNEL_PAPER)
        .values("evaluator")
        .distinct()
        .count(),
    }
    return render(request, "wagtail_pilots/scorecards/admin/ballot_sheet.html", context)


def survey_questions(request, survey_id):
    """The questions a survey criterion can use, as JSON
    (``{"questions": [{"key": …, "label": …}]}``), for the scorecard editor's
    drop-down when a survey is chosen. Needs edit permission on the survey
    (403 otherwise: the editor's list then follows the survey on the next
    save); a page that is not a survey has no questions."""
    from wagtail.models import Page

    from ...surveys.selectors import unit_questions

    survey = Page.objects.filter(pk=survey_id).first()
    if survey is None:
        raise Http404
    if not survey.permissions_for_user(request.user).can_edit():
        return HttpResponseForbidden(
            _("You do not have permission to edit this survey.")
        )
    questions = unit_questions(survey=survey.specific)
    return JsonResponse(
        {"questions": [{"key": key, "label": label} for key, label in questions]}
    )


def scorecard_admin_buttons(page):
    """(label, url, icon) of a scorecard's admin screens, for buttons."""
    return [
        (label, reverse(f"wagtail_pilots_scorecards:{name}", args=[page.pk]), icon)
        for name, label, icon in (
            ("results", _("Results"), "list-ol"),
            ("codes", _("Access codes"), "key"),
            ("ballot_sheet", _("Enter a paper ballot"), "form"),
        )
    ]
