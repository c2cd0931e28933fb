"""The signed-in user's workspace: their roles, scopes and where they can go."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from renda.congress import policy
from renda.congress.models import Congress, DeputyMembership, RoleGrant
from renda.congress.workspace import todos_for
from renda.core.models import User


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    grants = (
        RoleGrant.objects.filter(user=user, is_active=True)
        .select_related("congress", "department")
        .order_by("congress__name", "role")
    )
    memberships = (
        DeputyMembership.objects.filter(deputy__user=user)
        .select_related("congress", "term", "constituency", "group")
        .order_by("-term__start_date")
    )
    enter_ids = policy.congress_ids(user, "case.enter") | policy.access(user).deputy_congress_ids
    context = {
        "entry_congresses": Congress.objects.filter(
            pk__in=enter_ids, is_active=True, level__in=["town", "county"]
        ),
        "grants": grants,
        "memberships": memberships,
        "is_back_office": policy.is_back_office(user),
        "can_read_audit": policy.can(user, "audit.read"),
        "roles": policy.roles(user),
        "todos": todos_for(user),
        "is_deputy": bool(policy.access(user).deputy_congress_ids),
    }
    return render(request, "workspace.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """Every user's in-app inbox. Opening it marks the shown messages as read."""
    from django.core.paginator import Paginator
    from django.utils import timezone

    from renda.core.models import Notification

    page = Paginator(Notification.objects.filter(recipient_id=request.user.pk), 30).get_page(
        request.GET.get("page")
    )
    unread = [n.pk for n in page if n.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "congress/staff/inbox.html", {"page": page, "unread": set(unread)})
