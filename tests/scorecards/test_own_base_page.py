"""A scorecard on a department's own base page (tests/custom_site): the
scorecard mixin on ``DepartmentPage`` with subjects, criteria, groups, gates,
ballots, codes and snapshots of the site's own, built on the suite's abstract
bases. The main flows go through the ``get_*_model()`` hooks: build, vote,
results, import, export, publish, verify, notices and the ranking block."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse

from example_site.home.models import StandardPage
from tests.custom_site.models import (
    DepartmentBallot,
    DepartmentCriterion,
    DepartmentEvaluatorGroup,
    DepartmentGate,
    DepartmentScorecardCode,
    DepartmentScorecardPage,
    DepartmentSnapshot,
    DepartmentSubject,
)
from tests.fixtures.imports import csv_bytes, upload_check_import
from wagtail_pilots.importexport.models import ImportBatch
from wagtail_pilots.importexport.registry import get_kind
from wagtail_pilots.importexport.services import batch_rollback, export_table
from wagtail_pilots.scorecards.models import (
    Ballot,
    ScorecardSnapshot,
    check_scorecard_pages,
)
from wagtail_pilots.scorecards.selectors import notices_published, scorecard_result
from wagtail_pilots.scorecards.services import access_codes_generate, snapshot_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def scorecard(home_page):
    """Two subjects, 实绩 60 % / 作风 40 % on 0–100 by one committee (mean),
    built as the editor's form does: the page with its inlines in memory."""
    page = DepartmentScorecardPage(
        title="年度考核",
        slug="annual",
        office="县委组织部",
        subjects=[
            DepartmentSubject(name="张三", sort_order=0),
            DepartmentSubject(name="李四", sort_order=1),
        ],
        criteria=[
            DepartmentCriterion(
                name="实绩", weight=D(60), minimum=D(0), maximum=D(100), sort_order=0
            ),
            DepartmentCriterion(
                name="作风", weight=D(40), minimum=D(0), maximum=D(100), sort_order=1
            ),
        ],
        groups=[DepartmentEvaluatorGroup(name="考核组", weight=D(100))],
        gates=[DepartmentGate(target="criterion", target_name="作风", threshold=D(0))],
    )
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return DepartmentScorecardPage.objects.get(pk=page.pk)


LONG = [
    [
        "评价组/group",
        "评价人/evaluator",
        "评价对象/subject",
        "评价指标/criterion",
        "分值",
    ],
    ["考核组", "E1", "张三", "实绩", 90],
    ["考核组", "E1", "张三", "作风", 80],
    ["考核组", "E1", "李四", "实绩", 50],
    ["考核组", "E1", "李四", "作风", 100],
]


def totals(page):
    _loaded, result = scorecard_result(scorecard=page)
    return {row.subject.name: row.total for row in result.subjects}


def test_the_hooks_name_the_sites_own_models():
    page = DepartmentScorecardPage
    assert page.get_subject_model() is DepartmentSubject
    assert page.get_criterion_model() is DepartmentCriterion
    assert page.get_group_model() is DepartmentEvaluatorGroup
    assert page.get_gate_model() is DepartmentGate
    assert page.get_ballot_model() is DepartmentBallot
    assert page.get_access_code_model() is DepartmentScorecardCode
    assert page.get_snapshot_model() is DepartmentSnapshot
    assert check_scorecard_pages() == []


def test_built_and_edited_in_the_admin(admin_client, scorecard):
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[scorecard.pk]))
    assert edit.status_code == 200
    form = edit.content.decode()
    assert 'name="office"' in form
    assert 'name="subjects-0-name"' in form and 'name="groups-0-weight"' in form


def test_an_evaluator_votes_online_with_a_code(client, scorecard):
    group = scorecard.groups.get()
    (access,) = access_codes_generate(scorecard=scorecard, group=group, count=1)
    assert isinstance(access, DepartmentScorecardCode)
    url = scorecard.url + scorecard.reverse_subpage("score")
    # The confirmation step first (nothing written), then the confirmed post.
    data = {"code": access.code, "action": "submit", "confirmed": "1"}
    for subject in scorecard.subjects.all():
        for criterion in scorecard.criteria.all():
            data[f"score-{subject.pk}-{criterion.pk}"] = "75"
    assert client.post(url, data).status_code == 200
    assert DepartmentBallot.objects.filter(channel="web").count() == 4
    assert not Ballot.objects.exists()  # nothing in the suite's table
    assert client.post(url, data).status_code == 409  # the code is used up
    assert totals(scorecard) == {"张三": D(75), "李四": D(75)}


def test_ballots_imported_results_shown_exported_and_rolled_back(
    admin_client, scorecard
):
    batch = upload_check_import("ballots", csv_bytes(LONG), page=scorecard)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    assert DepartmentBallot.objects.filter(import_batch=batch).count() == 4
    # 张三: 90 × 0.6 + 80 × 0.4 = 86; 李四: 50 × 0.6 + 100 × 0.4 = 70.
    assert totals(scorecard) == {"张三": D(86), "李四": D(70)}

    results = admin_client.get(
        reverse("wagtail_pilots_scorecards:results", args=[scorecard.pk])
    )
    assert results.status_code == 200
    assert "86.00" in results.content.decode()

    _headers, rows = export_table(kind=get_kind("ballots"), page=scorecard)
    assert len(list(rows)) == 4
    headers, rows = export_table(kind=get_kind("scorecard-results"), page=scorecard)
    assert any("86.00" in [str(cell) for cell in row] for row in rows)

    # A second evaluator's ballot for the same cell is refused by row and column.
    again = upload_check_import("ballots", csv_bytes(LONG[:2]), page=scorecard)
    assert again.errors == [
        {
            "row": 2,
            "column": "评价对象/subject",
            "message": "This evaluator has already scored this subject here.",
        }
    ]

    batch_rollback(batch=batch)
    assert not DepartmentBallot.objects.exists()


def test_codes_are_generated_and_exported(admin_client, scorecard):
    url = reverse("wagtail_pilots_scorecards:codes", args=[scorecard.pk])
    group = scorecard.groups.get()
    assert admin_client.post(url, {"group": group.pk, "count": 3}).status_code == 302
    assert DepartmentScorecardCode.objects.filter(group=group).count() == 3
    page = admin_client.get(url).content.decode()
    assert "考核组" in page
    headers, rows = export_table(kind=get_kind("scorecard-codes"), page=scorecard)
    assert headers[0] == "参与码/code" and len(list(rows)) == 3


def test_published_shown_verified_and_listed(
    client, admin_client, scorecard, home_page
):
    upload_check_import("ballots", csv_bytes(LONG), page=scorecard)
    publish = reverse("wagtail_pilots_scorecards:publish", args=[scorecard.pk])
    admin_client.post(publish)
    snapshot = DepartmentSnapshot.objects.get()
    assert (snapshot.version, snapshot.ballot_count) == (1, 4)
    assert not ScorecardSnapshot.objects.exists()

    public = client.get(scorecard.url).content.decode()
    assert "Office in charge: 县委组织部" in public  # the site's template
    assert "86.00" in public and snapshot.inputs_digest in public
    bundle = client.get(snapshot.bundle_url)
    assert bundle.status_code == 200 and bundle["Content-Type"] == "application/zip"

    out = io.StringIO()
    call_command("pilots_verify", f"{scorecard.pk}/1", stdout=out)
    assert "matches the live database" in out.getvalue()

    assert [s.scorecard_id for s in notices_published()] == [scorecard.pk]

    notices = StandardPage(title="公示", slug="gongshi")
    notices.body = [
        ("scorecard_ranking", {"scorecard": scorecard, "heading": "考核结果"})
    ]
    home_page.add_child(instance=notices)
    notices.save_revision().publish()
    shown = client.get(notices.url).content.decode()
    assert "张三" in shown and "86.00" in shown


def test_a_second_version_is_numbered_after_the_first(scorecard):
    upload_check_import("ballots", csv_bytes(LONG), page=scorecard)
    snapshot_publish(scorecard=scorecard)
    snapshot_publish(scorecard=scorecard)
    assert list(
        DepartmentSnapshot.objects.order_by("version").values_list("version", flat=True)
    ) == [1, 2]


def test_a_paper_ballot_entered_in_the_admin(admin_client, scorecard):
    url = reverse("wagtail_pilots_scorecards:ballot_add", args=[scorecard.pk])
    data = {
        "group": scorecard.groups.get().pk,
        "evaluator": "paper-1",
        "subject": scorecard.subjects.get(name="张三").pk,
        "criterion": scorecard.criteria.get(name="实绩").pk,
        "value": "120",
    }
    refused = admin_client.post(url, data)
    assert refused.status_code == 200 and refused.context["form"].errors["value"]
    assert not DepartmentBallot.objects.exists()
    data["value"] = "88"
    assert admin_client.post(url, data).status_code == 302
    ballot = DepartmentBallot.objects.get()
    assert (ballot.evaluator, ballot.value, ballot.channel) == (
        "paper-1",
        D(88),
        "admin",
    )
