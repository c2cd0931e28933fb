"""Rates and their display: the one way the platform turns "part of whole" into a figure.

A rate is exact (a Fraction) and undefined for an empty whole (0 of 0 is no rate, not
0 %): decisions compare rates exactly. A percentage for display has a fixed number of
decimals, rounded half up on the exact value (12.25 → 12.3), the way the work report and
the result sheets print it (docs/appraisals.md: one decimal, half up): `percent` as a number
(figure pages, the API), `format_percent` as text ("12.3%", result sheets and minutes).
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


def percent(part: Number, whole: Number, *, decimals: int = DECIMALS) -> float | None:
    """The rate in percent rounded half up to `decimals` decimals (62.5), a number for pages
    that add the "%" sign and for the API; None when there is no rate."""
    units = _units(part, whole, decimals)
    # A float is exact enough: units / 10**decimals is the double nearest to the decimal.
    return None if units is None else units / 10**decimals


def _units(part: Number, whole: Number, decimals: int) -> int | None:
    """The percentage in units of the last decimal shown (625 for 62.5 %), or None."""
    value = rate(part, whole)
    if value is None:
        return None
    # Rounded in exact integers: half up (away from zero) is decided on the true value,
    # never on a float.
    units = math.floor(abs(value) * 100 * 10**decimals + Fraction(1, 2))
    return units if value >= 0 else -units


def format_percent(part: Number, whole: Number, *, decimals: int = DECIMALS) -> str:
    """Text for display: "62.5%", always with `decimals` decimals; `NO_RATE` ("—") when
    there is nothing to count."""
    units = _units(part, whole, decimals)
    if units is None:
        return NO_RATE
    return f"{Decimal(units).scaleb(-decimals)}%"
