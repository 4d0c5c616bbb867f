from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.fixtures.pilots import days
from wagtail_pilots.models import Unit, UnitContact
from wagtail_pilots.pilots.models import ReminderLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_pilot, make_report):
    lead = Unit.objects.create(name="县金融工作办公室", code="JRB")
    UnitContact.objects.create(unit=lead, name="陈志强", email="jrb@example.gov.cn")
    owner = Unit.objects.create(name="县农业农村局", code="NYJ")
    UnitContact.objects.create(unit=owner, name="刘", email="nyj@example.gov.cn")
    UnitContact.objects.create(unit=owner, name="无邮箱", email="")
    start = days(-70)
    pilot = make_pilot(
        title="互助资金试点",
        lead_unit=lead,
        start_date=start,
        end_date=days(300),
        phases=[
            {"name": "摸底", "due_date": days(-2), "owner_unit": owner},
            {"name": "发放", "due_date": days(3), "owner_unit": owner},
            {"name": "验收", "due_date": days(30), "owner_unit": owner},
            {"name": "宣传", "due_date": days(1)},  # no owner: lead unit's contacts
        ],
    )
    make_pilot(
        title="已结束",
        status="completed",
        lead_unit=lead,
        phases=[{"name": "旧阶段", "due_date": days(-50), "owner_unit": owner}],
    )
    return pilot


def run(*args):
    out = StringIO()
    call_command("pilots_remind", *args, stdout=out)
    return out.getvalue()


def test_sends_once_per_day(setup):
    output = run("--days", "7")
    assert len(mail.outbox) == 2
    by_to = {m.to[0]: m.body for m in mail.outbox}
    assert "摸底" in by_to["nyj@example.gov.cn"]
    assert "发放" in by_to["nyj@example.gov.cn"]
    assert "验收" not in by_to["nyj@example.gov.cn"]  # due in 30 days > 7
    assert "宣传" in by_to["jrb@example.gov.cn"]
    assert "旧阶段" not in "".join(by_to.values())  # closed pilot
    # Two months ended without a monthly report (start 70 days ago, 10 days' grace).
    assert days(-70).strftime("%Y-%m") in by_to["jrb@example.gov.cn"]
    assert "Sent 2 e-mail(s)" in output
    logged = ReminderLog.objects.count()
    assert logged >= 4

    # Second run the same day: nothing new.
    output = run("--days", "7")
    assert len(mail.outbox) == 2
    assert ReminderLog.objects.count() == logged
    assert "Sent 0 e-mail(s)" in output


def test_days_widens_the_window(setup):
    run("--days", "40")
    body = next(m.body for m in mail.outbox if m.to == ["nyj@example.gov.cn"])
    assert "验收" in body


def test_dry_run_sends_and_records_nothing(setup):
    output = run("--dry-run")
    assert mail.outbox == []
    assert ReminderLog.objects.count() == 0
    assert "Would send to nyj@example.gov.cn:" in output
    assert "摸底" in output
    assert "dry run" in output


def test_failed_email_is_retried_next_run(setup, monkeypatch):
    import wagtail_pilots.pilots.services as services

    def broken(**kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(OSError):
        run()
    assert (
        ReminderLog.objects.count() == 0
        or not ReminderLog.objects.filter(recipient="jrb@example.gov.cn").exists()
    )
    monkeypatch.undo()
    run()
    assert {m.to[0] for m in mail.outbox} == {
        "jrb@example.gov.cn",
        "nyj@example.gov.cn",
    }


def test_negative_days_is_refused(setup):
    with pytest.raises(CommandError):
        run("--days", "-1")
