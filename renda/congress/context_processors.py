from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from renda.congress import policy


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the signed-in user's navigation shows (a few cached policy lookups). A district's
    office also reaches the pages of its towns, read-only (policy.can_read).

    Worked out when a template first reads `nav`: a page whose frame has no office menu
    (the voter's ballot pages) pays neither the lookups nor the unread count's query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {"nav": SimpleLazyObject(lambda: _menu(user))}


def _menu(user: Any) -> dict[str, Any]:
    from renda.core.models import Notification

    return {
        "cases": policy.can_read(user, "case.supervise"),
        "department": bool(policy.department_ids(user)),
        "appraisals": policy.can_read(user, "appraisal.view"),
        "portal": policy.can(user, "portal.view"),
        "deputy": bool(policy.access(user).deputy_congress_ids),
        "stations": policy.can_read(user, "station.view"),
        "projects": policy.can_read(user, "project.view"),
        "activities": policy.can(user, "activity.view"),
        "district": bool(policy.district_town_ids(user)),
        "polls": policy.can_read(user, "poll.view"),
        "records": policy.can(user, "record.view"),
        "points": policy.can(user, "record.manage"),
        "reports": policy.can_read(user, "report.view"),
        "back_office": policy.is_back_office(user),
        "audit": policy.can(user, "audit.read"),
        "unread": Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count(),
    }
