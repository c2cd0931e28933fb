"""Attendance at a training by scanning its expiring code on the deputy's phone: the same
signed, time-stamped code as a station's duty check-in (`renda.core.checkin`), valid for the
minutes the congress set for check-in codes (the stations' rules)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.activities.models import (
    INVITATION_TRANSITIONS,
    Activity,
    ActivityStatus,
    CheckinMethod,
    Invitation,
    InvitationStatus,
)
from renda.activities.services.activities import credit
from renda.activities.services.common import require
from renda.core import checkin, workflow
from renda.core.errors import DomainError
from renda.stations.models import StationRules
from renda.stations.services import deputy_of

CHECKIN_SALT = "renda.activities.checkin"


def checkin_minutes(congress_id: int) -> int:
    return StationRules.for_congress(congress_id).checkin_code_minutes


def checkin_code(activity: Activity, *, acting_user: Any) -> str:
    require(acting_user, "activity.manage", activity)
    if activity.status not in (ActivityStatus.ANNOUNCED, ActivityStatus.HELD):
        raise DomainError(_("The check-in code is shown once the activity is announced."))
    return checkin.issue(CHECKIN_SALT, activity.congress_id, activity.pk)


def check_in(user: Any, code: str) -> Invitation:
    """The deputy's scan: one answer for a forged, foreign or expired code (the view counts
    failures against the rate limit)."""
    deputy = deputy_of(user)
    if deputy is None:
        raise DomainError(_("Only a deputy can check in with an activity's code."))
    congress_id, activity_id = checkin.read(
        CHECKIN_SALT,
        code,
        minutes=lambda ids: checkin_minutes(ids[0]),
        expired=_("This check-in code has expired; scan the code shown in the room now."),
    )
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .filter(
                activity_id=activity_id,
                activity__congress_id=congress_id,
                deputy=deputy,
                activity__status__in=[ActivityStatus.ANNOUNCED, ActivityStatus.HELD],
            )
            .select_related("activity", "deputy")
            .first()
        )
        if invitation is None:
            raise DomainError(_("You are not invited to this activity."))
        if invitation.status == InvitationStatus.ATTENDED:
            return invitation  # a second scan: already counted, credits nothing more
        invitation.checkin_method = CheckinMethod.QR
        invitation.checked_in_at = timezone.now()
        workflow.move(
            invitation,
            InvitationStatus.ATTENDED,
            transitions=INVITATION_TRANSITIONS,
            action="activity.checkin",
            actor=user,
            fields=["checkin_method", "checked_in_at"],
            record_on=invitation.activity,
            error=_("An invitation that is %(current)s cannot become %(target)s."),
        )
        credit(invitation, invitation.activity, user)
    return invitation
