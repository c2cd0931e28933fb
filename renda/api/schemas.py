"""Request and response schemas of the REST API (/api/v1/). Field names are snake_case;
every field carries a description, which is what the OpenAPI document shows."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from renda.api.validation import Day, Id, Offset, Text, Year
from renda.cases.models import CaseKind, CaseSource

InboxView = Literal[
    "open", "new", "handling", "due_soon", "overdue", "replied", "closed", "priority", "all"
]


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, translated for the user.")


class FieldError(Schema):
    loc: list[str | int] = Field(description="Where: the part of the request, then the field.")
    msg: str = Field(description="What is wrong with the value.")
    type: str = Field(description="Error code, e.g. missing, int_parsing, less_than_equal.")


class ValidationErrorOut(ErrorOut):
    errors: list[FieldError] = Field(
        default_factory=list,
        description="Every field at fault (none when the request as a whole is refused).",
    )


class PageFilters(Schema):
    """The one pagination of every list: `limit` and `offset`; the answer is
    `{"count": rows matching the filters, "items": [the page]}`."""

    limit: int = Field(50, ge=1, le=200, description="Page size (at most 200).")
    offset: Offset = Field(0, description="Number of rows to skip.")


class Ref(Schema):
    id: int = Field(description="Database id.")
    name: str = Field(description="Display name.")


# --- cases -------------------------------------------------------------------------------------


class CaseFilters(PageFilters):
    view: InboxView = Field(
        "open",
        description=(
            "Which cases: open (every open case), new (submitted, accepted or returned), "
            "handling (with a department), due_soon (due within 3 days), overdue, replied "
            "(awaiting evaluation), closed, priority (open, under priority supervision), all."
        ),
    )
    category: Id | None = Field(None, description="Only cases of this category id.")
    village: Id | None = Field(None, description="Only cases of this village or community id.")
    department: Id | None = Field(None, description="Only cases assigned to this department id.")
    source: CaseSource | None = Field(None, description="Only cases from this source.")
    kind: CaseKind | None = Field(None, description="Only cases of this kind.")
    q: Text | None = Field(None, description="Text contained in the number, title or content.")


class CaseItem(Schema):
    id: int = Field(description="Case id, used in the other endpoints.")
    serial: str = Field(description="Case number, e.g. MY2025-000001.")
    kind: str = Field(
        description="opinion (public opinion), suggestion (deputy suggestion), finding "
        "(inspection finding) or deliberation (the presidium's deliberation opinion)."
    )
    title: str = Field(description="Short title.")
    status: str = Field(description="State code, e.g. submitted, assigned, replied, closed.")
    status_label: str = Field(description="The state in words, translated.")
    category: Ref = Field(description="The case category.")
    village: Ref | None = Field(description="The village or community concerned, if any.")
    source: str = Field(description="How the case came in (web, station, hotline...).")
    submitted_at: dt.datetime = Field(description="When the case was submitted.")
    due_date: dt.date | None = Field(description="The reply is due by this date.")
    is_priority: bool = Field(description="Under priority supervision by a leader.")
    departments: list[str] = Field(
        description="Names of the departments that answer the case (lead and split units)."
    )
    reply_class: str = Field(description="Class of the latest reply (A-D), empty before any.")
    evaluation_result: str = Field(
        description="Latest evaluation: satisfied, basic, unsatisfied, or empty."
    )


class CaseList(Schema):
    count: int = Field(description="Number of cases matching the filters.")
    items: list[CaseItem] = Field(description="The requested page of cases.")


class Submitter(Schema):
    name: str = Field(
        description=(
            "The submitter's name, masked (e.g. 张*明); in full for a deputy's suggestion "
            "(its lead deputy) and for the submitter's own case."
        )
    )
    phone: str = Field(description="The submitter's mobile number, masked (e.g. 138****5678).")


class AssignmentOut(Schema):
    id: int = Field(description="Assignment id, used in the /assignments endpoints.")
    department: Ref = Field(description="The department.")
    role: str = Field(description="lead, co (co-handler) or split.")
    status: str = Field(description="assigned, signed, returned, replied or superseded.")
    due_date: dt.date = Field(description="The department's due date.")
    assigned_at: dt.datetime = Field(description="When the case was assigned.")
    signed_at: dt.datetime | None = Field(description="When the department signed for it.")
    replied_at: dt.datetime | None = Field(description="When the department replied.")
    return_reason: str = Field(description="Why the department returned it, if it did.")


class ReplyOut(Schema):
    round: int = Field(description="Handling round (2 and more after an unsatisfied rating).")
    department: str = Field(description="Name of the replying department.")
    reply_class: str = Field(description="A, B, C or D.")
    text: str = Field(description="The reply.")
    public_text: str = Field(description="The reply as shown to the public.")
    replied_at: dt.datetime = Field(description="When it was given.")
    on_time: bool = Field(description="Given by the due date.")


class EvaluationOut(Schema):
    round: int = Field(description="Handling round the rating applies to.")
    result: str = Field(description="satisfied, basic or unsatisfied.")
    attitude: str = Field(description="Rating of the handling attitude, may be empty.")
    comment: str = Field(description="The submitter's comment.")
    created_at: dt.datetime = Field(description="When it was recorded.")


class CaseDetail(CaseItem):
    content: str = Field(description="The full text of the case.")
    address: str = Field(description="Address given by the submitter.")
    latitude: float | None = Field(description="Latitude of the location, if given.")
    longitude: float | None = Field(description="Longitude of the location, if given.")
    submitter: Submitter = Field(description="The submitter, masked.")
    assignments: list[AssignmentOut] = Field(description="Every assignment, newest first.")
    replies: list[ReplyOut] = Field(description="Every reply, in order.")
    evaluations: list[EvaluationOut] = Field(description="Every evaluation, in order.")


class EventOut(Schema):
    at: dt.datetime = Field(description="When it happened.")
    action: str = Field(description="Event code, e.g. assigned, signed, replied.")
    label: str = Field(description="The event in words, translated.")
    actor: str = Field(description="Who did it (empty for the system or the public).")
    department: str | None = Field(description="Name of the department concerned, if any.")
    note: str = Field(description="Note or text of the step.")
    is_public: bool = Field(description="Shown to the submitter on the tracking page.")
    from_status: str = Field(description="State before the step.")
    to_status: str = Field(description="State after the step.")


# --- actions -----------------------------------------------------------------------------------


class AssignIn(Schema):
    lead: Id | None = Field(None, description="Lead department id (or give splits instead).")
    co_handlers: list[Id] = Field(
        default_factory=list, description="Co-handler department ids (with a lead only)."
    )
    splits: list[Id] = Field(
        default_factory=list, description="Split department ids, each answering its part."
    )
    due: Day | None = Field(None, description="Due date; the congress's rule by default.")
    note: Text = Field("", description="Note for the timeline.")


class ReturnIn(Schema):
    reason: Text = Field("", description="Why the case is outside the department's remit.")


class ReplyIn(Schema):
    reply_class: Text = Field(
        "",
        description=(
            "A: solved or basically solved; B: being solved or planned; C: to be solved "
            "when conditions allow; D: kept for reference."
        ),
    )
    text: Text = Field("", description="The reply.")
    public_text: Text = Field("", description="The reply as shown to the public (default: text).")


class ExtensionIn(Schema):
    until: Day = Field(description="The due date asked for.")
    reason: Text = Field("", description="Why more time is needed.")


class EvaluateIn(Schema):
    result: Text = Field("", description="satisfied, basic (basically satisfied) or unsatisfied.")
    attitude: Text = Field(
        "", description="Rating of the handling attitude, same values, optional."
    )
    comment: Text = Field("", description="The submitter's comment.")


class ProgressIn(Schema):
    note: Text = Field("", description="What was done.")
    public: bool = Field(False, description="Show the note to the submitter.")


# --- figures -----------------------------------------------------------------------------------


class FiguresFilters(Schema):
    congress: Id | None = Field(None, description="Only this congress (id).")
    kind: CaseKind | None = Field(None, description="Only cases of this kind.")
    year: Year | None = Field(None, description="Only cases of this year (of the case number).")
    session: Id | None = Field(
        None, description="Only the deputies' suggestions raised at this session (id)."
    )
    department: Id | None = Field(
        None, description="Only cases this department answers (lead or split unit, id)."
    )
    category: Id | None = Field(None, description="Only cases of this category (id).")
    start: Day | None = Field(None, description="Submitted on or after this date.")
    end: Day | None = Field(None, description="Submitted on or before this date.")


class FigureCounts(Schema):
    received: int = Field(description="Cases received.")
    assigned: int = Field(description="Cases assigned to a department.")
    closed: int = Field(description="Cases closed.")
    replied: int = Field(description="Cases replied to.")
    replied_on_time: int = Field(description="Cases whose first reply came by the due date.")
    evaluated: int = Field(description="Cases rated.")
    satisfied: int = Field(description="Rated satisfied.")
    basic: int = Field(description="Rated basically satisfied.")
    unsatisfied: int = Field(description="Rated unsatisfied.")
    class_a: int = Field(description="Replies of class A.")
    class_b: int = Field(description="Replies of class B.")
    class_c: int = Field(description="Replies of class C.")
    class_d: int = Field(description="Replies of class D.")
    awaiting_evaluation: int = Field(description="Replied cases awaiting evaluation.")
    met: int = Field(description="Cases whose submitter the department met (见面).")
    closure_rate: float | None = Field(description="closed / assigned, in percent.")
    on_time_rate: float | None = Field(description="replied on time / assigned, in percent.")
    satisfaction_rate: float | None = Field(
        description="(satisfied + basically satisfied) / evaluated, in percent."
    )
    solved_rate: float | None = Field(description="class A / replied, in percent.")
    solved_or_solving_rate: float | None = Field(
        description="(class A + class B) / replied, in percent."
    )
    met_rate: float | None = Field(description="met / assigned, in percent (见面率).")


class FigureRow(FigureCounts):
    id: int | str | None = Field(
        description="What the row is grouped by: the category, department or village id "
        "(two of the same name are two rows), the source code, the month (YYYY-MM), the "
        "year or the session id; null for cases without a village and for suggestions "
        "between sessions."
    )
    label: str = Field(
        description="The group's name: category, department, village, source or month (two "
        "rows of the same name add what tells them apart, e.g. the department's congress)."
    )


class Figures(Schema):
    total: FigureCounts = Field(description="All cases matching the filters.")
    by_category: list[FigureRow] = Field(description="Per category.")
    by_department: list[FigureRow] = Field(description="Per answering department.")
    by_village: list[FigureRow] = Field(description="Per village or community.")
    by_source: list[FigureRow] = Field(description="Per source.")
    by_month: list[FigureRow] = Field(description="Per month of submission (YYYY-MM).")
    by_year: list[FigureRow] = Field(description="Per year of the case number.")
    by_session: list[FigureRow] = Field(
        description="The deputies' suggestions among the cases, per session (or between sessions)."
    )


# --- the user ----------------------------------------------------------------------------------


class Me(Schema):
    username: str = Field(description="Login name.")
    name: str = Field(description="Full name.")
    roles: list[str] = Field(description="Every role the user holds somewhere.")
