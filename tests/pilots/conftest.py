import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from wagtail_pilots.models import Unit
from wagtail_pilots.pilots.models import (
    IndicatorReading,
    PilotIndexPage,
    PilotIndicator,
    PilotPhase,
    PilotProgramPage,
    PilotReportPage,
)


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def unit(db):
    return Unit.objects.create(name="县民政局", code="MZJ", kind="department")


@pytest.fixture
def pilot_index(home_page):
    index = PilotIndexPage(title="试点工作", slug="pilot-programs")
    home_page.add_child(instance=index)
    return index


@pytest.fixture
def make_pilot(pilot_index):
    """``make_pilot(phases=[dict(...)], indicators=[...], **page_fields)``."""

    def factory(*, parent=None, phases=(), indicators=(), **kwargs):
        kwargs.setdefault("title", "小额人身保险试点")
        kwargs.setdefault("status", "running")
        kwargs.setdefault("start_date", days(-100))
        kwargs.setdefault("end_date", days(100))
        page = PilotProgramPage(
            phases=[PilotPhase(**p) for p in phases],
            indicators=[PilotIndicator(**i) for i in indicators],
            **kwargs,
        )
        (parent or pilot_index).add_child(instance=page)
        return page

    return factory


@pytest.fixture
def make_report():
    def factory(pilot, *, readings=(), **kwargs):
        kwargs.setdefault("title", "月报")
        kwargs.setdefault("kind", "monthly")
        report = PilotReportPage(
            readings=[IndicatorReading(**r) for r in readings], **kwargs
        )
        pilot.add_child(instance=report)
        return report

    return factory


__all__ = ["Decimal", "days"]


def zh(message, **params):
    """``message`` as the admin shows it: the site's default language is zh-hans."""
    from django.utils.translation import gettext, override

    with override("zh-hans"):
        text = gettext(message)
    return text % params if params else text
