"""Helpers shared by the REST API's routers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

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
