"""Admin screens of a survey: results, responses, exports, access codes, paper entry.

Every view loads the page and checks the user's page permissions (edit rights on
the survey page); the admin URLs themselves require an admin login.
"""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.defaults import permission_denied
from wagtail.admin.paginator import WagtailPaginator
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from wagtail_pilots import spreadsheets
from wagtail_pilots.codes import format_code
from wagtail_pilots.importexport.views import import_url
from wagtail_pilots.models import Unit

from ...pages import pages_using
from ..forms import CONFIRM, SERIAL, UNANSWERED
from ..importexport import ResponsesKind
from ..models import Access, AccessCode, Channel, PaperEntryDraft, SurveyPageMixin
from ..printing import questionnaire
from ..question_sets import QUESTION_SETS
from ..questions import survey_questions
from ..selectors import (
    ResultFilters,
    raw_response_rows,
    response_answer_lines,
    results_table_rows,
    survey_comparison,
    survey_groups_and_units,
    survey_quota_rows,
    survey_quotas,
    survey_response_rates,
    survey_responses_list,
    survey_results,
    units_of_responses,
)
from ..services import (
    SubmitError,
    access_codes_generate,
    paper_entry_record,
    question_set_insert,
)
from ..translations import questions_for_viewer, source_surveys


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
    """The survey page, or 404; PermissionDenied unless the user may edit it.

    A translation's screens are its source's: one survey in all its
    languages (see ``translations.py``)."""
    page = get_object_or_404(Page, pk=page_id).specific
    if not isinstance(page, SurveyPageMixin):
        raise Http404
    page = page.get_survey_source()
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return page


def _filename(page, suffix):
    return f"{slugify(page.slug) or 'survey'}-{page.pk}-{suffix}"


class ResultsFilterForm(forms.Form):
    """The results screen's filters (GET), also applied to its exports."""

    group = forms.ChoiceField(label=gettext_lazy("respondent group"), required=False)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("evaluated unit"),
        queryset=Unit.objects.none(),
        required=False,
    )
    channel = forms.ChoiceField(label=gettext_lazy("channel"), required=False)
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", pgettext_lazy("filter choice", "All"))]
        groups = [
            pair
            for q in questions
            if q.field_type == "group"
            for pair in q.choice_pairs()
        ]
        self.fields["group"].choices = everything + groups
        self.fields["channel"].choices = everything + list(Channel.choices)
        unit_ids = {r.unit_id for q in questions for r in q.rows if r.unit_id}
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=unit_ids)
        self.fields["unit"].empty_label = pgettext_lazy("filter choice", "All")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self):
        if not self.is_valid():
            return ResultFilters()
        data = self.cleaned_data
        return ResultFilters(
            group=data.get("group") or "",
            channel=data.get("channel") or "",
            unit_id=data["unit"].pk if data.get("unit") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def _results_filters(request, page, form_class=ResultsFilterForm):
    # Worded in the viewer's language when the survey has a translation in it.
    questions = questions_for_viewer(page)
    data = request.GET.copy()
    data.pop("p", None)  # the page number of a list is no filter
    form = form_class(data or None, questions=questions)
    return form, form.filters() if form.is_bound else ResultFilters(), questions


class ResponsesFilterForm(ResultsFilterForm):
    """The results filters, plus a search on the questionnaire serial number or
    the response number."""

    q = forms.CharField(
        label=gettext_lazy("serial or response number"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def search(self):
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


def _empty_state(request, page):
    """What an editor can do about a survey without responses: share it, enter
    paper questionnaires, import them."""
    kind = ResponsesKind()
    return {
        "public_url": request.build_absolute_uri(page.get_url(request))
        if page.live
        else None,
        "paper_url": reverse("wagtail_pilots_surveys:paper", args=[page.pk]),
        "import_url": import_url(kind, page)
        if kind.has_import_permission(request.user, page=page)
        else None,
    }


@survey_view
def results(request, page_id):
    page = get_survey_for_user(request, page_id)
    filter_form, filters, questions = _results_filters(request, page)
    editable = PagePermissionPolicy().instances_user_has_permission_for(
        request.user, "change"
    )
    others = (
        source_surveys(pages_using(SurveyPageMixin))
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
    results = survey_results(survey=page, questions=questions, filters=filters)
    quota_rows = survey_quota_rows(page)
    quotas = survey_quotas(survey=page, rows=quota_rows)
    rates = survey_response_rates(survey=page, quota_rows=quota_rows)
    empty_state = {}
    if not results.responses and not filters:
        empty_state = _empty_state(request, page)
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/results.html",
        {
            "page": page,
            "results": results,
            "quotas": quotas,
            "rates": rates,
            "empty_state": empty_state,
            "header_title": page.title,
            "other_surveys": others.only("pk", "title"),
            "compared_with": other,
            "comparison": comparison,
            "filter_form": filter_form,
            "filtered": bool(filters),
            "filter_query": request.GET.urlencode() if filters else "",
        },
    )


RESPONSES_PER_PAGE = 50


@survey_view
def responses(request, page_id):
    """The individual responses of a survey, newest first, 50 a page, with the
    results' filters and a search on the serial number."""
    page = get_survey_for_user(request, page_id)
    filter_form, filters, _questions = _results_filters(
        request, page, ResponsesFilterForm
    )
    search = filter_form.search() if filter_form.is_bound else ""
    queryset = survey_responses_list(survey=page, filters=filters, search=search)
    paginator = WagtailPaginator(queryset, RESPONSES_PER_PAGE)
    items = paginator.get_page(request.GET.get("p"))
    rows = list(items.object_list)
    units = units_of_responses(survey=page, response_ids=[r.pk for r in rows])
    filtered = bool(filters or search)
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/responses.html",
        {
            "page": page,
            "items": items,
            "elided_page_range": paginator.get_elided_page_range(items.number),
            "rows": [
                {
                    "response": r,
                    "channel": Channel(r.channel).label
                    if r.channel in Channel.values
                    else r.channel,
                    "units": units.get(r.pk, []),
                }
                for r in rows
            ],
            "anonymous": page.anonymous,
            "empty_state": {}
            if filtered or paginator.count
            else _empty_state(request, page),
            "filter_form": filter_form,
            "filtered": filtered,
            "clear_url": reverse("wagtail_pilots_surveys:responses", args=[page.pk]),
            # The detail's "back" link returns to this page of this list.
            "back_query": request.GET.urlencode(),
            "header_title": page.title,
        },
    )


@survey_view
def response_detail(request, page_id, response_id):
    """One response: every question of the survey with its answer."""
    page = get_survey_for_user(request, page_id)
    response = (
        page.get_submission_class()
        .objects.filter(pk=response_id)
        .select_related("entered_by")
        .first()
    )
    if response is None:
        raise Http404
    if response.survey_id != page.pk:
        # Rights on one survey give no view of another survey's responses.
        raise PermissionDenied
    back = reverse("wagtail_pilots_surveys:responses", args=[page.pk])
    came_from = QueryDict(request.GET.get("back", "")).urlencode()
    if came_from:
        back += f"?{came_from}"
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/response_detail.html",
        {
            "page": page,
            "response": response,
            "channel": Channel(response.channel).label
            if response.channel in Channel.values
            else response.channel,
            "lines": response_answer_lines(
                questions=questions_for_viewer(page), data=response.data
            ),
            "units": units_of_responses(survey=page, response_ids=[response.pk]).get(
                response.pk, []
            ),
            "anonymous": page.anonymous,
            "back_url": back,
            "header_title": page.title,
        },
    )


@survey_view
def export_results(request, page_id, fmt):
    page = get_survey_for_user(request, page_id)
    _form, filters, questions = _results_filters(request, page)
    header, rows = results_table_rows(
        survey_results(survey=page, questions=questions, filters=filters),
        survey_response_rates(survey=page),
    )
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
    """Codes for a group and/or a unit chosen from the survey's own groups
    (its group question) and units (its matrix rows)."""

    count = forms.IntegerField(
        label=gettext_lazy("number of codes"), min_value=1, max_value=5000, initial=50
    )
    group = forms.ChoiceField(
        label=gettext_lazy("respondent group"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "“%(value)s” is not a respondent group of this survey."
            )
        },
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("unit"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "This unit is not one the survey asks about."
            )
        },
    )
    batch = forms.CharField(label=gettext_lazy("batch"), max_length=100, required=False)

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        groups, unit_ids = survey_groups_and_units(survey=survey)
        group_field = self.fields["group"]
        unit_field = self.fields["unit"]
        assert isinstance(group_field, forms.ChoiceField)
        assert isinstance(unit_field, forms.ModelChoiceField)
        group_field.choices = [("", _("any group"))] + [(g, g) for g in groups]
        unit_field.queryset = Unit.objects.filter(pk__in=unit_ids).order_by(
            "code", "pk"
        )
        unit_field.empty_label = _("any unit")
        if not groups:
            group_field.help_text = _(
                "the survey has no respondent group question to choose from"
            )
        if not unit_ids:
            unit_field.help_text = _(
                "the survey has no matrix question over units to choose from"
            )


@survey_view
def access_codes(request, page_id):
    page = get_survey_for_user(request, page_id)
    if request.method == "POST":
        form = GenerateCodesForm(request.POST, survey=page)
        if form.is_valid():
            try:
                created = access_codes_generate(
                    survey=page,
                    count=form.cleaned_data["count"],
                    group=form.cleaned_data["group"],
                    unit=form.cleaned_data["unit"],
                    batch=form.cleaned_data["batch"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(count)s access codes created.") % {"count": len(created)},
                )
                return redirect("wagtail_pilots_surveys:codes", page.pk)
    else:
        form = GenerateCodesForm(survey=page)
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
            "used": codes.filter(used_on__isnull=False).count(),
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
        codes = codes.filter(used_on__isnull=True)
    return codes.order_by("pk")


@survey_view
def export_codes(request, page_id, fmt):
    page = get_survey_for_user(request, page_id)
    codes = _codes_for(request, page)
    header = ["code", "batch", "group", "unit", "used_on"]
    rows = (
        [
            format_code(c.code),
            c.batch,
            c.group,
            c.unit.name if c.unit else "",
            c.used_on,
        ]
        for c in codes.iterator(chunk_size=2000)
    )
    return _download(page, "codes", fmt, header, rows)


LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


def survey_public_url(page, request):
    """The address printed on slips: the survey's URL on its Wagtail Site
    (``page.full_url``). When that Site still has a local hostname
    (``localhost``, Wagtail's default) but the admin is reached under a real
    one, the admin's host is used instead, and ``site_is_local`` says so, so
    that no slip tells the public to visit ``http://localhost/``."""
    url = page.get_full_url(request)
    site = page.get_site()
    site_is_local = site is None or site.hostname in LOCAL_HOSTS
    if site_is_local and request.get_host().split(":")[0] not in LOCAL_HOSTS:
        path = page.get_url(request, current_site=site)
        if path and path.startswith("/"):
            url = request.build_absolute_uri(path)
    return url, site_is_local


def qr_svg(url, *, title):
    """A QR code of ``url`` as inline SVG (segno: pure Python, no network)."""
    import segno

    return segno.make(url, error="m").svg_inline(
        scale=3, border=2, title=title, svgclass="wp-qr"
    )


@survey_view
def print_codes(request, page_id):
    page = get_survey_for_user(request, page_id)
    codes = _codes_for(request, page).filter(used_on__isnull=True)
    survey_url, site_is_local = survey_public_url(page, request)
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/codes_print.html",
        {
            "page": page,
            "codes": codes,
            "survey_url": survey_url,
            "site_is_local": site_is_local,
            "qr_svg": mark_safe(  # noqa: S308 - segno's SVG of an escaped URL
                qr_svg(survey_url, title=_("QR code of %(url)s") % {"url": survey_url})
            )
            if survey_url
            else "",
        },
    )


@survey_view
def print_questionnaire(request, page_id):
    """The survey as a paper questionnaire, printed from the browser (A4): its
    questions numbered as the web form numbers them, each answer with the code
    the response import reads (正序), conditions written out in words, a box
    for the serial number and, for a survey that needs 参与码, one for the
    code slip. Printed from the page's current version, as the web form, paper
    entry and the import use it."""
    page = get_survey_for_user(request, page_id)
    questions = survey_questions(page)
    needs_code = page.access == Access.CODE
    survey_url = ""
    if needs_code and page.live:
        survey_url, _site_is_local = survey_public_url(page, request)
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/questionnaire_print.html",
        {
            "page": page,
            "parts": questionnaire(questions),
            "question_count": len(questions),
            "needs_code": needs_code,
            "survey_url": survey_url,
            "anonymous": page.anonymous,
            "header_title": page.title,
        },
    )


@survey_view
def paper_entry(request, page_id):
    """Type in paper questionnaires (channel = paper), one after another.

    With double entry on, the first entry of a serial number waits for a second
    clerk; when the two differ, the differences are shown side by side and the
    second clerk confirms the answers from the paper before anything is stored.
    """
    page = get_survey_for_user(request, page_id)
    double = page.paper_double_entry
    form_kwargs = {
        "page": page,
        "user": request.user,
        "check_fill_time": False,
        "paper": True,
        "require_serial": double,
        # A paper questionnaire is typed in on one screen, whatever its pages.
        "paged": False,
    }
    differences = None
    if request.method == "POST":
        form = page.get_form(request.POST, **form_kwargs)
        if form.is_valid():
            _group, data = form.answers()
            serial = form.cleaned_data.get(SERIAL) or ""
            try:
                outcome = paper_entry_record(
                    survey=page,
                    data=data,
                    serial=serial,
                    entered_by=request.user,
                    questions=form.questions,
                    token=form.cleaned_data.get("wp_token"),
                    confirm=request.POST.get(CONFIRM) == serial.strip(),
                )
            except SubmitError as exc:
                form.add_error(
                    exc.field if exc.field in form.fields else None, exc.message
                )
            else:
                if outcome.response is not None:
                    messages.success(request, _paper_saved_message(outcome, double))
                    return redirect("wagtail_pilots_surveys:paper", page.pk)
                if not outcome.differences:
                    messages.success(
                        request,
                        _(
                            "First entry of questionnaire number %(serial)s saved. "
                            "Another clerk must now enter it again; it counts only "
                            "then."
                        )
                        % {"serial": outcome.first_entry.serial},
                    )
                    return redirect("wagtail_pilots_surveys:paper", page.pk)
                differences = [
                    {"label": label, "first": _shown(first), "second": _shown(second)}
                    for label, first, second in outcome.differences
                ]
    else:
        form = page.get_form(**form_kwargs)
    waiting = (
        PaperEntryDraft.objects.filter(survey_id=page.pk).count() if double else None
    )
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/paper_entry.html",
        {
            "page": page,
            "form": form,
            "serial_field": form[SERIAL],
            "double_entry": double,
            "differences": differences,
            "confirm_name": CONFIRM,
            "confirm_value": form.cleaned_data.get(SERIAL, "") if differences else "",
            "waiting_count": waiting,
            "unanswered": UNANSWERED,
            "header_title": page.title,
            "paper_count": page.survey_responses.filter(channel=Channel.PAPER).count(),
        },
    )


@survey_view
def question_sets(request, page_id):
    """The ready question sets; POST appends one to the survey (a new
    revision) and returns to the editor."""
    page = get_survey_for_user(request, page_id)
    if request.method == "POST":
        if page.get_lock() and page.get_lock().for_user(request.user):
            messages.error(request, _("The survey is locked: unlock it first."))
            return redirect("wagtail_pilots_surveys:question_sets", page.pk)
        name = request.POST.get("set", "")
        try:
            question_set_insert(survey=page, name=name, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("wagtail_pilots_surveys:question_sets", page.pk)
        messages.success(
            request,
            _(
                "The questions of “%(set)s” were added at the end of the survey, "
                "in a new draft: check them, then save or publish."
            )
            % {"set": QUESTION_SETS[name].label},
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/admin/question_sets.html",
        {
            "page": page,
            "question_sets": [
                {
                    "set": question_set,
                    "questions": [
                        {
                            **q,
                            "row_list": [r for r in q.get("rows", "").split("\n") if r],
                        }
                        for q in question_set.questions()
                    ],
                }
                for question_set in QUESTION_SETS.values()
            ],
            "header_title": page.title,
        },
    )


def _shown(value):
    """An answer as the differences table shows it."""
    if isinstance(value, list | tuple):
        value = "、".join(str(v) for v in value)
    return value if value not in (None, "") else pgettext("paper entry", "Unanswered")


def _paper_saved_message(outcome, double):
    response = outcome.response
    if response.serial:
        if outcome.differences:
            text = _(
                "Questionnaire number %(serial)s saved with the answers you "
                "confirmed. Enter the next one."
            )
        elif double:
            text = _(
                "Questionnaire number %(serial)s: both entries agree; saved. "
                "Enter the next one."
            )
        else:
            text = _("Questionnaire number %(serial)s saved. Enter the next one.")
        return text % {"serial": response.serial}
    return _("Questionnaire #%(number)s saved. Enter the next one.") % {
        "number": response.pk
    }


def survey_admin_links(page):
    """(label, url) of a survey's admin screens, for buttons and templates."""
    return [
        (_("Results"), reverse("wagtail_pilots_surveys:results", args=[page.pk])),
        (
            pgettext("survey admin screen", "Responses"),
            reverse("wagtail_pilots_surveys:responses", args=[page.pk]),
        ),
        (_("Paper entry"), reverse("wagtail_pilots_surveys:paper", args=[page.pk])),
        (_("Access codes"), reverse("wagtail_pilots_surveys:codes", args=[page.pk])),
        (
            _("Printable questionnaire"),
            reverse("wagtail_pilots_surveys:questionnaire", args=[page.pk]),
        ),
    ]


def survey_admin_buttons(page):
    """(label, url, icon) of a survey's admin screens, for buttons."""
    icons = ["table", "list-ul", "edit", "key", "doc-full"]
    return [
        (label, url, icon)
        for (label, url), icon in zip(survey_admin_links(page), icons, strict=True)
    ]
