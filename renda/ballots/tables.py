"""The office's poll list as a table (renda.core.exports): the page's rows for a user and
its query string (the status tab, within the polls the user reads), its columns declared
once (the page's header row and the sheet), and its export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from renda.ballots.models import Poll
from renda.core.exports import Column, Export, Table, register

POLLS = Table(
    _("Polls"),
    (
        Column(_("Title"), "title", 36),
        Column(_("Kind"), "get_kind_display", 14),
        Column(_("Congress"), "congress.name", 18),
        Column(_("Status"), "get_status_display", 12),
        Column(_("Voted"), "turnout", 10),
        Column(_("Opened"), "opened_at", 18),
    ),
)


def poll_rows(user: Any, params: QueryDict | dict) -> QuerySet[Poll]:
    from renda.ballots import services

    return (
        services.office_polls(user, str(params.get("status") or ""))
        .select_related("congress", "session__term")
        .order_by("-id")
    )


def _congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(set(poll_rows(user, params).values_list("congress_id", flat=True)))


register(
    Export("ballots.polls", POLLS, poll_rows, _("Polls"), "ballots.list_exported", _congress_ids)
)
