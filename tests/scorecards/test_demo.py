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
