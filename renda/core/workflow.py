"""The one state-move mechanism of every workflow record (a case, a poll, a meeting, an
article, a duty…). A service locks the row, checks its own rules, then calls `move()`:
the transition table (data next to the model's TextChoices) decides whether the move is
allowed; an allowed move assigns the status (and the given extra values), saves with
`update_fields` and writes the audit entry in the caller's transaction; a refused move
raises `DomainError` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from renda.core import audit
from renda.core.errors import DomainError

# A state table: each status → the statuses it may move to. Keys may be the TextChoices
# members or their plain values (a member hashes and compares as its value).
Transitions = Mapping[Any, Collection[Any]]


def allowed(obj: models.Model, target: str, transitions: Transitions) -> bool:
    """May `obj` move from its current status to `target`?"""
    return target in transitions.get(obj.status, ())  # type: ignore[attr-defined]


def _label(obj: models.Model, value: Any) -> str:
    choices = dict(obj._meta.get_field("status").flatchoices)  # type: ignore[union-attr]
    return str(choices.get(value, value))


def move(
    obj: models.Model,
    target: str,
    *,
    transitions: Transitions,
    action: str,
    actor: Any,
    fields: Sequence[str] = (),
    values: Mapping[str, Any] | None = None,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
    error: str | Callable[[], str] | None = None,
    record_on: models.Model | None = None,
) -> str:
    """Move `obj` (a row the caller has locked) to `target` and return the old status.

    - `transitions`: the model's state table; a target not listed for the current status
      raises `DomainError` before anything is assigned, saved or logged.
    - `error`: the caller's translated message for a refused move, either a template with
      `%(current)s` and `%(target)s` (the status labels) or a callable returning the
      message; by default a generic translated sentence.
    - `fields`: further fields the caller already assigned, saved with the status.
    - `values`: further fields assigned only once the move is allowed, saved with it.
    - `action`, `actor`, `note`: the audit entry; its changes are
      `{"status": [old, target]}` plus `changes`.
    - `record_on`: the object the audit entry is about when it is not `obj` (e.g. the
      suggestion, for the answer of one of its co-signers).
    """
    before = obj.status  # type: ignore[attr-defined]
    if not allowed(obj, target, transitions):
        labels = {"current": _label(obj, before), "target": _label(obj, target)}
        if error is None:
            message = _("This cannot go from “%(current)s” to “%(target)s”.") % labels
        elif callable(error):
            message = error()
        else:
            message = error % labels
        raise DomainError(message)
    # The single place outside services.py that assigns a status (see
    # scripts/check_conventions.py): every service's status change comes through here.
    obj.status = target  # type: ignore[attr-defined]
    for name, value in (values or {}).items():
        setattr(obj, name, value)
    obj.save(update_fields=["status", *(values or {}), *fields])
    audit.record(
        action,
        obj if record_on is None else record_on,
        actor=actor,
        changes={"status": [before, target], **(changes or {})},
        note=note,
    )
    return before
