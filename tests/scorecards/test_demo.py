import io

import pytest

from example_site.demo import core, scorecards
from wagtail_pilots.scorecards.models import Ballot, ScorecardPage

pytestmark = pytest.mark.django_db


def test_demo_loads_idempotently_with_published_results(client):
    home = core.load()
    out = io.StringIO()
    scorecards.load(home=home, stdout=out)
    count = Ballot.objects.count()
    scorecards.load(home=home, stdout=out)
    assert Ballot.objects.count() == count
    rec = ScorecardPage.objects.get(slug="jiegou-tuijian")
    assert rec.get_parent().slug == "notices"
    assert rec.subjects.count() == 18
    snap = rec.snapshots.get()
    subjects = snap.outputs["subjects"]
    assert sum(s["shortlisted"] for s in subjects) == 5
    assert any(s["excluded"] for s in subjects)
    first, second = (
        next(s for s in subjects if s["name"] == n) for n in ("王建军", "李秀英")
    )
    trust = {c["group"]: c for c in first["criteria"][0]["cells"]}
    towns = ScorecardPage.objects.get(slug="xiangzhen-kaohe").snapshots.get()
    ranked = [s for s in towns.outputs["subjects"] if s["rank"]]
    assert len(ranked) == 5 and ranked[-1]["bottom"] and ranked[-1]["name"] == "双坪乡"
    assert len(trust) == 5
    assert first["criteria"][0]["cells"][0]["votes"] == [19, 0, 0]
    assert second["criteria"][0]["cells"][0]["votes"] == [32, 1, 0]
    response = client.get(rec.url)
    assert response.status_code == 200 and "王建军" in response.content.decode()


def test_demo_trust_vote_is_an_own_unit_vote_with_turnout_and_quorum(client):
    """Issue 16.15 as the demo shows it: each unit's codes vote on its own
    candidates only; turnout against the unit's codes; 龙口 (18 of 30) is below
    the two-thirds quorum and its candidates' figures are flagged."""
    from wagtail_pilots.scorecards.models import AccessCode

    home = core.load()
    scorecards.load(home=home, stdout=io.StringIO())
    rec = ScorecardPage.objects.get(slug="jiegou-tuijian")
    trust = rec.groups.get(name="本单位信任投票")
    assert trust.own_unit_only and rec.quorum == "2/3"
    units = {c.evaluator: c.unit_id for c in AccessCode.objects.filter(group=trust)}
    for ballot in Ballot.objects.filter(group=trust).select_related("subject"):
        assert units[ballot.evaluator] == ballot.subject.home_unit_id
    html = client.get(rec.url, headers={"accept-language": "zh-hans"})
    html = html.content.decode()
    assert "参与情况：应参与 24 人，实际参与 19 人（79.17%）" in html
    assert "本单位信任投票：应参与 30 人，仅 18 人参与，低于有效参与比例 2/3" in html


def test_demo_results_view_and_export(admin_client):
    from django.urls import reverse

    home = core.load()
    scorecards.load(home=home)
    rec = ScorecardPage.objects.get(slug="jiegou-tuijian")
    response = admin_client.get(
        reverse("wagtail_pilots_scorecards:results", args=[rec.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("data-subject=") == 18
    assert "is-shortlisted" in html and "is-excluded" in html
    export = admin_client.get(
        reverse("wagtail_pilots_scorecards:export", args=[rec.pk, "csv"])
    )
    body = b"".join(export.streaming_content).decode()
    # One row per subject × group (one criterion, five groups) plus the header.
    assert body.count("\n") == 18 * 5 + 1
