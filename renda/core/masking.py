"""Masking of personal data shown in the UI (DESIGN.md rule 5)."""

from __future__ import annotations

import re
from collections.abc import Iterable


def mask_phone(phone: str | None) -> str:
    """138****5678: the operator prefix and the last four digits stay readable."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_name(name: str | None) -> str:
    """张*明 / 李*: keep the family name (and the last character of long names)."""
    if not name:
        return ""
    if len(name) == 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LONG_NUMBER = re.compile(r"\d{7,}")  # landlines, ID card numbers, account numbers


def mask_personal(text: str | None, *, names: Iterable[str | None] = ()) -> str:
    """Free text shown to the public: mobile numbers masked as by `mask_phone`, any other
    run of seven or more digits starred, and the given people's names masked as by
    `mask_name` (names of one character are left: they would mask ordinary words)."""
    text = _MOBILE.sub(lambda match: mask_phone(match.group()), text or "")
    text = _LONG_NUMBER.sub(lambda match: "*" * len(match.group()), text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text
