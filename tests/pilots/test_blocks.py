import json

import pytest

from example_site.home.models import StandardPage
from tests.fixtures.pilots import days
from wagtail_pilots.blocks import suite_blocks
from wagtail_pilots.pilots.blocks import PilotListBlock
from wagtail_pilots.pilots.models import PilotSite

pytestmark = pytest.mark.django_db


def test_blocks_are_offered_to_the_site():
    names = [name for name, _ in suite_blocks()]
    assert "pilot_list" in names and "pilot_status_card" in names


def test_list_filters_by_status_unit_and_limit(make_pilot, unit):
    a = make_pilot(title="甲", status="running", start_date=days(-10))
    b = make_pilot(title="乙", status="running", start_date=days(-20), lead_unit=unit)
    c = make_pilot(title="丙", status="planning", start_date=days(5))
    PilotSite.objects.create(pilot=c, unit=unit, role="pilot")
    block = PilotListBlock()

    def titles(**value):
        value = block.to_python(
            {"heading": "", "status": "", "unit": None, "limit": 5, **value}
        )
        return [p.title for p, s in block.get_pilot_rows(value)]

    assert titles() == ["丙", "甲", "乙"]
    assert titles(status="running") == ["甲", "乙"]
    assert titles(unit=unit.pk) == ["丙", "乙"]
    assert titles(limit=1) == ["丙"]
    assert a and b


def test_blocks_render_on_a_standard_page(client, home_page, make_pilot):
    pilot = make_pilot(
        title="技术改造试点",
        phases=[
            {"name": "设备更新", "due_date": days(-1), "weight": 1, "progress": 25}
        ],
    )
    page = StandardPage(
        title="试点专栏",
        slug="pilot-column",
        body=json.dumps(
            [
                {
                    "type": "pilot_list",
                    "value": {
                        "heading": "正在进行的试点",
                        "status": "running",
                        "unit": None,
                        "limit": 3,
                    },
                },
                {"type": "pilot_status_card", "value": {"pilot": pilot.pk}},
            ]
        ),
    )
    home_page.add_child(instance=page)
    html = client.get(page.url).content.decode()
    assert "正在进行的试点" in html
    assert html.count("技术改造试点") >= 2  # in the list and in the card
    assert "进度：25%" in html
