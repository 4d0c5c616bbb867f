"""Item 16.14: anyone can verify a published result from its bundle."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wagtail_pilots import verify as verify_cli
from wagtail_pilots.scorecards import bundle
from wagtail_pilots.scorecards.services import ballot_enter, snapshot_publish

from .helpers import assessment, by_name, make_scorecard

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def vote(page, group_name, evaluator, votes):
    groups = by_name(page, "groups")
    subjects = by_name(page, "subjects")
    for subject_name, v in votes.items():
        ballot_enter(
            scorecard=page,
            group=groups[group_name],
            evaluator=evaluator,
            subject=subjects[subject_name],
            vote=v,
        )


def score(page, evaluator, values):
    group = page.groups.get(kind="scores")
    subjects = by_name(page, "subjects")
    criteria = list(page.criteria.filter(source="ballots"))
    for subject_name, vs in values.items():
        for criterion, v in zip(criteria, vs, strict=True):
            ballot_enter(
                scorecard=page,
                group=group,
                evaluator=evaluator,
                subject=subjects[subject_name],
                criterion=criterion,
                value=v,
            )


@pytest.fixture
def mixed(home_page):
    """A trust vote (gate ≥ 50, 20%) and a committee scoring on a trimmed mean
    (80%); one subject fails the gate."""
    page = make_scorecard(
        home_page,
        subjects=["城关镇", "青石镇", "=HYPERLINK(1)"],
        criteria=[("实绩", 100, 0, 10)],
        groups=[
            ("信任投票", 20, "votes", "mean", 0, 0, ""),
            ("考核组", 80, "scores", "trimmed", 1, 0, ""),
        ],
        gates=[("group", "信任投票", 50)],
        shortlist_size=1,
        slug="mixed",
    )
    for i, (a, b, c) in enumerate(
        [("yes", "yes", "no"), ("yes", "no", "no"), ("no", "yes", "yes")]
    ):
        vote(page, "信任投票", f"张{i}", {"城关镇": a, "青石镇": b, "=HYPERLINK(1)": c})
    for i, (a, b, c) in enumerate([(9, 7, 5), (8, 6.5, 4), (7, 9, 6), (10, 5, 3)]):
        score(page, f"李{i}", {"城关镇": [a], "青石镇": [b], "=HYPERLINK(1)": [c]})
    return page


def rezip(files, **changes):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, changes.get(name, data))
    return out.getvalue()


def edited(files, name, change):
    data = json.loads(files[name])
    change(data)
    return rezip(files, **{name: json.dumps(data, ensure_ascii=False).encode()})


def test_a_good_bundle_verifies_and_holds_no_evaluator_id(mixed):
    snap = snapshot_publish(scorecard=mixed)
    files = bundle.read(bytes(snap.bundle))
    assert sorted(files) == [
        "README.txt",
        "ballots.csv",
        "ballots.json",
        "configuration.json",
        "manifest.json",
        "outputs.json",
        "results.csv",
        "surveys.json",
    ]
    report = bundle.verify(files)
    assert report.ok, report.problems
    assert report.digest == snap.inputs_digest and report.ballots == 9 + 12
    assert report.outputs == snap.outputs
    everything = b"".join(files.values()).decode("utf-8-sig")
    for name in ("张0", "张1", "李0", "李3"):
        assert name not in everything
    ballots = json.loads(files["ballots.json"])
    assert len({b["evaluator"] for b in ballots}) == 7


def test_an_altered_ballot_is_detected(mixed):
    files = bundle.read(bytes(snapshot_publish(scorecard=mixed).bundle))

    def flip(ballots):
        # One trust "no" for 青石镇 becomes "yes".
        subject = next(
            s["key"]
            for s in json.loads(files["configuration.json"])["subjects"]
            if s["name"] == "青石镇"
        )
        target = next(
            b for b in ballots if b["subject"] == subject and b["vote"] == "no"
        )
        target["vote"] = "yes"

    report = bundle.verify(bundle.read(edited(files, "ballots.json", flip)))
    assert not report.ok
    text = "\n".join(report.problems)
    assert "ballots.json: changed after publication" in text
    assert "inputs digest: recomputed" in text
    assert "outputs.json: 青石镇 differs in" in text


def test_an_altered_weight_is_detected_even_with_a_matching_manifest(mixed):
    files = bundle.read(bytes(snapshot_publish(scorecard=mixed).bundle))

    def reweigh(config):
        config["groups"][0]["weight"] = "30.00"
        config["groups"][1]["weight"] = "70.00"

    altered = bundle.read(edited(files, "configuration.json", reweigh))
    # A forger also rewrites the file hash in the manifest: the digest and the
    # recomputed totals still give it away.
    manifest = json.loads(altered["manifest.json"])
    import hashlib

    manifest["files"]["configuration.json"] = hashlib.sha256(
        altered["configuration.json"]
    ).hexdigest()
    altered["manifest.json"] = json.dumps(manifest).encode()
    report = bundle.verify(altered)
    text = "\n".join(report.problems)
    assert "changed after publication" not in text
    assert "inputs digest: recomputed" in text and "total published" in text


def test_a_duplicate_ballot_or_out_of_range_value_is_named(mixed):
    files = bundle.read(bytes(snapshot_publish(scorecard=mixed).bundle))

    def tamper(ballots):
        scored = [b for b in ballots if b["criterion"]]
        ballots.append(dict(scored[0]))
        scored[1]["value"] = "11"

    report = bundle.verify(bundle.read(edited(files, "ballots.json", tamper)))
    text = "\n".join(report.problems)
    assert "has a second ballot for subject" in text
    assert "is outside the range 0.0000–10.0000 of 实绩" in text


def test_pseudonyms_differ_between_snapshots(mixed):
    first = json.loads(
        bundle.read(bytes(snapshot_publish(scorecard=mixed).bundle))["ballots.json"]
    )
    second = json.loads(
        bundle.read(bytes(snapshot_publish(scorecard=mixed).bundle))["ballots.json"]
    )
    names_1 = {b["evaluator"] for b in first}
    names_2 = {b["evaluator"] for b in second}
    assert len(names_1) == len(names_2) == 7 and not names_1 & names_2


def test_results_csv_is_formula_safe(mixed):
    files = bundle.read(bytes(snapshot_publish(scorecard=mixed).bundle))
    results = files["results.csv"].decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in results and "\n=HYPERLINK" not in results
    assert "'=HYPERLINK(1)" in files["ballots.csv"].decode("utf-8-sig")


def test_cli_verifies_and_rejects(mixed, tmp_path):
    snap = snapshot_publish(scorecard=mixed)
    good = tmp_path / "good.zip"
    good.write_bytes(bytes(snap.bundle))
    out = io.StringIO()
    assert verify_cli.main([str(good)], out=out) == 0
    assert "VERIFIED" in out.getvalue() and snap.inputs_digest in out.getvalue()
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    out = io.StringIO()
    assert verify_cli.main([str(junk)], out=out) == 2
    assert "not a readable ZIP file" in out.getvalue()


def test_verifier_runs_isolated_without_django(mixed, tmp_path):
    """``python -I`` ignores PYTHONPATH and site customisation; the package is put
    on the path by hand and Django (and Wagtail) are made unimportable."""
    snap = snapshot_publish(scorecard=mixed)
    good = tmp_path / "bundle.zip"
    good.write_bytes(bytes(snap.bundle))
    files = bundle.read(bytes(snap.bundle))
    bad = tmp_path / "bad.zip"
    bad.write_bytes(
        edited(files, "ballots.json", lambda b: b[0].update(vote="yes", value=None))
    )
    package_only = tmp_path / "path"
    package_only.mkdir()
    (package_only / "wagtail_pilots").symlink_to(REPO / "wagtail_pilots")
    code = (
        "import sys, runpy;"
        f"sys.path.insert(0, {str(package_only)!r});"
        "sys.modules.update(django=None, wagtail=None);"
        "sys.argv = ['verify', sys.argv[1]];"
        "runpy.run_module('wagtail_pilots.verify', run_name='__main__')"
    )
    env = {"PATH": os.environ.get("PATH", "")}
    ok = subprocess.run(
        [sys.executable, "-I", "-c", code, str(good)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert ok.returncode == 0, ok.stderr
    assert "VERIFIED" in ok.stdout
    failed = subprocess.run(
        [sys.executable, "-I", "-c", code, str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert failed.returncode == 1, failed.stderr
    assert "NOT VERIFIED" in failed.stdout


def test_public_download_only_for_published_versions(mixed, client):
    assert client.get(mixed.url + "results/v1/bundle/").status_code == 404
    snap = snapshot_publish(scorecard=mixed)
    page = client.get(mixed.url).content.decode()
    link = f"{mixed.url}results/v1/bundle/"
    assert f'href="{link}"' in page
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="scorecard-{mixed.pk}-v1-verification.zip"'
    )
    assert response.content == bytes(snap.bundle)
    assert client.post(link).status_code == 405
    assert client.get(mixed.url + "results/v2/bundle/").status_code == 404


def test_an_old_version_without_bundle_shows_no_link(mixed, client):
    snap = snapshot_publish(scorecard=mixed)
    type(snap).objects.filter(pk=snap.pk).update(bundle=b"", bundle_digest="")
    page = client.get(mixed.url).content.decode()
    assert "/bundle/" not in page and snap.inputs_digest in page
    assert client.get(mixed.url + "results/v1/bundle/").status_code == 404


def test_pilots_verify_command_against_the_live_database(mixed):
    snap = snapshot_publish(scorecard=mixed)
    out = io.StringIO()
    call_command("pilots_verify", str(snap.pk), stdout=out)
    assert "matches the live database" in out.getvalue()
    vote(
        mixed,
        "信任投票",
        "迟到",
        {"城关镇": "no", "青石镇": "no", "=HYPERLINK(1)": "no"},
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="does not match"):
        call_command("pilots_verify", f"{mixed.pk}/1", stdout=out)
    assert "3 ballots added" in out.getvalue()
    with pytest.raises(CommandError, match="no published result"):
        call_command("pilots_verify", "999999")


def test_assessment_with_mean_sums_verifies(home_page):
    page = assessment(home_page)
    group = page.groups.get()
    type(group).objects.filter(pk=group.pk).update(aggregation="mean", trim=0)
    for i, values in enumerate([[9.5, 8, 7.25, 6], [8, 8.125, 7, 5], [7, 9, 6, 4]]):
        score(page, f"e{i}", {"城关镇": values, "青石镇": values[::-1]})
    snap = snapshot_publish(scorecard=page)
    report = bundle.verify(bundle.read(bytes(snap.bundle)))
    assert report.ok, report.problems


def test_the_verifier_speaks_chinese_without_django(mixed, tmp_path):
    """``--language zh-hans`` (or LANG=zh_CN.UTF-8) reads the package's compiled
    catalogues with the standard library's gettext: no Django."""
    snap = snapshot_publish(scorecard=mixed)
    files = bundle.read(bytes(snap.bundle))
    bad = tmp_path / "bad.zip"
    bad.write_bytes(
        edited(files, "ballots.json", lambda b: b[0].update(vote="yes", value=None))
    )
    package_only = tmp_path / "path"
    package_only.mkdir()
    (package_only / "wagtail_pilots").symlink_to(REPO / "wagtail_pilots")
    code = (
        "import sys, runpy;"
        f"sys.path.insert(0, {str(package_only)!r});"
        "sys.modules.update(django=None, wagtail=None);"
        "sys.argv = ['verify', *sys.argv[1:]];"
        "runpy.run_module('wagtail_pilots.verify', run_name='__main__')"
    )
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "zh_CN.UTF-8"}
    failed = subprocess.run(
        [sys.executable, "-I", "-c", code, str(bad)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert failed.returncode == 1, failed.stderr
    assert "核验未通过" in failed.stdout
    assert "ballots.json：发布后被改动（SHA-256 不一致）" in failed.stdout
    assert "输入数据摘要（重新计算）：" in failed.stdout
    published_on = json.loads(files["manifest.json"])["published_on"]
    assert f"第 1 版，发布于 {published_on}" in failed.stdout  # not "?"
    out = io.StringIO()
    good = tmp_path / "good.zip"
    good.write_bytes(bytes(snap.bundle))
    assert verify_cli.main(["--language", "zh-hans", str(good)], out=out) == 0
    assert "核验通过" in out.getvalue()
    # English when asked, or when the environment names no Chinese.
    out = io.StringIO()
    verify_cli.main([str(good)], out=out, environ={"LANG": "C.UTF-8"})
    assert "VERIFIED" in out.getvalue() and "核验" not in out.getvalue()
    out = io.StringIO()
    verify_cli.main(["--language", "en", str(good)], out=out, environ=env)
    assert "VERIFIED" in out.getvalue()


@pytest.mark.parametrize(
    ("language", "catalogue"),
    [
        ("zh-hans", "zh_Hans"),
        ("zh_CN.UTF-8", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh_TW.UTF-8", None),
        ("en_US.UTF-8", None),
        ("C", None),
        (None, None),
    ],
)
def test_catalogue_language(language, catalogue):
    assert bundle.catalogue_language(language) == catalogue


def test_pilots_verify_speaks_the_sites_language(mixed):
    from django.utils import translation

    snap = snapshot_publish(scorecard=mixed)
    vote(mixed, "信任投票", "迟到", {"城关镇": "no"})
    out = io.StringIO()
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        call_command("pilots_verify", str(snap.pk), stdout=out)
    assert "第 1 版不一致" in str(caught.value)
    assert "发布后新增 1 张选票" in out.getvalue()
    # The bundle's own messages are back in English afterwards.
    assert bundle._("ballots.json: not a list") == "ballots.json: not a list"
