"""The one numbers module: rounding half up for display, precisions, plain text.
Hand-computed values; the rule modules' own tests check that every figure is
what it was before they used it."""

from decimal import Decimal as D

from wagtail_pilots import decimals
from wagtail_pilots.pilots import progress
from wagtail_pilots.scorecards import scoring
from wagtail_pilots.surveys import stats


def test_display_rounds_half_up_to_two_places():
    assert decimals.display(D("2.675")) == D("2.68")
    assert decimals.display(D("2.665")) == D("2.67")  # half even would give 2.66
    assert decimals.display(D("-2.675")) == D("-2.68")
    assert decimals.display(D("59.995")) == D("60.00")
    assert decimals.display(None) is None
    assert decimals.display(D("0.125"), 1) == D("0.1")
    assert decimals.display(D("0.15"), 1) == D("0.2")


def test_a_float_is_read_as_it_is_written():
    assert decimals.to_decimal(0.1) == D("0.1")
    # Decimal(2.675) is 2.67499…; read as written it rounds up.
    assert decimals.display(2.675) == D("2.68")


def test_the_rule_modules_round_with_it():
    value = D("23.365")
    assert progress.display(value) == D("23.37")
    assert stats.round_half_up(value) == D("23.37")
    assert scoring.display(value) == scoring.shown(value) == D("23.37")
    assert scoring.DISPLAY_PLACES == stats.DISPLAY_PLACES == decimals.DISPLAY_PLACES


def test_places_and_plain_numbers():
    assert decimals.has_places(D("90.1234"), decimals.STORED_PLACES)
    assert not decimals.has_places(D("90.12345"), decimals.STORED_PLACES)
    assert decimals.plain(D("1E+2")) == "100"
    assert decimals.plain(D("0.50")) == "0.5"
    assert decimals.quantum(2) == D("0.01")
