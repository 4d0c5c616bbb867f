"""A site's own pilot page (tests/custom_site): a subclass of PilotProgramPage
with a field and a template of its own, as docs/pilots.md shows."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.custom_site.models import DepartmentPilotPage
from tests.fixtures.pilots import days
from wagtail_pilots.pilots.models import (
    PilotIndexPage,
    PilotPhase,
    PilotProgramPage,
    PilotReportPage,
)

pytestmark = pytest.mark.django_db


def test_created_under_the_pilot_index_edited_and_listed(admin_client, pilot_index):
    assert DepartmentPilotPage in PilotIndexPage.allowed_subpage_models()
    assert PilotProgramPage in PilotIndexPage.allowed_subpage_models()
    assert DepartmentPilotPage.can_create_at(pilot_index)

    page = DepartmentPilotPage(
        title="一网通办试点",
        file_number="县政办〔2026〕12号",
        status="running",
        start_date=days(-10),
        end_date=days(50),
        phases=[
            PilotPhase(
                name="制订方案",
                start_date=days(-10),
                due_date=days(5),
                weight=Decimal(100),
                progress=50,
            )
        ],
    )
    pilot_index.add_child(instance=page)
    page.save_revision().publish()

    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert edit.status_code == 200
    assert 'name="file_number"' in edit.content.decode()

    public = admin_client.get(page.url)
    content = public.content.decode()
    assert "File number: 县政办〔2026〕12号" in content  # the site's template
    assert "制订方案" in content  # the suite's page inside it

    # Its reports go under it, as under the suite's pilots.
    assert PilotReportPage.can_create_at(page)

    listing = admin_client.get(pilot_index.url).content.decode()
    assert "一网通办试点" in listing
