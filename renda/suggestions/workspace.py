"""The suggestions' to-dos on the workspace: the office's review and a deputy's own."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.models import Deputy
from renda.congress.workspace import WAITING, Todo
from renda.suggestions import queries

OFFICE_VIEWS = ("review",)
DEPUTY_TABS = ("invitations", "evaluate", "drafts")


def office_todos(user: Any, access: Any) -> list[Todo]:
    if not policy.congress_ids(user, "case.supervise"):
        return []
    counts = queries.office_counts(user, OFFICE_VIEWS)
    url = f"{reverse('suggestions:office_list')}?{urlencode({'view': 'review'})}"
    return [
        Todo(
            key="suggestions.review",
            area=_("Suggestions"),
            label=_("Suggestions awaiting review"),
            count=counts["review"],
            url=url,
            urgency=WAITING,
        )
    ]


def deputy_todos(user: Any, access: Any) -> list[Todo]:
    if not access.deputy_congress_ids:
        return []
    deputy = Deputy.objects.filter(user=user).first()
    if deputy is None:
        return []
    labels = {
        "invitations": _("Asked to co-sign"),
        "evaluate": _("Replies awaiting my evaluation"),
        "drafts": _("My drafts"),
    }
    counts = queries.deputy_counts(deputy, DEPUTY_TABS)
    return [
        Todo(
            key=f"mysuggestions.{tab}",
            area=_("My suggestions"),
            label=labels[tab],
            count=counts[tab],
            url=f"{reverse('suggestions:mine')}?{urlencode({'tab': tab})}",
        )
        for tab in DEPUTY_TABS
    ]
