"""What the records pages share: the congresses a user may read records of, the year."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from renda.congress import policy
from renda.congress.models import Congress, Deputy
from renda.records import services


def congresses(user: Any, *perms: str) -> list[Congress]:
    """The congresses where the user holds any of `perms` (default: reads records)."""
    if policy.is_superuser(user):
        return list(Congress.objects.filter(is_active=True).order_by("name"))
    ids: set[int] = set()
    for perm in perms or ("record.view",):
        ids |= set(policy.congress_ids(user, perm))
    return list(Congress.objects.filter(pk__in=ids).order_by("name"))


def chosen(request: HttpRequest, options: list[Congress]) -> Congress:
    if not options:
        raise Http404
    wanted = request.GET.get("congress") or ""
    return next((c for c in options if str(c.pk) == wanted), options[0])


def congress_or_404(user: Any, congress_id: int) -> Congress:
    """A congress whose records the user reads; any other is a 404."""
    found = next((c for c in congresses(user) if c.pk == congress_id), None)
    if found is None:
        raise Http404
    return found


def deputy_of_town_or_404(congress: Congress, pk: int) -> Deputy:
    return get_object_or_404(services.town_deputies(congress), pk=pk)


def year(request: HttpRequest) -> int:
    value = request.GET.get("year") or ""
    today = timezone.localdate().year
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else today
