import pytest
from django.urls import reverse

from wagtail_pilots.pilots.models import IndicatorReading

from .conftest import days

pytestmark = pytest.mark.django_db

INDEX = "pilot_indicator_readings:index"
ADD = "pilot_indicator_readings:add"


@pytest.fixture
def indicator(make_pilot):
    pilot = make_pilot(indicators=[{"name": "参保率", "baseline": 10, "target": 60}])
    return pilot.indicators.get()


def test_admin_adds_and_lists_a_reading(admin_client, indicator):
    response = admin_client.post(
        reverse(ADD),
        {
            "indicator": indicator.pk,
            "date": days(-1).isoformat(),
            "value": "22.5",
            "note": "",
        },
    )
    assert response.status_code == 302
    reading = IndicatorReading.objects.get()
    assert reading.report is None and str(reading.value) == "22.5000"
    html = admin_client.get(reverse(INDEX)).content.decode()
    assert "小额人身保险试点 · 参保率" in html


def test_bad_value_is_a_field_error(admin_client, indicator):
    response = admin_client.post(
        reverse(ADD), {"indicator": indicator.pk, "date": "2026-13-40", "value": "abc"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "date" in errors and "value" in errors
    assert not IndicatorReading.objects.exists()


def test_permissions(client, make_editor, indicator):
    assert client.get(reverse(INDEX)).status_code == 302
    assert "/admin/login/" in client.get(reverse(INDEX))["Location"]
    client.force_login(make_editor())
    response = client.get(reverse(INDEX))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")
