"""Messages show plain numbers ("0 to 100"), never "1E+2"."""

from decimal import Decimal as D

import pytest

from wagtail_pilots.scorecards.services import (
    BallotError,
    access_codes_generate,
    ballot_enter,
    ballot_submit,
)

from .helpers import make_scorecard

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(home_page):
    # Stored as 0.0000 and 100.0000; normalised alone they read "0" and "1E+2".
    return make_scorecard(
        home_page,
        subjects=["甲"],
        criteria=[("实绩", 100, "0.00", "100.00")],
        groups=[("考核组", 100, "scores", "mean", 0, 0, "")],
    )


def test_admin_entry_out_of_range_names_the_range_in_plain_numbers(page):
    with pytest.raises(BallotError) as error:
        ballot_enter(
            scorecard=page,
            group=page.groups.get(),
            evaluator="E1",
            subject=page.subjects.get(),
            criterion=page.criteria.get(),
            value=D("-500"),
        )
    assert error.value.message_dict["value"] == [
        "Enter a value from 0 to 100. You entered -500."
    ]


def test_online_ballot_out_of_range_names_the_range_in_plain_numbers(page):
    (access,) = access_codes_generate(scorecard=page, group=page.groups.get(), count=1)
    subject, criterion = page.subjects.get(), page.criteria.get()
    with pytest.raises(BallotError) as error:
        ballot_submit(
            scorecard=page,
            code=access.code,
            entries={(subject.pk, criterion.pk): "101"},
        )
    (message,) = error.value.message_dict[f"score-{subject.pk}-{criterion.pk}"]
    assert message == "Enter a value from 0 to 100. You entered 101."
