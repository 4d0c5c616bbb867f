"""One rule for what a ballot may hold, on every path that writes ballots: the
public ballot page, the admin's ballot entry and imports refuse the same
values with the same message, and store nothing."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.fixtures.imports import csv_bytes, upload_check_import
from wagtail_pilots.scorecards.models import Ballot
from wagtail_pilots.scorecards.services import access_codes_generate

from .helpers import make_scorecard, structured

pytestmark = pytest.mark.django_db

# Each error has one message, naming the value given and the limits.
BAD_SCORES = [
    ("-500", "Enter a value from 0 to 100. You entered -500."),
    ("100.5", "Enter a value from 0 to 100. You entered 100.5."),
    ("90.12345", "Use at most 4 decimal places. You entered 90.12345."),
    ("abc", "Enter a number from 0 to 100. You entered “abc”."),
    ("NaN", "Enter a number from 0 to 100. You entered “NaN”."),
]


@pytest.fixture(autouse=True)
def _uploads(tmp_path):
    with override_settings(WAGTAIL_PILOTS={"IMPORT_TEMP_DIR": str(tmp_path)}):
        yield


@pytest.fixture
def page(home_page):
    return make_scorecard(
        home_page,
        subjects=["张三"],
        criteria=[("实绩", 100, 0, 100)],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "")],
    )


def public_message(client, page, field_values):
    """Post a whole ballot on the public page; the message shown, if any."""
    (access,) = access_codes_generate(
        scorecard=page, group=page.groups.first(), count=1
    )
    data = {"code": access.code, "action": "submit", "confirmed": "1", **field_values}
    response = client.post(page.url + page.reverse_subpage("score"), data)
    return response.status_code, response.content.decode()


def admin_errors(admin_client, page, **data):
    url = reverse("wagtail_pilots_scorecards:ballot_add", args=[page.pk])
    response = admin_client.post(
        url,
        {"group": page.groups.first().pk, "evaluator": "纸质1", **data},
    )
    if response.status_code == 302:
        return {}
    return response.context["form"].errors


def sheet_errors(admin_client, page, **cells):
    """Post the admin's whole-ballot grid; ``[(cell, message)]`` shown."""
    url = reverse("wagtail_pilots_scorecards:ballot_sheet", args=[page.pk])
    response = admin_client.post(url, {"group": page.groups.first().pk, **cells})
    if response.status_code == 302:
        return []
    return [(e["where"], e["message"]) for e in response.context["cell_errors"]]


def import_errors(page, rows):
    batch = upload_check_import("ballots", csv_bytes(rows), page=page)
    return [(e["column"], e["message"]) for e in batch.errors]


@pytest.mark.parametrize("raw, message", BAD_SCORES)
def test_a_bad_score_is_refused_alike_everywhere(
    client, admin_client, page, raw, message
):
    subject, criterion = page.subjects.get(), page.criteria.get()
    status, html = public_message(
        client, page, {f"score-{subject.pk}-{criterion.pk}": raw}
    )
    assert status == 400 and message in html
    errors = admin_errors(
        admin_client, page, subject=subject.pk, criterion=criterion.pk, value=raw
    )
    assert errors.get("value") == [message]
    assert sheet_errors(
        admin_client, page, **{f"score-{subject.pk}-{criterion.pk}": raw}
    ) == [("张三 · 实绩", message)]
    header = ["group", "evaluator", "subject", "criterion", "value"]
    assert import_errors(page, [header, ["考核组", "E1", "张三", "实绩", raw]]) == [
        ("value", message)
    ]
    assert Ballot.objects.count() == 0


def test_a_bad_vote_is_refused_alike_everywhere(client, admin_client, home_page):
    page = structured(home_page)
    subjects = list(page.subjects.all())
    message = "Choose yes, no or abstain. You entered “maybe”."
    status, html = public_message(
        client, page, {f"vote-{s.pk}": "maybe" for s in subjects}
    )
    assert status == 400 and message in html
    assert sheet_errors(
        admin_client, page, **{f"vote-{s.pk}": "maybe" for s in subjects}
    ) == [(s.display_name, message) for s in subjects]
    # The admin form offers the three votes only; the service asks for one.
    errors = admin_errors(admin_client, page, subject=subjects[0].pk, vote="")
    assert errors.get("vote") == ["Choose yes, no or abstain."]
    header = ["group", "evaluator", "subject", "vote"]
    group = page.groups.first().name
    assert import_errors(page, [header, [group, "E1", subjects[0].name, "maybe"]]) == [
        ("vote", message)
    ]
    assert Ballot.objects.count() == 0


def test_a_good_score_with_four_decimals_is_stored_alike(client, admin_client, page):
    subject, criterion = page.subjects.get(), page.criteria.get()
    status, _html = public_message(
        client, page, {f"score-{subject.pk}-{criterion.pk}": "90.1234"}
    )
    assert status == 200
    assert (
        admin_errors(
            admin_client,
            page,
            subject=subject.pk,
            criterion=criterion.pk,
            value="90.1234",
        )
        == {}
    )
    header = ["group", "evaluator", "subject", "criterion", "value"]
    assert (
        import_errors(page, [header, ["考核组", "E9", "张三", "实绩", "90.1234"]]) == []
    )
    assert sorted(str(b.value) for b in Ballot.objects.all()) == ["90.1234"] * 3
