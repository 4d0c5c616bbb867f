"""Own-unit trust votes: each evaluator votes only on their own unit's subjects,
nobody votes on themselves (on every path that writes ballots), and each
subject's turnout is held against its electorate and the quorum."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from tests.fixtures.imports import csv_bytes, upload_check_import
from wagtail_pilots.models import Unit
from wagtail_pilots.scorecards import presentation, scoring
from wagtail_pilots.scorecards.models import Ballot, validate_quorum
from wagtail_pilots.scorecards.selectors import scorecard_result
from wagtail_pilots.scorecards.services import (
    BallotError,
    access_codes_generate,
    ballot_enter,
    ballot_submit,
    configuration_data,
    outputs_data,
)

from .helpers import make_scorecard

# --------------------------------------------------------------------------
# Pure rules, hand-computed
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, fraction",
    [
        ("2/3", (2, 3)),
        (" 4 / 6 ", (2, 3)),
        ("2／3", (2, 3)),
        ("66.67%", (6667, 10000)),
        ("50", (1, 2)),
        ("50％", (1, 2)),
        ("100%", (1, 1)),
        ("1/1", (1, 1)),
        ("", None),
    ],
)
def test_a_quorum_is_read_as_an_exact_fraction(text, fraction):
    assert scoring.parse_quorum(text) == fraction


@pytest.mark.parametrize(
    "text", ["0", "0/3", "4/3", "101%", "-50", "abc", "2/0", "nan"]
)
def test_a_quorum_outside_0_to_1_or_unreadable_is_refused(text):
    with pytest.raises(scoring.ScoringInputError):
        scoring.parse_quorum(text)


def test_the_quorum_needs_voters_rounded_up_and_compared_exactly():
    # 2/3 of 6 = 4 exactly; 2/3 of 7 = 4.67 → 5; 66.67 % of 6 = 4.0002 → 5;
    # half of 9 = 4.5 → 5; half of 10 = 5.
    assert scoring.quorum_needed(6, (2, 3)) == 4
    assert scoring.quorum_needed(7, (2, 3)) == 5
    assert scoring.quorum_needed(6, (6667, 10000)) == 5
    assert scoring.quorum_needed(9, (1, 2)) == 5
    assert scoring.quorum_needed(10, (1, 2)) == 5
    assert scoring.quorum_met(4, 6, (2, 3))
    assert not scoring.quorum_met(3, 6, (2, 3))
    assert scoring.quorum_label((2, 3)) == "2/3"
    assert scoring.quorum_label((1, 2)) == "50%"
    assert scoring.quorum_label((6667, 10000)) == "66.67%"
    assert scoring.turnout_percent(4, 6) == D("66.66666666666666666666666666666667")
    assert scoring.turnout_percent(0, 0) is None


def test_who_votes_on_whom():
    # Subjects 1 and 2 work in unit "u1", 3 in "u2", 4 has no home unit.
    subjects = [(1, "u1"), (2, "u1"), (3, "u2"), (4, None)]
    everyone = {"own_unit_only": False, "evaluator_unit": None}
    assert scoring.ballot_subjects(subjects, evaluator_subject=None, **everyone) == [
        1,
        2,
        3,
        4,
    ]
    # Subject 2 holds a code: never asked about themself.
    assert scoring.ballot_subjects(subjects, evaluator_subject=2, **everyone) == [
        1,
        3,
        4,
    ]
    own = {"own_unit_only": True}
    assert scoring.ballot_subjects(
        subjects, evaluator_unit="u1", evaluator_subject=None, **own
    ) == [1, 2]
    assert scoring.ballot_subjects(
        subjects, evaluator_unit="u1", evaluator_subject=1, **own
    ) == [2]
    assert (
        scoring.ballot_subjects(
            subjects, evaluator_unit=None, evaluator_subject=None, **own
        )
        == []
    )
    refusal = scoring.ballot_refusal
    assert (
        refusal(
            subject=3,
            home_unit="u2",
            own_unit_only=True,
            evaluator_unit="u1",
            evaluator_subject=None,
        )
        == scoring.E_OTHER_UNIT
    )
    assert (
        refusal(
            subject=1,
            home_unit="u1",
            own_unit_only=True,
            evaluator_unit=None,
            evaluator_subject=None,
        )
        == scoring.E_UNKNOWN_UNIT
    )
    assert (
        refusal(
            subject=1,
            home_unit="u1",
            own_unit_only=False,
            evaluator_unit=None,
            evaluator_subject=1,
        )
        == scoring.E_OWN_SUBJECT
    )


def test_the_electorate_of_a_subject():
    codes = {"u1": 7, "u2": 3}
    own_unit = {"own_unit_only": True, "expected_headcount": None}
    assert scoring.electorate(home_unit="u1", codes_by_unit=codes, **own_unit) == 7
    # The subject holds one of the unit's codes: 6 may vote on them.
    assert (
        scoring.electorate(home_unit="u1", codes_by_unit=codes, own_codes=1, **own_unit)
        == 6
    )
    assert scoring.electorate(home_unit=None, codes_by_unit=codes, **own_unit) is None
    assert scoring.electorate(home_unit="u3", codes_by_unit=codes, **own_unit) == 0
    headcount = {"own_unit_only": False, "home_unit": None, "codes_by_unit": codes}
    assert scoring.electorate(expected_headcount=9, own_codes=1, **headcount) == 8
    assert scoring.electorate(expected_headcount=None, **headcount) is None


def _trust_config(**kwargs):
    return scoring.Config(
        criteria=(scoring.Criterion("c", "推荐", D(100)),),
        groups=(scoring.Group("t", "信任投票", D(100), criteria=("c",), kind="votes"),),
        **kwargs,
    )


def test_a_subject_below_the_quorum_is_flagged_and_one_at_it_is_not():
    # 甲: electorate 6, 4 voted (exactly 2/3): no flag. 乙: electorate 6, 3
    # voted (needs 4): flagged with n = 3, minimum = 4. 丙: no electorate.
    config = _trust_config(quorum=(2, 3), electorates={("t", 1): 6, ("t", 2): 6})
    subjects = [
        scoring.Subject(1, "甲"),
        scoring.Subject(2, "乙"),
        scoring.Subject(3, "丙"),
    ]
    votes = {
        ("t", 1): scoring.VoteCounts(3, 1, 0),
        ("t", 2): scoring.VoteCounts(3, 0, 0),
        ("t", 3): scoring.VoteCounts(1, 1, 0),
    }
    result = scoring.compute(config, subjects, votes=votes)
    flags = {
        r.subject.name: [(w.code, w.group, w.n, w.minimum) for w in r.warnings]
        for r in result.subjects
    }
    assert flags["甲"] == []
    assert flags["乙"] == [(scoring.W_QUORUM, "t", 3, 4)]
    assert flags["丙"] == []
    # The flag does not change the figure: 乙's share is still 3 of 3.
    by_name = {r.subject.name: r for r in result.subjects}
    assert by_name["乙"].total == D(100)
    assert by_name["甲"].total == D(75)


def test_without_a_quorum_nothing_is_flagged():
    config = _trust_config(electorates={("t", 1): 6})
    result = scoring.compute(
        config, [scoring.Subject(1, "甲")], votes={("t", 1): scoring.VoteCounts(1)}
    )
    assert result.subjects[0].warnings == []


# --------------------------------------------------------------------------
# Every write path
# --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _uploads(tmp_path):
    with override_settings(WAGTAIL_PILOTS={"IMPORT_TEMP_DIR": str(tmp_path)}):
        yield


@pytest.fixture
def units(db):
    return (
        Unit.objects.create(name="城关镇", code="CG"),
        Unit.objects.create(name="青石镇", code="QS"),
    )


@pytest.fixture
def trust(home_page, units):
    """Two candidates of 城关镇 (甲, 乙), one of 青石镇 (丙), an own-unit trust
    vote with a 2/3 quorum."""
    page = make_scorecard(
        home_page,
        subjects=["甲", "乙", "丙"],
        criteria=[("推荐", 100, 0, 100)],
        groups=[("信任投票", 100, "votes", "mean", 0, 0, "")],
        slug="trust",
        quorum="2/3",
    )
    homes = {"甲": units[0], "乙": units[0], "丙": units[1]}
    for subject in page.subjects.all():
        subject.home_unit = homes[subject.name]
        subject.save()
    group = page.groups.get()
    group.own_unit_only = True
    group.save()
    return page


def _subjects(page):
    return {s.name: s for s in page.subjects.all()}


pytestmark = pytest.mark.django_db


def test_a_code_of_a_unit_is_asked_only_about_that_units_candidates(
    client, trust, units
):
    (access,) = access_codes_generate(
        scorecard=trust, group=trust.groups.get(), count=1, unit=units[0]
    )
    url = trust.url + trust.reverse_subpage("score")
    html = client.post(url, {"code": access.code}).content.decode()
    assert "甲" in html and "乙" in html
    assert "丙" not in html
    subjects = _subjects(trust)
    ballot_submit(
        scorecard=trust,
        code=access.code,
        entries={subjects["甲"].pk: "yes", subjects["乙"].pk: "no"},
    )
    assert Ballot.objects.count() == 2


def test_a_subjects_own_code_never_asks_about_themself(client, trust, units):
    subjects = _subjects(trust)
    (access,) = access_codes_generate(
        scorecard=trust, group=trust.groups.get(), count=1, subject=subjects["甲"]
    )
    # The unit comes from the subject's home unit.
    assert access.unit == units[0]
    url = trust.url + trust.reverse_subpage("score")
    html = client.post(url, {"code": access.code}).content.decode()
    assert f'name="vote-{subjects["乙"].pk}"' in html
    assert f'name="vote-{subjects["甲"].pk}"' not in html
    # A forged post that votes on themself is refused and stores nothing.
    response = client.post(
        url,
        {
            "code": access.code,
            "action": "submit",
            "confirmed": "1",
            f"vote-{subjects['甲'].pk}": "yes",
            f"vote-{subjects['乙'].pk}": "yes",
        },
    )
    assert response.status_code == 400
    assert "Nobody votes on themselves" in response.content.decode()
    assert Ballot.objects.count() == 0
    access.refresh_from_db()
    assert access.used_at is None


def test_a_forged_vote_on_another_units_candidate_is_refused(trust, units):
    subjects = _subjects(trust)
    (access,) = access_codes_generate(
        scorecard=trust, group=trust.groups.get(), count=1, unit=units[0]
    )
    with pytest.raises(BallotError) as caught:
        ballot_submit(
            scorecard=trust,
            code=access.code,
            entries={
                subjects["甲"].pk: "yes",
                subjects["乙"].pk: "yes",
                subjects["丙"].pk: "no",
            },
        )
    assert "丙 is not a subject of this evaluator's unit" in str(caught.value)
    assert Ballot.objects.count() == 0


def test_an_own_unit_group_needs_the_unit_on_each_code(trust):
    with pytest.raises(BallotError) as caught:
        access_codes_generate(scorecard=trust, group=trust.groups.get(), count=3)
    assert "needs the evaluator's unit" in str(caught.value)


def test_the_admin_refuses_a_self_vote_and_another_units_vote(
    admin_client, trust, units
):
    subjects = _subjects(trust)
    group = trust.groups.get()
    (own,) = access_codes_generate(
        scorecard=trust, group=group, count=1, subject=subjects["甲"]
    )
    url = reverse("wagtail_pilots_scorecards:ballot_add", args=[trust.pk])

    def errors(evaluator, subject):
        response = admin_client.post(
            url,
            {
                "group": group.pk,
                "evaluator": evaluator,
                "subject": subject.pk,
                "vote": "yes",
            },
        )
        return response.context["form"].errors if response.status_code == 200 else {}

    assert (
        "Nobody votes on themselves"
        in errors(own.evaluator, subjects["甲"])["subject"][0]
    )
    assert (
        "not a subject of this evaluator's unit"
        in (errors(own.evaluator, subjects["丙"])["subject"][0])
    )
    # An id that is no code's: its unit is unknown, so an own-unit vote is refused.
    assert "unit is not known" in errors("纸质1", subjects["乙"])["subject"][0]
    assert errors(own.evaluator, subjects["乙"]) == {}
    assert list(Ballot.objects.values_list("subject__name", flat=True)) == ["乙"]


def test_the_service_refuses_a_self_score_in_a_score_group_too(home_page):
    page = make_scorecard(
        home_page,
        subjects=["甲", "乙"],
        criteria=[("实绩", 100, 0, 100)],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "")],
    )
    subjects = _subjects(page)
    (own,) = access_codes_generate(
        scorecard=page, group=page.groups.get(), count=1, subject=subjects["乙"]
    )
    with pytest.raises(BallotError) as caught:
        ballot_enter(
            scorecard=page,
            group=page.groups.get(),
            evaluator=own.evaluator,
            subject=subjects["乙"],
            criterion=page.criteria.get(),
            value="90",
        )
    assert "Nobody votes on themselves" in caught.value.message_dict["subject"][0]
    assert Ballot.objects.count() == 0


def test_an_import_refuses_self_votes_and_other_units_naming_the_row(trust, units):
    subjects = _subjects(trust)
    group = trust.groups.get()
    (own,) = access_codes_generate(
        scorecard=trust, group=group, count=1, subject=subjects["甲"]
    )
    (other,) = access_codes_generate(
        scorecard=trust, group=group, count=1, unit=units[1]
    )
    rows = [
        ["group", "evaluator", "subject", "vote"],
        ["信任投票", own.evaluator, "乙", "yes"],
        ["信任投票", own.evaluator, "甲", "yes"],
        ["信任投票", other.evaluator, "甲", "no"],
    ]
    batch = upload_check_import("ballots", csv_bytes(rows), page=trust)
    errors = [(e["row"], e["column"], e["message"]) for e in batch.errors]
    assert [(row, column) for row, column, _m in errors] == [
        (3, "subject"),
        (4, "subject"),
    ]
    assert "Nobody votes on themselves" in errors[0][2]
    assert "甲 is not a subject of this evaluator's unit" in errors[1][2]
    assert Ballot.objects.count() == 0


# --------------------------------------------------------------------------
# Turnout and quorum where people read results
# --------------------------------------------------------------------------


def test_validate_quorum_names_the_value():
    with pytest.raises(ValidationError) as caught:
        validate_quorum("3/2")
    assert "3/2" in caught.value.messages[0]
    validate_quorum("2/3")


def test_turnout_against_the_units_codes_is_shown_and_below_quorum_flagged(
    admin_client, trust, units
):
    subjects = _subjects(trust)
    group = trust.groups.get()
    # 城关镇: 4 codes, one of them 甲's own; 青石镇: 3 codes.
    town = access_codes_generate(scorecard=trust, group=group, count=3, unit=units[0])
    access_codes_generate(scorecard=trust, group=group, count=1, subject=subjects["甲"])
    hills = access_codes_generate(scorecard=trust, group=group, count=3, unit=units[1])
    for access in town[:2]:
        ballot_submit(
            scorecard=trust,
            code=access.code,
            entries={subjects["甲"].pk: "yes", subjects["乙"].pk: "yes"},
        )
    ballot_submit(
        scorecard=trust, code=hills[0].code, entries={subjects["丙"].pk: "yes"}
    )
    # Electorates: 甲 3 (4 codes less their own), 乙 4, 丙 3. Quorum 2/3: 甲
    # needs 2 (2 voted), 乙 needs 3 (2 voted), 丙 needs 2 (1 voted).
    loaded, result = scorecard_result(scorecard=trust)
    rows = {
        r["name"]: r
        for r in presentation.ranking_rows(
            configuration_data(loaded), outputs_data(result)
        )
    }
    assert rows["甲"]["turnouts"][0]["text"] == "2 of 3 voted (66.67%)"
    assert rows["甲"]["warnings"] == []
    assert rows["乙"]["warnings"] == [
        "信任投票: only 2 of 4 voted, below the quorum of 2/3 (3 needed)"
    ]
    assert rows["丙"]["warnings"] == [
        "信任投票: only 1 of 3 voted, below the quorum of 2/3 (2 needed)"
    ]
    html = admin_client.get(
        reverse("wagtail_pilots_scorecards:results", args=[trust.pk])
    ).content.decode()
    assert "only 2 of 4 voted, below the quorum of 2/3 (3 needed)" in html
    assert "2 of 3 voted (66.67%)" in html
    export = admin_client.get(
        reverse("wagtail_pilots_scorecards:export", args=[trust.pk, "csv"])
    )
    text = (
        b"".join(export.streaming_content).decode("utf-8-sig")
        if export.streaming
        else export.content.decode("utf-8-sig")
    )
    assert "only 1 of 3 voted, below the quorum of 2/3 (2 needed)" in text
    assert "2 of 4 voted (50.00%)" in text


def test_the_published_notice_and_its_bundle_carry_the_quorum_flag(
    client, trust, units
):
    from wagtail_pilots.scorecards import bundle
    from wagtail_pilots.scorecards.services import snapshot_publish

    subjects = _subjects(trust)
    group = trust.groups.get()
    town = access_codes_generate(scorecard=trust, group=group, count=3, unit=units[0])
    access_codes_generate(scorecard=trust, group=group, count=2, unit=units[1])
    ballot_submit(
        scorecard=trust,
        code=town[0].code,
        entries={subjects["甲"].pk: "yes", subjects["乙"].pk: "no"},
    )
    snapshot = snapshot_publish(scorecard=trust)
    # The bundle recomputes the same flags from its configuration.
    assert bundle.verify(bundle.read(bytes(snapshot.bundle))).ok
    assert snapshot.configuration["quorum"] == [2, 3]
    html = client.get(trust.url).content.decode()
    assert "only 1 of 3 voted, below the quorum of 2/3 (2 needed)" in html
    assert "only 0 of 2 voted, below the quorum of 2/3 (2 needed)" in html
    # The rule is printed with the figures, flagged or not.
    assert (
        "Quorum: at least 2/3 of each subject's electorate must vote, or the "
        "figure is flagged." in html
    )
    zh = client.get(trust.url, headers={"accept-language": "zh-hans"})
    assert (
        "有效参与比例：每名考核对象应参与的人中至少 2/3 参与投票" in zh.content.decode()
    )
