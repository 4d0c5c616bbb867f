"""The "Pilot programs" report, its exports and the dashboard panel."""

import csv
import io

import pytest
from django.urls import reverse

from tests.fixtures.pilots import days
from tests.fixtures.users import assert_permission_denied

pytestmark = pytest.mark.django_db

REPORT = "wagtail_pilots_pilots:report"


@pytest.fixture
def pilots(make_pilot, make_report):
    late = make_pilot(
        title="=HYPERLINK(1) 互助资金试点",
        code="JR-01",
        start_date=days(-75),
        end_date=days(200),
        phases=[
            {"name": "摸底调查", "due_date": days(-10), "weight": 1, "progress": 50},
            {"name": "资金发放", "due_date": days(20), "weight": 3, "progress": 0},
        ],
    )
    fine = make_pilot(
        title="远程教育试点",
        status="planning",
        start_date=days(30),
        end_date=days(300),
        phases=[{"name": "设备采购", "due_date": days(60), "weight": 1}],
    )
    return late, fine


def test_report_lists_status_health_and_deadlines(admin_client, pilots):
    late, fine = pilots
    response = admin_client.get(reverse(REPORT))
    assert response.status_code == 200
    rows = {row.title: row for row in response.context["object_list"]}
    row = rows[late.title]
    assert row.summary.health == "overdue"
    assert row.overdue_count == 1
    # (1*50 + 3*0) / 4 = 12.5
    assert str(row.progress) == "12.50"
    assert row.days_left == 20
    assert row.missing_count >= 1  # no monthly report at all for two months
    assert rows[fine.title].summary.health == "on_track"
    assert rows[fine.title].missing_count == 0


def test_report_filters(admin_client, pilots):
    response = admin_client.get(reverse(REPORT), {"health": "overdue"})
    assert [r.title for r in response.context["object_list"]] == [pilots[0].title]
    response = admin_client.get(reverse(REPORT), {"status": "planning"})
    assert [r.title for r in response.context["object_list"]] == [pilots[1].title]
    results = admin_client.get(
        reverse("wagtail_pilots_pilots:report_results"), {"status": "planning"}
    )
    assert results.status_code == 200


def test_csv_export_is_formula_safe(admin_client, pilots):
    response = admin_client.get(reverse(REPORT), {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows[0]) == 11
    titles = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(1) 互助资金试点" in titles


def test_xlsx_export(admin_client, pilots):
    from openpyxl import load_workbook

    response = admin_client.get(reverse(REPORT), {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    cell = [c for c in sheet["A"] if c.value and "HYPERLINK" in c.value][0]
    assert cell.data_type == "s"


def test_anonymous_is_sent_to_login(client, pilots):
    response = client.get(reverse(REPORT))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    response = client.get(reverse(REPORT), {"export": "csv"})
    assert response.status_code == 302


def test_editor_without_page_rights_is_refused(client, make_editor, pilots):
    client.force_login(make_editor())
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a
    # message; no pilot data is served.
    for params in ({}, {"export": "csv"}):
        assert_permission_denied(client.get(reverse(REPORT), params))
    # The dashboard shows no pilot panel to them.
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "pilot-deadlines" not in html


def test_editor_sees_only_pilots_they_may_edit(page_editor, pilots):
    late, fine = pilots
    client = page_editor(fine, "change")
    response = client.get(reverse(REPORT))
    assert [r.title for r in response.context["object_list"]] == [fine.title]
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "摸底调查" not in html


def test_dashboard_panel_lists_overdue_and_missing(page_editor, pilots):
    late, fine = pilots
    client = page_editor(late, "change")
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "pilot-deadlines" in html
    assert "摸底调查" in html  # overdue phase
    assert "资金发放" not in html  # not overdue
    assert days(-75).strftime("%Y-%m") in html  # first month without a report


def test_report_query_count_is_bounded(
    admin_client, make_pilot, django_assert_max_num_queries
):
    for n in range(30):
        make_pilot(
            title=f"试点{n}",
            phases=[
                {"name": "a", "due_date": days(-1)},
                {"name": "b", "due_date": days(5)},
            ],
        )
    with django_assert_max_num_queries(25):
        response = admin_client.get(reverse(REPORT))
    assert len(response.context["object_list"]) == 30
