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
    ("part", "whole", "value", "text"),
    [
        (1, 6, 16.7, "16.7%"),
        (2, 3, 66.7, "66.7%"),
        (1, 16, 6.3, "6.3%"),  # 6.25: round(6.25, 1) on a float gives 6.2
        (1, 400, 0.3, "0.3%"),  # 0.25
        (0, 5, 0.0, "0.0%"),
        (5, 5, 100.0, "100.0%"),
        (Decimal("33.30"), Decimal("100.00"), 33.3, "33.3%"),
        (0, 0, None, "—"),
    ],
)
def test_percent_has_one_decimal_rounded_half_up(part, whole, value, text):
    assert rates.percent(part, whole) == value
    assert rates.format_percent(part, whole) == text


def test_percent_with_other_decimals():
    assert rates.percent(2, 3, decimals=0) == 67
    assert rates.format_percent(2, 3, decimals=0) == "67%"
    assert rates.format_percent(1, 8, decimals=2) == "12.50%"
