"""Publication to the portal as an article draft (`renda.core.publishing`; the portal sits
above this app and makes the draft): the year's work plan once published, a closed
presidium meeting's decisions and resolutions, an inspection's or survey's report once
filed. Each object gives one draft, made once (a second press shows the same draft); the
portal's review and approval then apply. Audited on the object when the draft is made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from renda.activities.models import (
    Activity,
    ActivityStatus,
    MeetingStatus,
    PlanItemKind,
    PlanStatus,
    PresidiumMeeting,
    WorkPlan,
)
from renda.activities.services.common import require
from renda.core import audit, publishing
from renda.core.errors import DomainError


def _paragraphs(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return str(format_html_join("", "<p>{}</p>", ((line,) for line in lines)))


def plan_piece(plan: WorkPlan) -> publishing.Piece:
    if plan.status != PlanStatus.PUBLISHED:
        raise DomainError(_("Publish the plan before sending it to the portal."))
    labels = dict(PlanItemKind.choices)
    items = plan.items.select_related("lead").order_by("month", "id")
    rows = format_html_join(
        "",
        "<li>{}</li>",
        (
            (
                _("Month %(month)s · %(kind)s · %(topic)s%(lead)s")
                % {
                    "month": item.month,
                    "kind": labels.get(item.kind, item.kind),
                    "topic": item.topic,
                    "lead": (_(" (lead: %(name)s)") % {"name": item.lead.name})
                    if item.lead
                    else "",
                },
            )
            for item in items
        ),
    )
    body = format_html("<ol>{}</ol>", rows)
    return publishing.Piece(
        congress_id=plan.congress_id, title=plan.title, body=str(body), source=_("Presidium")
    )


def meeting_piece(meeting: PresidiumMeeting) -> publishing.Piece:
    if meeting.status != MeetingStatus.CLOSED:
        raise DomainError(_("A meeting's decisions are published once the meeting is closed."))
    if not meeting.decisions.strip():
        raise DomainError(_("This meeting recorded no decisions or resolutions."))
    title = _("Decisions and resolutions of %(meeting)s") % {"meeting": meeting.title}
    intro = format_html(
        "<p>{}</p>",
        _("Adopted on %(date)s.") % {"date": meeting.held_on.strftime("%Y-%m-%d")},
    )
    return publishing.Piece(
        congress_id=meeting.congress_id,
        title=title,
        body=str(intro) + _paragraphs(meeting.decisions),
        source=_("Presidium"),
    )


def report_piece(activity: Activity) -> publishing.Piece:
    if not activity.is_supervision:
        raise DomainError(_("Only inspections, surveys and law checks publish a report."))
    if activity.status != ActivityStatus.CLOSED or not activity.report_text.strip():
        raise DomainError(_("The report is published once it is filed."))
    title = _("%(kind)s report: %(topic)s") % {
        "kind": activity.get_kind_display(),
        "topic": activity.topic,
    }
    return publishing.Piece(
        congress_id=activity.congress_id,
        title=title,
        body=_paragraphs(activity.report_text),
        source=_("Presidium"),
    )


def publish_to_portal(obj: models.Model, *, acting_user: Any) -> publishing.Drafted:
    """The portal's article draft made from a work plan, a meeting or an activity (once)."""
    model = type(obj)
    pieces: dict[type[models.Model], Callable[[Any], publishing.Piece]] = {
        WorkPlan: plan_piece,
        PresidiumMeeting: meeting_piece,
        Activity: report_piece,
    }
    if model not in pieces:
        raise DomainError(_("This cannot be published to the portal."))
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)  # type: ignore[attr-defined]
        require(acting_user, "activity.manage", locked)
        drafted = publishing.drafted(locked)
        if drafted is not None:
            return drafted
        drafted = publishing.publish_draft(locked, pieces[model](locked), acting_user=acting_user)
        if drafted.created:
            audit.record(
                "activity.portal_draft",
                locked,
                actor=acting_user,
                changes={"article": [None, drafted.article_id]},
            )
    return drafted
