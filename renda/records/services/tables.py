"""The points table's versions: created (copying the rules of the version in force, or the
defaults), rules changed, each audited; an effective date another version of the same
congress already has is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.models import Congress
from renda.core import audit
from renda.core.errors import DomainError
from renda.records.kinds import Bonus, Kind, Period
from renda.records.models import PointsRule, PointsTable

MANAGE = "record.manage"

# The default rules (DOMAIN.md §6: e.g. suggestion +3, inspection +3, absence −1), with
# the targets of DOMAIN.md §3 (a duty day a year, a suggestion, quarterly group activity).
# kind: (points, cap, bonus_when, bonus, target, period)
DEFAULT_RULES: dict[str, tuple[int, int | None, str, int, int, str]] = {
    Kind.DUTY_HELD: (2, 24, Bonus.CHECKED_IN, 0, 1, Period.YEAR),
    Kind.DUTY_MISSED: (-2, 10, "", 0, 0, Period.YEAR),
    Kind.RECEPTION: (1, 10, "", 0, 0, Period.YEAR),
    Kind.MATTER: (1, 10, Bonus.SOLVED, 1, 0, Period.YEAR),
    Kind.SUGGESTION_LED: (3, 15, Bonus.SOLVED, 1, 1, Period.YEAR),
    Kind.SUGGESTION_COSIGNED: (1, 5, "", 0, 0, Period.YEAR),
    Kind.MOTION_LED: (5, 10, "", 0, 0, Period.YEAR),
    Kind.SESSION_ATTENDED: (2, None, "", 0, 0, Period.YEAR),
    Kind.SESSION_ABSENT: (-2, None, "", 0, 0, Period.YEAR),
    Kind.VOTE: (1, 10, "", 0, 0, Period.YEAR),
    Kind.APPRAISAL_REPORT: (3, 6, "", 0, 0, Period.YEAR),
    Kind.INSPECTION: (3, 15, Bonus.ORGANISER, 1, 0, Period.YEAR),
    Kind.TRAINING: (2, 10, Bonus.ORGANISER, 1, 1, Period.YEAR),
    Kind.ACTIVITY: (1, 8, "", 0, 1, Period.QUARTER),
    Kind.ACTIVITY_ABSENT: (-1, 5, "", 0, 0, Period.YEAR),
    Kind.DUAL_CONTACT: (1, 10, "", 0, 0, Period.YEAR),
    Kind.CONSTITUENCY_VISIT: (2, 10, "", 0, 1, Period.YEAR),
    Kind.INDUSTRY: (1, 5, "", 0, 0, Period.YEAR),
}

RULE_FIELDS = ("points", "cap", "bonus_when", "bonus", "target", "target_period")


def _require(user: Any, congress: Congress) -> None:
    if not policy.can(user, MANAGE, congress):
        raise DomainError(_("Only the presidium office can change the points table."))


def _rule_values(rule: PointsRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def create_table(
    congress: Congress,
    *,
    name: str,
    effective_from: dt.date,
    acting_user: Any,
    note: str = "",
) -> PointsTable:
    """A new version in force from `effective_from`, starting from the rules of the
    version in force that day (the defaults for the first one)."""
    _require(acting_user, congress)
    table = PointsTable(
        congress=congress,
        name=name.strip()[:100] or _("Points table"),
        effective_from=effective_from,
        note=note,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    try:
        table.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    base = (
        PointsTable.objects.filter(congress=congress, effective_from__lte=effective_from)
        .order_by("-effective_from")
        .first()
    )
    try:
        with transaction.atomic():
            table.save()
            if base is not None:
                rules = [
                    PointsRule(table=table, kind=r.kind, **_rule_values(r))
                    for r in base.rules.all()
                ]
            else:
                rules = [
                    PointsRule(
                        table=table,
                        kind=kind,
                        points=p,
                        cap=cap,
                        bonus_when=when,
                        bonus=bonus,
                        target=target,
                        target_period=period,
                    )
                    for kind, (p, cap, when, bonus, target, period) in DEFAULT_RULES.items()
                ]
            PointsRule.objects.bulk_create(rules)
            audit.record(
                "records.points_table_created",
                table,
                actor=acting_user,
                changes={
                    "effective_from": [None, effective_from.isoformat()],
                    "copied_from": [None, base.pk if base else None],
                },
            )
    except IntegrityError as exc:  # the same date saved meanwhile by someone else
        raise DomainError(
            _("Another points table of this congress takes effect on %(date)s.")
            % {"date": effective_from.isoformat()}
        ) from exc
    return table


def update_rules(table: PointsTable, *, values: dict[str, dict[str, Any]], acting_user: Any) -> int:
    """Change the rules of a version (kind → field values); one audit entry lists every
    change. Returns the number of rules changed."""
    _require(acting_user, table.congress)
    changes: dict[str, list[Any]] = {}
    with transaction.atomic():
        rules = {r.kind: r for r in PointsRule.objects.select_for_update().filter(table=table)}
        changed = 0
        for kind, new in values.items():
            rule = rules.get(kind)
            if rule is None:
                rule = PointsRule(table=table, kind=kind)
            old = _rule_values(rule) if rule.pk else {}
            fields = [f for f in RULE_FIELDS if f in new and getattr(rule, f) != new[f]]
            if not fields and rule.pk:
                continue
            for name in fields:
                setattr(rule, name, new[name])
                changes[f"{kind}.{name}"] = [old.get(name), new[name]]
            try:
                rule.full_clean(exclude=["table"])
            except ValidationError as exc:
                raise DomainError(" ".join(exc.messages)) from exc
            if rule.pk:
                rule.save(update_fields=fields)
            else:
                rule.save()
            changed += 1
        if changes:
            audit.record("records.points_rules_changed", table, actor=acting_user, changes=changes)
    return changed


def ensure_default_table(congress: Congress, *, effective_from: dt.date, acting_user: Any) -> None:
    """The demo's and a new congress's first table, if it has none."""
    if not PointsTable.objects.filter(congress=congress).exists():
        create_table(
            congress,
            name=_("Points table"),
            effective_from=effective_from,
            acting_user=acting_user,
        )
