"""The activities' services, one module per part: `activities` (plan, invite, attend,
notes, report), `findings` (cases on the engine), `checkin` (the scanned code),
`participation` (the one participation event)."""

from renda.activities.services.activities import (
    add_note,
    add_stop,
    announce,
    answer,
    cancel,
    create_activity,
    eligible_deputies,
    file_report,
    invite,
    mark_attendance,
    mark_held,
    record_counts,
)
from renda.activities.services.checkin import check_in, checkin_code, checkin_minutes
from renda.activities.services.findings import file_finding, rate_reply
from renda.activities.services.participation import participations, record_participation
from renda.activities.services.plan import (
    add_item,
    carry_over,
    item_state,
    link_activity,
    plan_docx,
    plan_for,
    plan_items,
    set_published,
)

__all__ = [
    "add_item",
    "carry_over",
    "item_state",
    "link_activity",
    "plan_docx",
    "plan_for",
    "plan_items",
    "set_published",
    "add_note",
    "add_stop",
    "announce",
    "answer",
    "cancel",
    "check_in",
    "checkin_code",
    "checkin_minutes",
    "create_activity",
    "eligible_deputies",
    "file_finding",
    "file_report",
    "invite",
    "mark_attendance",
    "mark_held",
    "participations",
    "rate_reply",
    "record_counts",
    "record_participation",
]
