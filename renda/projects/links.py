"""Links to the ballot engine's own pages, which are built on another branch: a poll's
state is always shown; the link only when the engine's URL exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

# URL names the engine's staff poll page may have (first that resolves wins).
POLL_URL_NAMES = ("ballots:staff_poll", "ballots:poll", "ballots:poll_detail")


@dataclass
class PollLink:
    poll: Any
    url: str

    @property
    def status_label(self) -> str:
        return str(self.poll.get_status_display())


def poll_url(poll: Any) -> str:
    for name in POLL_URL_NAMES:
        try:
            return reverse(name, args=[poll.pk])
        except NoReverseMatch:
            continue
    return ""


def poll_link(poll: Any) -> PollLink | None:
    if poll is None:
        return None
    return PollLink(poll=poll, url=poll_url(poll))
