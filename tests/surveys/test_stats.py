"""Satisfaction arithmetic against values worked out by hand."""

from decimal import Decimal as D

import pytest

from wagtail_pilots.surveys import stats


def test_rate_and_index():
    # 3 satisfied of 4 valid; scores 100 + 80 + 80 + 0 = 260.
    assert stats.satisfaction_rate(3, 4) == D("0.75")
    assert stats.satisfaction_index(D(260), 4) == D(65)
    assert stats.satisfaction_rate(0, 0) is None
    assert stats.satisfaction_index(D(0), 0) is None


def test_rate_keeps_full_precision():
    # 2/3 is not rounded until display: 0.666…67 at 28 digits.
    rate = stats.satisfaction_rate(2, 3)
    assert str(rate) == "0.6666666666666666666666666667"
    assert stats.round_half_up(stats.as_percent(rate)) == D("66.67")


def test_round_half_up_is_sishewuru():
    assert stats.round_half_up(D("2.345")) == D("2.35")
    assert stats.round_half_up(D("2.344")) == D("2.34")
    assert stats.round_half_up(D("0.125")) == D("0.13")  # banker's would give 0.12
    assert stats.round_half_up(None) is None


def test_rate_rejects_impossible_counts():
    with pytest.raises(ValueError):
        stats.satisfaction_rate(5, 4)
    with pytest.raises(ValueError):
        stats.summarise(satisfied=-1, valid=4)


def test_wilson_interval_by_hand():
    # p = 0.8, n = 10, z = 1.96: z² = 3.8416, 1 + z²/n = 1.38416
    # centre = (0.8 + 0.19208) / 1.38416 = 0.716738…
    # half = 1.96 / 1.38416 × √(0.016 + 0.009604) = 0.226581…
    low, high = stats.wilson_interval(8, 10, z=D("1.96"))
    assert stats.round_half_up(low, 4) == D("0.4902")
    assert stats.round_half_up(high, 4) == D("0.9433")


def test_wilson_interval_edges():
    low, high = stats.wilson_interval(0, 10, z=D("1.96"))
    assert low == 0
    assert stats.round_half_up(high, 4) == D("0.2775")
    low, high = stats.wilson_interval(10, 10, z=D("1.96"))
    assert stats.round_half_up(low, 4) == D("0.7225")
    assert high == 1
    assert stats.wilson_interval(0, 0) is None


def test_insufficient_sample_is_never_judged():
    small = stats.summarise(
        satisfied=1, valid=5, score_sum=D(100), minimum_sample=30, threshold=60
    )
    assert small.insufficient_sample is True
    assert small.below_threshold is None  # 20% but not judged
    assert small.rate == D("0.2")


def test_threshold_flag():
    # 59 of 100 = 59% < 60%: below; 60 of 100 = 60%: not below.
    below = stats.summarise(satisfied=59, valid=100, minimum_sample=30, threshold=60)
    at = stats.summarise(satisfied=60, valid=100, minimum_sample=30, threshold=60)
    assert below.below_threshold is True
    assert at.below_threshold is False
    assert stats.summarise(satisfied=1, valid=100).below_threshold is None


@pytest.mark.parametrize(
    ("satisfied", "valid", "shown", "below"),
    [
        # 2401 / 4002 = 59.99500…%: shown "60.00%", so not below 60.
        (2401, 4002, "60.00%", False),
        # 2400 / 4002 = 59.97001…%: shown "59.97%", below.
        (2400, 4002, "59.97%", True),
        # 11999 / 20000 = 59.995% exactly: half up gives 60.00, not below.
        (11999, 20000, "60.00%", False),
        # 59989 / 99990 = 59.99499…%: shown 59.99, below.
        (59989, 99990, "59.99%", True),
    ],
)
def test_threshold_agrees_with_the_shown_rate(satisfied, valid, shown, below):
    from wagtail_pilots.surveys.templatetags.wagtail_pilots_surveys import pct

    result = stats.summarise(
        satisfied=satisfied, valid=valid, minimum_sample=30, threshold=60
    )
    assert pct(result.rate) == shown
    assert result.below_threshold is below


def test_result_percentages():
    result = stats.summarise(satisfied=8, valid=10, score_sum=D(740))
    assert result.rate_percent == D(80)
    assert result.index == D(74)
    low, high = result.interval_percent
    assert stats.round_half_up(low) == D("49.02")
    assert stats.round_half_up(high) == D("94.33")


def test_compare_newcombe_by_published_example():
    # Newcombe (1998), example (a): 56/70 vs 48/80, hybrid score interval
    # 0.0524 to 0.3339 for the difference 0.2.
    before = stats.summarise(satisfied=48, valid=80, score_sum=D(0))
    after = stats.summarise(satisfied=56, valid=70, score_sum=D(0))
    comparison = stats.compare(before, after)
    assert comparison.difference == D("0.2")
    low, high = comparison.interval
    assert stats.round_half_up(low, 4) == D("0.0524")
    assert stats.round_half_up(high, 4) == D("0.3339")
    assert comparison.significant is True


def test_compare_insufficient_or_empty():
    before = stats.summarise(satisfied=3, valid=4, minimum_sample=30)
    after = stats.summarise(satisfied=4, valid=4, minimum_sample=30)
    comparison = stats.compare(before, after)
    assert comparison.comparable is False
    assert comparison.significant is False
    empty = stats.compare(stats.summarise(satisfied=0, valid=0), after)
    assert empty.difference is None and empty.interval is None


def test_index_difference():
    before = stats.summarise(satisfied=1, valid=2, score_sum=D(100))  # 50
    after = stats.summarise(satisfied=2, valid=2, score_sum=D(180))  # 90
    assert stats.compare(before, after).index_difference == D(40)


def test_response_rate():
    # 412 of 500 codes used: 412 / 500 = 0.824 → 82.40 %.
    rate = stats.response_rate(412, 500)
    assert rate == D("0.824")
    assert stats.round_half_up(stats.as_percent(rate)) == D("82.40")
    # 1 of 3: 33.333… → 33.33 %; nothing issued: no rate, never a division by 0.
    assert stats.round_half_up(stats.as_percent(stats.response_rate(1, 3))) == D(
        "33.33"
    )
    assert stats.response_rate(0, 0) is None
    # More back than the number entered as issued is shown as it is (110 %).
    assert stats.response_rate(11, 10) == D("1.1")
    with pytest.raises(ValueError):
        stats.response_rate(-1, 10)
