"""The workspace's to-dos: each app registers what its pages have waiting for a user.

The workspace (congress, `/workspace/`) may not import the apps above it; each of them
registers a provider here in its `AppConfig.ready()` (the doors fill the engine's
registries the same way). A provider returns the `Todo`s of one user: a count computed by
the app's own query function and a link to the list that filters with that same function,
so a figure and its list always agree. Each provider issues a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Urgency: what is overdue first, then what is due soon, then the rest.
OVERDUE, DUE_SOON, WAITING, INFO = 0, 1, 2, 3


@dataclass(frozen=True)
class Todo:
    key: str  # stable id for tests and anchors, e.g. "cases.overdue"
    area: str  # the work area heading (translated)
    label: str  # what is waiting (translated)
    count: int | None  # None: an item that is not a count (e.g. the next duty day)
    url: str
    urgency: int = WAITING
    note: str = ""  # e.g. a poll's turnout "12 / 30"
    extra: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[Any, Any], list[Todo]]  # (user, access) -> to-dos
PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def todos_for(user: Any) -> list[Todo]:
    """Every registered provider's to-dos for this user, overdue and due soon first."""
    from renda.congress import policy

    access = policy.access(user)
    found: list[Todo] = []
    for provider in PROVIDERS:
        found.extend(provider(user, access))
    return sorted(found, key=lambda t: (t.urgency, PROVIDERS_ORDER.get(t.key.split(".")[0], 9)))


PROVIDERS_ORDER = {
    key: n
    for n, key in enumerate(
        [
            "calendar",
            "cases",
            "department",
            "suggestions",
            "ballots",
            "portal",
            "stations",
            "myduty",
            "mypolls",
            "mysuggestions",
        ]
    )
}
