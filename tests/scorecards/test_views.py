"""Online ballots, admin results/exports/publishing/codes, public page and block."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from example_site.home.models import StandardPage
from wagtail_pilots.scorecards.models import AccessCode, Ballot, ScorecardSnapshot
from wagtail_pilots.scorecards.services import (
    access_codes_generate,
    ballot_enter,
    snapshot_publish,
)

from .helpers import assessment, by_name, structured

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(home_page):
    page = assessment(home_page, bottom_size=1)
    group = page.groups.get()
    subjects = by_name(page, "subjects")
    for i in range(3):
        for name, value in (("城关镇", 9), ("青石镇", 6), ("河东乡", 3)):
            for criterion in page.criteria.all():
                ballot_enter(
                    scorecard=page,
                    group=group,
                    evaluator=f"e{i}",
                    subject=subjects[name],
                    criterion=criterion,
                    value=value,
                )
    return page


def ballot_url(page):
    return page.url + page.reverse_subpage("score")


# ---- online ballot ---------------------------------------------------------


def test_evaluator_scores_with_a_code(client, home_page):
    page = assessment(home_page)
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    url = ballot_url(page)
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": access.code.lower()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "城关镇" in html and "经济发展" in html and "data-running-total" in html
    data = {"code": access.code, "action": "submit", "confirmed": "1"}
    for s in page.subjects.all():
        for c in page.criteria.all():
            data[f"score-{s.pk}-{c.pk}"] = "7.5"
    response = client.post(url, data)
    assert response.status_code == 200
    assert (
        "Thank you" in response.content.decode() or "感谢" in response.content.decode()
    )
    assert (
        Ballot.objects.filter(evaluator=access.evaluator, channel="web").count() == 12
    )
    again = client.post(url, data)
    assert again.status_code == 409
    assert Ballot.objects.count() == 12


def test_ballot_errors_are_shown_per_field_and_nothing_is_saved(client, home_page):
    page = assessment(home_page)
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    data = {"code": access.code, "action": "submit", "confirmed": "1"}
    cells = [(s, c) for s in page.subjects.all() for c in page.criteria.all()]
    for s, c in cells:
        data[f"score-{s.pk}-{c.pk}"] = "5"
    s, c = cells[0]
    data[f"score-{s.pk}-{c.pk}"] = "1e999"
    response = client.post(ballot_url(page), data)
    assert response.status_code == 400
    assert "1e999" in response.content.decode()
    assert Ballot.objects.count() == 0
    assert not AccessCode.objects.filter(used_at__isnull=False).exists()


def test_vote_ballot_and_bad_code(client, home_page):
    page = structured(home_page)
    group = by_name(page, "groups")["A层"]
    (access,) = access_codes_generate(scorecard=page, group=group, count=1)
    url = ballot_url(page)
    assert client.post(url, {"code": "ZZZZ-ZZZZ"}).status_code == 400
    response = client.post(url, {"code": access.code})
    assert 'type="radio"' in response.content.decode()
    data = {"code": access.code, "action": "submit", "confirmed": "1"}
    for s in page.subjects.all():
        data[f"vote-{s.pk}"] = "yes"
    assert client.post(url, data).status_code == 200
    assert Ballot.objects.filter(vote="yes", criterion__isnull=True).count() == 3


def test_blind_mode_public_page_shows_no_interim_results(client, scored):
    response = client.get(scored.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "城关镇" not in html  # nothing published yet, no interim ranking
    assert 'class="scorecard-empty"' in html


# ---- admin -----------------------------------------------------------------


ADMIN_VIEWS = [
    ("results", ()),
    ("export", ("csv",)),
    ("export", ("xlsx",)),
    ("codes", ()),
    ("ballot_add", ()),
    ("ballot_sheet", ()),
    ("snapshot", (1,)),
]


@pytest.mark.parametrize("name, extra", ADMIN_VIEWS + [("publish", ())])
def test_admin_views_need_login(client, scored, name, extra):
    snapshot_publish(scorecard=scored)
    url = reverse(f"wagtail_pilots_scorecards:{name}", args=(scored.pk, *extra))
    response = client.post(url) if name == "publish" else client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("name, extra", ADMIN_VIEWS + [("publish", ())])
def test_admin_views_need_page_permission(client, scored, make_editor, name, extra):
    snapshot_publish(scorecard=scored)
    make_editor(username="nobody")
    client.login(username="nobody", password="password")
    url = reverse(f"wagtail_pilots_scorecards:{name}", args=(scored.pk, *extra))
    response = client.post(url) if name == "publish" else client.get(url)
    assert response.status_code == 403


def test_editor_with_edit_but_not_publish_permission(scored, page_editor):
    client = page_editor(scored, "change", username="li")
    assert (
        client.get(
            reverse("wagtail_pilots_scorecards:results", args=[scored.pk])
        ).status_code
        == 200
    )
    assert (
        client.post(
            reverse("wagtail_pilots_scorecards:publish", args=[scored.pk])
        ).status_code
        == 403
    )


def test_results_view_shows_breakdown_chart_and_disagreement(
    admin_client, scored, django_assert_max_num_queries
):
    url = reverse("wagtail_pilots_scorecards:results", args=[scored.pk])
    with django_assert_max_num_queries(40):
        response = admin_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "90.00" in html and "30.00" in html
    assert "n = 3" in html
    # Bottom flag on the last town.
    assert 'is-bottom" data-subject="河东乡"' in html
    # The page header links to the results.
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[scored.pk]))
    assert url in edit.content.decode()


def test_exports_are_formula_safe(admin_client, home_page):
    page = assessment(home_page)
    page.subjects.update(name="=HYPERLINK(1)")
    page.subjects.filter(pk=page.subjects.first().pk).update(name="=HYPERLINK(1)")
    group = page.groups.get()
    for criterion in page.criteria.all():
        ballot_enter(
            scorecard=page,
            group=group,
            evaluator="a",
            subject=page.subjects.first(),
            criterion=criterion,
            value=5,
        )
    response = admin_client.get(
        reverse("wagtail_pilots_scorecards:export", args=[page.pk, "csv"])
    )
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body and "50.00" in body
    response = admin_client.get(
        reverse("wagtail_pilots_scorecards:export", args=[page.pk, "xlsx"])
    )
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert "=HYPERLINK(1)" in values and sheet.cell(2, 2).data_type == "s"


def test_publish_and_versions(admin_client, scored, client):
    url = reverse("wagtail_pilots_scorecards:publish", args=[scored.pk])
    assert admin_client.get(url).status_code == 405
    admin_client.post(url)
    snap = ScorecardSnapshot.objects.get()
    assert snap.version == 1 and snap.ballot_count == 36
    public = client.get(scored.url).content.decode()
    assert "城关镇" in public and "90.00" in public and snap.inputs_digest in public
    assert "n = 3" in public
    # Recompute after a new ballot: a new version, shown as such.
    group = scored.groups.get()
    subjects = by_name(scored, "subjects")
    for criterion in scored.criteria.all():
        ballot_enter(
            scorecard=scored,
            group=group,
            evaluator="late",
            subject=subjects["河东乡"],
            criterion=criterion,
            value=10,
        )
    admin_client.post(url)
    assert ScorecardSnapshot.objects.count() == 2
    public = client.get(scored.url).content.decode()
    assert "recomputed" in public or "重新计算" in public
    old = admin_client.get(
        reverse("wagtail_pilots_scorecards:snapshot", args=[scored.pk, 1])
    )
    assert old.status_code == 200 and "30.00" in old.content.decode()


def test_public_page_query_count(client, scored, django_assert_max_num_queries):
    snapshot_publish(scorecard=scored)
    with django_assert_max_num_queries(12):
        assert client.get(scored.url).status_code == 200


def test_codes_generate_print_and_export(admin_client, scored):
    url = reverse("wagtail_pilots_scorecards:codes", args=[scored.pk])
    group = scored.groups.get()
    response = admin_client.post(url, {"group": group.pk, "count": 4})
    assert response.status_code == 302
    assert AccessCode.objects.filter(group=group).count() == 4
    code = AccessCode.objects.first()
    printed = admin_client.get(url, {"group": group.pk, "print": 1}).content.decode()
    assert code.code[:4] in printed
    export = reverse(
        "wagtail_pilots_importexport:export", args=["scorecard-codes", "csv"]
    )
    csv = b"".join(
        admin_client.get(export, {"page": scored.pk}).streaming_content
    ).decode()
    assert csv.count("\n") == 5
    bad = admin_client.post(url, {"group": group.pk, "count": 0})
    assert bad.status_code == 200 and AccessCode.objects.count() == 4


def test_admin_ballot_entry(admin_client, scored):
    url = reverse("wagtail_pilots_scorecards:ballot_add", args=[scored.pk])
    group = scored.groups.get()
    subject = scored.subjects.first()
    criterion = scored.criteria.first()
    data = {
        "group": group.pk,
        "evaluator": "paper-1",
        "subject": subject.pk,
        "criterion": criterion.pk,
        "value": "NaN",
    }
    response = admin_client.post(url, data)
    assert (
        response.status_code == 200
        and Ballot.objects.filter(evaluator="paper-1").count() == 0
    )
    assert response.context["form"].errors["value"]
    data["value"] = "8"
    assert admin_client.post(url, data).status_code == 302
    assert Ballot.objects.get(evaluator="paper-1").value == D(8)
    dup = admin_client.post(url, data)
    assert (
        "already" in str(dup.context["form"].errors["evaluator"])
        or dup.context["form"].errors
    )


def test_block_shows_published_ranking(client, scored, home_page):
    snapshot_publish(scorecard=scored)
    notices = StandardPage(title="公示", slug="gongshi")
    notices.body = [("scorecard_ranking", {"scorecard": scored, "heading": "考核结果"})]
    home_page.add_child(instance=notices)
    notices.save_revision().publish()
    html = client.get(notices.url).content.decode()
    assert "考核结果" in html and "城关镇" in html and "90.00" in html


@pytest.mark.parametrize("blind", [True, False])
def test_interim_results_only_when_not_blind(client, home_page, blind):
    page = assessment(home_page, blind_mode=blind)
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    data = {"code": access.code, "action": "submit", "confirmed": "1"}
    for s in page.subjects.all():
        for c in page.criteria.all():
            data[f"score-{s.pk}-{c.pk}"] = "4"
    html = client.post(ballot_url(page), data).content.decode()
    assert ("Interim results" in html) is (not blind)
    assert ("scorecard-table" in html) is (not blind)


def test_closed_scorecard_refuses_ballots(client, home_page):
    page = assessment(home_page, ballots_open=False)
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    response = client.post(ballot_url(page), {"code": access.code})
    assert response.status_code == 403
    assert "Voting on this scorecard is closed." in response.content.decode()


def test_ballot_code_attempts_are_rate_limited(client, home_page):
    from django.core.cache import cache

    cache.clear()
    page = assessment(home_page)
    statuses = [
        client.post(ballot_url(page), {"code": f"BAD{i}"}).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429
    cache.clear()


@pytest.fixture
def clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_ballot_rate_limit_holds_when_the_user_agent_changes(
    client, home_page, clean_cache
):
    page = assessment(home_page)
    statuses = [
        client.post(ballot_url(page), {"code": f"BAD{i}"}, HTTP_USER_AGENT=f"agent {i}")
        for i in range(31)
    ]
    assert [r.status_code for r in statuses[:30]] == [400] * 30
    assert statuses[30].status_code == 429
    assert statuses[30]["Retry-After"] == "600"
    assert "Too many attempts" in statuses[30].content.decode()


def test_failed_codes_per_scorecard_per_hour_from_every_address(
    client, home_page, settings, clean_cache
):
    settings.WAGTAIL_PILOTS = {"CODE_FAILURES_PER_HOUR": 4}
    page = assessment(home_page)
    other = assessment(home_page, slug="other")
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    for i in range(4):
        response = client.post(
            ballot_url(page), {"code": f"BAD{i}"}, REMOTE_ADDR=f"10.3.0.{i}"
        )
        assert response.status_code == 400
    paused = client.post(
        ballot_url(page), {"code": access.code}, REMOTE_ADDR="10.3.0.99"
    )
    assert paused.status_code == 429
    assert paused["Retry-After"] == "3600"
    assert "for this scorecard in the last hour" in paused.content.decode()
    assert AccessCode.objects.get(pk=access.pk).used_at is None
    (elsewhere,) = access_codes_generate(
        scorecard=other, group=other.groups.get(), count=1
    )
    response = client.post(
        ballot_url(other), {"code": elsewhere.code}, REMOTE_ADDR="10.3.0.99"
    )
    assert response.status_code == 200


def test_block_without_published_result(client, home_page):
    page = assessment(home_page)
    notices = StandardPage(title="公示", slug="gongshi2")
    notices.body = [("scorecard_ranking", {"scorecard": page, "heading": ""})]
    home_page.add_child(instance=notices)
    notices.save_revision().publish()
    html = client.get(notices.url).content.decode()
    assert "No result has been published yet." in html and "考核" in html
