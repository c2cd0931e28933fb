"""Publication to the portal as an article draft, for the apps below the portal.

An app below the portal (the presidium's work plan, its decisions, an inspection's research
report) never imports it: it describes what it publishes as a `Piece` and calls
`publish_draft(obj, piece, acting_user=…)`. The portal registers the one drafter in its
`AppConfig.ready()` (`register_drafter`): it makes the article draft on the congress's site
once per object (an origin row with a unique constraint) and the portal's own review and
approval then apply. Without the portal installed, publication is refused with a message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext as _

from renda.core.errors import DomainError


@dataclass(frozen=True)
class Piece:
    """What to publish: the congress whose site receives it, a title and a body of safe
    HTML (built with `format_html`/`escape` by the app), and the source line."""

    congress_id: int
    title: str
    body: str
    source: str = ""


@dataclass(frozen=True)
class Drafted:
    """The draft made from an object: its id, title, status label, the back office's page."""

    article_id: int
    title: str
    status: str
    url: str
    created: bool = False


class Drafter(Protocol):
    def draft(self, obj: models.Model, piece: Piece, *, acting_user: Any) -> Drafted: ...

    def drafted(self, objs: Iterable[models.Model]) -> dict[tuple[int, int], Drafted]: ...


_drafter: list[Drafter] = []


def register_drafter(drafter: Drafter) -> None:
    _drafter[:] = [drafter]


def available() -> bool:
    return bool(_drafter)


def publish_draft(obj: models.Model, piece: Piece, *, acting_user: Any) -> Drafted:
    """The article draft made from `obj`, made now or found (made once per object)."""
    if not _drafter:
        raise DomainError(_("The portal is not installed."))
    return _drafter[0].draft(obj, piece, acting_user=acting_user)


def drafted(obj: models.Model) -> Drafted | None:
    """The draft already made from `obj`, if any (one query)."""
    if not _drafter:
        return None
    found = _drafter[0].drafted([obj])
    return next(iter(found.values()), None)


def drafted_many(objs: Iterable[models.Model]) -> dict[tuple[int, int], Drafted]:
    """Drafts made from several objects, keyed by (content type id, object id)."""
    return _drafter[0].drafted(objs) if _drafter else {}
