"""Rates and their display: the one way the platform turns "part of whole" into a figure.

A rate is exact (a Fraction) and undefined for an empty whole (0 of 0 is no rate, not
0 %): decisions compare rates exactly. A percentage for display has a fixed number of
decimals, rounded half up ("12.25" → "12.3"), the way the work report and the result
sheets print it (docs/appraisals.md: one decimal, half up).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Number = int | Decimal | Fraction

#: Decimals shown after the point in every percentage of the platform.
DECIMALS = 1
#: What a page shows for a rate that does not exist (nothing to count).
NO_RATE = "—"


def rate(part: Number, whole: Number) -> Fraction | None:
    """`part / whole` exactly; None when the whole is zero or negative."""
    if whole <= 0:
        return None
    return Fraction(part) / Fraction(whole)


def percent(part: Number, whole: Number, *, decimals: int = DECIMALS) -> Decimal | None:
    """The rate in percent with `decimals` decimals, rounded half up (Decimal("62.5")); None
    when there is no rate. Pages add the "%" sign (or use `format_percent`)."""
    value = rate(part, whole)
    if value is None:
        return None
    # Rounded in exact integers: half up (away from zero) is decided on the true value,
    # never on a float or a truncated decimal.
    scaled = abs(value) * 100 * 10**decimals
    units = math.floor(scaled + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-decimals)


def format_percent(part: Number, whole: Number, *, decimals: int = DECIMALS) -> str:
    """ "62.5%"; `NO_RATE` ("—") when there is nothing to count."""
    value = percent(part, whole, decimals=decimals)
    return NO_RATE if value is None else f"{value}%"
