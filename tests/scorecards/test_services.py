"""Ballots, access codes, selectors (SQL aggregation) and publishing."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from wagtail_pilots.scorecards import scoring
from wagtail_pilots.scorecards.models import AccessCode, Ballot, ScorecardSnapshot
from wagtail_pilots.scorecards.selectors import (
    disagreement,
    score_inputs,
    scorecard_config,
    scorecard_result,
)
from wagtail_pilots.scorecards.services import (
    BallotError,
    CodeAlreadyUsed,
    access_code_lookup,
    access_codes_generate,
    ballot_enter,
    ballot_submit,
    snapshot_publish,
)

from .helpers import assessment, by_name, structured

pytestmark = pytest.mark.django_db


def enter_scores(page, group, evaluator, values):
    """values: {subject name: [v per criterion in order]}"""
    subjects = by_name(page, "subjects")
    criteria = list(page.criteria.all())
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


def test_selector_aggregates_and_scoring_match_hand_computation(home_page):
    page = assessment(home_page)
    group = page.groups.get()
    # 城关镇 eco 9, 8, 7, 2 → trimmed 7.5 → 75; others all 10 → 100
    # total = 35×75/100 + 65 = 26.25 + 65 = 91.25
    for i, eco in enumerate([9, 8, 7, 2]):
        enter_scores(
            page, group, f"e{i}", {"城关镇": [eco, 10, 10, 10], "青石镇": [5, 5, 5, 5]}
        )
    loaded, result = scorecard_result(scorecard=page)
    top = result.ranked[0]
    assert top.subject.name == "城关镇" and top.total == D("91.25")
    assert result.ranked[1].total == D(50)
    # 河东乡 has no ballots: not ranked, with the reason.
    assert [r.subject.name for r in result.excluded] == ["河东乡"]
    assert loaded.ballot_count == 32
    config = scorecard_config(scorecard=page)
    scores, votes = score_inputs(scorecard=page, config=config)
    # Trimmed groups get ordered value lists from SQL.
    eco = page.criteria.get(name="经济发展")
    subject = page.subjects.get(name="城关镇")
    assert scores[(group.pk, subject.pk, eco.pk)] == [D(2), D(7), D(8), D(9)]
    assert votes == {}


def test_mean_group_uses_sql_summaries(home_page):
    page = assessment(home_page)
    group = page.groups.get()
    group.aggregation = "mean"
    group.trim = 0
    group.save()
    enter_scores(page, group, "a", {"城关镇": [9, 8, 7, 6]})
    enter_scores(page, group, "b", {"城关镇": [7, 8, 9, 10]})
    config = scorecard_config(scorecard=page)
    scores, _votes = score_inputs(scorecard=page, config=config)
    summary = next(iter(scores.values()))
    assert isinstance(summary, scoring.ScoreSummary) and summary.n == 2
    _loaded, result = scorecard_result(scorecard=page)
    # means 8, 8, 8, 8 → 80
    assert result.ranked[0].total == D(80)


def test_vote_shares_use_each_groups_own_denominator(home_page):
    page = structured(home_page)
    groups = by_name(page, "groups")
    subjects = by_name(page, "subjects")

    def vote(group, n_yes, n_no, subject="甲", prefix=""):
        for i in range(n_yes + n_no):
            ballot_enter(
                scorecard=page,
                group=groups[group],
                evaluator=f"{prefix}{group}{i}",
                subject=subjects[subject],
                vote="yes" if i < n_yes else "no",
            )

    vote("信任投票", 32, 1)
    vote("A层", 3, 1)
    vote("B层", 1, 0)
    vote("C层", 4, 1)
    vote("D层", 1, 1)
    # 10×32/33 + 30×75 + 20×100 + 20×80 + 20×50, all ÷ 100
    # = 9.6969… + 22.5 + 20 + 16 + 10 = 78.1969…
    _loaded, result = scorecard_result(scorecard=page)
    top = next(r for r in result.subjects if r.subject.name == "甲")
    assert scoring.display(top.total) == D("78.20")
    assert top.cell(
        groups["A层"].pk, page.criteria.get().pk
    ).votes == scoring.VoteCounts(3, 1, 0)
    assert top.rank == 1 and top.shortlisted


def test_ballot_enter_rejects_bad_input_and_writes_nothing(home_page):
    page = assessment(home_page)
    group = page.groups.get()
    subject = page.subjects.first()
    criterion = page.criteria.first()
    for bad in ("NaN", "Infinity", "1e999", "-1", "10.5", "abc", None):
        with pytest.raises(BallotError) as exc:
            ballot_enter(
                scorecard=page,
                group=group,
                evaluator="x",
                subject=subject,
                criterion=criterion,
                value=bad,
            )
        assert "value" in exc.value.message_dict
    with pytest.raises(BallotError) as exc:
        ballot_enter(
            scorecard=page,
            group=group,
            evaluator="x",
            subject=subject,
            criterion=None,
            value=5,
        )
    assert "criterion" in exc.value.message_dict
    with pytest.raises(BallotError) as exc:
        ballot_enter(
            scorecard=page,
            group=group,
            evaluator="",
            subject=subject,
            criterion=criterion,
            value=5,
        )
    assert "evaluator" in exc.value.message_dict
    assert Ballot.objects.count() == 0


def test_same_evaluator_twice_and_in_two_groups(home_page):
    page = structured(home_page)
    groups = by_name(page, "groups")
    subject = page.subjects.first()
    ballot_enter(
        scorecard=page, group=groups["A层"], evaluator="p1", subject=subject, vote="yes"
    )
    with pytest.raises(BallotError, match="already"):
        ballot_enter(
            scorecard=page,
            group=groups["A层"],
            evaluator="p1",
            subject=subject,
            vote="no",
        )
    with pytest.raises(BallotError, match="another group"):
        ballot_enter(
            scorecard=page,
            group=groups["B层"],
            evaluator="p1",
            subject=page.subjects.last(),
            vote="no",
        )
    with pytest.raises(BallotError) as exc:
        ballot_enter(
            scorecard=page,
            group=groups["B层"],
            evaluator="p2",
            subject=subject,
            vote="maybe",
        )
    assert "vote" in exc.value.message_dict
    assert Ballot.objects.count() == 1


def test_ballot_for_unknown_subject_or_criterion(home_page):
    page = assessment(home_page)
    other = assessment(home_page, slug="other")
    group = page.groups.get()
    with pytest.raises(BallotError) as exc:
        ballot_enter(
            scorecard=page,
            group=group,
            evaluator="x",
            subject=other.subjects.first(),
            criterion=other.criteria.first(),
            value=5,
        )
    assert {"subject", "criterion"} <= set(exc.value.message_dict)


def test_access_codes_generated_looked_up_and_consumed_once(home_page):
    page = structured(home_page)
    group = by_name(page, "groups")["A层"]
    codes = access_codes_generate(scorecard=page, group=group, count=5)
    assert len({c.code for c in codes}) == 5
    code = codes[0].code
    assert access_code_lookup(scorecard=page, code=code.lower()).pk == codes[0].pk
    assert access_code_lookup(scorecard=page, code="AAAA-AAAA") is None
    entries = {s.pk: "yes" for s in page.subjects.all()}
    ballot_submit(scorecard=page, code=code, entries=entries)
    assert Ballot.objects.filter(evaluator=codes[0].evaluator).count() == 3
    with pytest.raises(CodeAlreadyUsed):
        ballot_submit(scorecard=page, code=code, entries=entries)
    assert Ballot.objects.count() == 3


def test_incomplete_or_bad_online_ballot_writes_nothing(home_page):
    page = assessment(home_page)
    group = page.groups.get()
    (access,) = access_codes_generate(scorecard=page, group=group, count=1)
    subjects = list(page.subjects.all())
    criteria = list(page.criteria.all())
    entries = {(s.pk, c.pk): "5" for s in subjects for c in criteria}
    entries[(subjects[0].pk, criteria[0].pk)] = "NaN"
    del entries[(subjects[1].pk, criteria[1].pk)]
    entries[(subjects[2].pk, criteria[2].pk)] = "11"
    with pytest.raises(BallotError) as exc:
        ballot_submit(scorecard=page, code=access.code, entries=entries)
    errors = exc.value.message_dict
    assert set(errors) == {
        f"score-{subjects[0].pk}-{criteria[0].pk}",
        f"score-{subjects[1].pk}-{criteria[1].pk}",
        f"score-{subjects[2].pk}-{criteria[2].pk}",
    }
    entries = {(s.pk, c.pk): "5" for s in subjects for c in criteria}
    entries[(99999, criteria[0].pk)] = "5"
    with pytest.raises(BallotError) as exc:
        ballot_submit(scorecard=page, code=access.code, entries=entries)
    assert "__all__" in exc.value.message_dict
    access.refresh_from_db()
    assert access.used_at is None and Ballot.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_code_store_one_ballot(home_page):
    page = structured(home_page)
    group = by_name(page, "groups")["A层"]
    (access,) = access_codes_generate(scorecard=page, group=group, count=1)
    entries = {s.pk: "yes" for s in page.subjects.all()}
    outcomes = []
    barrier = threading.Barrier(6)

    def post():
        try:
            barrier.wait()
            ballot_submit(scorecard=page, code=access.code, entries=entries)
            outcomes.append("ok")
        except CodeAlreadyUsed:
            outcomes.append("used")
        except Exception as exc:  # database busy on SQLite counts as refused
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    assert Ballot.objects.filter(evaluator=access.evaluator).count() == 3
    assert AccessCode.objects.filter(used_at__isnull=False).count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_disagreement_and_far_evaluators(home_page):
    page = assessment(home_page)
    group = page.groups.get()
    for i, v in enumerate([8, 8, 8, 8, 1]):
        enter_scores(page, group, f"e{i}", {"城关镇": [v, v, v, v]})
    spread = disagreement(scorecard=page)
    subject = page.subjects.get(name="城关镇")
    sd, far = spread[subject.pk]
    # mapped 80,80,80,80,10: mean 66, population sd = sqrt((4×14² + 56²)/5) = 28
    assert scoring.display(sd) == D("28.00")
    assert far == ["e4"]


def test_publish_freezes_snapshot_and_versions(home_page, django_user_model):
    page = assessment(home_page, bottom_size=1)
    group = page.groups.get()
    for i in range(3):
        enter_scores(
            page, group, f"e{i}", {"城关镇": [9, 9, 9, 9], "青石镇": [5, 5, 5, 5]}
        )
    user = django_user_model.objects.create_user("pub")
    first = snapshot_publish(scorecard=page, user=user)
    assert (
        first.version == 1
        and first.ballot_count == 24
        and len(first.inputs_digest) == 64
    )
    names = [s["name"] for s in first.outputs["subjects"]]
    assert names == ["城关镇", "青石镇", "河东乡"]
    assert D(first.outputs["subjects"][0]["total"]) == D(90)
    assert first.outputs["subjects"][1]["bottom"] is True
    assert first.configuration["criteria"][0]["weight"] == "35.00"
    # Same inputs → same digest; a new ballot → a new version and digest.
    again = snapshot_publish(scorecard=page, user=user)
    assert again.version == 2 and again.inputs_digest == first.inputs_digest
    enter_scores(page, group, "late", {"河东乡": [1, 1, 1, 1]})
    third = snapshot_publish(scorecard=page)
    assert third.version == 3 and third.inputs_digest != first.inputs_digest
    first.refresh_from_db()
    assert D(first.outputs["subjects"][0]["total"]) == D(90)  # frozen
    assert ScorecardSnapshot.objects.count() == 3
