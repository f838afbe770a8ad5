"""Disclosure for researchers: small counts hidden, and no hidden count recoverable by
subtracting the shown rows from a total the page also shows."""

import pytest

from reports.presentation import Figure, disclose, protect_by_difference
from reports.selectors import Role


def figures(*values: int) -> list[Figure]:
    return [disclose(value, Role.RESEARCHER) for value in values]


def texts(shown: list[Figure]) -> list[str]:
    return [figure.text for figure in shown]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Nothing small: nothing hidden.
        ((12, 7, 5), ["12", "7", "5"]),
        # One hidden row would be the total minus the others: the smallest other goes too.
        ((9, 3), ["—", "<5"]),
        ((10, 6, 4), ["10", "—", "<5"]),
        # Two hidden rows adding up to less than 5 would give away that both are tiny.
        ((20, 8, 2, 1), ["20", "—", "<5", "<5"]),
        # Two hidden rows adding up to 5 or more: enough.
        ((20, 8, 3, 2), ["20", "8", "<5", "<5"]),
        # Zero is no one: it is shown, and never chosen to cover another row.
        ((0, 7, 3), ["0", "—", "<5"]),
        # Nothing left to withhold: all hidden.
        ((2,), ["<5"]),
    ],
)
def test_secondary_suppression(values, expected):
    assert texts(protect_by_difference(figures(*values))) == expected


def test_a_withheld_row_is_marked_suppressed_so_its_bar_is_not_drawn():
    shown = protect_by_difference(figures(9, 3))
    assert all(figure.suppressed for figure in shown)
