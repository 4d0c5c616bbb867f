"""Forms: the public answering form (built by :class:`SurveyFormBuilder`), and
the admin forms for survey pages and scales."""

from __future__ import annotations

import time
from collections import OrderedDict

import django.forms
from django.core import signing
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.contrib.forms.forms import BaseForm, FormBuilder, WagtailAdminFormPageForm

from wagtail_pilots.conf import pilots_settings

from .questions import GROUP, MATRIX, SCALE, question_from_field, split_choices

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

    questions = ()

    def __init__(
        self,
        *args,
        require_code=False,
        check_fill_time=True,
        paper=False,
        require_serial=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.check_fill_time = check_fill_time
        self.paper = paper
        if not self.is_bound:
            token = self.initial.setdefault(TOKEN, get_random_string(32))
            self.initial.setdefault(STARTED, sign_started(token=token))
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

    @property
    def honeypot_filled(self):
        return bool((self.data.get(HONEYPOT) or "").strip())

    def clean(self):
        cleaned = super().clean()
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
        """The questions with their bound fields, for templates:
        ``[{"question": Question, "fields": [BoundField, ...]}, ...]``."""
        result = []
        for question in self.questions:
            if question.field_type == MATRIX:
                names = [question.row_field_name(row) for row in question.rows]
            else:
                names = [question.key]
            fields = [self[name] for name in names if name in self.fields]
            result.append(
                {
                    "question": question,
                    "fields": fields,
                    "number": len(result) + 1,
                    "anchor": f"q-{question.key}",
                    "errors": [
                        (field, error) for field in fields for error in field.errors
                    ],
                }
            )
        return result

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
        ``{question key: cleaned value or {row key: value}}``."""
        group = ""
        data = {}

        def cleaned(name):
            value = self.cleaned_data.get(name)
            return "" if value == UNANSWERED else value

        for question in self.questions:
            if question.field_type == MATRIX:
                data[question.key] = {
                    row.key: cleaned(question.row_field_name(row)) or ""
                    for row in question.rows
                }
            else:
                value = cleaned(question.key)
                data[question.key] = value
                if question.field_type == GROUP and value:
                    group = value
        return group, data


class SurveyFormBuilder(FormBuilder):
    """Wagtail's form builder plus ``scale``, ``matrix`` and ``group`` fields."""

    form_class = SurveyForm

    def __init__(self, fields):
        super().__init__(fields)
        self.questions = [question_from_field(f) for f in fields]

    def _question(self, field):
        key = field.clean_name or field.get_field_clean_name()
        return next(q for q in self.questions if q.key == key)

    def _radio(self, choices, options):
        return django.forms.ChoiceField(
            choices=choices, widget=django.forms.RadioSelect, **options
        )

    def create_scale_field(self, field, options):
        question = self._question(field)
        options.pop("initial", None)
        return self._radio([(str(o.pk), o.label) for o in question.options], options)

    def create_matrix_field(self, field, options):
        question = self._question(field)
        options.pop("initial", None)
        choices = [(str(o.pk), o.label) for o in question.options]
        rows = MatrixRows()
        for row in question.rows:
            row_options = {**options, "label": row.label, "help_text": ""}
            row_field = self._radio(choices, row_options)
            row_field.matrix_question = question.label
            rows.append((row.key, row_field))
        return rows

    def create_group_field(self, field, options):
        question = self._question(field)
        options.pop("initial", None)
        return self._radio([(c, c) for c in question.choices], options)

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
                    formfields[f"{clean_name}__{row_key}"] = row_field
            else:
                formfields[clean_name] = created
        return formfields

    def get_form_class(self):
        attrs = dict(self.formfields)
        attrs["questions"] = self.questions
        return type("SurveyForm", (self.form_class,), attrs)


class SurveyAdminPageForm(WagtailAdminFormPageForm):
    """Checks each question's configuration where the editor typed it."""

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
        self._check_group_populations(formset)
        return cleaned

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
