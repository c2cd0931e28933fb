"""Helpers shared by the REST API's routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from renda.congress import policy
from renda.congress.models import Department
from renda.core.errors import DomainError


def user_of(request: HttpRequest) -> Any:
    """The user the bearer token acts as."""
    return request.auth  # type: ignore[attr-defined]


def not_found() -> HttpError:
    """Out of scope and missing look the same (never 403: existence is not disclosed)."""
    return HttpError(404, _("Not found."))


def ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def departments_of(congress_id: int, ids: list[int]) -> list[Department]:
    """Departments of the congress, in the order given; an unknown id is a 400."""
    found = Department.objects.filter(congress_id=congress_id, pk__in=ids).in_bulk()
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise DomainError(
            _("No department of this congress has the id %(ids)s.") % {"ids": ", ".join(missing)}
        )
    return [found[pk] for pk in ids]


def member_congress_ids(user: Any) -> set[int] | None:
    """The congresses a user belongs to: every congress of their role grants (a district
    administrator's or auditor's grant covers the towns below, as the policy module says)
    and every congress they sit in as an active deputy. None for the platform operator
    (every congress). Reference data (congresses, terms, sessions, categories, departments,
    officials, deputies) is read within these."""
    if policy.is_superuser(user):
        return None
    access = policy.access(user)
    ids: set[int] = set(access.deputy_congress_ids)
    for covered in access.by_role.values():
        ids |= covered
    return ids


def in_congresses(qs: QuerySet[Any], ids: set[int] | None, lookup: str = "congress_id") -> Any:
    """`qs` within the congresses `ids` (None: unrestricted)."""
    return qs if ids is None else qs.filter(**{f"{lookup}__in": ids})


def paginate(
    qs: QuerySet[Any], filters: Any, serialise: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """The one pagination of the API: `limit` and `offset` in the query, `{count, items}` in
    the answer (`count` is the number of rows matching the filters, all pages together).
    `qs` is ordered and carries its select_related/prefetch_related: one page is a fixed
    number of queries whatever its size."""
    count = qs.count()
    rows = qs[filters.offset : filters.offset + filters.limit]
    return {"count": count, "items": [serialise(row) for row in rows]}


def require(user: Any, perm: str, message: str) -> None:
    """403 for a user who holds `perm` nowhere (a role the endpoint is not for); objects
    outside the user's scope are then 404s, never 403s."""
    if not policy.can(user, perm):
        raise HttpError(403, message)
