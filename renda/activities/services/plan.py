"""The year's work plan (年度工作要点): items with a kind, topic, lead and planned month, each
linked to the activities that carry it out; its state is read from them. An item not done
in its year is carried over into the next year's plan (the old item stays, marked carried
over). The plan is published (and may be taken back to draft) through the state table;
it is written out as .docx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.activities.models import (
    PLAN_TRANSITIONS,
    Activity,
    ActivityStatus,
    PlanItem,
    PlanItemKind,
    PlanItemState,
    PlanStatus,
    WorkPlan,
)
from renda.activities.services.common import require
from renda.cases.services import clean_text
from renda.congress.models import Congress, Deputy, PresidiumMembership
from renda.core import audit, documents, workflow
from renda.core.errors import DomainError


def plan_for(congress: Congress, year: int, *, acting_user: Any) -> WorkPlan:
    """The congress's plan of the year, created (as a draft) on first use."""
    require(acting_user, "activity.manage", congress)
    if not 2000 <= year <= 2100:
        raise DomainError(_("Choose a year between 2000 and 2100."))
    with transaction.atomic():
        plan, created = WorkPlan.objects.get_or_create(
            congress=congress,
            year=year,
            defaults={"title": _("Work plan of %(year)s") % {"year": year}},
        )
        if created:
            audit.record("activity.plan_created", plan, actor=acting_user)
    return plan


def _lock_plan(plan: WorkPlan) -> WorkPlan:
    return WorkPlan.objects.select_for_update().get(pk=plan.pk)


def add_item(
    plan: WorkPlan,
    *,
    kind: str,
    topic: str,
    month: int,
    lead: Deputy | None = None,
    acting_user: Any,
) -> PlanItem:
    topic = clean_text(topic, field=_("The topic"), maximum=200)
    if kind not in PlanItemKind.values:
        raise DomainError(_("Choose a kind of item."))
    if not 1 <= month <= 12:
        raise DomainError(_("The planned month is between 1 and 12."))
    with transaction.atomic():
        plan = _lock_plan(plan)
        require(acting_user, "activity.manage", plan)
        if lead is not None and not is_presidium_member(lead, plan.congress_id):
            raise DomainError(_("The lead is a member of the presidium."))
        item = PlanItem.objects.create(plan=plan, kind=kind, topic=topic, month=month, lead=lead)
        audit.record("activity.plan_item", plan, actor=acting_user, note=topic)
    return item


def is_presidium_member(deputy: Deputy, congress_id: int) -> bool:
    """A member of a presidium of this congress's current term (the presidium elected at
    a session sits between sessions)."""
    return PresidiumMembership.objects.filter(
        session__term__congress_id=congress_id,
        session__term__is_current=True,
        deputy=deputy,
    ).exists()


def link_activity(item: PlanItem, activity: Activity, *, acting_user: Any) -> PlanItem:
    with transaction.atomic():
        plan = _lock_plan(item.plan)
        require(acting_user, "activity.manage", plan)
        if activity.congress_id != plan.congress_id:
            raise DomainError(_("Link an activity of this congress."))
        item.activities.add(activity)
        audit.record(
            "activity.plan_link",
            plan,
            actor=acting_user,
            changes={"item": [None, item.pk], "activity": [None, activity.pk]},
        )
    return item


def carry_over(item: PlanItem, *, acting_user: Any) -> PlanItem:
    """The item goes into next year's plan (created if needed), planned for the same
    month; the old item shows as carried over. Done items are not carried."""
    if item_state(item) == PlanItemState.DONE:
        raise DomainError(_("This item is done; nothing to carry over."))
    plan = item.plan
    following = plan_for(plan.congress, plan.year + 1, acting_user=acting_user)
    with transaction.atomic():
        _lock_plan(plan)
        if PlanItem.objects.filter(carried_from=item).exists():
            raise DomainError(_("This item is already carried over."))
        new = PlanItem.objects.create(
            plan=following,
            kind=item.kind,
            topic=item.topic,
            month=item.month,
            lead=item.lead,
            carried_from=item,
        )
        audit.record("activity.plan_carry", plan, actor=acting_user, changes={"to": [None, new.pk]})
    return new


def set_published(plan: WorkPlan, *, published: bool, acting_user: Any) -> WorkPlan:
    with transaction.atomic():
        plan = _lock_plan(plan)
        require(acting_user, "activity.manage", plan)
        if published and not plan.items.exists():
            raise DomainError(_("A plan is published with its items."))
        plan.published_at = timezone.now() if published else None
        workflow.move(
            plan,
            PlanStatus.PUBLISHED if published else PlanStatus.DRAFT,
            transitions=PLAN_TRANSITIONS,
            action="activity.plan_status",
            actor=acting_user,
            fields=["published_at"],
            error=_("A plan that is %(current)s cannot become %(target)s."),
        )
    return plan


def item_state(item: PlanItem, *, today: dt.date | None = None) -> str:
    """The state read from the linked activities (prefetch `activities` and `carried_to`
    for a list): done when one was held or closed, under way when one is planned or
    announced, carried over, past its month, or not started."""
    today = today or timezone.localdate()
    statuses = {a.status for a in item.activities.all()}
    if statuses & {ActivityStatus.HELD, ActivityStatus.CLOSED}:
        return PlanItemState.DONE
    if statuses & {ActivityStatus.PLANNED, ActivityStatus.ANNOUNCED}:
        return PlanItemState.UNDER_WAY
    if _carried(item):
        return PlanItemState.CARRIED_OVER
    if (item.plan.year, item.month) < (today.year, today.month):
        return PlanItemState.OVERDUE
    return PlanItemState.NOT_STARTED


def _carried(item: PlanItem) -> bool:
    try:
        return item.carried_to is not None
    except PlanItem.carried_to.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


def plan_items(plan: WorkPlan) -> Iterable[PlanItem]:
    """The plan's items with what their state needs, in a fixed number of queries."""
    items = list(
        plan.items.select_related("lead", "carried_to", "carried_from__plan", "plan")
        .prefetch_related("activities")
        .order_by("month", "id")
    )
    for item in items:
        item.state = item_state(item)  # type: ignore[attr-defined]
        item.get_state_display = dict(PlanItemState.choices)[item.state]  # type: ignore[attr-defined]
    return items


def plan_docx(plan: WorkPlan) -> bytes:
    """The plan as a .docx: title, then one table row per item."""
    labels = dict(PlanItemKind.choices)
    states = dict(PlanItemState.choices)
    document = documents.docx_document(size=12)
    documents.add_text(document.add_paragraph(), plan.title, bold=True, size=16)
    rows = list(plan_items(plan))
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    heads = [_("Month"), _("Kind"), _("Topic"), _("Lead"), _("State")]
    for cell, head in zip(table.rows[0].cells, heads, strict=True):
        documents.add_text(cell.paragraphs[0], str(head), bold=True)
    documents.repeat_header_row(table)
    for item in rows:
        cells = table.add_row().cells
        values = [
            str(item.month),
            str(labels.get(item.kind, item.kind)),
            item.topic,
            item.lead.name if item.lead else "",
            str(states[item.state]),  # type: ignore[attr-defined]
        ]
        for cell, value in zip(cells, values, strict=True):
            documents.add_text(cell.paragraphs[0], value)
    return documents.to_bytes(document)
