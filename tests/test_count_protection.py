"""Small case counts are never shown and cannot be recovered from the totals beside them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.privacy import SMALL_COUNT_LABEL, protect_counts

tables = st.integers(1, 6).flatmap(
    lambda cols: st.lists(st.lists(st.integers(0, 30), min_size=cols, max_size=cols), min_size=1, max_size=6)
)


def _full(cells):
    full = [[*row, sum(row)] for row in cells]
    full.append([sum(col) for col in zip(*cells, strict=True)] + [sum(map(sum, cells))])
    return full


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_count_from_one_to_four_is_shown_anywhere_including_totals(cells):
    text, hidden = protect_counts(cells)
    full = _full(cells)
    for r, row in enumerate(full):
        for c, value in enumerate(row):
            if 0 < value < 5:
                assert hidden[r][c] and text[r][c] != str(value)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_hidden_cell_is_alone_in_its_row_or_column(cells):
    """If a row or column had one hidden cell, total minus the shown cells would reveal it."""
    _, hidden = protect_counts(cells)
    n_rows, n_cols = len(hidden), len(hidden[0])
    for r in range(n_rows):
        assert sum(hidden[r]) != 1
    for c in range(n_cols):
        assert sum(hidden[r][c] for r in range(n_rows)) != 1


@settings(max_examples=200, deadline=None)
@given(tables)
def test_shown_cells_keep_their_true_values(cells):
    text, hidden = protect_counts(cells)
    full = _full(cells)
    for r, row in enumerate(full):
        for c, value in enumerate(row):
            if not hidden[r][c]:
                assert text[r][c] == str(value)


def test_a_single_small_cell_is_shown_as_a_range_and_a_neighbour_is_hidden_too():
    text, hidden = protect_counts([[2, 10], [7, 9]])
    assert text[0][0] == SMALL_COUNT_LABEL
    assert sum(hidden[0]) >= 2 and sum(row[0] for row in hidden) >= 2
