"""Editor forms of the pilot pages: checks that span fields or inline rows.

Rules about one phase or one indicator alone live in the models' ``clean()``;
the checks here need the page and its inlines together.
"""

import copy

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm


def _live_forms(formset):
    """Inline forms that are filled in and not marked for deletion."""
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        yield form


def pilot_date_errors(*, start_date=None, end_date=None, decision_date=None):
    """``{field: message}`` for a pilot's dates that do not fit together.

    The editor's form and the ``pilots`` import both apply these rules.
    """
    errors = {}
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = _("The end date cannot be before the start.")
    if decision_date and start_date and decision_date < start_date:
        errors["decision_date"] = _("The decision date cannot be before the start.")
    return errors


class PilotProgramPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        errors = pilot_date_errors(
            start_date=cleaned_data.get("start_date"),
            end_date=cleaned_data.get("end_date"),
            decision_date=cleaned_data.get("decision_date"),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        self._check_phase_weights()
        return cleaned_data

    def _check_phase_weights(self):
        formset = self.formsets.get("phases")
        if formset is None or not formset.is_valid():
            return
        forms = list(_live_forms(formset))
        weights = [form.cleaned_data.get("weight") for form in forms]
        if forms and all(w is not None and w == 0 for w in weights):
            for form in forms:
                form.add_error(
                    "weight",
                    _(
                        "All phase weights are zero: give at least one phase a "
                        "weight above zero so progress can be weighed."
                    ),
                )
            # The formset was already validated: make the page form fail too.
            self.add_error(None, _("The phases need at least one weight above zero."))


class PilotReportPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        start = cleaned_data.get("period_start")
        end = cleaned_data.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", _("The end of the period cannot be before its start.")
            )
        pilot = self._pilot()
        if pilot is not None:
            if start and pilot.start_date and start < pilot.start_date:
                self.add_error(
                    "period_start",
                    _("The period starts before the pilot (%(date)s).")
                    % {"date": pilot.start_date.isoformat()},
                )
            if end and pilot.end_date and end > pilot.end_date:
                self.add_error(
                    "period_end",
                    _("The period ends after the pilot (%(date)s).")
                    % {"date": pilot.end_date.isoformat()},
                )
            self._check_readings(pilot)
        return cleaned_data

    def _pilot(self):
        parent = getattr(self, "parent_page", None)
        if parent is None and self.instance.pk:
            parent = self.instance.get_parent()
        if parent is None:
            return None
        parent = parent.specific
        return parent if hasattr(parent, "indicators") else None

    def _check_readings(self, pilot):
        formset = self.formsets.get("readings")
        if formset is None or not formset.is_valid():
            return
        allowed = set(pilot.indicators.values_list("pk", flat=True))
        bad = False
        for form in _live_forms(formset):
            indicator = form.cleaned_data.get("indicator")
            if indicator is not None and indicator.pk not in allowed:
                form.add_error(
                    "indicator",
                    _("Choose one of this pilot's own indicators."),
                )
                bad = True
        if bad:
            self.add_error(None, _("Some readings are for another pilot's indicator."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pilot = self._pilot()
        formset = self.formsets.get("readings")
        if pilot is None or formset is None:
            return
        # Offer only this pilot's indicators in the readings' menus, in the rows
        # shown and in the template for new rows (a per-request form class).
        queryset = pilot.indicators.all()
        base = formset.form
        if "indicator" not in base.base_fields:
            return
        field = copy.deepcopy(base.base_fields["indicator"])
        field.queryset = queryset
        form_class = type(base.__name__, (base,), {})
        form_class.base_fields = {**base.base_fields, "indicator": field}
        formset.form = form_class
        for form in formset.forms:
            form.fields["indicator"].queryset = queryset
