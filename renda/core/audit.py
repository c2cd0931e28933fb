"""The one way to write the action log. Call it inside the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from renda.core import rawjoin
from renda.core.models import ActionLog
from renda.core.requestcontext import client_ip, current_request


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        before, after = _plain(old.get(key)), _plain(new.get(key))
        if before != after:
            out[key] = [before, after]
    return out


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of an instance, foreign keys as ids, for use with diff()."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        values[field.name] = _plain(field.value_from_object(obj))
    return values


def congress_id_of(obj: Any) -> int | None:
    """The congress an object hangs off, for scoping the log (DESIGN.md rule 1)."""
    if obj is None:
        return None
    resolver = getattr(obj, "audit_congress_id", None)
    if callable(resolver):
        return resolver()
    return getattr(obj, "congress_id", None)


def _entry(
    action: str,
    obj: models.Model | None,
    *,
    actor: Any,
    changes: dict[str, Any] | None,
    note: str,
    congress_id: int | None,
) -> ActionLog:
    request = current_request.get()
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if obj is not None and congress_id is None:
        congress_id = congress_id_of(obj)
    return ActionLog(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else "",
        action=action,
        congress_id=congress_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes or {},
        note=note,
        ip_address=client_ip(request),
    )


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor=None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    congress_id: int | None = None,
) -> ActionLog:
    """Append one entry. Actor and IP default to the request being served."""
    entry = _entry(action, obj, actor=actor, changes=changes, note=note, congress_id=congress_id)
    # Appended by a statement written once per process (every change writes one).
    return rawjoin.save_new(entry)  # type: ignore[return-value]


def record_per_congress(
    action: str,
    congress_ids: list[int | None],
    obj: models.Model | None = None,
    *,
    actor=None,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> list[ActionLog]:
    """The same entry once for each congress (an export spanning a district's towns, so
    each town's auditor sees it), appended in one INSERT however many congresses."""
    return ActionLog.objects.bulk_create(
        [
            _entry(action, obj, actor=actor, changes=changes, note=note, congress_id=congress_id)
            for congress_id in congress_ids
        ]
    )
