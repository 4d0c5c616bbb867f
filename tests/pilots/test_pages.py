import datetime
from decimal import Decimal

import pytest

from tests.fixtures.pilots import days
from wagtail_pilots.pilots.models import PilotSite

pytestmark = pytest.mark.django_db


def test_pilot_page_renders_progress_timeline_and_overdue(
    client, make_pilot, unit, make_report
):
    pilot = make_pilot(
        title="城市医疗救助试点",
        code="YB-2026-01",
        lead_unit=unit,
        phases=[
            # (30*100 + 70*40) / 100 = 58
            {
                "name": "建立联动机制",
                "due_date": days(-20),
                "weight": 30,
                "progress": 100,
                "completed_on": days(-21),
            },
            {
                "name": "制订方案",
                "start_date": days(-19),
                "due_date": days(-5),
                "weight": 70,
                "progress": 40,
            },
        ],
        indicators=[
            {
                "name": "救助覆盖率",
                "measure": "%",
                "baseline": 40,
                "target": 90,
                "direction": "higher",
            },
        ],
    )
    PilotSite.objects.create(pilot=pilot, unit=unit, role="demonstration")
    indicator = pilot.indicators.get()
    make_report(
        pilot,
        title="三月月报",
        period_start=days(-40),
        period_end=days(-10),
        readings=[{"indicator": indicator, "date": days(-10), "value": 65}],
    )
    response = client.get(pilot.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "城市医疗救助试点" in html
    assert "进度：58%" in html  # weighted progress, whole numbers without ".00"
    assert "58.00%" not in html
    assert 'aria-valuenow="58.00"' in html
    assert "wp-timeline__row--overdue" in html  # 制订方案 is past due at 40 %
    # (65 - 40) / (90 - 40) = 50 %
    assert "50.00%" in html
    assert "demonstration site" in html or "示范点" in html
    assert "三月月报" in html
    assert "<script" not in html.split("<main")[1]


def test_pilot_page_shows_review_and_decision(client, make_pilot):
    pilot = make_pilot(
        status="completed",
        review_goals="<p>目标回顾</p>",
        review_results="<p>结果评估</p>",
        review_causes="<p>原因分析</p>",
        review_lessons="<p>经验总结</p>",
        decision="roll_out",
        decision_date=days(-1),
        rollout_scope="全县所有乡镇",
    )
    html = client.get(pilot.url).content.decode()
    for text in ("目标回顾", "结果评估", "原因分析", "经验总结", "全县所有乡镇"):
        assert text in html


def test_base_template_is_configurable(client, make_pilot, tmp_path, settings):
    tpl_dir = tmp_path / "wagtail_pilots" / "pilots"
    tpl_dir.mkdir(parents=True)
    (tpl_dir / "tests_base.html").write_text(
        "<html><body>SITE-OWN-BASE {% block content %}{% endblock %}</body></html>"
    )
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [str(tmp_path), *settings.TEMPLATES[0]["DIRS"]],
        }
    ]
    settings.WAGTAIL_PILOTS = {"BASE_TEMPLATE": "wagtail_pilots/pilots/tests_base.html"}
    pilot = make_pilot()
    html = client.get(pilot.url).content.decode()
    assert "SITE-OWN-BASE" in html
    assert pilot.title in html


def test_report_page_renders(client, make_pilot, make_report):
    pilot = make_pilot(indicators=[{"name": "参保率", "baseline": 10, "target": 60}])
    report = make_report(
        pilot,
        title="试点简报第1期",
        kind="briefing",
        period_start=days(-30),
        period_end=days(-1),
        body="<p>进展顺利</p>",
        readings=[
            {
                "indicator": pilot.indicators.get(),
                "date": days(-1),
                "value": Decimal("35.5"),
            }
        ],
    )
    html = client.get(report.url).content.decode()
    assert "试点简报第1期" in html and "进展顺利" in html and "35.5" in html
    assert pilot.title in html


def test_index_lists_filters_and_counts(client, pilot_index, make_pilot, unit):
    make_pilot(
        title="甲试点", status="planning", start_date=days(10), end_date=days(200)
    )
    make_pilot(
        title="乙试点",
        lead_unit=unit,
        phases=[{"name": "p", "due_date": days(-3), "progress": 10}],
    )
    make_pilot(
        title="丙试点",
        status="completed",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 12, 31),
    )
    html = client.get(pilot_index.url).content.decode()
    assert all(t in html for t in ("甲试点", "乙试点", "丙试点"))
    response = client.get(pilot_index.url, {"health": "overdue"})
    titles = [p.title for p, s in response.context["pilot_rows"]]
    assert titles == ["乙试点"]
    response = client.get(pilot_index.url, {"status": "planning"})
    assert [p.title for p, s in response.context["pilot_rows"]] == ["甲试点"]
    response = client.get(pilot_index.url, {"unit": unit.pk})
    assert [p.title for p, s in response.context["pilot_rows"]] == ["乙试点"]
    response = client.get(pilot_index.url, {"year": 2020})
    assert [p.title for p, s in response.context["pilot_rows"]] == ["丙试点"]
    response = client.get(pilot_index.url, {"q": "丙"})
    assert [p.title for p, s in response.context["pilot_rows"]] == ["丙试点"]
    counts = {c["value"]: c["count"] for c in response.context["status_counts"]}
    assert (
        counts["planning"] == 1 and counts["running"] == 1 and counts["completed"] == 1
    )
    assert counts["stopped"] == 0


def test_index_query_count_does_not_grow(
    client, pilot_index, make_pilot, unit, django_assert_max_num_queries
):
    from wagtail_pilots.pilots.models import PilotPhase, PilotProgramPage

    make_pilot(
        title="试点0",
        lead_unit=unit,
        phases=[{"name": "a", "due_date": days(-1), "weight": 1, "progress": 0}],
    )
    with django_assert_max_num_queries(12) as small:
        client.get(pilot_index.url, {"health": "overdue"})
    for n in range(1, 200):
        page = PilotProgramPage(
            title=f"试点{n}",
            status="running",
            lead_unit=unit,
            start_date=days(-50),
            end_date=days(50),
        )
        pilot_index.add_child(instance=page)
        PilotPhase.objects.create(pilot=page, name="a", due_date=days(-1), progress=0)
        PilotPhase.objects.create(pilot=page, name="b", due_date=days(9), progress=50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(pilot_index.url, {"health": "overdue", "page": 3})
    assert response.status_code == 200
    assert response.context["pilot_rows"].paginator.count == 200


def test_index_bad_filter_value_shows_field_error(client, pilot_index, make_pilot):
    make_pilot()
    response = client.get(pilot_index.url, {"year": "abc"})
    assert response.status_code == 200
    assert response.context["filter_form"].errors["year"]


def test_preview_of_an_unsaved_pilot(pilot_index, rf):
    from wagtail_pilots.pilots.models import PilotPhase, PilotProgramPage

    pilot = PilotProgramPage(
        title="预览试点",
        slug="preview",
        status="running",
        start_date=days(-10),
        end_date=days(10),
        phases=[
            PilotPhase(name="一", due_date=days(-1), weight=1, progress=50),
            PilotPhase(name="二", due_date=days(5), weight=1, progress=0),
        ],
    )
    pilot.path = pilot_index.path + "9999"  # where it would go; never saved
    pilot.depth = pilot_index.depth + 1
    response = pilot.make_preview_request()
    assert response.status_code == 200
    html = response.content.decode()
    assert "预览试点" in html and "进度：25%" in html  # (50 + 0) / 2
    assert "wp-timeline__row--overdue" in html


def test_index_pagination_keeps_filters(client, pilot_index, make_pilot):
    pilot_index.per_page = 1
    pilot_index.save()
    for n in range(3):
        make_pilot(title=f"试点{n}", slug=f"p{n}", status="running")
    make_pilot(title="筹备", slug="plan", status="planning")
    response = client.get(pilot_index.url, {"status": "running"})
    html = response.content.decode()
    assert "status=running&amp;page=2" in html
    response = client.get(pilot_index.url, {"status": "running", "page": 3})
    assert [p.title for p, s in response.context["pilot_rows"]] == ["试点2"]


def _overdue_pilot(make_pilot):
    # 制订方案 is 5 days late; the next phase is due in 240 days.
    return make_pilot(
        title="逾期试点",
        start_date=days(-60),
        end_date=days(300),
        phases=[
            {"name": "制订方案", "due_date": days(-5), "weight": 1, "progress": 6},
            {"name": "全面推开", "due_date": days(240), "weight": 1, "progress": 6},
        ],
    )


def test_overdue_pilot_says_overdue_not_days_left(client, make_pilot, pilot_index):
    pilot = _overdue_pilot(make_pilot)
    for url in (pilot.url, pilot_index.url):
        html = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
        assert "1 个阶段已逾期" in html
        assert "还剩" not in html and "下一个期限" not in html
        assert "进度：6%" in html
        client.cookies["django_language"] = "en"
        html = client.get(url).content.decode()
        del client.cookies["django_language"]
        assert "1 phase overdue" in html
        assert "days left" not in html and "Next deadline" not in html
        assert "Progress: 6%" in html and "6.00%" not in html


def test_pilot_on_track_still_shows_its_next_deadline(client, make_pilot):
    pilot = make_pilot(
        phases=[{"name": "制订方案", "due_date": days(10), "progress": 50}]
    )
    client.cookies["django_language"] = "en"
    html = client.get(pilot.url).content.decode()
    assert "(10 days left)" in html


def test_gantt_chart_has_a_legend(client, make_pilot):
    pilot = _overdue_pilot(make_pilot)
    client.cookies["django_language"] = "en"
    html = client.get(pilot.url).content.decode()
    legend = html.split('class="wp-legend"')[1].split("</ul>")[0]
    for label in ("Planned", "Done", "Completed", "Overdue", "Today"):
        assert label in legend
    assert "(Overdue)" in html  # the overdue phase's row, capitalised in English
    del client.cookies["django_language"]
    html = client.get(pilot.url, headers={"accept-language": "zh-hans"}).content
    legend = html.decode().split('class="wp-legend"')[1].split("</ul>")[0]
    for label in ("计划时段", "已完成进度", "已逾期", "今天"):
        assert label in legend


def test_public_pilot_pages_are_capitalised_in_english(client, make_pilot, pilot_index):
    _overdue_pilot(make_pilot)
    client.cookies["django_language"] = "en"
    response = client.get(pilot_index.url)
    html = response.content.decode()
    labels = [str(f.label) for f in response.context["filter_form"]]
    assert labels == ["Search", "Status", "Health", "Lead unit", "Year"]
    for text in (">All<", ">Planning<", ">On track<", "Running: 1", ">Overdue<"):
        assert text in html, text
    for text in (">all<", ">planning<", ">on track<", "running: 1", ">overdue<"):
        assert text not in html, text
