"""Masking of personal data shown in the UI (DESIGN.md rule 5)."""

from __future__ import annotations


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
