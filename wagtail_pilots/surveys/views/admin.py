"""Admin screens of a survey: results, exports, access codes, paper entry.

Every view loads the page and checks the user's page permissions (edit rights on
the survey page); the admin URLs themselves require an admin login.
"""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from wagtail_pilots import spreadsheets
from wagtail_pilots.codes import format_code
from wagtail_pilots.importexport.views import import_url
from wagtail_pilots.models import Unit

from ...pages import pages_using
from ..importexport import ResponsesKind
from ..models import AccessCode, Channel, SurveyPageMixin
from ..questions import survey_questions
from ..selectors import (
    raw_response_rows,
    results_table_rows,
    survey_comparison,
    survey_results,
)
from ..services import SubmitError, access_codes_generate, response_submit


def survey_view(view):
    """Answer 403 (not Wagtail's redirect to the dashboard) to a user without
    rights on the survey, so scripts and exports fail loudly."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return permission_denied(request, exc)

    return wrapper


def get_survey_for_user(request, page_id):
    """The survey page, or 404; PermissionDenied unless the user may edit it."""
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, SurveyPageMixin):
        raise Http404
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


def _filename(page, suffix):
    return f"{slugify(page.slug) or 'survey'}-{page.pk}-{suffix}"


@survey_view
def results(request, page_id):
    page = get_survey_for_user(request, page_id)
    editable = PagePermissionPolicy().instances_user_has_permission_for(
        request.user, "change"
    )
    others = (
        pages_using(SurveyPageMixin)
        .filter(pk__in=editable.values("pk"))
        .exclude(pk=page.pk)
        .order_by("-first_published_at", "title")
    )
    comparison = other = None
    compare_id = request.GET.get("compare", "")
    if compare_id.isdigit():
        other = others.filter(pk=int(compare_id)).first()
        if other is not None:
            other = other.specific
            comparison = survey_comparison(before=other, after=page)
    results = survey_results(survey=page)
    empty_state = {}
    if not results.responses:
        # What an editor can do about an empty survey: share it, enter paper
        # questionnaires, import them.
        kind = ResponsesKind()
        empty_state = {
            "public_url": request.build_absolute_uri(page.get_url(request))
            if page.live
            else None,
            "paper_url": reverse("wagtail_pilots_surveys:paper", args=[page.pk]),
            "import_url": import_url(kind, page)
            if kind.has_import_permission(request.user, page=page)
            else None,
        }
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/results.html",
        {
            "page": page,
            "results": results,
            "empty_state": empty_state,
            "header_title": page.title,
            "other_surveys": others.only("pk", "title"),
            "compared_with": other,
            "comparison": comparison,
        },
    )


@survey_view
def export_results(request, page_id, fmt):
    page = get_survey_for_user(request, page_id)
    header, rows = results_table_rows(survey_results(survey=page))
    return _download(page, "results", fmt, header, rows)


@survey_view
def export_responses(request, page_id, fmt):
    page = get_survey_for_user(request, page_id)
    header, rows = raw_response_rows(survey=page)
    return _download(page, "responses", fmt, header, rows)


def _download(page, suffix, fmt, header, rows):
    name = _filename(page, suffix)
    if fmt == "csv":
        return spreadsheets.csv_response(name, header, rows)
    if fmt == "xlsx":
        return spreadsheets.xlsx_response(name, header, rows, title=suffix)
    raise Http404


class GenerateCodesForm(forms.Form):
    count = forms.IntegerField(
        label=gettext_lazy("number of codes"), min_value=1, max_value=5000, initial=50
    )
    group = forms.CharField(
        label=gettext_lazy("respondent group"), max_length=100, required=False
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("unit"), queryset=Unit.objects.active(), required=False
    )
    batch = forms.CharField(label=gettext_lazy("batch"), max_length=100, required=False)


@survey_view
def access_codes(request, page_id):
    page = get_survey_for_user(request, page_id)
    if request.method == "POST":
        form = GenerateCodesForm(request.POST)
        if form.is_valid():
            created = access_codes_generate(
                survey=page,
                count=form.cleaned_data["count"],
                group=form.cleaned_data["group"],
                unit=form.cleaned_data["unit"],
                batch=form.cleaned_data["batch"],
            )
            messages.success(
                request, _("%(count)s access codes created.") % {"count": len(created)}
            )
            return redirect("wagtail_pilots_surveys:codes", page.pk)
    else:
        form = GenerateCodesForm()
    codes = AccessCode.objects.filter(survey_id=page.pk)
    batches = (
        codes.values("batch", "group", "unit__name")
        .order_by("batch", "group", "unit__name")
        .distinct()
    )
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/codes.html",
        {
            "page": page,
            "form": form,
            "total": codes.count(),
            "used": codes.filter(used_at__isnull=False).count(),
            "batches": batches,
            "header_title": page.title,
        },
    )


def _codes_for(request, page):
    codes = AccessCode.objects.filter(survey_id=page.pk).select_related("unit")
    batch = request.GET.get("batch")
    if batch is not None:
        codes = codes.filter(batch=batch)
    if request.GET.get("unused"):
        codes = codes.filter(used_at__isnull=True)
    return codes.order_by("pk")


@survey_view
def export_codes(request, page_id, fmt):
    page = get_survey_for_user(request, page_id)
    codes = _codes_for(request, page)
    header = ["code", "batch", "group", "unit", "used_at"]
    rows = (
        [
            format_code(c.code),
            c.batch,
            c.group,
            c.unit.name if c.unit else "",
            c.used_at,
        ]
        for c in codes.iterator(chunk_size=2000)
    )
    return _download(page, "codes", fmt, header, rows)


@survey_view
def print_codes(request, page_id):
    page = get_survey_for_user(request, page_id)
    codes = _codes_for(request, page).filter(used_at__isnull=True)
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/codes_print.html",
        {"page": page, "codes": codes, "survey_url": page.full_url},
    )


@survey_view
def paper_entry(request, page_id):
    """Type in paper questionnaires (channel = paper), one after another."""
    page = get_survey_for_user(request, page_id)
    form_kwargs = {
        "page": page,
        "user": request.user,
        "check_fill_time": False,
        # A paper questionnaire is typed in on one screen, whatever its pages.
        "paged": False,
    }
    if request.method == "POST":
        form = page.get_form(request.POST, **form_kwargs)
        if form.is_valid():
            _group, data = form.answers()
            try:
                response, _created = response_submit(
                    survey=page,
                    data=data,
                    channel=Channel.PAPER,
                    token=form.cleaned_data.get("wp_token"),
                    entered_by=request.user,
                    questions=form.questions,
                )
            except SubmitError as exc:
                form.add_error(
                    exc.field if exc.field in form.fields else None, exc.message
                )
            else:
                messages.success(
                    request,
                    _("Questionnaire #%(number)s saved. Enter the next one.")
                    % {"number": response.pk},
                )
                return redirect("wagtail_pilots_surveys:paper", page.pk)
    else:
        form = page.get_form(**form_kwargs)
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/paper_entry.html",
        {
            "page": page,
            "form": form,
            "questions": survey_questions(page),
            "header_title": page.title,
            "paper_count": page.survey_responses.filter(channel=Channel.PAPER).count(),
        },
    )


def survey_admin_links(page):
    """(label, url) of a survey's admin screens, for buttons and templates."""
    return [
        (_("Results"), reverse("wagtail_pilots_surveys:results", args=[page.pk])),
        (_("Paper entry"), reverse("wagtail_pilots_surveys:paper", args=[page.pk])),
        (_("Access codes"), reverse("wagtail_pilots_surveys:codes", args=[page.pk])),
    ]
