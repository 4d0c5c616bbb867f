"""A whole paper ballot on one admin screen (issue 13, item 5): subjects as rows,
criteria as columns, stored all or nothing through the ballot service."""

import pytest
from django.urls import reverse

from wagtail_pilots.scorecards.models import Ballot
from wagtail_pilots.scorecards.services import BallotError, ballot_sheet_enter

from .helpers import assessment, by_name, structured

pytestmark = pytest.mark.django_db


def sheet_url(page, group=None):
    url = reverse("wagtail_pilots_scorecards:ballot_sheet", args=[page.pk])
    return f"{url}?group={group.pk}" if group else url


def full_sheet(page, value="7"):
    return {
        f"score-{s.pk}-{c.pk}": value
        for s in page.subjects.all()
        for c in page.criteria.all()
    }


@pytest.fixture
def page(home_page):
    return assessment(home_page)


def test_sheet_is_a_grid_with_the_first_cell_focused(admin_client, page):
    html = admin_client.get(sheet_url(page)).content.decode()
    subjects, criteria = list(page.subjects.all()), list(page.criteria.all())
    for subject in subjects:
        assert f">{subject.name}</th>" in html
    for criterion in criteria:
        assert f"{criterion.name}<br><small>0–10</small>" in html
    first = f'name="score-{subjects[0].pk}-{criteria[0].pk}"'
    # Row by row: the first row's cells come before the second row's.
    second_row = html.index(f'name="score-{subjects[1].pk}-{criteria[0].pk}"')
    assert html.index(f'name="score-{subjects[0].pk}-{criteria[-1].pk}"') < second_row
    tag = html[html.index(first) : html.index(">", html.index(first))]
    assert "autofocus" in tag
    assert html.count("autofocus") == 1
    assert html.count('inputmode="decimal"') == len(subjects) * len(criteria)


def test_header_button_opens_the_sheet(admin_client, page):
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert sheet_url(page) in edit.content.decode()
    assert "Enter a paper ballot" in edit.content.decode()


def test_a_whole_ballot_is_saved_at_once(admin_client, page):
    data = {**full_sheet(page), "group": page.groups.get().pk, "evaluator": "No. 17"}
    response = admin_client.post(sheet_url(page), data)
    assert response.status_code == 302
    assert response["Location"] == sheet_url(page, page.groups.get())
    ballots = Ballot.objects.filter(scorecard=page)
    assert ballots.count() == 12
    assert set(ballots.values_list("evaluator", "channel")) == {("No. 17", "paper")}
    html = admin_client.get(response["Location"]).content.decode()
    assert "Ballot No. 17 of 考核组 saved." in html
    assert "1 paper ballot of 考核组 entered so far." in html
    # The same number again is refused: nothing new is stored.
    again = admin_client.post(sheet_url(page), data)
    assert again.status_code == 200
    assert "Ballot number No. 17 has already been entered." in again.content.decode()
    assert ballots.count() == 12


def test_without_a_number_each_ballot_gets_its_own_anonymous_id(admin_client, page):
    data = {**full_sheet(page), "group": page.groups.get().pk}
    admin_client.post(sheet_url(page), data)
    admin_client.post(sheet_url(page), data)
    evaluators = set(Ballot.objects.values_list("evaluator", flat=True))
    assert len(evaluators) == 2 and all(e.startswith("paper-") for e in evaluators)


def test_bad_cells_are_marked_by_subject_and_criterion_and_nothing_is_saved(
    admin_client, page
):
    subjects, criteria = by_name(page, "subjects"), by_name(page, "criteria")
    data = {**full_sheet(page), "group": page.groups.get().pk}
    bad = f"score-{subjects['青石镇'].pk}-{criteria['民生'].pk}"
    empty = f"score-{subjects['河东乡'].pk}-{criteria['经济发展'].pk}"
    data[bad] = "11"
    data[empty] = ""
    response = admin_client.post(sheet_url(page), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert Ballot.objects.count() == 0
    assert "Nothing was saved." in html
    assert [(e["where"], e["message"]) for e in response.context["cell_errors"]] == [
        ("青石镇 · 民生", "Enter a value from 0 to 10. You entered 11."),
        ("河东乡 · 经济发展", "Score 河东乡 on 经济发展."),
    ]
    # The bad cell keeps its value, is marked and gets the focus.
    tag_start = html.index(f'name="{bad}"')
    tag = html[tag_start : html.index(">", tag_start)]
    assert 'value="11"' in tag and 'aria-invalid="true"' in tag and "autofocus" in tag
    assert html.count("autofocus") == 1
    # The other cells keep what was typed.
    good = f"score-{subjects['城关镇'].pk}-{criteria['民生'].pk}"
    tag_start = html.index(f'name="{good}"')
    assert 'value="7"' in html[tag_start : html.index(">", tag_start)]


def test_vote_group_is_a_row_of_choices(admin_client, home_page):
    page = structured(home_page)
    group = by_name(page, "groups")["A层"]
    html = admin_client.get(sheet_url(page, group)).content.decode()
    subjects = list(page.subjects.all())
    for subject in subjects:
        for vote in ("yes", "no", "abstain"):
            assert f'name="vote-{subject.pk}" value="{vote}"' in html
    data = {"group": group.pk, **{f"vote-{s.pk}": "yes" for s in subjects}}
    data[f"vote-{subjects[2].pk}"] = "no"
    response = admin_client.post(sheet_url(page, group), data)
    assert response.status_code == 302
    assert sorted(Ballot.objects.values_list("vote", flat=True)) == ["no", "yes", "yes"]
    assert set(Ballot.objects.values_list("group_id", flat=True)) == {group.pk}
    # A missing vote: nothing saved, the subject is named.
    data.pop(f"vote-{subjects[1].pk}")
    response = admin_client.post(sheet_url(page, group), data)
    assert [(e["where"], e["message"]) for e in response.context["cell_errors"]] == [
        (subjects[1].name, f"Vote on {subjects[1].name}.")
    ]
    assert Ballot.objects.count() == 3


def test_service_refuses_a_group_of_another_scorecard(home_page, page):
    other = assessment(home_page, slug="other")
    with pytest.raises(BallotError) as exc:
        ballot_sheet_enter(
            scorecard=page,
            group=other.groups.get(),
            entries={},
        )
    assert "group" in exc.value.message_dict


def test_closed_voting_is_refused_on_the_sheet(admin_client, home_page):
    page = assessment(home_page, ballots_open=False)
    html = admin_client.get(sheet_url(page)).content.decode()
    assert "Voting on this scorecard is closed." in html
    data = {**full_sheet(page), "group": page.groups.get().pk}
    response = admin_client.post(sheet_url(page), data)
    assert response.status_code == 200
    assert "Voting on this scorecard is closed." in response.content.decode()
    assert Ballot.objects.count() == 0
