from typing import Any

from django.http import HttpRequest

from renda.congress import policy


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the signed-in user's navigation shows (a few cached policy lookups)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    from renda.core.models import Notification

    return {
        "nav": {
            "cases": policy.can(user, "case.supervise"),
            "department": bool(policy.department_ids(user)),
            "appraisals": policy.can(user, "appraisal.view"),
            "portal": policy.can(user, "portal.view"),
            "deputy": bool(policy.access(user).deputy_congress_ids),
            "stations": policy.can(user, "station.view"),
            "projects": policy.can(user, "project.view"),
            "activities": policy.can(user, "activity.view"),
            "polls": policy.can(user, "poll.view"),
            "unread": Notification.objects.filter(
                recipient_id=user.pk, read_at__isnull=True
            ).count(),
        }
    }
