"""The wagtail-modeladmin listings reach the same import/export views."""

import pytest
from django.urls import reverse

from tests.fixtures.users import ENTER_BALLOTS, IMPORT_EXPORT, assert_permission_denied
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.models import Unit

pytestmark = pytest.mark.django_db

UNITS_URL = "/admin/wagtail_pilots/unit/"
BATCHES_URL = "/admin/wagtail_pilots_importexport/importbatch/"
IMPORTER = (
    "wagtail_pilots_importexport.import_data",
    "wagtail_pilots_importexport.export_data",
    "wagtail_pilots.add_unit",
    "wagtail_pilots.change_unit",
    "wagtail_pilots.view_unit",
)


def test_unit_listing_has_import_export_buttons_for_importers(client, make_editor):
    Unit.objects.create(code="MA1", name="模型管理村", kind="village")
    client.force_login(make_editor(*IMPORTER))
    content = client.get(UNITS_URL).content.decode()
    assert "模型管理村" in content
    import_url = reverse("wagtail_pilots_importexport:import", args=["units"])
    export_url = reverse("wagtail_pilots_importexport:export", args=["units", "xlsx"])
    assert f'href="{import_url}"' in content
    assert f'href="{export_url}"' in content
    # The button leads to the same view, which works for this user.
    assert client.get(import_url).status_code == 200


def test_unit_listing_without_import_rights_has_no_buttons(client, make_editor):
    client.force_login(make_editor("wagtail_pilots.view_unit"))
    response = client.get(UNITS_URL)
    assert response.status_code == 200
    assert "data-pilots-import" not in response.content.decode()
    assert (
        client.get(
            reverse("wagtail_pilots_importexport:import", args=["units"])
        ).status_code
        == 403
    )


def test_batch_listing(client, make_editor):
    ImportBatch.objects.create(
        kind="units", file_name="县里的单位.csv", sha256="1" * 64
    )
    client.force_login(make_editor(*IMPORTER))
    content = client.get(BATCHES_URL).content.decode()
    assert "县里的单位.csv" in content
    assert 'data-pilots-import="units"' in content
    assert_permission_denied(client.get(BATCHES_URL + "create/"))


def test_batch_listing_refused_without_import_permission(client, make_editor):
    client.force_login(make_editor("wagtail_pilots.view_unit"))
    assert_permission_denied(client.get(BATCHES_URL))


def test_anonymous_is_sent_to_login(client):
    for url in (UNITS_URL, BATCHES_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_batch_inspect_view(client, make_editor):
    batch = ImportBatch.objects.create(
        kind="units", file_name="检查.csv", sha256="3" * 64
    )
    client.force_login(make_editor(*IMPORTER))
    response = client.get(f"{BATCHES_URL}inspect/{batch.pk}/")
    assert response.status_code == 200
    assert "检查.csv" in response.content.decode()


BALLOTS_URL = "/admin/wagtail_pilots_scorecards/ballot/"


def test_ballot_listing_buttons_for_the_chosen_scorecard(page_editor, two_scorecards):
    a, b = two_scorecards
    client = page_editor(
        a,
        "change",
        *IMPORT_EXPORT,
        *ENTER_BALLOTS,
    )
    content = client.get(BALLOTS_URL).content.decode()
    # Only the ballots of the scorecard this editor may edit are listed.
    assert "评价人a" in content
    assert "评价人b" not in content
    assert "data-pilots-import" not in content
    content = client.get(f"{BALLOTS_URL}?scorecard={a.pk}").content
    content = content.decode()
    import_url = reverse("wagtail_pilots_importexport:import", args=["ballots"])
    assert f'href="{import_url}?page={a.pk}"' in content
    assert 'data-pilots-export="scorecard-results-xlsx"' in content
    assert client.get(f"{import_url}?page={a.pk}").status_code == 200
    # Asking for scorecard B shows no buttons, and its views answer 403.
    content = client.get(f"{BALLOTS_URL}?scorecard={b.pk}").content
    assert b"data-pilots-import" not in content
    assert client.get(f"{import_url}?page={b.pk}").status_code == 403


def test_ballot_listing_needs_view_permission(client, make_editor):
    client.force_login(make_editor("wagtail_pilots.view_unit"))
    assert_permission_denied(client.get(BALLOTS_URL))
    client.logout()
    response = client.get(BALLOTS_URL)
    assert response.status_code == 302


def test_batch_listing_queries_do_not_grow_with_the_rows(admin_client, two_scorecards):
    """The inspect button's permission check runs for every row: one batch's
    rights each time, not the whole visibility scan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count, start):
        for n in range(start, start + count):
            ImportBatch.objects.create(
                kind="ballots",
                page=two_scorecards[n % 2],
                file_name=f"选票{n}.csv",
                sha256=f"{n:064d}",
                status=ImportBatch.Status.DONE,
            )

    add(2, 0)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(BATCHES_URL).status_code == 200
    add(20, 2)
    with CaptureQueriesContext(connection) as many:
        content = admin_client.get(BATCHES_URL).content.decode()
    assert "选票21.csv" in content and "选票0.csv" in content
    assert len(many) <= len(few) + 2, [q["sql"][:80] for q in many.captured_queries]
