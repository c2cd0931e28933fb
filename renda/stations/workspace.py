"""The stations' to-dos on the workspace: the duty days of the coming week (office and
station managers) and a deputy's next duty."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.models import Congress
from renda.congress.workspace import DUE_SOON, INFO, WAITING, Todo
from renda.stations.models import DutyAssignment, DutyShift, DutyStatus, ShiftStatus

WEEK_DAYS = 7


RECENT_DAYS = 30


def roster_shifts(
    congress_id: int, start: dt.date, end: dt.date, unrecorded: bool = False
) -> QuerySet[DutyShift]:
    """The shifts the roster page lists for a congress and a period (the workspace counts
    the coming week's with it); `unrecorded`: those not cancelled with no reception recorded
    yet (the receptions to record)."""
    qs = DutyShift.objects.filter(congress_id=congress_id, date__range=(start, end))
    if unrecorded:
        qs = qs.exclude(status=ShiftStatus.CANCELLED).filter(receptions__isnull=True)
    return qs


def office_todos(user: Any, access: Any) -> list[Todo]:
    ids = policy.congress_ids(user, "station.view")
    if not ids:
        return []
    congress = (
        Congress.objects.filter(pk__in=ids, level="town", is_active=True).order_by("id").first()
    )
    if congress is None:
        return []
    today = timezone.localdate()
    end = today + dt.timedelta(days=WEEK_DAYS - 1)
    count = roster_shifts(congress.pk, today, end).count()
    query = {"congress": congress.pk, "from": today.isoformat(), "to": end.isoformat()}
    since = today - dt.timedelta(days=RECENT_DAYS)
    yesterday = today - dt.timedelta(days=1)
    unrecorded = roster_shifts(congress.pk, since, yesterday, unrecorded=True).count()
    past = {
        "congress": congress.pk,
        "from": since.isoformat(),
        "to": yesterday.isoformat(),
        "unrecorded": "1",
    }
    return [
        Todo(
            key="stations.unrecorded",
            area=_("Stations"),
            label=_("Past duty days of the last 30 days with no reception recorded"),
            count=unrecorded,
            url=f"{reverse('stations:roster')}?{urlencode(past)}",
            urgency=WAITING,
        ),
        Todo(
            key="stations.week",
            area=_("Stations"),
            label=_("Duty receptions in the next 7 days (%(congress)s)") % {"congress": congress},
            count=count,
            url=f"{reverse('stations:roster')}?{urlencode(query)}",
            urgency=WAITING,
        ),
    ]


def deputy_todos(user: Any, access: Any) -> list[Todo]:
    if not access.deputy_congress_ids:
        return []
    today = timezone.localdate()
    duty = (
        DutyAssignment.objects.filter(
            deputy__user=user, shift__date__gte=today, status=DutyStatus.SCHEDULED
        )
        .select_related("shift__station")
        .order_by("shift__date", "shift__start_time")
        .first()
    )
    if duty is None:
        label = _("No duty day scheduled")
    else:
        label = _("Next duty: %(date)s %(time)s at %(station)s") % {
            "date": duty.shift.date.isoformat(),
            "time": duty.shift.start_time.strftime("%H:%M"),
            "station": duty.shift.station.name,
        }
    soon = duty is not None and duty.shift.date <= today + dt.timedelta(days=WEEK_DAYS)
    return [
        Todo(
            key="myduty.next",
            area=_("My duty"),
            label=label,
            count=None,
            url=reverse("stations:mine"),
            urgency=DUE_SOON if soon else INFO,
        )
    ]
