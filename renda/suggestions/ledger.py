"""The suggestions ledger (建议台账) and the assignment meeting's list (交办清单).

The ledger is one row per submitted suggestion with everything the office keeps about it,
from the deputies who raised it to the follow-up. `ledger_rows` reads the suggestions in
chunks of `CHUNK` with a fixed number of queries per chunk (the suggestion with its case,
category, deputies, session, term and congress in one query; confirmed co-signers, current
assignments and evaluations prefetched; contact records counted by a subquery), so a
ledger of up to `CHUNK` suggestions always costs the same queries, and memory stays bounded
by one chunk. The ledger is an export (renda.core.exports, "suggestions.ledger"): its rows
are written one by one into a write-only workbook spooled to a temporary file and streamed,
or, above `RENDA_EXPORT_JOB_ROWS` suggestions, by a background job with its progress.
`ledger_response` writes the same sheet at once (the API's ledger).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.http.response import HttpResponseBase
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from renda.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    CaseEvent,
    CaseRules,
    CaseStatus,
    ContactRecord,
    Evaluation,
    EvaluationResult,
    FollowUpStatus,
    Reply,
)
from renda.core import documents, exports
from renda.suggestions.figures import session_label
from renda.suggestions.models import (
    AssignmentMeeting,
    CoSigner,
    CoSignerStatus,
    MotionDecision,
    Suggestion,
    SuggestionStatus,
)

XLSX, DOCX = exports.XLSX, exports.DOCX
CHUNK = 2000  # suggestions per read: 4 queries up to CHUNK rows, 3 more per further chunk

# (key, header, column width) in the order of the cells `ledger_rows` yields.
LEDGER_COLUMNS: list[tuple[str, Any, int]] = [
    ("serial", gettext_lazy("Number"), 18),
    ("title", gettext_lazy("Title"), 40),
    ("content", gettext_lazy("Content"), 60),
    ("category", gettext_lazy("Category"), 12),
    ("congress", gettext_lazy("Congress"), 20),
    ("term", gettext_lazy("Term"), 8),
    ("session", gettext_lazy("Session"), 18),
    ("lead", gettext_lazy("Lead deputy"), 10),
    ("cosigners", gettext_lazy("Co-signers"), 24),
    ("is_motion", gettext_lazy("Raised as a motion"), 8),
    ("motion_decision", gettext_lazy("Motion decision"), 16),
    ("submitted_on", gettext_lazy("Submitted on"), 12),
    ("status", gettext_lazy("Status"), 14),
    ("accepted", gettext_lazy("Accepted"), 8),
    ("lead_unit", gettext_lazy("Lead unit"), 18),
    ("co_handlers", gettext_lazy("Co-handlers"), 24),
    ("split_units", gettext_lazy("Split units"), 24),
    ("assigned_on", gettext_lazy("Assigned on"), 12),
    ("due_date", gettext_lazy("Due date"), 12),
    ("reply_class", gettext_lazy("Reply class"), 8),
    ("replied_on", gettext_lazy("Replied on"), 12),
    ("replied_on_time", gettext_lazy("Replied on time"), 8),
    ("reply_text", gettext_lazy("Reply"), 60),
    ("rejection_reason", gettext_lazy("Reason for not accepting"), 30),
    ("met", gettext_lazy("Met the deputy"), 8),
    ("contacts", gettext_lazy("Contacts"), 8),
    ("evaluation", gettext_lazy("Evaluation"), 12),
    ("attitude", gettext_lazy("Handling attitude"), 12),
    ("follow_up", gettext_lazy("Follow-up"), 10),
    ("recheck_date", gettext_lazy("Re-check date"), 12),
    ("priority", gettext_lazy("Priority supervision"), 8),
    ("priority_leader", gettext_lazy("Supervising leader"), 10),
    ("published", gettext_lazy("Published"), 8),
]
LEDGER_KEYS = [key for key, _label, _width in LEDGER_COLUMNS]

# Accepted for handling (立案): every state a case reaches after review.
_ACCEPTED = frozenset(
    {
        CaseStatus.TRIAGED,
        CaseStatus.ASSIGNED,
        CaseStatus.SIGNED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.RETURNED,
        CaseStatus.REPLIED,
        CaseStatus.REHANDLING,
        CaseStatus.CLOSED,
    }
)


def ledger_header() -> list[str]:
    return LEDGER_TABLE.headers


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def ledger_queryset(queryset: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    """The submitted suggestions of `queryset` with everything a ledger row reads."""
    current = (
        Assignment.objects.exclude(
            status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED]
        )
        .select_related("department")
        .order_by("role", "id")
    )
    contacts = (
        ContactRecord.objects.filter(case_id=OuterRef("case_id"))
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        queryset.filter(status=SuggestionStatus.SUBMITTED, case__isnull=False)
        .select_related(
            "case__follow_up",
            "case__priority_leader",
            "category",
            "lead",
            "session",
            "term",
            "congress",
        )
        .prefetch_related(
            Prefetch(
                "cosigners",
                queryset=CoSigner.objects.filter(status=CoSignerStatus.CONFIRMED)
                .select_related("deputy")
                .order_by("id"),
                to_attr="confirmed_cosigners",
            ),
            Prefetch("case__assignments", queryset=current, to_attr="current_assignments"),
            Prefetch(
                "case__evaluations",
                queryset=Evaluation.objects.order_by("round", "id"),
                to_attr="ordered_evaluations",
            ),
        )
        .annotate(
            contact_count=Coalesce(Subquery(contacts, output_field=IntegerField()), Value(0)),
            # The latest round's replies and the review's refusal, as one subquery each.
            reply_text=Subquery(
                Reply.objects.filter(case_id=OuterRef("case_id"), round=OuterRef("case__round"))
                .order_by("-replied_at")
                .values("text")[:1]
            ),
            rejection_reason=Subquery(
                CaseEvent.objects.filter(case_id=OuterRef("case_id"), action="rejected")
                .order_by("-id")
                .values("note")[:1]
            ),
        )
        .order_by("case__submitted_at", "case_id")
    )


def ledger_rows(queryset: QuerySet[Suggestion]) -> Iterator[list[Any]]:
    """One list of cells per submitted suggestion of `queryset`, in the order of
    LEDGER_COLUMNS (dates as dates, counts as numbers, yes/no in words)."""
    # Labels are translated once per ledger, not once per cell.
    yes, no = _("Yes"), _("No")
    yes_no = {True: yes, False: no, None: ""}
    statuses = {k: str(v) for k, v in CaseStatus.choices}
    evaluations = {k: str(v) for k, v in EvaluationResult.choices}
    follow_ups = {k: str(v) for k, v in FollowUpStatus.choices}
    decisions = {k: str(v) for k, v in MotionDecision.choices}
    terms: dict[int, str] = {}
    sessions: dict[tuple[int, int | None], str] = {}
    for s in ledger_queryset(queryset).iterator(chunk_size=CHUNK):
        case = s.case
        if case is None:  # filtered out above; for the type checker
            continue
        term = s.term.ordinal
        if term not in terms:
            terms[term] = _("Term %(ordinal)s") % {"ordinal": term}
        session_key = (term, s.session.ordinal if s.session else None)
        if session_key not in sessions:
            sessions[session_key] = session_label(*session_key)
        units: dict[str, list[str]] = {role: [] for role in AssignmentRole.values}
        for assignment in case.current_assignments:  # type: ignore[attr-defined]
            units[assignment.role].append(assignment.department.name)
        done = case.ordered_evaluations  # type: ignore[attr-defined]
        evaluation = done[-1] if done else None
        try:
            follow_up = case.follow_up
        except ObjectDoesNotExist:
            follow_up = None
        if case.status == CaseStatus.SUBMITTED:
            accepted = ""  # under review
        else:
            accepted = yes if case.status in _ACCEPTED or case.assigned_at is not None else no
        leader = case.priority_leader
        yield [
            case.serial,
            s.title,
            s.content,
            s.category.name,
            s.congress.name,
            terms[term],
            sessions[session_key],
            s.lead.name,
            "、".join(c.deputy.name for c in s.confirmed_cosigners),  # type: ignore[attr-defined]
            yes_no[s.is_motion],
            decisions.get(s.motion_decision, ""),
            _local_date(s.submitted_at or case.submitted_at),
            statuses.get(case.status, case.status),
            accepted,
            "、".join(units[AssignmentRole.LEAD]),
            "、".join(units[AssignmentRole.CO]),
            "、".join(units[AssignmentRole.SPLIT]),
            _local_date(case.assigned_at),
            case.due_date,
            case.reply_class,
            _local_date(case.replied_at) if case.reply_class else None,
            yes_no[case.replied_on_time],
            s.reply_text or "",  # type: ignore[attr-defined]
            s.rejection_reason or "",  # type: ignore[attr-defined]
            yes_no[case.has_contact],
            s.contact_count,  # type: ignore[attr-defined]
            evaluations.get(evaluation.result, "") if evaluation else "",
            evaluations.get(evaluation.attitude, "") if evaluation else "",
            follow_ups.get(follow_up.status, "") if follow_up else "",
            follow_up.recheck_date
            if follow_up and follow_up.status == FollowUpStatus.OPEN
            else None,
            yes_no[case.is_priority],
            (leader.name or leader.get_username()) if leader else "",
            yes_no[s.is_published],
        ]


# --- .xlsx ------------------------------------------------------------------------------------


LEDGER_TABLE = exports.positional(
    gettext_lazy("Suggestions ledger"), [(label, width) for _key, label, width in LEDGER_COLUMNS]
)


def _file_name(year: int | None = None) -> str:
    return f"suggestions-ledger-{year or timezone.localdate().year}.xlsx"


def _congress_ids(queryset: QuerySet[Suggestion]) -> Any:
    return queryset.order_by().values_list("congress_id", flat=True).distinct()


def ledger_response(
    queryset: QuerySet[Suggestion], *, actor: Any, year: int | None = None
) -> HttpResponseBase:
    """The ledger as an .xlsx download, written row by row to a spooled temporary file, at
    once whatever its size (the API's ledger; the web page's goes through `exports.respond`).
    Audited once per congress whose suggestions it holds, so that each congress's auditor
    sees who exported its data."""
    rows = exports.Rows(queryset, ledger_rows)
    return exports.attachment(
        exports.write_xlsx(LEDGER_TABLE, rows, exports.spooled()),
        _file_name(year),
        action="suggestions.exported",
        congress_ids=_congress_ids(queryset),
        actor=actor,
        note="ledger",
    )


def office_ledger(user: Any, params: QueryDict) -> QuerySet[Suggestion]:
    """The submitted suggestions a user supervises (`case.supervise`): the office's ledger."""
    return Suggestion.objects.visible_to(user, "case.supervise").filter(
        status=SuggestionStatus.SUBMITTED, case__isnull=False
    )


def _office_ledger_rows(user: Any, params: QueryDict) -> exports.Rows:
    return exports.Rows(office_ledger(user, params), ledger_rows)


def _office_ledger_congress_ids(user: Any, params: QueryDict) -> Any:
    return _congress_ids(office_ledger(user, params))


def _office_ledger_name(params: QueryDict) -> str:
    return _file_name()


# The office's download (/office/suggestions-ledger.xlsx): streamed, or a background job
# above RENDA_EXPORT_JOB_ROWS suggestions (renda.core.exports.respond).
exports.register(
    exports.Export(
        "suggestions.ledger",
        LEDGER_TABLE,
        _office_ledger_rows,
        gettext_lazy("Suggestions ledger"),
        "suggestions.exported",
        _office_ledger_congress_ids,
        name_for=_office_ledger_name,
        note="ledger",
    )
)


def api_ledger(user: Any, params: QueryDict) -> QuerySet[Suggestion]:
    """The API's ledger (/api/v1/suggestions/ledger.xlsx): the suggestions the user
    supervises, of one congress (`congress`, checked by the API) and one year (`year`)
    when asked."""
    qs = Suggestion.objects.visible_to(user, "case.supervise")
    congress, year = params.get("congress", ""), _api_year(params)
    if congress:
        qs = qs.filter(congress_id=int(str(congress)))
    if year is not None:
        qs = qs.filter(case__year=year)
    return qs


def _api_year(params: QueryDict) -> int | None:
    year = params.get("year", "")
    return int(str(year)) if year else None


# The API's download: written at once, or a background job above RENDA_EXPORT_JOB_ROWS
# suggestions, which the client follows at /api/v1/jobs/<id>.
exports.register(
    exports.Export(
        "suggestions.ledger.api",
        LEDGER_TABLE,
        lambda user, params: exports.Rows(api_ledger(user, params), ledger_rows),
        gettext_lazy("Suggestions ledger"),
        "suggestions.exported",
        lambda user, params: _congress_ids(api_ledger(user, params)),
        name_for=lambda params: _file_name(_api_year(params)),
        note="ledger",
    )
)


# --- the assignment meeting's list (交办清单) ---------------------------------------------------


def meeting_list_header() -> list[str]:
    return [
        _("No."),
        _("Number"),
        _("Title"),
        _("Lead deputy"),
        _("Lead unit"),
        _("Co-handlers"),
        _("Split units"),
        _("Due date"),
    ]


def meeting_list_rows(meeting: AssignmentMeeting) -> list[list[Any]]:
    """One row per item of the meeting's list, in the list's order; a due date left empty
    is the congress's rule (three months from assignment by default)."""
    rules = CaseRules.objects.filter(congress_id=meeting.congress_id).first()
    months = (
        rules.suggestion_reply_months
        if rules is not None
        else CaseRules._meta.get_field("suggestion_reply_months").default
    )
    default_due = ngettext(
        "%(months)s month from assignment", "%(months)s months from assignment", months
    ) % {"months": months}
    items = (
        meeting.items.select_related("case__suggestion__lead", "lead")
        .prefetch_related("co_handlers", "splits")
        .order_by("order", "id")
    )
    rows = []
    for item in items:
        case = item.case
        try:
            suggestion = case.suggestion
        except ObjectDoesNotExist:
            suggestion = None
        rows.append(
            [
                item.order,
                case.serial,
                suggestion.title if suggestion else case.title,
                suggestion.lead.name if suggestion else case.submitter_name,
                item.lead.name if item.lead else "",
                "、".join(d.name for d in item.co_handlers.all()),
                "、".join(d.name for d in item.splits.all()),
                formats.date_format(item.due_date, "DATE_FORMAT") if item.due_date else default_due,
            ]
        )
    return rows


def _meeting_date(meeting: AssignmentMeeting) -> str:
    return formats.date_format(meeting.held_on, "DATE_FORMAT")


def meeting_list_xlsx(meeting: AssignmentMeeting) -> bytes:
    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, _("Assignment list"))
    documents.xlsx_layout(sheet, widths=(6, 18, 40, 10, 18, 24, 24, 16))
    documents.xlsx_append(sheet, [meeting.title], bold=True, size=14)
    documents.xlsx_append(sheet, [_("Date: %(date)s") % {"date": _meeting_date(meeting)}])
    documents.xlsx_append(sheet, meeting_list_header(), bold=True)
    for row in meeting_list_rows(meeting):
        documents.xlsx_append(sheet, row)
    return documents.to_bytes(book)


def meeting_list_docx(meeting: AssignmentMeeting) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = documents.docx_document()
    heading = document.add_heading(level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    documents.add_text(heading, meeting.title, bold=True, size=16)
    date = document.add_paragraph()
    date.alignment = WD_ALIGN_PARAGRAPH.CENTER
    documents.add_text(date, _("Date: %(date)s") % {"date": _meeting_date(meeting)})

    header = meeting_list_header()
    rows = meeting_list_rows(meeting)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    documents.repeat_header_row(table)
    for row_index, values in enumerate([header, *rows]):
        cells = table.rows[row_index].cells
        for column, value in enumerate(values):
            documents.add_text(cells[column].paragraphs[0], str(value), bold=row_index == 0)
    return documents.to_bytes(document)
