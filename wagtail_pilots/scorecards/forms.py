"""Editor validation of a scorecard page as a whole (its inlines together)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from . import scoring

HUNDRED = Decimal(100)


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


class ScorecardPageForm(WagtailAdminPageForm):
    """Checks that need every inline at once, each reported on the right field."""

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
            if name not in pool:
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


class GenerateCodesForm(forms.Form):
    count = forms.IntegerField(
        label=_("number of codes"), min_value=1, max_value=2000, initial=10
    )
