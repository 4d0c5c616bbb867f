import pytest
from django.urls import reverse

from tests.fixtures.pilots import days
from tests.fixtures.users import IMPORT_EXPORT, assert_permission_denied
from wagtail_pilots.pilots.models import IndicatorReading

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
    assert_permission_denied(client.get(reverse(INDEX)))


def test_readings_are_scoped_to_pilots_the_editor_may_edit(
    page_editor, make_pilot, indicator
):
    """The model permission alone does not open another department's pilot."""
    other = make_pilot(
        title="城市医疗救助试点",
        slug="medical",
        indicators=[{"name": "救助人次", "baseline": 0, "target": 100}],
    )
    other_indicator = other.indicators.get()
    mine = IndicatorReading.objects.create(indicator=indicator, date=days(-2), value=30)
    theirs = IndicatorReading.objects.create(
        indicator=other_indicator, date=days(-2), value=40
    )
    client = page_editor(
        indicator.pilot,
        "change",
        *(
            f"wagtail_pilots_pilots.{p}_indicatorreading"
            for p in ("view", "add", "change", "delete")
        ),
    )

    html = client.get(reverse(INDEX)).content.decode()
    assert "参保率" in html and "救助人次" not in html
    form = client.get(reverse(ADD)).context["form"]
    assert list(form.fields["indicator"].queryset) == [indicator]
    edit = "pilot_indicator_readings:edit"
    delete = "pilot_indicator_readings:delete"
    assert client.get(reverse(edit, args=[mine.pk])).status_code == 200
    for name in ("history", "history_results", "usage"):
        url = reverse(f"pilot_indicator_readings:{name}", args=[mine.pk])
        assert client.get(url).status_code == 200, name
    # Wagtail answers a refused admin view with a redirect home and a message.
    for response in (
        client.get(reverse(edit, args=[theirs.pk])),
        client.post(reverse(edit, args=[theirs.pk]), {"value": "99"}),
        client.post(reverse(delete, args=[theirs.pk])),
        # Their history and usage are not shown either.
        *(
            client.get(reverse(f"pilot_indicator_readings:{name}", args=[theirs.pk]))
            for name in ("history", "history_results", "usage")
        ),
    ):
        assert_permission_denied(response)
    response = client.post(
        reverse(ADD),
        {"indicator": other_indicator.pk, "date": days(-1).isoformat(), "value": "1"},
    )
    assert (
        response.status_code == 200 and "indicator" in response.context["form"].errors
    )
    theirs.refresh_from_db()
    assert theirs.value == 40
    assert IndicatorReading.objects.count() == 2


def test_readings_import_and_export_are_scoped_to_the_pilot(
    page_editor, make_pilot, indicator
):
    """With the import/export and readings permissions, an editor of one pilot
    imports and exports that pilot's readings only."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wagtail_pilots.importexport.models import ImportBatch

    other = make_pilot(
        title="城市医疗救助试点",
        slug="medical",
        indicators=[{"name": "救助人次", "baseline": 0, "target": 100}],
    )
    client = page_editor(
        indicator.pilot,
        "change",
        *IMPORT_EXPORT,
        *(
            f"wagtail_pilots_pilots.{p}_indicatorreading"
            for p in ("view", "add", "change")
        ),
    )
    kind = "indicator-readings"
    import_url = reverse("wagtail_pilots_importexport:import", args=[kind])
    export_url = reverse("wagtail_pilots_importexport:export", args=[kind, "csv"])
    mine, theirs = indicator.pilot, other
    assert client.get(f"{import_url}?page={mine.pk}").status_code == 200
    assert client.get(f"{export_url}?page={mine.pk}").status_code == 200
    assert client.get(f"{import_url}?page={theirs.pk}").status_code == 403
    assert client.get(f"{export_url}?page={theirs.pk}").status_code == 403
    upload = SimpleUploadedFile(
        "r.csv", "指标,日期,数值\n救助人次,2026-06-30,99\n".encode(), "text/csv"
    )
    response = client.post(f"{import_url}?page={theirs.pk}", {"file": upload})
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()
    assert not IndicatorReading.objects.exists()
