"""Small-cell suppression (pure): which slices of one breakdown are hidden.

Each case worked out by hand with k = 5 unless said otherwise."""

import pytest

from wagtail_pilots.surveys.stats import cells_to_suppress


@pytest.mark.parametrize(
    ("counts", "k", "hidden"),
    [
        # Nothing below k: everything is shown.
        ([12, 7, 5], 5, set()),
        # One small slice (3): with the total 22 and 12 shown, 3 = 22 − 12 − 7,
        # so the next-smallest (7) goes too.
        ([12, 7, 3], 5, {1, 2}),
        # Two small slices hide each other: 4 and 1 are only known to add up
        # to 17 − 12 = 5.
        ([12, 4, 1], 5, {1, 2}),
        # Two small slices that add up to fewer than k: 1 + 1 = 20 − 18 would
        # still say what two people answered together, so 18 goes too.
        ([1, 1, 18], 5, {0, 1, 2}),
        ([30, 2, 1, 40], 5, {0, 1, 2}),
        # Three small slices: no complement needed.
        ([2, 3, 4, 20], 5, {0, 1, 2}),
        # An empty slice is no one: shown, and not used as the complement.
        ([0, 3, 9, 8], 5, {1, 3}),
        # The complement is the smallest other one; of equals, the first.
        ([9, 1, 9], 5, {0, 1}),
        # The only non-empty slice is the total itself: nothing to pair it with.
        ([0, 2, 0], 5, {1}),
        # k = 1 hides nothing; k = 10 hides below 10.
        ([1, 1, 1], 1, set()),
        ([9, 10, 30], 10, {0, 1}),
        ([], 5, set()),
    ],
)
def test_cells_to_suppress(counts, k, hidden):
    assert cells_to_suppress(counts, k) == frozenset(hidden)


def test_a_hidden_slice_cannot_be_recovered_from_the_total():
    # Groups 党员 12, 村民代表 7, 其他群众 3; the total (22) is published.
    counts = [12, 7, 3]
    hidden = cells_to_suppress(counts, 5)
    shown = sum(n for i, n in enumerate(counts) if i not in hidden)
    # What remains for the hidden slices is shared by at least two of them.
    assert sum(counts) - shown == 10 and len(hidden) >= 2


@pytest.mark.parametrize("counts", [[12, 7, 3], [1, 1, 18], [2, 2, 9, 9], [4, 1, 6]])
def test_what_the_total_leaves_for_the_hidden_slices_is_never_fewer_than_k(counts):
    hidden = cells_to_suppress(counts, 5)
    assert all(i in hidden for i, n in enumerate(counts) if 0 < n < 5)
    assert sum(counts[i] for i in hidden) >= 5
