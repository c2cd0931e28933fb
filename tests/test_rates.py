"""The one rate and percentage of the platform (renda.core.rates): exact rates, no rate for
an empty whole, one decimal rounded half up on the exact value."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from renda.core import rates


def test_a_rate_is_exact_and_none_for_an_empty_whole():
    assert rates.rate(1, 3) == Fraction(1, 3)
    assert rates.rate(Decimal("12.34"), Decimal("56.78")) == Fraction(1234, 5678)
    assert rates.rate(0, 0) is None and rates.rate(3, 0) is None


@pytest.mark.parametrize(
    ("part", "whole", "value"),
    [
        (1, 6, Decimal("16.7")),
        (2, 3, Decimal("66.7")),
        (1, 16, Decimal("6.3")),  # 6.25: a float round() would give 6.2
        (1, 400, Decimal("0.3")),  # 0.25
        (0, 5, Decimal("0.0")),
        (5, 5, Decimal("100.0")),
        (Decimal("33.30"), Decimal("100.00"), Decimal("33.3")),
        (0, 0, None),
    ],
)
def test_percent_has_one_decimal_rounded_half_up(part, whole, value):
    assert rates.percent(part, whole) == value
    if value is not None:
        assert str(rates.percent(part, whole)) == str(value)


def test_percent_with_other_decimals():
    assert str(rates.percent(2, 3, decimals=0)) == "67"
    assert str(rates.percent(1, 8, decimals=2)) == "12.50"


def test_format_percent_for_display():
    assert rates.format_percent(5, 8) == "62.5%"
    assert rates.format_percent(0, 7) == "0.0%"
    assert rates.format_percent(0, 0) == "—"
