"""Pilots on a department's own base page (tests/custom_site): the pilot mixins
on ``DepartmentPage`` with inline models of the site's own, built on the suite's
abstract bases. The main flows go through the page type's ``get_*_model()``
hooks: build, view, list, report, import, export, roll back, remind."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.custom_site.models import (
    DepartmentIndicatorReading,
    DepartmentPilotIndexPage,
    DepartmentPilotIndicator,
    DepartmentPilotPhase,
    DepartmentPilotProgramPage,
    DepartmentPilotReportPage,
    DepartmentPilotSite,
)
from tests.fixtures.imports import csv_bytes, upload_check_import
from tests.fixtures.pilots import days
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.services import batch_rollback
from wagtail_pilots.models import Unit, UnitContact
from wagtail_pilots.pages import check_inlines
from wagtail_pilots.pilots.blocks import PilotListBlock
from wagtail_pilots.pilots.models import (
    AbstractPilotPhase,
    PilotIndexPage,
    PilotPhase,
    PilotProgramPageMixin,
    PilotReportPage,
    check_pilot_pages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def units(db):
    lead = Unit.objects.create(name="县政务服务中心", code="ZWZX", kind="department")
    UnitContact.objects.create(unit=lead, name="王", email="zwzx@example.gov.cn")
    town = Unit.objects.create(name="城关镇", code="CGZ", kind="town")
    return {"lead": lead, "town": town}


@pytest.fixture
def index(home_page):
    page = DepartmentPilotIndexPage(
        title="本局试点", slug="our-pilots", office="县政府办公室"
    )
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return DepartmentPilotIndexPage.objects.get(pk=page.pk)


@pytest.fixture
def pilot(index, units):
    """Built as the editor's form does: the page with its inlines in memory."""
    page = DepartmentPilotProgramPage(
        title="一网通办试点",
        slug="one-window",
        office="县政务服务中心办公室",
        code="ZW-01",
        status="running",
        lead_unit=units["lead"],
        start_date=days(-40),
        end_date=days(80),
        sites=[DepartmentPilotSite(unit=units["town"], role="pilot")],
        phases=[
            DepartmentPilotPhase(
                name="梳理事项", due_date=days(-5), weight=D(30), progress=50
            ),
            DepartmentPilotPhase(
                name="上线运行", due_date=days(60), weight=D(70), progress=0
            ),
        ],
        indicators=[
            DepartmentPilotIndicator(
                name="一次办成率", measure="%", baseline=D(40), target=D(90)
            )
        ],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return DepartmentPilotProgramPage.objects.get(pk=page.pk)


def test_the_hooks_name_the_sites_own_models():
    assert DepartmentPilotProgramPage.get_phase_model() is DepartmentPilotPhase
    assert DepartmentPilotProgramPage.get_site_model() is DepartmentPilotSite
    assert DepartmentPilotProgramPage.get_indicator_model() is DepartmentPilotIndicator
    assert DepartmentPilotProgramPage.get_reading_model() is DepartmentIndicatorReading
    assert DepartmentPilotReportPage.get_reading_model() is DepartmentIndicatorReading
    assert DepartmentPilotProgramPage.get_report_model() is DepartmentPilotReportPage
    # The suite's own pilot page keeps its models.
    from wagtail_pilots.pilots.models import PilotProgramPage

    assert PilotProgramPage.get_phase_model() is PilotPhase
    assert PilotProgramPage.get_report_model() is PilotReportPage


def test_the_system_check_names_a_missing_inline():
    assert check_pilot_pages() == []
    errors = check_inlines(
        PilotProgramPageMixin,
        {"timeline": AbstractPilotPhase},
        check_id="wagtail_pilots.E101",
    )
    messages = [e.msg for e in errors if e.obj is DepartmentPilotProgramPage]
    assert messages == [
        "custom_site.DepartmentPilotProgramPage uses PilotProgramPageMixin but has "
        "no 'timeline' inline built on AbstractPilotPhase."
    ]


def test_page_types_go_under_the_right_index_and_pilot():
    assert DepartmentPilotIndexPage.allowed_subpage_models() == [
        DepartmentPilotProgramPage
    ]
    assert DepartmentPilotProgramPage not in PilotIndexPage.allowed_subpage_models()
    assert DepartmentPilotReportPage.allowed_parent_page_models() == [
        DepartmentPilotProgramPage
    ]
    # The suite's report page stays under pilots whose indicators it reads.
    assert DepartmentPilotProgramPage not in (
        PilotReportPage.allowed_parent_page_models()
    )


def test_built_edited_shown_and_listed(admin_client, index, pilot):
    assert sorted(DepartmentPilotPhase.objects.values_list("name", flat=True)) == [
        "上线运行",
        "梳理事项",
    ]
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[pilot.pk]))
    assert edit.status_code == 200
    form = edit.content.decode()
    assert 'name="office"' in form  # the site's own field
    assert 'name="phases-0-name"' in form  # the suite's inlines
    assert 'name="indicators-TOTAL_FORMS"' in form

    page = admin_client.get(pilot.url).content.decode()
    assert "Office in charge: 县政务服务中心办公室" in page  # the site's template
    assert "梳理事项" in page
    assert "15%" in page  # 30 × 50 ÷ 100: weighted progress from its phases
    assert "一次办成率" in page

    listing = admin_client.get(index.url).content.decode()
    assert "Office in charge: 县政府办公室" in listing
    assert "一网通办试点" in listing and "15%" in listing


def test_a_report_with_readings_shows_on_the_pilot(admin_client, pilot):
    indicator = pilot.indicators.get()
    report = DepartmentPilotReportPage(
        title="三月月报",
        kind="monthly",
        period_start=days(-30),
        period_end=days(-1),
        readings=[
            DepartmentIndicatorReading(indicator=indicator, date=days(-1), value=65)
        ],
    )
    pilot.add_child(instance=report)
    report.save_revision().publish()
    assert DepartmentIndicatorReading.objects.get().report_id == report.pk

    shown = admin_client.get(report.url).content.decode()
    assert "一次办成率" in shown and "65" in shown
    page = admin_client.get(pilot.url).content.decode()
    assert "三月月报" in page
    assert "50%" in page  # (65 − 40) ÷ (90 − 40): achievement of the reading


def test_phases_imported_exported_and_rolled_back(pilot, tmp_path):
    rows = [
        ["阶段名称", "完成时限", "权重", "进度(%)"],
        ["梳理事项", "2026-12-01", 30, 100],
        ["培训窗口人员", "2026-12-20", 10, 0],
    ]
    batch = upload_check_import("pilot-phases", csv_bytes(rows), page=pilot)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_new, batch.rows_updated) == (1, 1)
    phases = dict(DepartmentPilotPhase.objects.values_list("name", "progress"))
    assert phases == {"梳理事项": 100, "上线运行": 0, "培训窗口人员": 0}
    assert not PilotPhase.objects.exists()  # nothing in the suite's table
    revision = pilot.get_latest_revision_as_object()
    assert len(revision.phases.all()) == 3

    out = tmp_path / "phases.csv"
    call_command(
        "pilots_export", "pilot-phases", "--page", str(pilot.pk), "-o", str(out)
    )
    assert "培训窗口人员" in out.read_text(encoding="utf-8-sig")

    batch_rollback(batch=batch)
    phases = dict(DepartmentPilotPhase.objects.values_list("name", "progress"))
    assert phases == {"梳理事项": 50, "上线运行": 0}


def test_readings_imported_by_indicator_name(pilot):
    rows = [["指标", "日期", "数值"], ["一次办成率", "2026-06-30", "72.5"]]
    batch = upload_check_import("indicator-readings", csv_bytes(rows), page=pilot)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    reading = DepartmentIndicatorReading.objects.get()
    assert (reading.indicator.name, reading.value) == ("一次办成率", D("72.5"))

    bad = [["指标", "日期", "数值"], ["不存在", "2026-06-30", 1]]
    batch = upload_check_import("indicator-readings", csv_bytes(bad), page=pilot)
    assert batch.errors[0]["message"] == (
        "This pilot has no indicator “不存在”; indicators: 一次办成率."
    )
    assert DepartmentIndicatorReading.objects.count() == 1
    batch_rollback(batch=ImportBatch.objects.order_by("pk").first())
    assert not DepartmentIndicatorReading.objects.exists()


def test_pilots_imported_into_and_exported_from_the_index(index, units, pilot):
    rows = [
        ["编号/code", "名称/title", "状态/status", "试点单位代码/pilot sites"],
        ["ZW-02", "容缺受理试点", "planning", "CGZ"],
    ]
    batch = upload_check_import(
        "pilots", csv_bytes(rows), page=index, name="p.csv", force=True
    )
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    created = DepartmentPilotProgramPage.objects.get(code="ZW-02")
    assert created.get_parent().pk == index.pk
    assert [s.unit.code for s in created.sites.all()] == ["CGZ"]

    from wagtail_pilots.importexport.registry import get_kind
    from wagtail_pilots.importexport.services import export_table

    headers, table = export_table(kind=get_kind("pilots"), page=index)
    titles = [row[1] for row in table]
    assert titles == ["一网通办试点", "容缺受理试点"]


def test_the_admin_report_dashboard_block_and_reminders_include_it(admin_client, pilot):
    report = admin_client.get(reverse("wagtail_pilots_pilots:report"))
    assert "一网通办试点" in report.content.decode()
    # Its lead unit is offered by the report's filter, and filters it.
    lead = pilot.lead_unit
    assert lead in report.context["filters"].form.fields["lead_unit"].queryset
    filtered = admin_client.get(
        reverse("wagtail_pilots_pilots:report"), {"lead_unit": lead.pk}
    )
    assert "一网通办试点" in filtered.content.decode()

    dashboard = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "梳理事项" in dashboard  # its overdue phase

    rows = PilotListBlock().get_pilot_rows({"status": "running", "limit": 5})
    assert [p.title for p, _summary in rows] == ["一网通办试点"]
    rows = PilotListBlock().get_pilot_rows({"unit": pilot.sites.get().unit})
    assert [p.title for p, _summary in rows] == ["一网通办试点"]

    out = io.StringIO()
    call_command("pilots_remind", stdout=out)
    bodies = "".join(m.body for m in mail.outbox)
    assert "一网通办试点：阶段“梳理事项”应于" in bodies  # the site speaks Chinese
    # Its phases are told apart from the suite's phases of the same number.
    from wagtail_pilots.pilots.models import ReminderLog

    assert ReminderLog.objects.filter(
        key__startswith="phase:custom_site.departmentpilotphase:"
    ).exists()


def test_the_review_is_published_with_the_page(admin_client, pilot):
    pilot.review_goals = "<p>群众办事只跑一次</p>"
    pilot.decision = "roll_out"
    pilot.decision_date = datetime.date(2026, 12, 1)
    pilot.save_revision().publish()
    page = admin_client.get(pilot.url).content.decode()
    assert "群众办事只跑一次" in page
    assert "推广" in page  # the decision, in the site's language
