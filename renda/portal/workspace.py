"""The portal's to-dos on the workspace: articles waiting for review and approval."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.workspace import WAITING, Todo
from renda.portal import services
from renda.portal.models import ArticleStatus

STATUSES = (ArticleStatus.REVIEW, ArticleStatus.APPROVAL)


def office_todos(user: Any, access: Any) -> list[Todo]:
    if not policy.can(user, "portal.view"):
        return []
    counts = services.article_counts(user, tuple(str(s) for s in STATUSES))
    labels = {
        ArticleStatus.REVIEW: _("Articles awaiting review"),
        ArticleStatus.APPROVAL: _("Articles awaiting approval"),
    }
    return [
        Todo(
            key=f"portal.{status}",
            area=_("Portal articles"),
            label=labels[status],
            count=counts[str(status)],
            url=f"{reverse('portal:staff_list')}?{urlencode({'status': str(status)})}",
            urgency=WAITING,
        )
        for status in STATUSES
    ]
