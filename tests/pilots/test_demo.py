from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from wagtail_pilots.pilots.models import PilotProgramPage, PilotReportPage
from wagtail_pilots.pilots.selectors import missing_reports, overdue_phases

pytestmark = pytest.mark.django_db


def test_demo_pilots_are_meaningful_and_idempotent(client):
    call_command("load_demo", stdout=StringIO())
    counts = (PilotProgramPage.objects.count(), PilotReportPage.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (PilotProgramPage.objects.count(), PilotReportPage.objects.count()) == counts
    assert 5 <= counts[0] <= 6

    statuses = list(PilotProgramPage.objects.values_list("status", flat=True))
    assert statuses.count("planning") == 1
    assert statuses.count("running") >= 2
    today = timezone.localdate()
    live = PilotProgramPage.objects.live()
    overdue = list(overdue_phases(pilots=live, today=today))
    assert [p.name for p in overdue] == ["开通一站式结算窗口"]
    missing = missing_reports(pilots=live.exclude(status="completed"), today=today)
    assert [p.slug for p, periods in missing] == ["micro-insurance"]
    assert len(missing[0][1]) == 1

    done = PilotProgramPage.objects.get(status="completed")
    assert done.decision == "roll_out" and done.decision_date
    assert all(
        (
            done.review_goals,
            done.review_results,
            done.review_causes,
            done.review_lessons,
        )
    )
    assert done.sites.exists() and done.indicators.exists()

    for pilot in PilotProgramPage.objects.all():
        response = client.get(pilot.url)
        assert response.status_code == 200, pilot.title
    index = PilotProgramPage.objects.first().get_parent()
    html = client.get(index.url).content.decode()
    assert "城市医疗救助试点" in html
    for report in PilotReportPage.objects.all()[:3]:
        assert client.get(report.url).status_code == 200
