"""The pilot-phases and indicator-readings kinds."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.fixtures.imports import (
    IMPORT_TEST_MARKS,
    csv_bytes,
    upload_check_import,
    xlsx_bytes,
)
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import (
    RollbackError,
    batch_rollback,
    batch_upload,
)
from wagtail_pilots.pilots.models import (
    IndicatorReading,
    PilotIndexPage,
    PilotIndicator,
    PilotPhase,
    PilotProgramPage,
)

pytestmark = IMPORT_TEST_MARKS


@pytest.fixture
def pilot(home_page):
    index = home_page.add_child(
        instance=PilotIndexPage(title="试点工作", slug="pilots")
    )
    page = PilotProgramPage(
        title="小额人身保险试点",
        slug="baoxian",
        status="running",
        phases=[PilotPhase(name="摸底调查", weight=D(1), progress=100, sort_order=0)],
        indicators=[
            PilotIndicator(
                name="群众满意度", baseline=D(80), target=D(95), sort_order=0
            )
        ],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def run(kind_name, page, data, *, name="f.csv"):
    return upload_check_import(kind_name, data, page=page, name=name)


PHASES = [
    ["阶段名称/phase", "开始日期", "完成时限", "权重", "进度(%)", "备注"],
    ["摸底调查", "2026/1/5", "2026年2月28日", 1, 100, "已完成"],
    ["建立联动机制", "2026-03-01", "20260605", 20, "60%", ""],
]


def test_phases_update_by_name_add_new_and_publish(pilot):
    batch = run("pilot-phases", pilot, xlsx_bytes(PHASES), name="p.xlsx")
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_new, batch.rows_updated) == (1, 1)
    phases = {p.name: p for p in PilotPhase.objects.filter(pilot=pilot)}
    assert phases["摸底调查"].due_date == datetime.date(2026, 2, 28)
    assert phases["摸底调查"].note == "已完成"
    new = phases["建立联动机制"]
    assert (new.start_date, new.due_date) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 6, 5),
    )
    assert (new.weight, new.progress) == (D(20), 60)
    # The published page (its latest revision) carries the imported phases.
    pilot.refresh_from_db()
    assert not pilot.has_unpublished_changes
    revision_page = pilot.get_latest_revision_as_object()
    assert sorted(p.name for p in revision_page.phases.all()) == [
        "建立联动机制",
        "摸底调查",
    ]
    batch_rollback(batch=batch)
    assert list(PilotPhase.objects.values_list("name", flat=True)) == ["摸底调查"]
    assert [p.name for p in pilot.get_latest_revision_as_object().phases.all()] == [
        "摸底调查"
    ]
    # The phase the batch updated is back as it was before the import.
    phase = PilotPhase.objects.get()
    assert (phase.due_date, phase.note, phase.progress) == (None, "", 100)
    pilot.refresh_from_db()
    assert pilot.live and not pilot.has_unpublished_changes
    assert pilot.get_latest_revision_as_object().phases.get().note == ""
    batch.refresh_from_db()
    assert "1 created record(s) removed, 1 updated record(s) restored" in (
        batch.message
    )


def test_the_preview_saves_no_version_of_the_page(pilot, monkeypatch):
    """The dry run records nothing for the rollback; the real run does, once."""
    from wagtail_pilots.importexport.services import (
        batch_check,
        batch_import,
        batch_upload,
    )
    from wagtail_pilots.pilots.importexport import phases

    calls = []
    original = phases.revision_before

    def spy(page_id, user):
        calls.append(page_id)
        return original(page_id, user)

    monkeypatch.setattr(phases, "revision_before", spy)
    batch = batch_upload(
        kind=get_kind("pilot-phases"),
        file_name="p.csv",
        data=csv_bytes(PHASES),
        page=pilot,
    )
    batch = batch_check(batch=batch)
    assert batch.status == ImportBatch.Status.CHECKED and not batch.rows_invalid
    assert calls == []
    batch_import(batch=batch)
    assert calls == [pilot.pk]


def test_phase_rollback_is_refused_after_a_later_edit(pilot):
    batch = run("pilot-phases", pilot, csv_bytes(PHASES))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    pilot.refresh_from_db()
    pilot.summary = "导入后又编辑"
    pilot.save_revision().publish()
    with pytest.raises(RollbackError, match="“小额人身保险试点” was changed after"):
        batch_rollback(batch=batch)
    assert PilotPhase.objects.count() == 2
    assert PilotPhase.objects.get(name="摸底调查").note == "已完成"


def test_phases_of_a_pilot_never_published_are_imported_into_its_draft(home_page):
    index = home_page.add_child(instance=PilotIndexPage(title="试点", slug="p"))
    draft = PilotProgramPage(title="新试点", slug="new", live=False)
    index.add_child(instance=draft)
    draft.save_revision()
    batch = run("pilot-phases", draft, csv_bytes(PHASES))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    draft.refresh_from_db()
    assert not draft.live
    assert draft.get_latest_revision_as_object().phases.count() == 2
    batch_rollback(batch=batch)
    assert not PilotPhase.objects.filter(pilot=draft).exists()
    draft.refresh_from_db()
    assert draft.get_latest_revision_as_object().phases.count() == 0


def test_phase_errors_are_named(pilot):
    rows = [
        ["阶段名称", "开始日期", "完成时限", "进度"],
        ["甲", "2026-13-01", "", 10],
        ["乙", "", "", 150],
        ["丙", "2026-05-01", "2026-04-01", -5],
        ["", "", "", 1],
        ["丁", "", "", "abc"],
    ]
    batch = run("pilot-phases", pilot, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.CHECKED
    errors = {(e["row"], e["column"]): e["message"] for e in batch.errors}
    assert errors[(2, "开始日期")] == (
        "“2026-13-01” is not a date (write it as 2026-06-05)."
    )
    assert errors[(3, "进度")] == "Progress must be between 0 and 100."
    assert errors[(4, "进度")] == "Progress must be between 0 and 100."
    assert errors[(4, "完成时限")] == "The due date cannot be before the phase's start."
    assert errors[(5, "阶段名称")] == "Enter the phase's name."
    assert errors[(6, "进度")] == "“abc” is not a number."
    assert PilotPhase.objects.count() == 1


def test_pilot_with_a_draft_is_refused(pilot):
    pilot.title = "草稿"
    pilot.save_revision()
    with pytest.raises(ValueError, match="unpublished changes"):
        batch_upload(
            kind=get_kind("pilot-phases"),
            file_name="p.csv",
            data=csv_bytes(PHASES),
            page=pilot,
        )


def test_phases_of_a_locked_pilot_are_refused_at_the_preview(pilot, django_user_model):
    from django.utils import timezone

    other = django_user_model.objects.create_user("other", password="x")
    type(pilot).objects.filter(pk=pilot.pk).update(
        locked=True, locked_by=other, locked_at=timezone.now()
    )
    batch = run("pilot-phases", pilot, csv_bytes(PHASES))
    assert batch.status != ImportBatch.Status.DONE
    assert "“小额人身保险试点” is locked: it must be unlocked first." in (
        batch.message + " ".join(e["message"] for e in batch.errors)
    )
    assert PilotPhase.objects.count() == 1


def test_readings_by_indicator_and_date(pilot):
    IndicatorReading.objects.create(
        indicator=pilot.indicators.get(), date=datetime.date(2026, 3, 31), value=85
    )
    rows = [
        ["指标/indicator", "日期/date", "数值/value", "备注/note"],
        ["群众满意度", "2026-03-31", 88, "复核"],
        ["群众满意度", "2026/6/30", "92.5", ""],
    ]
    batch = run("indicator-readings", pilot, csv_bytes(rows))
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert (batch.rows_new, batch.rows_updated) == (1, 1)
    values = dict(IndicatorReading.objects.values_list("date", "value"))
    assert values == {
        datetime.date(2026, 3, 31): D(88),
        datetime.date(2026, 6, 30): D("92.5"),
    }
    batch_rollback(batch=batch)
    assert IndicatorReading.objects.count() == 1


def test_reading_errors_are_named(pilot):
    rows = [
        ["指标", "日期", "数值"],
        ["不存在", "2026-03-31", 1],
        ["群众满意度", "", 1],
        ["群众满意度", "2026-02-30", 1],
        ["群众满意度", "2026-04-01", "NaN"],
    ]
    batch = run("indicator-readings", pilot, csv_bytes(rows))
    errors = {(e["row"], e["column"]): e["message"] for e in batch.errors}
    assert errors[(2, "指标")] == (
        "This pilot has no indicator “不存在”; indicators: 群众满意度."
    )
    assert errors[(3, "日期")] == "Enter a date."
    assert "not a date" in errors[(4, "日期")]
    assert errors[(5, "数值")] == "Enter a finite number."
    assert not IndicatorReading.objects.exists()


def test_export_and_cli_round_trip(pilot, tmp_path):
    run("pilot-phases", pilot, csv_bytes(PHASES))
    out = tmp_path / "phases.csv"
    call_command(
        "pilots_export", "pilot-phases", "--page", str(pilot.pk), "-o", str(out)
    )
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("阶段名称/phase,开始日期/start")
    assert "建立联动机制,2026-03-01,2026-06-05,,20,60" in text
    PilotPhase.objects.filter(name="建立联动机制").update(progress=10)
    call_command(
        "pilots_import",
        "pilot-phases",
        str(out),
        "--page",
        str(pilot.pk),
        "--force",
        stdout=io.StringIO(),
    )
    assert PilotPhase.objects.get(name="建立联动机制").progress == 60


def test_only_editors_of_the_pilot_may_import(client, make_editor, page_editor, pilot):
    importer = (
        "wagtail_pilots_importexport.import_data",
        "wagtail_pilots_importexport.export_data",
    )
    client.force_login(make_editor(*importer, username="other"))
    url = reverse("wagtail_pilots_importexport:import", args=["pilot-phases"])
    assert client.get(f"{url}?page={pilot.pk}").status_code == 403
    editor = page_editor(pilot, "change", *importer)
    # The pilot is live: importing its phases publishes them, so editing
    # rights alone are not enough (exporting is).
    assert editor.get(f"{url}?page={pilot.pk}").status_code == 403
    export = reverse("wagtail_pilots_importexport:export", args=["pilot-phases", "csv"])
    assert editor.get(f"{export}?page={pilot.pk}").status_code == 200
    publisher = page_editor(pilot, "change", "publish", *importer, username="wang")
    assert publisher.get(f"{url}?page={pilot.pk}").status_code == 200
