"""The polls' to-dos on the workspace: the office's open polls with their turnout, and a
deputy's open polls not yet voted in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from renda.ballots import services
from renda.ballots.models import PollStatus
from renda.congress import policy
from renda.congress.workspace import DUE_SOON, WAITING, Todo


def office_todos(user: Any, access: Any) -> list[Todo]:
    if not policy.can(user, "poll.view"):
        return []
    polls = list(services.office_polls(user, PollStatus.OPEN).order_by("-id"))
    url = f"{reverse('ballots:office_list')}?{urlencode({'status': PollStatus.OPEN})}"
    turnout = sum(p.turnout for p in polls)  # type: ignore[attr-defined]
    electorate = sum(p.electorate for p in polls)  # type: ignore[attr-defined]
    return [
        Todo(
            key="ballots.open",
            area=_("Polls"),
            label=_("Open polls"),
            count=len(polls),
            url=url,
            urgency=WAITING,
            note=_("turnout %(turnout)s of %(electorate)s")
            % {
                "turnout": turnout,
                "electorate": electorate,
            }
            if polls
            else "",
            extra={"polls": polls},
        )
    ]


def deputy_todos(user: Any, access: Any) -> list[Todo]:
    if not access.deputy_congress_ids:
        return []
    polls = services.my_open_polls(user)
    waiting = [poll for poll, voted in polls if not voted]
    return [
        Todo(
            key="mypolls.open",
            area=_("My polls"),
            label=_("Open polls I may vote in"),
            count=len(polls),
            url=reverse("ballots:mine"),
            urgency=DUE_SOON if waiting else WAITING,
            note=_("%(count)s not voted yet") % {"count": len(waiting)} if waiting else "",
            extra={"polls": waiting},
        )
    ]
