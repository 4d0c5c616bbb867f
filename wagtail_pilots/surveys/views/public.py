"""The public side: answering a survey and its public results."""

from __future__ import annotations

import logging

from django.core import signing
from django.http import HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from wagtail_pilots import ratelimit
from wagtail_pilots.conf import pilots_settings

from .. import services
from ..forms import (
    CODE,
    DRAFT,
    NAV,
    NAV_BACK,
    NAV_NEXT,
    NAV_SAVE,
    PAGE,
    RESUME_CODE,
    RESUME_PARAM,
    STARTED,
    STEP,
    STEP_CODE,
    TOKEN,
    AccessCodeForm,
    ResumeCodeForm,
    sign_draft,
    sign_started,
)
from ..models import Access, SurveyState
from ..services import CodeRejected, SubmitError, response_submit

logger = logging.getLogger(__name__)

STATE_MESSAGES = {
    SurveyState.NOT_OPEN: _("This survey is not open yet."),
    SurveyState.CLOSED: _("This survey is closed. Thank you for your interest."),
    SurveyState.FULL: _("This survey has received all the responses it needs."),
}
ALREADY_ANSWERED = _("You have already answered this survey from this browser.")
TOO_MANY = _("Too many attempts from your connection. Please try again later.")
CODE_LOCKED = _(
    "Too many wrong access codes were entered from your connection. "
    "Please try again later."
)
RESUME_LOCKED = _(
    "Too many wrong resume codes were entered from your connection. "
    "Please try again later."
)
RESUME_PAUSED = _(
    "Too many wrong resume codes were entered for this survey in the last hour. "
    "Resuming is paused; please try again later."
)
RESUME_NOT_FOUND = ngettext_lazy(
    "This resume code or link is not valid. Check it, or start again: saved "
    "answers are kept for %(days)s day only.",
    "This resume code or link is not valid. Check it, or start again: saved "
    "answers are kept for %(days)s days only.",
    "days",
)
DRAFT_EXPIRED = _(
    "The saved answers were kept until %(date)s and have been deleted. Please "
    "start again."
)
CODES_PAUSED = _(
    "Too many wrong access codes were entered for this survey in the last hour. "
    "Code entry is paused; please try again later."
)


def answered_cookie_name(page):
    """Named after the survey's source: answering one language answers all."""
    return f"wp_survey_{page.get_survey_source().pk}"


def _answered_in_this_browser(page, request):
    value = request.get_signed_cookie(
        answered_cookie_name(page), default=None, salt="wagtail_pilots.surveys"
    )
    return value == str(page.get_survey_source().pk)


def _refuse(page, request, message, *, retry_after):
    """HTTP 429 with the message and a ``Retry-After`` of at most that long."""
    response = _render(page, request, message=message, status=429)
    response["Retry-After"] = str(int(retry_after))
    return response


def code_ceiling_scope(page):
    """Failed codes of one survey (all its languages) from every client,
    counted per hour."""
    return f"surveys:code-ceiling:{page.get_survey_source().pk}"


RECEIPT_PARAM = "done"
_RECEIPT_SALT = "wagtail_pilots.surveys.receipt"


def receipt_number(response):
    """The number a respondent is shown after answering: derived from the stored
    response with the site's secret, so it reveals neither the response's id
    nor how many answers came before: two groups of four hexadecimal digits,
    e.g. ``3F9A-07C2``."""
    digest = salted_hmac(_RECEIPT_SALT, str(response.pk)).hexdigest()[:8].upper()
    return f"{digest[:4]}-{digest[4:]}"


def _thanks_redirect(page, request, receipt):
    """POST/redirect/GET: the thank-you page is a GET of the survey's own URL
    with a signed receipt, so reloading it never offers to send the answers
    again."""
    value = signing.dumps({"p": page.pk, "r": receipt}, salt=_RECEIPT_SALT)
    url = page.get_url(request) or request.path
    return HttpResponseRedirect(f"{url}?{RECEIPT_PARAM}={value}")


def _read_receipt(page, request):
    value = request.GET.get(RECEIPT_PARAM)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=_RECEIPT_SALT, max_age=86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != page.pk:
        return None
    return str(data.get("r") or "") or None


def render_thanks(page, request, receipt=None):
    context = page.get_context(request)
    context.update({"form_submission": None, "receipt": receipt})
    return TemplateResponse(request, page.get_landing_page_template(request), context)


def _render(
    page,
    request,
    *,
    form=None,
    code_form=None,
    message=None,
    status=200,
    preview=False,
    resume_form=None,
    draft_saved=None,
    note=None,
):
    context = page.get_context(request)
    if (
        resume_form is None
        and form is not None
        and not form.is_bound
        and not preview
        and page.get_survey_source().access != Access.CODE
    ):
        resume_form = ResumeCodeForm()
    survey = page.get_survey_source()
    context.update(
        {
            "form": form,
            "code_form": code_form,
            "resume_form": resume_form,
            "draft_saved": draft_saved,
            "survey_note": note,
            "survey_message": message,
            "survey_state": survey.get_state(),
            "results_public": survey.results_are_public(),
            "is_preview": preview,
        }
    )
    return TemplateResponse(request, page.get_template(request), context, status=status)


def _code_entry_refused(page, request, client, code_scope):
    """A 429 when this client is locked out of code entry, or when the survey
    has had too many wrong codes this hour from everyone; ``None`` otherwise."""
    if ratelimit.is_locked(
        code_scope, client, failures=pilots_settings.SURVEY_CODE_FAILURES
    ):
        return _refuse(
            page,
            request,
            CODE_LOCKED,
            retry_after=pilots_settings.SURVEY_CODE_LOCKOUT_SECONDS,
        )
    if ratelimit.is_locked(
        code_ceiling_scope(page), "all", failures=pilots_settings.CODE_FAILURES_PER_HOUR
    ):
        logger.warning(
            "Survey %s: %s wrong access codes within the hour; code entry "
            "paused for everyone",
            page.pk,
            pilots_settings.CODE_FAILURES_PER_HOUR,
        )
        return _refuse(page, request, CODES_PAUSED, retry_after=3600)
    return None


def _record_code_failure(page, client, code_scope):
    ratelimit.record_failure(
        code_scope, client, lockout_seconds=pilots_settings.SURVEY_CODE_LOCKOUT_SECONDS
    )
    ratelimit.record_failure(code_ceiling_scope(page), "all", lockout_seconds=3600)


def _check_code_step(page, request, client, code_scope):
    """The first step of a code-required survey: check the code (without
    using it up), then show the questions with the code carried along."""
    from ..selectors import access_code_problem

    refused = _code_entry_refused(page, request, client, code_scope)
    if refused is not None:
        return refused
    code_form = AccessCodeForm(request.POST)
    if code_form.is_valid():
        problem = access_code_problem(
            survey=page.get_survey_source(), code=code_form.cleaned_data[CODE]
        )
        if problem is None:
            code = code_form.cleaned_data[CODE]
            draft = services.draft_find(
                survey=page.get_survey_source(), access_code=code
            )
            if draft is not None and services.draft_expired(draft):
                services.draft_delete(draft)
                message = DRAFT_EXPIRED % {"date": _day(draft.expires_on)}
                form = page.get_form(
                    page=page,
                    user=request.user,
                    require_code=True,
                    initial={CODE: code},
                )
                return _render(page, request, form=form, note=message)
            if draft is not None:
                form = _restored_form(page, request, draft, code=code)
                return _render(page, request, form=form)
            form = page.get_form(
                page=page,
                user=request.user,
                require_code=True,
                initial={CODE: code_form.cleaned_data[CODE]},
            )
            return _render(page, request, form=form)
        _record_code_failure(page, client, code_scope)
        code_form.add_error(CODE, problem)
    return _render(page, request, code_form=code_form)


# Save and resume --------------------------------------------------------------


def _day(value):
    from django.utils.formats import date_format

    return date_format(value, "DATE_FORMAT")


def resume_scope(page):
    """Wrong resume codes and links of one survey (all its languages)."""
    return f"surveys:resume:{page.get_survey_source().pk}"


def resume_ceiling_scope(page):
    """Wrong resume codes and links of one survey (all its languages) from
    every client, per hour."""
    return f"surveys:resume-ceiling:{page.get_survey_source().pk}"


def _resume_refused(page, request, client):
    """A 429 while this client, or everyone together this hour, has guessed
    too many resume codes; ``None`` otherwise."""
    if ratelimit.is_locked(
        resume_scope(page), client, failures=pilots_settings.SURVEY_CODE_FAILURES
    ):
        return _refuse(
            page,
            request,
            RESUME_LOCKED,
            retry_after=pilots_settings.SURVEY_CODE_LOCKOUT_SECONDS,
        )
    if ratelimit.is_locked(
        resume_ceiling_scope(page),
        "all",
        failures=pilots_settings.CODE_FAILURES_PER_HOUR,
    ):
        logger.warning(
            "Survey %s: %s wrong resume codes within the hour; resuming paused",
            page.pk,
            pilots_settings.CODE_FAILURES_PER_HOUR,
        )
        return _refuse(page, request, RESUME_PAUSED, retry_after=3600)
    return None


def _record_resume_failure(page, client):
    ratelimit.record_failure(
        resume_scope(page),
        client,
        lockout_seconds=pilots_settings.SURVEY_CODE_LOCKOUT_SECONDS,
    )
    ratelimit.record_failure(resume_ceiling_scope(page), "all", lockout_seconds=3600)


def _restored_form(page, request, draft, *, code=None):
    """A form holding a draft's answers, on the page it was saved on, with a
    fresh token and start time and the draft's id signed for that token."""
    data = QueryDict(mutable=True)
    for name, values in (draft.data or {}).items():
        if isinstance(values, list):
            data.setlist(name, [str(v) for v in values])
    token = get_random_string(32)
    data[TOKEN] = token
    data[STARTED] = sign_started(token=token)
    data[PAGE] = str(draft.page_index)
    data[DRAFT] = sign_draft(draft.pk, token=token)
    if code:
        data[CODE] = code
    form = page.get_form(
        data,
        page=page,
        user=request.user,
        require_code=page.get_survey_source().access == Access.CODE,
    )
    form.restore_page(draft.page_index)
    return form


def _resume(page, request, *, token=None, code=None, resume_form=None):
    """Open the draft of a resume link (``token``) or resume code: the form
    with its answers, or the survey's first page with a message."""
    client = ratelimit.client_key(request)
    refused = _resume_refused(page, request, client)
    if refused is not None:
        return refused
    resume_form = resume_form or ResumeCodeForm()
    draft = services.draft_find(survey=page.get_survey_source(), token=token, code=code)
    if draft is None:
        _record_resume_failure(page, client)
        message = RESUME_NOT_FOUND % {"days": pilots_settings.SURVEY_DRAFT_DAYS}
    elif services.draft_expired(draft):
        services.draft_delete(draft)
        message = DRAFT_EXPIRED % {"date": _day(draft.expires_on)}
    else:
        return _render(page, request, form=_restored_form(page, request, draft))
    form = page.get_form(page=page, user=request.user, require_code=False)
    if resume_form.is_bound:  # a typed code: the message is on its field
        resume_form.add_error(RESUME_CODE, message)
        return _render(page, request, form=form, resume_form=resume_form)
    return _render(
        page,
        request,
        form=form,
        resume_form=resume_form,
        note=message,
        status=404 if draft is None else 410,
    )


def _save_draft(page, request, form, client, code_scope):
    """ "Save and continue later": keep the answers shown so far, then show
    the resume link and code (once), or how to resume with the 参与码.

    The draft belongs to the survey's source, as its responses do: saved on
    a translation, it is resumed by its link on that translation (or by its
    code on any of the survey's languages), and sending it from any of them
    deletes it."""
    from ..selectors import access_code_problem

    survey = page.get_survey_source()
    by_access_code = survey.access == Access.CODE
    code = None
    if by_access_code:
        code = form.data.get(CODE)
        problem = access_code_problem(survey=survey, code=code)
        if problem is not None:
            _record_code_failure(page, client, code_scope)
            form.show_page(form.page_index)
            form.add_error(CODE if CODE in form.fields else None, problem)
            return _render(page, request, form=form)
    saved = services.draft_save(
        survey=survey,
        values=form.draft_values(),
        page_index=form.page_index,
        draft_id=form.draft_id(),
        code=code,
    )
    link = ""
    if saved.token:
        url = page.get_url(request) or request.path
        link = request.build_absolute_uri(f"{url}?{RESUME_PARAM}={saved.token}")
    response = _render(
        page,
        request,
        draft_saved={
            "link": link,
            "code": saved.code,
            "expires_on": saved.expires_on,
            "by_access_code": by_access_code,
            "survey_url": page.get_url(request),
        },
    )
    response["Referrer-Policy"] = "same-origin"
    return response


def serve_survey(page, request, *args, preview=False, **kwargs):
    """Show the survey's form or accept a response.

    Order matters: the rate limit first (cheap, in the cache), then the honeypot,
    then the form; a response is stored by :func:`~..services.response_submit`
    before anything else (the notification is queued after commit).

    A translation of a survey (``page``) shows its own words, and everything
    else is its source's (``survey``): the state, access, codes, limits and
    the response itself (see ``translations.py``).
    """
    survey = page.get_survey_source()
    if request.method != "POST" and not preview:
        receipt = _read_receipt(page, request)
        if receipt is not None:
            return render_thanks(page, request, receipt)
    state = survey.get_state()
    if state != SurveyState.OPEN and not preview:
        return _render(page, request, message=STATE_MESSAGES[state])
    if (
        survey.access == Access.ONCE_PER_BROWSER
        and not preview
        and _answered_in_this_browser(page, request)
    ):
        return _render(page, request, message=ALREADY_ANSWERED)

    require_code = survey.access == Access.CODE
    # A code-required survey asks for the code first and checks it, so nobody
    # answers every question to learn at the end that the code was mistyped.
    code_first = require_code and not preview
    if request.method != "POST":
        if code_first:
            return _render(page, request, code_form=AccessCodeForm())
        token = request.GET.get(RESUME_PARAM)
        if token and not preview:
            # The link's token is in this page's address: never sent to another
            # site (not "no-referrer": the browser would then send "Origin:
            # null" with the form, which the CSRF check refuses).
            response = _resume(page, request, token=token)
            response["Referrer-Policy"] = "same-origin"
            return response
        form = page.get_form(page=page, user=request.user, require_code=require_code)
        return _render(page, request, form=form, preview=preview)

    client = ratelimit.client_key(request)
    code_scope = f"surveys:code:{survey.pk}"
    nav = request.POST.get(NAV)
    # Moving between pages is not a submission: only sending is rate-limited.
    if nav not in (NAV_BACK, NAV_NEXT):
        rate = ratelimit.Rate.parse(pilots_settings.SURVEY_SUBMIT_RATE)
        if not ratelimit.hit(f"surveys:submit:{survey.pk}", client, rate):
            return _refuse(page, request, TOO_MANY, retry_after=rate.window)

    if code_first and request.POST.get(STEP) == STEP_CODE:
        return _check_code_step(page, request, client, code_scope)
    if not require_code and not preview and RESUME_CODE in request.POST:
        resume_form = ResumeCodeForm(request.POST)
        if not resume_form.is_valid():
            form = page.get_form(page=page, user=request.user, require_code=False)
            return _render(page, request, form=form, resume_form=resume_form)
        return _resume(
            page,
            request,
            code=resume_form.cleaned_data[RESUME_CODE],
            resume_form=resume_form,
        )

    form = page.get_form(
        request.POST, page=page, user=request.user, require_code=require_code
    )
    if form.honeypot_filled:
        # Look like success so the bot learns nothing; store nothing. (The
        # field is hidden with the ``hidden`` attribute, so no person sees it.)
        logger.info("Survey %s: honeypot filled, post ignored", page.pk)
        fake = get_random_string(8, "0123456789ABCDEF")
        return _thanks_redirect(page, request, f"{fake[:4]}-{fake[4:]}")
    if require_code:
        refused = _code_entry_refused(page, request, client, code_scope)
        if refused is not None:
            return refused
    # Pages: "back" keeps the answers without checking them; "next" checks the
    # page shown; the last page sends everything, checked again as a whole.
    if nav == NAV_SAVE and not preview:
        return _save_draft(page, request, form, client, code_scope)
    if nav == NAV_BACK:
        target = form.step(-1)
        form.show_page(form.page_index if target is None else target)
        return _render(page, request, form=form, preview=preview)
    if nav == NAV_NEXT and not form.is_last_page():
        form.validate_page = form.page_index
        form.check_fill_time = False
        if form.is_valid():
            form.show_page(form.step(+1))
        return _render(page, request, form=form, preview=preview)
    if preview or not form.is_valid():
        form.go_to_first_error()
        return _render(page, request, form=form, preview=preview)

    group, data = form.answers()
    try:
        response, _created = response_submit(
            survey=survey,
            data=data,
            code=form.cleaned_data.get(CODE),
            token=form.cleaned_data.get(TOKEN),
            client=ratelimit.client_ip(request),
            user=request.user,
            questions=form.questions,
            draft_id=form.draft_id(),
            quota_limits=form.quota_limits,
        )
    except CodeRejected as exc:
        _record_code_failure(page, client, code_scope)
        form.add_error(CODE if CODE in form.fields else None, exc.message)
        return _render(page, request, form=form)
    except SubmitError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            form.go_to_first_error()
            return _render(page, request, form=form)
        return _render(page, request, message=exc.message)

    landing = _thanks_redirect(page, request, receipt_number(response))
    if survey.access == Access.ONCE_PER_BROWSER:
        landing.set_signed_cookie(
            answered_cookie_name(page),
            str(survey.pk),
            salt="wagtail_pilots.surveys",
            max_age=365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return landing


def serve_results(page, request):
    """The public results, when the survey's settings allow them: a
    translation shows its source's results in its own words."""
    from ..questions import survey_questions
    from ..selectors import public_results
    from ..translations import translated_questions

    context = page.get_context(request)
    survey = page.get_survey_source()
    allowed = survey.results_are_public()
    results = None
    if allowed:
        questions = survey_questions(survey)
        if survey.pk != page.pk:
            questions = translated_questions(questions, page)
        results = public_results(survey=survey, questions=questions)
    context.update({"results_allowed": allowed, "results": results})
    return TemplateResponse(
        request,
        "wagtail_pilots/surveys/survey_results_page.html",
        context,
        status=200 if allowed else 404,
    )


__all__ = ["serve_survey", "serve_results", "signing"]
