"""Points (履职积分): the rules in force on a day, and the deterministic scoring of a
year's entries, explained entry by entry.

Each entry is scored under the points table in force on its date (the latest version whose
`effective_from` is not after it), so a past year keeps the points of the rules it was
lived under when a later version is added. A kind's cap bounds the absolute sum of its
points in a year (a deduction is capped like a credit); entries count in date order."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from renda.records.entries import Entry
from renda.records.kinds import Bonus, Kind
from renda.records.models import PointsRule, PointsTable


@dataclass(frozen=True)
class Version:
    """A points table with its rules by kind, read once."""

    table: PointsTable
    rules: dict[str, PointsRule]


def versions(congress_id: int) -> list[Version]:
    """The congress's points tables, oldest first (two queries)."""
    tables = list(
        PointsTable.objects.filter(congress_id=congress_id)
        .prefetch_related("rules")
        .order_by("effective_from")
    )
    return [Version(t, {r.kind: r for r in t.rules.all()}) for t in tables]


def in_force(tables: Sequence[Version], day: dt.date) -> Version | None:
    """The version in force on `day`: the latest that took effect on or before it."""
    found = None
    for version in tables:
        if version.table.effective_from <= day:
            found = version
    return found


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _score_one(entry: Entry, version: Version | None, used: dict[str, int]) -> Entry:
    if version is None:
        return dataclasses.replace(
            entry, points=0, explanation=_("No points table was in force on this date.")
        )
    rule = version.rules.get(entry.kind)
    if rule is None or (rule.points == 0 and rule.bonus == 0):
        return dataclasses.replace(
            entry,
            points=0,
            explanation=_("Not scored by %(table)s.") % {"table": version.table},
        )
    parts = [
        _("%(points)s for %(kind)s (%(table)s)")
        % {
            "points": _signed(rule.points),
            "kind": Kind(entry.kind).label,
            "table": version.table,
        }
    ]
    raw = rule.points
    if rule.bonus and rule.bonus_when and rule.bonus_when in entry.tags:
        raw += rule.bonus
        parts.append(
            _("%(points)s bonus: %(condition)s")
            % {"points": _signed(rule.bonus), "condition": Bonus(rule.bonus_when).label}
        )
    value = raw
    if rule.cap is not None:
        room = max(rule.cap - used.get(entry.kind, 0), 0)
        if abs(raw) > room:
            value = room if raw > 0 else -room
            parts.append(
                _("cap of %(cap)s a year reached: %(value)s counted")
                % {"cap": rule.cap, "value": _signed(value)}
            )
    used[entry.kind] = used.get(entry.kind, 0) + abs(value)
    return dataclasses.replace(entry, points=value, explanation="; ".join(parts))


def score(entries: Sequence[Entry], tables: Sequence[Version]) -> list[Entry]:
    """The entries with their points and the reason for them. Deterministic: the same
    entries and tables give the same points (entries in date order, then kind and key)."""
    used: dict[str, int] = {}
    ordered = sorted(entries, key=lambda e: (e.date, e.kind, e.key))
    return [_score_one(e, in_force(tables, e.date), used) for e in ordered]
