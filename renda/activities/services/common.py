"""What every activity service shares: the rights check, the row lock, the state move."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from renda.activities.models import ACTIVITY_TRANSITIONS, Activity
from renda.congress import policy
from renda.core import workflow
from renda.core.errors import DomainError

MAX_TEXT = 5000


def require(user: Any, perm: str, obj: Any) -> None:
    if not policy.can(user, perm, obj):
        raise DomainError(_("You may not do this for this congress."))


def lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


def move(
    activity: Activity, target: str, actor: Any, *, note: str = "", fields: Sequence[str] = ()
) -> str:
    return workflow.move(
        activity,
        target,
        transitions=ACTIVITY_TRANSITIONS,
        action="activity.status",
        actor=actor,
        note=note,
        fields=fields,
        error=_("An activity that is %(current)s cannot become %(target)s."),
    )
