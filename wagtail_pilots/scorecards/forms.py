"""Editor validation of a scorecard page as a whole (its inlines together)."""

from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from ..access_codes import GenerateCodesForm
from . import scoring

HUNDRED = Decimal(100)


def _unit_questions(survey_id):
    """The questions of a survey a criterion can use (surveys' public selector)."""
    from wagtail.models import Page

    page = Page.objects.filter(pk=survey_id).first()
    if page is None:
        return []
    from wagtail_pilots.surveys.selectors import unit_questions

    return unit_questions(survey=page.specific)


def _live_forms(formset):
    """The inline forms that will be kept (not deleted, not empty extras)."""
    formset.is_valid()  # cleans the inline forms (cached) so cleaned_data exists
    result = []
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if form.cleaned_data.get("DELETE"):
            continue
        result.append(form)
    return result


def split_names(value):
    """``"a, b"`` → ``["a", "b"]``: how a group stores the criteria it scores."""
    if isinstance(value, str):
        return [n.strip() for n in value.split(",") if n.strip()]
    return list(value or [])


class CriteriaScoredField(forms.MultipleChoiceField):
    """Checkboxes for the scorecard's own criteria, stored as names separated
    by commas (the model field), so existing scorecards keep working."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return split_names(value)

    def to_python(self, value):
        # Ticked boxes; a post in the stored form ("a, b") is read the same.
        if isinstance(value, str):
            value = [value]
        return [n for item in (value or []) for n in split_names(str(item))]

    def clean(self, value):
        return ", ".join(super().clean(value))

    def has_changed(self, initial, data):
        return set(split_names(initial)) != set(split_names(data))


def _rows(formset, data, *fields):
    """The rows of an inline formset as the editor last saw or sent them:
    ``[{field: value}]`` from the posted data (unsaved rows included, deleted
    ones left out), or from the saved rows when the form is not bound."""
    prefix = formset.prefix
    if data is not None:
        try:
            total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
        except ValueError:
            total = 0
        rows = []
        for i in range(min(total, 1000)):
            if data.get(f"{prefix}-{i}-DELETE"):
                continue
            row = {f: (data.get(f"{prefix}-{i}-{f}") or "").strip() for f in fields}
            if row.get("name"):
                rows.append(row)
        return rows
    return [
        {f: str(getattr(obj, f) or "") for f in fields}
        for obj in formset.queryset
        if getattr(obj, "name", "")
    ]


class ScorecardPageForm(WagtailAdminPageForm):
    """Checks that need every inline at once, each reported on the right field.

    The inlines pick from each other instead of asking for typed names or keys:
    a group ticks the criteria it scores, a gate chooses its group or criterion,
    a survey criterion chooses a question of its survey. The choices come from
    the rows as last saved or posted, so a criterion added in this edit can be
    ticked after the next save (or after a save that reported an error);
    whatever is posted is checked again on save.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else None
        criteria = _rows(self.formsets["criteria"], data, "name", "source")
        groups = _rows(self.formsets["groups"], data, "name")
        ballot_criteria = [
            r["name"]
            for r in criteria
            if (r.get("source") or scoring.SOURCE_BALLOTS) == scoring.SOURCE_BALLOTS
        ]
        self._customise(
            "groups", lambda form: self._criteria_scored(form, ballot_criteria)
        )
        self._customise(
            "gates",
            lambda form: self._gate_target(
                form, [r["name"] for r in groups], [r["name"] for r in criteria]
            ),
        )
        questions = {}
        self._customise("criteria", lambda form: self._question(form, questions))

    def _customise(self, name, change):
        """Apply ``change`` to every form of an inline, and to the blank form
        the "add" button copies."""
        formset = self.formsets[name]
        base = formset.form

        class Form(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                change(self)

        Form.__name__ = base.__name__
        formset.form = Form
        formset.__dict__.pop("forms", None)  # built again with the new class

    @staticmethod
    def _criteria_scored(form, names):
        field = form.fields.get("criteria_scored")
        if field is None:
            return
        current = split_names(form.initial.get("criteria_scored"))
        choices = list(dict.fromkeys([*names, *current]))
        form.fields["criteria_scored"] = CriteriaScoredField(
            label=field.label,
            required=False,
            choices=[(n, n) for n in choices],
            help_text=_(
                "tick the criteria this group scores; tick none for every "
                "criterion taken from ballots. A criterion added in this edit "
                "can be ticked once the page is saved."
            ),
        )

    @staticmethod
    def _gate_target(form, groups, criteria):
        field = form.fields.get("target_name")
        if field is None:
            return
        choices = [
            ("", "---------"),
            (_("evaluator groups"), [(n, n) for n in groups]),
            (_("criteria"), [(n, n) for n in criteria]),
        ]
        current = form.initial.get("target_name")
        if not form.is_bound and current and current not in {*groups, *criteria}:
            choices.append((current, current))
        form.fields["target_name"] = forms.ChoiceField(
            label=capfirst(_("group or criterion")),
            choices=choices,
            help_text=_(
                "the evaluator group or criterion whose figure is held against "
                "the threshold"
            ),
            error_messages={
                "invalid_choice": _(
                    "“%(value)s” is not a group or criterion of this scorecard."
                )
            },
        )

    @staticmethod
    def _question(form, cache):
        field = form.fields.get("question_key")
        if field is None:
            return
        if form.is_bound:
            survey_id = form.data.get(form.add_prefix("survey")) or None
        else:
            survey_id = form.initial.get("survey")
        questions = []
        if survey_id and str(survey_id).isdigit():
            survey_id = int(survey_id)
            if survey_id not in cache:
                cache[survey_id] = _unit_questions(survey_id)
            questions = cache[survey_id]
        choices = [("", _("every question that rates units"))]
        choices += [(key, label) for key, label in questions]
        current = form.initial.get("question_key")
        if not form.is_bound and current and current not in dict(questions):
            choices.append(
                (current, _("%(key)s (not in this survey)") % {"key": current})
            )
        from django.urls import reverse

        form.fields["question_key"] = forms.ChoiceField(
            label=capfirst(_("survey question")),
            required=False,
            choices=choices,
            # criterion_questions.js fills the list again when the survey is
            # changed (the survey's questions as JSON); without scripts it
            # follows the survey on the next save.
            widget=forms.Select(
                attrs={
                    "data-pilots-questions-url": reverse(
                        "wagtail_pilots_scorecards:survey_questions", args=[0]
                    )
                }
            ),
            help_text=_(
                "for a survey criterion: use only this question of the chosen "
                "survey, or every question that rates units"
            ),
            error_messages={
                "invalid_choice": _(
                    "This question is not in the chosen survey; choose one of "
                    "its questions."
                )
            },
        )

    def clean(self):
        cleaned = super().clean()
        subjects = _live_forms(self.formsets["subjects"])
        criteria = _live_forms(self.formsets["criteria"])
        groups = _live_forms(self.formsets["groups"])
        gates = _live_forms(self.formsets["gates"])
        self._check_weights(criteria, _("criteria"))
        self._check_weights(groups, _("evaluator groups"))
        names = {f.cleaned_data.get("name") for f in criteria}
        ballot_criteria = {
            f.cleaned_data.get("name")
            for f in criteria
            if f.cleaned_data.get("source") == scoring.SOURCE_BALLOTS
        }
        group_names = {f.cleaned_data.get("name") for f in groups}
        self._check_unique(criteria, names)
        self._check_unique(groups, group_names)
        scored = set()
        for form in groups:
            listed = [
                n.strip()
                for n in (form.cleaned_data.get("criteria_scored") or "").split(",")
                if n.strip()
            ]
            unknown = [n for n in listed if n not in ballot_criteria]
            if unknown:
                form.add_error(
                    "criteria_scored",
                    _("No criterion taken from ballots is called %(names)s.")
                    % {"names": "、".join(unknown)},
                )
            scored.update(listed or ballot_criteria)
        if groups:
            for form in criteria:
                name = form.cleaned_data.get("name")
                if name in ballot_criteria and name not in scored:
                    form.add_error(
                        "source",
                        _("No evaluator group scores this criterion."),
                    )
        for form in gates:
            target = form.cleaned_data.get("target")
            name = form.cleaned_data.get("target_name")
            pool = group_names if target == scoring.GATE_GROUP else names
            if name and name not in pool:
                if target == scoring.GATE_GROUP:
                    message = _("There is no evaluator group called “%(name)s”.")
                else:
                    message = _("There is no criterion called “%(name)s”.")
                form.add_error("target_name", message % {"name": name})
            threshold = form.cleaned_data.get("threshold")
            if threshold is not None and threshold > HUNDRED:
                form.add_error("threshold", _("A threshold is between 0 and 100."))
        self._check_deletions()
        shortlist = cleaned.get("shortlist_size") or 0
        if shortlist > len(subjects):
            self.add_error(
                "shortlist_size",
                _("The shortlist (%(n)s) is longer than the %(count)s subjects.")
                % {"n": shortlist, "count": len(subjects)},
            )
        bottom = cleaned.get("bottom_size") or 0
        if bottom > len(subjects):
            self.add_error(
                "bottom_size",
                _("Cannot flag the last %(n)s of %(count)s subjects.")
                % {"n": bottom, "count": len(subjects)},
            )
        return cleaned

    def _check_deletions(self):
        """Removing a subject, criterion or group that has ballots would delete
        those ballots with it: refuse, and say which item. (The message goes on
        the page form: errors on a form marked for deletion are ignored.)"""
        for name in ("subjects", "criteria", "groups"):
            for form in self.formsets[name].forms:
                if not getattr(form, "cleaned_data", None):
                    continue
                instance = form.instance
                if (
                    form.cleaned_data.get("DELETE")
                    and instance.pk
                    and instance.ballots.exists()
                ):
                    self.add_error(
                        None,
                        _(
                            "“%(name)s” has ballots and cannot be removed; "
                            "delete its ballots first."
                        )
                        % {"name": instance},
                    )

    def _check_weights(self, forms_, label):
        if not forms_:
            return
        weights = [f.cleaned_data.get("weight") for f in forms_]
        if any(w is None for w in weights):
            return  # the field error is already shown
        total = sum(weights, Decimal(0))
        if total != HUNDRED:
            for form in forms_:
                form.add_error(
                    "weight",
                    _("The weights of the %(what)s add up to %(total)s, not 100.")
                    % {"what": label, "total": scoring.display(total)},
                )

    def _check_unique(self, forms_, names):
        if len(names) == len(forms_):
            return
        seen = set()
        for form in forms_:
            name = form.cleaned_data.get("name")
            if name in seen:
                form.add_error("name", _("This name is used twice."))
            seen.add(name)


class ScorecardCodesForm(GenerateCodesForm):
    """Codes for one evaluator group of ``page``, with the evaluators' unit
    and, for a subject who is also an evaluator, that subject."""

    def __init__(self, *args, page, **kwargs):
        from wagtail_pilots.models import Unit

        super().__init__(*args, **kwargs)
        self.fields["group"] = forms.ModelChoiceField(
            label=_("evaluator group"), queryset=page.groups.all()
        )
        self.fields["unit"] = forms.ModelChoiceField(
            label=_("evaluator's unit"),
            queryset=Unit.objects.all(),
            required=False,
            help_text=_(
                "needed in an own-unit group: the codes vote on this unit's subjects"
            ),
        )
        self.fields["subject"] = forms.ModelChoiceField(
            label=_("belongs to subject"),
            queryset=page.subjects.all(),
            required=False,
            help_text=_(
                "for a subject who is also an evaluator: the code never votes on them"
            ),
        )
