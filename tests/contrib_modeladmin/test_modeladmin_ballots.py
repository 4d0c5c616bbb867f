"""Ballots in the wagtail-modeladmin app: listed and inspected under the
scorecard page's permission; never written here (ballots are written only by
the ballot service: the public ballot page, the scorecard's ballot entry and
imports)."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.fixtures.users import assert_permission_denied
from wagtail_pilots.scorecards.models import Ballot
from wagtail_pilots.scorecards.selectors import scorecard_result

pytestmark = pytest.mark.django_db

URL = "/admin/wagtail_pilots_scorecards/ballot/"
BALLOT_PERMS = (
    "wagtail_pilots_scorecards.add_ballot",
    "wagtail_pilots_scorecards.change_ballot",
    "wagtail_pilots_scorecards.delete_ballot",
    "wagtail_pilots_scorecards.view_ballot",
)
IMPORTER = (
    "wagtail_pilots_importexport.import_data",
    "wagtail_pilots_importexport.export_data",
    *BALLOT_PERMS,
)


def ranking(page):
    _loaded, result = scorecard_result(scorecard=page)
    return [(row.subject.name, row.total) for row in result.ranked]


def values(page):
    return sorted(
        (b.evaluator, b.subject.name, b.value)
        for b in Ballot.objects.filter(scorecard=page).select_related("subject")
    )


def form_data(page, *, value, evaluator="伪造"):
    return {
        "scorecard": page.pk,
        "group": page.groups.get().pk,
        "evaluator": evaluator,
        "subject": page.subjects.order_by("sort_order").last().pk,
        "criterion": page.criteria.get().pk,
        "value": value,
        "vote": "",
        "channel": "admin",
    }


@pytest.fixture
def importer_of_a(page_editor, two_scorecards):
    return page_editor(two_scorecards[0], "change", *IMPORTER, username="importer")


def test_importer_of_a_cannot_open_or_change_ballots_of_b(
    importer_of_a, two_scorecards
):
    a, b = two_scorecards
    client = importer_of_a
    before, ranked = values(b), ranking(b)
    theirs = b.ballots.order_by("pk").last()
    for action in ("edit", "delete", "inspect", "history"):
        url = f"{URL}{action}/{theirs.pk}/"
        response = client.get(url)
        assert_permission_denied(response)
        assert "评价人b" not in response.content.decode()
        assert_permission_denied(client.post(url, form_data(b, value="95")))
    # Creating a ballot of B (or of A) here is refused as well.
    for page in (b, a):
        assert_permission_denied(client.get(URL + "create/"))
        assert_permission_denied(
            client.post(URL + "create/", form_data(page, value="95"))
        )
    assert values(b) == before and ranking(b) == ranked
    assert Ballot.objects.count() == 4


def test_ballots_are_never_written_here_even_by_a_superuser(
    admin_client, two_scorecards
):
    """An out-of-range value (−500) and an in-range forged one (which would
    reorder the ranking) are both refused: this app writes no ballot."""
    a, _b = two_scorecards
    before, ranked = values(a), ranking(a)
    assert [name for name, _total in ranked] == ["甲乡", "丙乡"]
    second = a.ballots.get(subject__name="丙乡")
    for value in ("-500", "100"):
        edit = f"{URL}edit/{second.pk}/"
        assert_permission_denied(admin_client.get(edit))
        assert_permission_denied(admin_client.post(edit, form_data(a, value=value)))
        assert_permission_denied(
            admin_client.post(URL + "create/", form_data(a, value=value))
        )
    assert_permission_denied(admin_client.post(f"{URL}delete/{second.pk}/"))
    assert values(a) == before and ranking(a) == ranked
    # The listing offers no way to write: no add, edit or delete links.
    content = admin_client.get(URL).content.decode()
    assert "评价人a" in content
    assert f"{URL}create/" not in content
    assert f"{URL}edit/" not in content and f"{URL}delete/" not in content


def test_importer_of_a_inspects_ballots_of_a(importer_of_a, two_scorecards):
    a, _b = two_scorecards
    client = importer_of_a
    mine = a.ballots.get(subject__name="甲乡")
    response = client.get(f"{URL}inspect/{mine.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "评价人a" in content and "甲乡" in content and "90" in content
    assert f"{URL}edit/{mine.pk}/" not in content
    assert f"{URL}delete/{mine.pk}/" not in content
    assert client.get(f"{URL}history/{mine.pk}/").status_code == 200
    # The listing links to the inspect view of A's ballots only.
    listing = client.get(URL).content.decode()
    assert f"{URL}inspect/{mine.pk}/" in listing
    assert "评价人b" not in listing


def test_chosen_scorecard_links_to_its_ballot_entry(importer_of_a, two_scorecards):
    """Ballots are entered on the scorecard's own screen (the ballot service,
    with its checks): the listing of A links there; B gets no link."""
    a, b = two_scorecards
    client = importer_of_a
    entry_a = reverse("wagtail_pilots_scorecards:ballot_add", args=[a.pk])
    entry_b = reverse("wagtail_pilots_scorecards:ballot_add", args=[b.pk])
    content = client.get(f"{URL}?scorecard={a.pk}").content.decode()
    assert f'href="{entry_a}"' in content
    content = client.get(f"{URL}?scorecard={b.pk}").content.decode()
    assert entry_b not in content
    # That screen refuses the out-of-range value with the shared message.
    response = client.post(entry_a, form_data(a, value="-500"))
    assert response.status_code == 200
    with translation.override("zh-hans"):  # the admin's language
        message = gettext(
            "Enter a value from %(min)s to %(max)s. You entered %(value)s."
        ) % {"min": "0", "max": "100", "value": "-500"}
    assert message in response.content.decode()
    assert client.post(entry_b, form_data(b, value="95")).status_code == 403
    assert Ballot.objects.count() == 4


def test_scorecard_filter_offers_only_editable_scorecards(
    importer_of_a, two_scorecards
):
    client = importer_of_a
    content = client.get(URL).content.decode()
    assert "考核A" in content
    assert "考核B" not in content


def test_listing_queries_do_not_grow_with_the_rows(importer_of_a, two_scorecards):
    """Each row's inspect button asks for the page permission: answered from
    the user's cached page permissions, not one query per row."""
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_pilots.scorecards.services import ballot_enter

    a, _b = two_scorecards
    client = importer_of_a
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(20):
        ballot_enter(
            scorecard=a,
            group=a.groups.get(),
            evaluator=f"加{n}",
            subject=a.subjects.first(),
            criterion=a.criteria.get(),
            value=Decimal(50),
        )
    with CaptureQueriesContext(connection) as many:
        content = client.get(URL).content.decode()
    assert a.ballots.count() == 22
    assert all(f"{URL}inspect/{b.pk}/" in content for b in a.ballots.all())
    assert len(many) <= len(few) + 2, [q["sql"][:80] for q in many.captured_queries]
