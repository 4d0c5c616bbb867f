"""Field-level messages in the page editor (bad input), through the admin views."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tests.fixtures.pilots import days, zh
from wagtail_pilots.pilots.models import PilotPhase, PilotProgramPage, PilotReportPage

pytestmark = pytest.mark.django_db


def pilot_data(*, phases=(), **fields):
    data = {
        "title": "远程教育试点",
        "slug": "remote-education",
        "code": "",
        "status": "running",
        "summary": "",
        "background": rich_text(""),
        "lead_unit": "",
        "start_date": days(-30).isoformat(),
        "end_date": days(300).isoformat(),
        "report_cadence": "monthly",
        "members": inline_formset([]),
        "sites": inline_formset([]),
        "phases": inline_formset(list(phases)),
        "indicators": inline_formset([]),
        "review_goals": rich_text(""),
        "review_results": rich_text(""),
        "review_causes": rich_text(""),
        "review_lessons": rich_text(""),
        "decision": "",
        "decision_date": "",
        "rollout_scope": "",
        "evaluation_links": inline_formset([]),
    }
    data.update(fields)
    return nested_form_data(data)


def phase_row(**fields):
    row = {
        "name": "建立联动机制",
        "start_date": days(-20).isoformat(),
        "due_date": days(10).isoformat(),
        "completed_on": "",
        "weight": "1",
        "progress": "0",
        "owner_unit": "",
        "note": "",
    }
    row.update(fields)
    return row


def add_url(index):
    return reverse(
        "wagtailadmin_pages:add",
        args=("wagtail_pilots_pilots", "pilotprogrampage", index.pk),
    )


def post(client, index, data):
    response = client.post(add_url(index), data)
    assert response.status_code == 200, "expected the form back with errors"
    assert not PilotProgramPage.objects.exists(), "nothing half-written"
    return response


def phase_errors(response, index=0):
    return response.context["form"].formsets["phases"].forms[index].errors


def test_valid_pilot_is_created(admin_client, pilot_index):
    response = admin_client.post(
        add_url(pilot_index),
        pilot_data(phases=[phase_row(), phase_row(name="制订方案", weight="2")]),
    )
    assert response.status_code == 302
    pilot = PilotProgramPage.objects.get()
    assert pilot.phases.count() == 2


def test_end_before_start(admin_client, pilot_index):
    response = post(
        admin_client,
        pilot_index,
        pilot_data(start_date=days(0).isoformat(), end_date=days(-1).isoformat()),
    )
    assert response.context["form"].errors["end_date"] == [
        zh("The end date cannot be before the start.")
    ]


def test_due_before_phase_start(admin_client, pilot_index):
    response = post(
        admin_client,
        pilot_index,
        pilot_data(
            phases=[
                phase_row(start_date=days(5).isoformat(), due_date=days(1).isoformat())
            ]
        ),
    )
    assert phase_errors(response)["due_date"] == [
        zh("The due date cannot be before the phase's start.")
    ]


@pytest.mark.parametrize("value", ["-1", "101"])
def test_progress_outside_range(admin_client, pilot_index, value):
    response = post(
        admin_client, pilot_index, pilot_data(phases=[phase_row(progress=value)])
    )
    assert phase_errors(response)["progress"] == [
        zh("Progress must be between 0 and 100.")
    ]


def test_negative_weight(admin_client, pilot_index):
    response = post(
        admin_client, pilot_index, pilot_data(phases=[phase_row(weight="-2")])
    )
    assert phase_errors(response)["weight"] == [zh("A weight cannot be negative.")]


def test_all_weights_zero(admin_client, pilot_index):
    response = post(
        admin_client,
        pilot_index,
        pilot_data(phases=[phase_row(weight="0"), phase_row(name="b", weight="0")]),
    )
    for i in (0, 1):
        assert phase_errors(response, i)["weight"][0].startswith(
            zh(
                "All phase weights are zero: give at least one phase a "
                "weight above zero so progress can be weighed."
            )
        )


def test_completed_on_in_future(admin_client, pilot_index):
    response = post(
        admin_client,
        pilot_index,
        pilot_data(phases=[phase_row(completed_on=days(1).isoformat())]),
    )
    assert phase_errors(response)["completed_on"] == [
        zh("The completion date cannot be in the future.")
    ]


def test_indicator_target_on_wrong_side(admin_client, pilot_index):
    data = pilot_data(
        indicators=inline_formset(
            [
                {
                    "name": "住院等待天数",
                    "measure": "天",
                    "baseline": "10",
                    "target": "20",
                    "direction": "lower",
                }
            ]
        )
    )
    response = post(admin_client, pilot_index, data)
    errors = response.context["form"].formsets["indicators"].forms[0].errors
    assert errors["target"] == [
        zh("Lower is better, so the target cannot be above the baseline.")
    ]


def test_phase_model_rules_without_admin():
    from django.core.exceptions import ValidationError

    phase = PilotPhase(name="x", weight=1, progress=0, completed_on=days(2))
    with pytest.raises(ValidationError) as exc:
        phase.full_clean(exclude=["pilot"])
    assert "completed_on" in exc.value.message_dict


# --- Report pages ---------------------------------------------------------------


def report_data(**fields):
    data = {
        "title": "五月月报",
        "slug": "may",
        "kind": "monthly",
        "period_start": days(-30).isoformat(),
        "period_end": days(-1).isoformat(),
        "body": rich_text("<p>进展</p>"),
        "readings": inline_formset([]),
    }
    data.update(fields)
    return nested_form_data(data)


def report_add_url(pilot):
    return reverse(
        "wagtailadmin_pages:add",
        args=("wagtail_pilots_pilots", "pilotreportpage", pilot.pk),
    )


def test_report_period_outside_pilot(admin_client, make_pilot):
    pilot = make_pilot(start_date=days(-10), end_date=days(10))
    response = admin_client.post(
        report_add_url(pilot),
        report_data(
            period_start=days(-20).isoformat(), period_end=days(20).isoformat()
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["period_start"] == [
        zh("The period starts before the pilot (%(date)s).", date=days(-10))
    ]
    assert errors["period_end"] == [
        zh("The period ends after the pilot (%(date)s).", date=days(10))
    ]
    assert not PilotReportPage.objects.exists()


def test_report_period_end_before_start(admin_client, make_pilot):
    pilot = make_pilot()
    response = admin_client.post(
        report_add_url(pilot),
        report_data(period_start=days(-1).isoformat(), period_end=days(-5).isoformat()),
    )
    assert response.context["form"].errors["period_end"] == [
        zh("The end of the period cannot be before its start.")
    ]


def test_report_reading_must_be_own_indicator(admin_client, make_pilot):
    other = make_pilot(
        title="其他试点", indicators=[{"name": "x", "baseline": 0, "target": 1}]
    )
    pilot = make_pilot(indicators=[{"name": "参保率", "baseline": 0, "target": 80}])
    own = pilot.indicators.get()
    form_page = admin_client.get(report_add_url(pilot))
    field = (
        form_page.context["form"].formsets["readings"].empty_form.fields["indicator"]
    )
    assert list(field.queryset) == [own]
    response = admin_client.post(
        report_add_url(pilot),
        report_data(
            readings=inline_formset(
                [
                    {
                        "indicator": str(other.indicators.get().pk),
                        "date": days(-1).isoformat(),
                        "value": "3",
                        "note": "",
                    }
                ]
            )
        ),
    )
    assert response.status_code == 200
    assert not PilotReportPage.objects.exists()
    response = admin_client.post(
        report_add_url(pilot),
        report_data(
            readings=inline_formset(
                [
                    {
                        "indicator": str(own.pk),
                        "date": days(-1).isoformat(),
                        "value": "35",
                        "note": "",
                    }
                ]
            )
        ),
    )
    assert response.status_code == 302
    assert PilotReportPage.objects.get().readings.get().value == 35
