"""One door per object type: fetch through the user's visible queryset or answer 404.

Another scope's object is a 404, never a 403 that would confirm it exists (DESIGN.md,
rule 1). Every scoped model's manager has `visible_to(user, perm)`; this helper is the
one way views fetch a single object through it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404


def get_visible_or_404(
    source: type[Model] | QuerySet[Any], user: Any, pk: Any, perm: str | None = None, **filters: Any
) -> Any:
    """The object `pk` of `source` (a model or a queryset) if `user` may see it (with
    `perm`, or the model's default permission), else Http404. Extra keyword arguments
    narrow the lookup further (e.g. `congress=…`)."""
    queryset: Any = source._default_manager.all() if isinstance(source, type) else source
    visible = queryset.visible_to(user) if perm is None else queryset.visible_to(user, perm)
    return get_object_or_404(visible, pk=pk, **filters)
