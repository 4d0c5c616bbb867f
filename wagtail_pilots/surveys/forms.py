"""Forms: the public answering form (built by :class:`SurveyFormBuilder`), and
the admin forms for survey pages and scales."""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict

import django.forms
import django.forms.utils
from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.html import conditional_escape
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.contrib.forms.forms import BaseForm, FormBuilder, WagtailAdminFormPageForm

from wagtail_pilots.conf import pilots_settings

from . import logic
from .questions import GROUP, MATRIX, SCALE, question_from_field, split_choices

OTHER_LABEL = pgettext_lazy("survey option", "Other, please specify")
#: How a question hidden by its conditions reads in exports (never "no answer").
NOT_ASKED_LABEL = pgettext_lazy("survey answer", "(not asked)")

HONEYPOT = "wp_website"
TOKEN = "wp_token"  # noqa: S105 - a form field name
STARTED = "wp_started"
CODE = "wp_code"
STEP = "wp_step"
STEP_CODE = "code"
SERIAL = "wp_serial"
CONFIRM = "wp_confirm"
# Paper entry: the value of the "unanswered" choice each question gets there.
UNANSWERED = "wp_unanswered"
PAGE = "wp_page"
CARRY = "wp_carry"
NAV = "wp_nav"
NAV_BACK = "back"
NAV_NEXT = "next"
NAV_SAVE = "save"
#: The draft a form was resumed from (signed, bound to the form's token).
DRAFT = "wp_draft"
RESUME_CODE = "wp_resume_code"
#: The query parameter of a resume link.
RESUME_PARAM = "resume"
_DRAFT_SALT = "wagtail_pilots.surveys.draft"
_CARRY_SALT = "wagtail_pilots.surveys.carry"
META_FIELDS = (HONEYPOT, TOKEN, STARTED, CODE)
_STARTED_SALT = "wagtail_pilots.surveys.started"


def sign_started(now=None, *, token=""):
    """The signed start time of one form load, bound to that load's
    idempotency ``token``: a post must carry both, and a token stores at most
    one response (a unique constraint), so one served form cannot be posted
    again and again as new responses."""
    started = int(now if now is not None else time.time())
    return signing.dumps(f"{started}:{token}", salt=_STARTED_SALT)


def read_started(value, *, token=""):
    """The start time signed in ``value`` for ``token``; ``None`` when the
    signature is bad, expired (7 days), or made for another token."""
    try:
        payload = signing.loads(value, salt=_STARTED_SALT, max_age=7 * 86400)
        started, _sep, signed_token = str(payload).partition(":")
        if not token or not constant_time_compare(signed_token, str(token)):
            return None
        return int(started)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def sign_draft(draft_id, *, token):
    """The signed id of the draft a form was resumed from, for that form's
    ``token`` only: sending the form deletes that draft."""
    return signing.dumps(int(draft_id), salt=f"{_DRAFT_SALT}:{token}")


def read_draft(value, *, token):
    """The draft id signed in ``value`` for ``token``, or ``None``."""
    if not value or not token:
        return None
    max_age = (pilots_settings.SURVEY_DRAFT_DAYS + 1) * 86400
    try:
        draft_id = signing.loads(value, salt=f"{_DRAFT_SALT}:{token}", max_age=max_age)
    except signing.BadSignature:
        return None
    return draft_id if isinstance(draft_id, int) else None


def access_code_field():
    return django.forms.CharField(
        label=_("access code"),
        max_length=32,
        help_text=_("the code printed on the slip you were given"),
        widget=django.forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                # The template prints the help text under this id.
                "aria-describedby": f"id_{CODE}_help",
            }
        ),
    )


class AccessCodeForm(django.forms.Form):
    """The first step of a code-required survey: the code alone."""

    wp_code = access_code_field()


class ResumeCodeForm(django.forms.Form):
    """ "Continue a saved questionnaire": the short resume code."""

    wp_resume_code = django.forms.CharField(
        label=_("resume code"),
        max_length=20,
        help_text=_(
            "the 8-character code you were shown when you saved, e.g. K7QX-M3PD"
        ),
        widget=django.forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "aria-describedby": f"id_{RESUME_CODE}_help",
            }
        ),
    )


class MatrixRows(list):
    """What ``create_matrix_field`` returns: ``(row key, form field)`` pairs, one
    required radio group per row, expanded into the form by ``formfields``."""


class SurveyForm(BaseForm):
    """The public form. Besides the questions it carries a honeypot, an
    idempotency token, a signed start time and (when required) the access code."""

    wp_website = django.forms.CharField(
        required=False,
        label=_("leave this field empty"),
        widget=django.forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    wp_token = django.forms.CharField(
        max_length=64, required=False, widget=django.forms.HiddenInput
    )
    wp_started = django.forms.CharField(
        max_length=200, required=False, widget=django.forms.HiddenInput
    )

    wp_page = django.forms.IntegerField(
        required=False, min_value=0, widget=django.forms.HiddenInput
    )
    wp_carry = django.forms.CharField(required=False, widget=django.forms.HiddenInput)

    questions = ()
    #: The survey's quota limits when the form was built from its compiled
    #: question set (``compiled.py``); ``None``: read them when storing.
    quota_limits = None

    def __init__(
        self,
        *args,
        require_code=False,
        check_fill_time=True,
        paper=False,
        require_serial=False,
        paged=True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.check_fill_time = check_fill_time
        self.paper = paper
        self.paged = paged and not paper  # paper entry: one screen
        self.pages = logic.paginate(self.questions) if self.paged else []
        if not self.pages:
            self.pages = [logic.SurveySection(index=0, questions=list(self.questions))]
        #: The page shown (an index into ``self.pages``) and the fields checked
        #: on the next validation: ``None`` checks every visible question.
        self.page_index = 0
        self.validate_page = None
        self.checked_fields = set()
        if not self.is_bound:
            token = self.initial.setdefault(TOKEN, get_random_string(32))
            self.initial.setdefault(STARTED, sign_started(token=token))
        else:
            self.data = self._merge_carry(self.data)
            self.page_index = self._posted_page_from(self.data)
        if require_code:
            self.fields[CODE] = access_code_field()
        if paper:
            self._make_paper_fields(require_serial)

    def _make_paper_fields(self, require_serial):
        """Paper entry: each question with options gets an explicit "unanswered"
        choice (a blank on paper is typed in as such, never as an answer, and
        never by skipping a question by mistake); free text may stay empty; the
        questionnaire's serial number comes first."""
        for question in self.questions:
            if question.field_type == MATRIX:
                names = [question.row_field_name(row) for row in question.rows]
            else:
                names = [question.key]
            for name in names:
                field = self.fields.get(name)
                if field is None:
                    continue
                if isinstance(field.widget, django.forms.RadioSelect):
                    field.choices = [
                        *field.choices,
                        (UNANSWERED, pgettext_lazy("paper entry", "Unanswered")),
                    ]
                else:
                    field.required = False
        serial = django.forms.CharField(
            label=_("questionnaire serial number"),
            max_length=50,
            required=require_serial,
            help_text=_("the number on the paper questionnaire; unique in a survey"),
            widget=django.forms.TextInput(attrs={"autocomplete": "off"}),
        )
        self.fields = {SERIAL: serial, **self.fields}

    # Pages ---------------------------------------------------------------------

    def question_field_names(self, question):
        """Every form field of ``question``: its answer(s), "other" and follow-up."""
        if question.field_type == MATRIX:
            names = [question.row_field_name(row) for row in question.rows]
        else:
            names = [question.key]
        if logic.offers_other(question):
            names.append(question.key + logic.OTHER_SUFFIX)
        if question.follow_up_options:
            names.append(question.key + logic.FOLLOW_UP_SUFFIX)
        return names

    def _carry_salt(self, data):
        return f"{_CARRY_SALT}:{data.get(TOKEN) or ''}"

    def _merge_carry(self, data):
        """The answers of the other pages come back signed (bound to this
        form's token); the posted page's own fields come from the post."""
        if len(self.pages) < 2:
            return data
        try:
            carried = signing.loads(
                data.get(CARRY) or "", salt=self._carry_salt(data), max_age=7 * 86400
            )
        except signing.BadSignature:
            carried = {}
        if not isinstance(carried, dict):
            carried = {}
        current = set()
        index = self._posted_page_from(data)
        for question in self.pages[index].questions:
            current.update(self.question_field_names(question))
        merged = data.copy()
        for name, values in carried.items():
            if name in current or name not in self.base_fields:
                continue
            if isinstance(values, list) and all(isinstance(v, str) for v in values):
                merged.setlist(name, values)
        return merged

    def _posted_page_from(self, data):
        try:
            index = int(data.get(PAGE) or 0)
        except (TypeError, ValueError):
            return 0
        return index if 0 <= index < len(self.pages) else 0

    def raw_answers(self):
        """The answers as posted (not validated), in the answering service's
        shape, for deciding what is shown."""
        data = {}
        if not self.is_bound:
            return data
        for question in self.questions:
            if question.field_type == MATRIX:
                data[question.key] = {
                    row.key: self.data.get(question.row_field_name(row))
                    for row in question.rows
                }
            elif question.field_type in logic.MULTI_CHOICE_TYPES:
                data[question.key] = self.data.getlist(question.key)
            else:
                data[question.key] = self.data.get(question.key)
        return data

    def visibility(self):
        if not hasattr(self, "_visibility"):
            self._visibility = logic.visible(self.pages, self.raw_answers())
        return self._visibility

    def visible_pages(self):
        return self.visibility().pages

    def show_page(self, index):
        """Show page ``index`` next, without errors (going back and forth)."""
        self.page_index = index
        self._errors = django.forms.utils.ErrorDict()
        self.cleaned_data = {}

    def step(self, direction):
        """The visible page before (-1) or after (+1) the one posted;
        ``None`` when there is none."""
        pages = self.visible_pages()
        if direction < 0:
            earlier = [i for i in pages if i < self.page_index]
            return earlier[-1] if earlier else None
        later = [i for i in pages if i > self.page_index]
        return later[0] if later else None

    def page_number(self):
        pages = self.visible_pages() or [0]
        shown = [i for i in pages if i <= self.page_index]
        return max(len(shown), 1), len(pages)

    def is_last_page(self):
        return self.step(+1) is None

    def needs_script(self):
        """Whether the page has conditions or follow-ups for the script."""
        return any(
            q.conditions or logic.offers_other(q) or q.follow_up_options
            for q in self.questions
        )

    def has_previous_page(self):
        return self.step(-1) is not None

    def current_page_title(self):
        return self.pages[self.page_index].title if self.pages else ""

    def go_to_first_error(self):
        """Show the first visible page with a problem (after a full check)."""
        for index in self.visible_pages():
            for question in self.pages[index].questions:
                if any(n in self.errors for n in self.question_field_names(question)):
                    self.page_index = index
                    return

    def full_clean(self):
        # Hidden questions are neither required nor stored: their fields are
        # left out before validation, as decided from the posted answers.
        # The form keeps every field for rendering (a script may show a
        # question again); only the checked ones are validated and stored.
        dropped = set()
        if self.is_bound:
            shown = self.visibility().keys
            page = None
            if self.validate_page is not None:
                page = {q.key for q in self.pages[self.validate_page].questions}
            for question in self.questions:
                if question.key not in shown or (
                    page is not None and question.key not in page
                ):
                    dropped.update(self.question_field_names(question))
        all_fields = self.fields
        self.fields = {n: f for n, f in all_fields.items() if n not in dropped}
        try:
            super().full_clean()
        finally:
            self.checked_fields = set(self.fields)
            self.fields = all_fields

    def carry_value(self):
        """The signed answers of every page but the one shown."""
        if len(self.pages) < 2 or not self.is_bound:
            return ""
        current = set()
        for question in self.pages[self.page_index].questions:
            current.update(self.question_field_names(question))
        carried = {}
        for question in self.questions:
            for name in self.question_field_names(question):
                if name in current:
                    continue
                values = [v for v in self.data.getlist(name) if v not in (None, "")]
                if values:
                    carried[name] = values
        return signing.dumps(carried, salt=self._carry_salt(self.data), compress=True)

    @property
    def draft_days(self):
        return pilots_settings.SURVEY_DRAFT_DAYS

    def draft_values(self):
        """What "Save and continue later" keeps: the posted values of the
        questions shown (their answers, "other" and follow-up texts), as
        ``{field name: [value, ...]}``. Answers to questions the answers
        hide are not kept."""
        if not self.is_bound:
            return {}
        shown = self.visibility().keys
        values = {}
        for question in self.questions:
            if question.key not in shown:
                continue
            for name in self.question_field_names(question):
                items = [v for v in self.data.getlist(name) if v not in (None, "")]
                if items:
                    values[name] = items
        return values

    def draft_id(self):
        """The draft this form was resumed from (see :func:`sign_draft`)."""
        if not self.is_bound:
            return None
        return read_draft(self.data.get(DRAFT), token=self.data.get(TOKEN))

    def draft_value(self):
        """The signed draft id to send on with the next page."""
        draft_id = self.draft_id()
        return sign_draft(draft_id, token=self.data.get(TOKEN)) if draft_id else ""

    def restore_page(self, index):
        """Show the page a draft was saved on, or the nearest visible page
        before it when the restored answers hide it."""
        pages = self.visible_pages() or [0]
        earlier = [i for i in pages if i <= index]
        self.show_page(earlier[-1] if earlier else pages[0])

    @property
    def honeypot_filled(self):
        return bool((self.data.get(HONEYPOT) or "").strip())

    def clean(self):
        cleaned = super().clean()
        # "Other, please specify" needs its text, checked on its own page.
        for question in self.questions:
            name = question.key + logic.OTHER_SUFFIX
            if name not in self.fields or question.key not in self.fields:
                continue
            chosen = logic.answer_labels(question, cleaned.get(question.key))
            if chosen and logic.OTHER in chosen and not cleaned.get(name):
                self.add_error(name, _("You chose “other”: please say what."))
        # A form sent at once with answers missing says what is missing: the
        # fill-time check only speaks when everything else is in order.
        if self.check_fill_time and not self.errors:
            started = read_started(self.data.get(STARTED), token=self.data.get(TOKEN))
            minimum = pilots_settings.SURVEY_MIN_FILL_SECONDS
            if started is None or time.time() - started < minimum:
                raise django.forms.ValidationError(
                    _(
                        "The form was sent too quickly or has expired. Please check "
                        "your answers and send it again."
                    ),
                    code="too_fast",
                )
        return cleaned

    def sections(self):
        """The questions of the page shown with their bound fields, for
        templates: ``[{"question": Question, "fields": [BoundField, ...]}, ...]``."""
        result = []
        numbers = logic.question_numbers(self.questions)
        shown_page = self.pages[self.page_index] if self.pages else None
        visibility = self.visibility()
        page_keys = {q.key for q in shown_page.questions} if shown_page else set()
        for question in self.questions:
            if question.key not in page_keys:
                continue
            condition = self._client_condition(question, shown_page)
            if not visibility.shown(question.key) and '"names"' not in condition:
                # Hidden by answers on earlier pages: the browser cannot
                # change that, so it is not sent at all.
                continue
            if question.field_type == MATRIX:
                names = [question.row_field_name(row) for row in question.rows]
            else:
                names = [question.key]
            fields = [self[name] for name in names if name in self.fields]
            extra = []
            for suffix, values in (
                (logic.OTHER_SUFFIX, [logic.OTHER]),
                (logic.FOLLOW_UP_SUFFIX, question.follow_up_options),
            ):
                name = question.key + suffix
                if name in self.fields:
                    if question.options:
                        pks = {o.label: str(o.pk) for o in question.options}
                        values = [pks.get(v, v) for v in values]
                    trigger = {"names": [question.key], "values": list(values)}
                    extra.append({"field": self[name], "trigger": json.dumps(trigger)})
            all_fields = fields + [item["field"] for item in extra]
            result.append(
                {
                    "question": question,
                    "fields": fields,
                    "extra_fields": extra,
                    "number": numbers[question.key],
                    "anchor": f"q-{question.key}",
                    "condition": condition,
                    "errors": [
                        (field, error) for field in all_fields for error in field.errors
                    ],
                }
            )
        return result

    def _client_condition(self, question, shown_page):
        """The conditions of ``question`` for the browser script, as JSON:
        a rule about a question of this page names its inputs and their
        values; a rule about an earlier page is already decided here."""
        rules = list(logic.own_conditions(question, shown_page))
        if not rules:
            return ""
        by_key = {q.key: q for q in self.questions}
        page_keys = {q.key for q in shown_page.questions}
        answers = None
        client = []
        for rule in rules:
            ref = by_key.get(rule.get("question"))
            if ref is None or ref.key not in page_keys:
                if answers is None:
                    data = self.raw_answers()
                    shown = self.visibility().keys
                    answers = {
                        q.key: logic.answer_labels(q, data.get(q.key))
                        for q in self.questions
                        if q.key in shown
                    }
                client.append({"fixed": logic.rule_matches(rule, answers)})
                continue
            values = list(rule.get("values") or [])
            if ref.options:
                labels = {o.label: str(o.pk) for o in ref.options}
                values = [labels.get(v, v) for v in values]
            if ref.field_type == MATRIX:
                names = [ref.row_field_name(row) for row in ref.rows]
            else:
                names = [ref.key]
            client.append({"names": names, "op": rule.get("op"), "values": values})
        return json.dumps({"match": question.conditions_match, "rules": client})

    def error_summary(self):
        """The problems of a bound form, in page order, for the summary at the
        top: ``[{"anchor", "text"}, ...]`` (anchor ``None`` for a problem with
        the whole form)."""
        items = [{"anchor": None, "text": e} for e in self.non_field_errors()]
        if CODE in self.fields:
            for error in self[CODE].errors:
                items.append(
                    {
                        "anchor": f"id_{CODE}",
                        "text": _("Access code: %(error)s") % {"error": error},
                    }
                )
        for section in self.sections():
            multi = len(section["fields"]) > 1
            for field, error in section["errors"]:
                if multi:
                    text = _("Question %(number)s (%(row)s): %(error)s") % {
                        "number": section["number"],
                        "row": field.label,
                        "error": error,
                    }
                else:
                    text = _("Question %(number)s: %(error)s") % {
                        "number": section["number"],
                        "error": error,
                    }
                items.append({"anchor": section["anchor"], "text": text})
        return items

    def answers(self):
        """``(group, data)`` from a valid form: the respondent group and
        ``{question key: cleaned value or {row key: value}}`` for the questions
        shown, plus the "other" and follow-up texts."""
        group = ""
        data = {}

        def cleaned(name):
            value = self.cleaned_data.get(name)
            return "" if value == UNANSWERED else value

        for question in self.questions:
            if question.field_type == MATRIX:
                names = [question.row_field_name(row) for row in question.rows]
                if not any(name in self.checked_fields for name in names):
                    continue
                data[question.key] = {
                    row.key: cleaned(question.row_field_name(row)) or ""
                    for row in question.rows
                }
            else:
                if question.key not in self.checked_fields:
                    continue
                value = cleaned(question.key)
                data[question.key] = value
                if question.field_type == GROUP and value:
                    group = value
            for suffix in (logic.OTHER_SUFFIX, logic.FOLLOW_UP_SUFFIX):
                name = question.key + suffix
                if name in self.checked_fields:
                    data[name] = self.cleaned_data.get(name) or ""
        return group, data


# A question left empty, in the respondent's words rather than a database
# form's ("This field is required."): "第2题：请回答此题".
REQUIRED_MESSAGE = pgettext_lazy("survey question", "Please answer this question.")


class SurveyFormBuilder(FormBuilder):
    """Wagtail's form builder plus ``scale``, ``matrix`` and ``group`` fields."""

    form_class = SurveyForm

    def __init__(self, fields, *, questions=None):
        super().__init__(fields)
        #: The questions as the form asks them: a translated survey passes
        #: its source's questions in the translation's words.
        self.questions = (
            questions
            if questions is not None
            else [question_from_field(f) for f in fields]
        )

    def _question(self, field):
        key = field.clean_name or field.get_field_clean_name()
        return next(q for q in self.questions if q.key == key)

    def get_field_options(self, field):
        options = super().get_field_options(field)
        question = self._question(field)
        if question.label != field.label:
            options["label"] = question.label
        if question.help_text != field.help_text:
            # Escaped as Wagtail escapes the field's own help text.
            allow_html = getattr(settings, "WAGTAILFORMS_HELP_TEXT_ALLOW_HTML", False)
            options["help_text"] = (
                question.help_text
                if allow_html
                else conditional_escape(question.help_text)
            )
        return options

    def get_formatted_field_choices(self, field):
        # The source's choices as values, worded as the question words them.
        return self._question(field).choice_pairs()

    def _radio(self, choices, options):
        return django.forms.ChoiceField(
            choices=choices, widget=django.forms.RadioSelect, **options
        )

    def _with_other(self, question, choices):
        if logic.offers_other(question):
            return [*choices, (logic.OTHER, OTHER_LABEL)]
        return choices

    def create_scale_field(self, field, options):
        question = self._question(field)
        options.pop("initial", None)
        choices = [(str(o.pk), o.text) for o in question.options]
        return self._radio(self._with_other(question, choices), options)

    def create_radio_field(self, field, options):
        created = super().create_radio_field(field, options)
        created.choices = self._with_other(self._question(field), created.choices)
        return created

    def create_dropdown_field(self, field, options):
        created = super().create_dropdown_field(field, options)
        created.choices = self._with_other(self._question(field), created.choices)
        return created

    def create_checkboxes_field(self, field, options):
        created = super().create_checkboxes_field(field, options)
        created.choices = self._with_other(self._question(field), created.choices)
        return created

    def create_multiselect_field(self, field, options):
        created = super().create_multiselect_field(field, options)
        created.choices = self._with_other(self._question(field), created.choices)
        return created

    def create_matrix_field(self, field, options):
        question = self._question(field)
        options.pop("initial", None)
        choices = [(str(o.pk), o.text) for o in question.options]
        rows = MatrixRows()
        for row in question.rows:
            row_options = {**options, "label": row.text, "help_text": ""}
            row_field = self._radio(choices, row_options)
            row_field.matrix_question = question.label
            rows.append((row.key, row_field))
        return rows

    def create_group_field(self, field, options):
        question = self._question(field)
        options.pop("initial", None)
        return self._radio(question.choice_pairs(), options)

    def create_multiline_field(self, field, options):
        options["max_length"] = pilots_settings.SURVEY_TEXT_MAX_LENGTH
        return super().create_multiline_field(field, options)

    @property
    def formfields(self):
        formfields = OrderedDict()
        for field in self.fields:
            options = self.get_field_options(field)
            create_field = self.get_create_field_function(field.field_type)
            clean_name = field.clean_name or field.get_field_clean_name()
            created = create_field(field, options)
            if isinstance(created, MatrixRows):
                for row_key, row_field in created:
                    row_field.error_messages["required"] = REQUIRED_MESSAGE
                    formfields[f"{clean_name}__{row_key}"] = row_field
            else:
                created.error_messages["required"] = REQUIRED_MESSAGE
                formfields[clean_name] = created
            question = self._question(field)
            if logic.offers_other(question):
                formfields[clean_name + logic.OTHER_SUFFIX] = django.forms.CharField(
                    label=_("Please specify"),
                    required=False,
                    max_length=pilots_settings.SURVEY_TEXT_MAX_LENGTH,
                )
            if question.follow_up_options and (
                question.field_type in logic.FOLLOW_UP_TYPES
            ):
                formfields[clean_name + logic.FOLLOW_UP_SUFFIX] = (
                    django.forms.CharField(
                        label=question.follow_up_label or _("Please tell us more"),
                        help_text=_("If you chose %(options)s (optional)")
                        % {
                            "options": "、".join(
                                question.text_of(o) for o in question.follow_up_options
                            )
                        },
                        required=False,
                        max_length=pilots_settings.SURVEY_TEXT_MAX_LENGTH,
                        widget=django.forms.Textarea(attrs={"rows": 3}),
                    )
                )
        return formfields

    def get_form_class(self):
        attrs = dict(self.formfields)
        attrs["questions"] = self.questions
        return type("SurveyForm", (self.form_class,), attrs)


class SurveyAdminPageForm(WagtailAdminFormPageForm):
    """Checks each question's configuration where the editor typed it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Conditions are stored by question key and shown by label.
        formset = self.formsets.get("form_fields")
        if formset is None:
            return
        labels = {
            form.instance.clean_name: form.instance.label
            for form in formset.forms
            if form.instance.pk and form.instance.clean_name
        }
        for form in formset.forms:
            field = form.fields.get("conditions")
            if isinstance(field, ConditionsFormField):
                field.labels = labels

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("form_fields")
        if formset is None:
            return cleaned
        self._assign_question_keys(formset)
        for form in formset.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            field_type = data.get("field_type")
            scale = data.get("scale")
            if field_type in (SCALE, MATRIX):
                if scale is None:
                    form.add_error(
                        "scale", _("Choose the scale this question is rated on.")
                    )
                elif not any(o.satisfied for o in scale.options.all()):
                    form.add_error(
                        "scale",
                        _(
                            "The scale '%(scale)s' has no option that counts as "
                            "satisfied: no satisfaction rate could be computed."
                        )
                        % {"scale": scale},
                    )
            if field_type == MATRIX and not (
                (data.get("rows") or "").strip() or data.get("row_units")
            ):
                form.add_error(
                    "rows", _("Give the matrix at least one row label or unit.")
                )
            if field_type == GROUP and not (data.get("choices") or "").strip():
                form.add_error(
                    "choices", _("List the respondent groups, one per line.")
                )
        if self._is_translation():
            # A translation only words the source's questions: conditions,
            # groups and quotas are the source's, checked where they are
            # edited (a translated choice is not a condition's value).
            return cleaned
        self._check_group_populations(formset)
        self._check_quotas(formset)
        self._check_logic(formset)
        return cleaned

    def _is_translation(self):
        from .translations import is_translation

        return bool(self.instance.pk) and is_translation(self.instance)

    def _assign_question_keys(self, formset):
        """New questions get their key now, so that a draft's revision, its
        preview and the published page all use the same one (``q1``, ``q2``…
        for a Chinese label). Existing questions keep theirs."""
        new = [
            form.instance
            for form in formset.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and not form.instance.clean_name
        ]
        if not new or not hasattr(new[0], "assign_key"):
            return
        taken = {form.instance.clean_name for form in formset.forms}
        if self.instance.pk:
            from .models import SurveyAnswer

            taken.update(
                SurveyAnswer.objects.filter(survey_id=self.instance.pk)
                .values_list("question_key", flat=True)
                .distinct()
            )
        for question in new:
            taken.add(question.assign_key(taken=taken))

    def _check_logic(self, formset):
        """Conditions look back only, at questions that exist and at their
        options; each problem is shown on the question whose conditions are
        wrong, naming it."""
        from . import logic

        live, deleted = [], {}
        for position, form in enumerate(formset.forms):
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            instance = form.instance
            key = instance.clean_name or instance.get_field_clean_name()
            if data.get("DELETE"):
                if instance.pk:
                    deleted[key] = deleted[instance.label] = instance.label
                continue
            live.append((data.get("ORDER") or position, position, form, key))
        live.sort(key=lambda item: (item[0], item[1]))
        by_label = {}
        for _order, _position, form, key in live:
            by_label.setdefault(form.instance.label.strip(), key)
        keys = {key for *_rest, key in live}
        questions = []
        for _order, _position, form, key in live:
            rules = []
            for rule in form.instance.conditions or []:
                ref = str(rule.get("question", "")).strip()
                if ref not in keys and ref in by_label:
                    ref = by_label[ref]
                rules.append({**rule, "question": ref})
            form.instance.conditions = rules
            form.cleaned_data["conditions"] = rules
            question = question_from_field(form.instance)
            question.key = key
            questions.append(question)
        messages = {
            "deleted": _(
                "Question “%(question)s” is shown depending on “%(ref)s”, which "
                "is being deleted: change or remove that condition first."
            ),
            "unknown": _(
                "Question “%(question)s”: there is no question “%(ref)s” to depend on."
            ),
            "self": _("Question “%(question)s” cannot depend on itself."),
            "forward": _(
                "Question “%(question)s” depends on “%(ref)s”, which comes after "
                "it: a condition can only look at earlier questions."
            ),
            "operator": _("Question “%(question)s”: unknown condition."),
            "no_options": _(
                "Question “%(question)s”: “%(ref)s” has no options to compare "
                "with; use “= *” (was answered)."
            ),
            "value": _(
                "Question “%(question)s”: “%(value)s” is not an option of “%(ref)s”."
            ),
            "no_values": _("Question “%(question)s”: name at least one option."),
        }
        forms_by_key = {key: form for *_rest, form, key in live}
        for problem in logic.check_logic(questions, deleted=deleted):
            form = forms_by_key[problem.question]
            params = dict(problem.params)
            if problem.message == "deleted":
                params["ref"] = deleted.get(params["ref"], params["ref"])
            form.add_error("conditions", messages[problem.message] % params)

    def _check_group_populations(self, fields_formset):
        """Each population names a respondent group of the survey, once."""
        formset = self.formsets.get("group_populations")
        if formset is None:
            return
        groups = set()
        for form in fields_formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("field_type") == GROUP and not data.get("DELETE"):
                groups.update(split_choices(data.get("choices") or ""))
        seen = set()
        for form in formset.forms:
            # The main form is cleaned before its inline formsets: clean this
            # one now (as Wagtail does for form_fields) to compare the groups.
            form.is_valid()
            data = getattr(form, "cleaned_data", None) or {}
            name = (data.get("group") or "").strip()
            if not name or data.get("DELETE"):
                continue
            if name not in groups:
                form.add_error(
                    "group",
                    _(
                        "“%(group)s” is not a respondent group of this survey "
                        "(its group question lists: %(groups)s)."
                    )
                    % {
                        "group": name,
                        "groups": "、".join(sorted(groups)) or "–",
                    },
                )
            elif name in seen:
                form.add_error("group", _("This group already has a population above."))
            seen.add(name)

    def _check_quotas(self, fields_formset):
        """Each quota names one respondent group or one unit of the survey,
        once, and says something (a limit or the paper questionnaires)."""
        formset = self.formsets.get("quotas")
        if formset is None:
            return
        groups, unit_ids = set(), set()
        for form in fields_formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE"):
                continue
            if data.get("field_type") == GROUP:
                groups.update(split_choices(data.get("choices") or ""))
            if data.get("field_type") == MATRIX:
                unit_ids.update(unit.pk for unit in data.get("row_units") or ())
        seen = set()
        for form in formset.forms:
            form.is_valid()
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data:
                continue
            name = (data.get("group") or "").strip()
            unit = data.get("unit")
            if name and unit is not None:
                form.add_error(
                    "unit",
                    _("Give either a respondent group or a unit, not both."),
                )
                continue
            if not name and unit is None:
                form.add_error("group", _("Give a respondent group or a unit."))
                continue
            if data.get("limit") is None and data.get("paper_issued") is None:
                form.add_error(
                    "limit",
                    _("Give a quota, the paper questionnaires issued, or both."),
                )
            if name and name not in groups:
                form.add_error(
                    "group",
                    _(
                        "“%(group)s” is not a respondent group of this survey "
                        "(its group question lists: %(groups)s)."
                    )
                    % {"group": name, "groups": "、".join(sorted(groups)) or "–"},
                )
            if unit is not None and unit.pk not in unit_ids:
                form.add_error(
                    "unit",
                    _("“%(unit)s” is not a unit this survey asks about.")
                    % {"unit": unit.name},
                )
            key = ("unit", unit.pk) if unit is not None else ("group", name)
            if key in seen:
                form.add_error(
                    "unit" if unit is not None else "group",
                    _("This group or unit already has a quota above."),
                )
            seen.add(key)


CONDITION_LINE = re.compile(r"^(?P<question>.+?)\s*(?P<op>!=|=)\s*(?P<values>.*)$")
VALUE_SEPARATORS = re.compile(r"\s*[|,，、;；]\s*")


class ConditionsFormField(django.forms.JSONField):
    """Conditions typed one per line (``question = a, b``, ``question != a``,
    ``question = *``), stored as the list of rules of ``logic.py``. The
    question may be named by label or key here; the page form resolves it."""

    widget = django.forms.Textarea(attrs={"rows": 2})
    #: ``{question key: label}``, to show a stored condition by label.
    labels: dict = {}

    def to_python(self, value):
        if isinstance(value, list):
            return value
        rules = []
        for number, line in enumerate((value or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = CONDITION_LINE.match(line)
            values = VALUE_SEPARATORS.split(match["values"].strip()) if match else []
            values = [v for v in values if v]
            if match is None or not values:
                raise django.forms.ValidationError(
                    _(
                        "Line %(number)s (“%(line)s”) is not a condition: write "
                        "“question = option”, “question != option” or "
                        "“question = *”."
                    ),
                    code="invalid",
                    params={"number": number, "line": line},
                )
            if values == ["*"]:
                if match["op"] != "=":
                    raise django.forms.ValidationError(
                        _("Line %(number)s: “*” (was answered) goes with “=”."),
                        code="invalid",
                        params={"number": number},
                    )
                rules.append({"question": match["question"], "op": "answered"})
            else:
                op = "in" if match["op"] == "=" else "not_in"
                rules.append(
                    {"question": match["question"], "op": op, "values": values}
                )
        return rules

    def bound_data(self, data, initial):
        return data

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        lines = []
        for rule in value or ():
            name = self.labels.get(rule.get("question"), rule.get("question"))
            if rule.get("op") == "answered":
                lines.append(f"{name} = *")
            else:
                sign = "=" if rule.get("op") == "in" else "!="
                values = ", ".join(rule.get("values") or ())
                lines.append(f"{name} {sign} {values}")
        return "\n".join(lines)

    def has_changed(self, initial, data):
        try:
            return self.to_python(self.prepare_value(initial)) != self.to_python(data)
        except django.forms.ValidationError:
            return True


class ScaleAdminForm(WagtailAdminModelForm):
    """A scale needs an option that counts as satisfied, and an option that has
    been chosen in answers cannot be deleted (the answers would lose it)."""

    def _check_deleted_options_unused(self, formset):
        from .models import SurveyAnswer

        deleted = {
            f.instance.pk: f
            for f in formset.forms
            if f.instance.pk
            and hasattr(f, "cleaned_data")
            and f.cleaned_data.get("DELETE")
        }
        if not deleted:
            return
        used = set(
            SurveyAnswer.objects.filter(option_id__in=deleted)
            .values_list("option_id", flat=True)
            .distinct()
        )
        # A formset ignores errors on forms marked for deletion: report on
        # the scale itself, naming the option.
        for pk in used:
            self.add_error(
                None,
                _(
                    "The option '%(option)s' has been chosen in answers and cannot "
                    "be deleted; rename it instead."
                )
                % {"option": deleted[pk].instance.label},
            )

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("options")
        if formset is None:
            return cleaned
        for f in formset.forms:
            f.is_valid()  # the formset is validated after this form
        live = [
            f
            for f in formset.forms
            if hasattr(f, "cleaned_data")
            and f.cleaned_data
            and not f.cleaned_data.get("DELETE")
        ]
        self._check_deleted_options_unused(formset)
        if live and not any(f.cleaned_data.get("satisfied") for f in live):
            message = _(
                "At least one option must count as satisfied, or no satisfaction "
                "rate can be computed."
            )
            for f in live:
                f.add_error("satisfied", message)
            self.add_error(None, message)
        return cleaned
