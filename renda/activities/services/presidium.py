"""Presidium meetings (主席团会议) between sessions: reports heard from the government,
attendance of the presidium members (each writes its participation event), minutes and
decisions (final once the meeting is closed; later corrections are amendments beside
them), budget execution by quarter and line with deviation flags, and deliberation opinions
(审议意见) sent to the government as cases of kind "deliberation" on the case engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from renda.activities.models import (
    MEETING_TRANSITIONS,
    ActivityRules,
    BudgetLine,
    DeliberationOpinion,
    MeetingReport,
    MeetingStatus,
    MinutesAmendment,
    PresidiumMeeting,
    ReportKind,
    Role,
)
from renda.activities.services.common import require
from renda.activities.services.participation import record_participation
from renda.cases import services as cases
from renda.cases.models import CaseKind, CaseSource, Category
from renda.congress.models import Congress, Department, Deputy
from renda.core import audit, uploads, workflow
from renda.core.errors import DomainError
from renda.core.rates import percent, rate


def create_meeting(
    *, congress: Congress, title: str, held_on: dt.date, place: str = "", acting_user: Any
) -> PresidiumMeeting:
    require(acting_user, "activity.manage", congress)
    title = cases.clean_text(title, field=_("The title"), maximum=200)
    place = cases.clean_text(place, field=_("The place"), maximum=200, required=False)
    with transaction.atomic():
        meeting = PresidiumMeeting.objects.create(
            congress=congress, title=title, held_on=held_on, place=place, created_by=acting_user
        )
        audit.record("presidium.meeting", meeting, actor=acting_user)
    return meeting


def _lock(meeting: PresidiumMeeting) -> PresidiumMeeting:
    return PresidiumMeeting.objects.select_for_update().get(pk=meeting.pk)


def _open(meeting: PresidiumMeeting, acting_user: Any) -> PresidiumMeeting:
    meeting = _lock(meeting)
    require(acting_user, "activity.manage", meeting)
    if meeting.status == MeetingStatus.CLOSED:
        raise DomainError(_("This meeting is closed; record an amendment instead."))
    return meeting


def _accept_document(document: Any) -> Any:
    """A report document checked by its bytes (`core.uploads`), or None."""
    if document is None:
        return None
    try:
        return uploads.accept(document)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc


def add_report(
    meeting: PresidiumMeeting,
    *,
    kind: str,
    title: str,
    reporter: str = "",
    document: Any = None,
    acting_user: Any,
) -> MeetingReport:
    if kind not in ReportKind.values:
        raise DomainError(_("Choose a kind of report."))
    title = cases.clean_text(title, field=_("The title"), maximum=200)
    reporter = cases.clean_text(reporter, field=_("The reporter"), maximum=100, required=False)
    accepted = _accept_document(document)
    with transaction.atomic():
        meeting = _open(meeting, acting_user)
        report = MeetingReport(meeting=meeting, kind=kind, title=title, reporter=reporter)
        if accepted is not None:
            report.document = accepted
            report.document_type = accepted.content_type
            report.document_name = accepted.original_name[:200]
        report.save()
        audit.record(
            "presidium.report",
            meeting,
            actor=acting_user,
            note=title,
            changes={"document": [None, bool(accepted)]},
        )
    return report


def attach_report_document(
    report: MeetingReport, *, document: Any, acting_user: Any
) -> MeetingReport:
    """The document of a report heard (the government's text), checked by its bytes; while
    the meeting is open. A second document replaces the first (both stay in storage)."""
    accepted = _accept_document(document)
    if accepted is None:
        raise DomainError(_("Choose the report's document."))
    with transaction.atomic():
        meeting = _open(report.meeting, acting_user)
        report = MeetingReport.objects.select_for_update().get(pk=report.pk, meeting=meeting)
        old = report.document_name
        report.document = accepted
        report.document_type = accepted.content_type
        report.document_name = accepted.original_name[:200]
        report.save(update_fields=["document", "document_type", "document_name"])
        audit.record(
            "presidium.report_document",
            meeting,
            actor=acting_user,
            note=report.title,
            changes={"document": [old or None, report.document_name]},
        )
    return report


def set_attendance(
    meeting: PresidiumMeeting, *, present: Sequence[Deputy], acting_user: Any
) -> PresidiumMeeting:
    """The presidium members present; each gets a participation event (once)."""
    from renda.activities.services.plan import is_presidium_member

    with transaction.atomic():
        meeting = _open(meeting, acting_user)
        outsiders = [d.name for d in present if not is_presidium_member(d, meeting.congress_id)]
        if outsiders:
            raise DomainError(
                _("Not members of the presidium: %(names)s.") % {"names": "、".join(outsiders)}
            )
        meeting.present.set(present)
        for deputy in present:
            record_participation(
                deputy,
                meeting,
                congress_id=meeting.congress_id,
                kind="presidium_meeting",
                role=Role.PARTICIPANT,
                on=meeting.held_on,
                title=meeting.title,
                acting_user=acting_user,
            )
        audit.record(
            "presidium.attendance",
            meeting,
            actor=acting_user,
            changes={"present": [None, [d.pk for d in present]]},
        )
    return meeting


def write_minutes(
    meeting: PresidiumMeeting, *, minutes: str, decisions: str = "", acting_user: Any
) -> PresidiumMeeting:
    minutes = cases.clean_text(minutes, field=_("The minutes"), maximum=50000)
    decisions = cases.clean_text(decisions, field=_("The decisions"), maximum=20000, required=False)
    with transaction.atomic():
        meeting = _open(meeting, acting_user)
        meeting.minutes, meeting.decisions = minutes, decisions
        meeting.save(update_fields=["minutes", "decisions"])
        audit.record("presidium.minutes", meeting, actor=acting_user)
    return meeting


def close_meeting(meeting: PresidiumMeeting, *, acting_user: Any) -> PresidiumMeeting:
    with transaction.atomic():
        meeting = _lock(meeting)
        require(acting_user, "activity.manage", meeting)
        if not meeting.minutes:
            raise DomainError(_("Write the minutes before closing the meeting."))
        workflow.move(
            meeting,
            MeetingStatus.CLOSED,
            transitions=MEETING_TRANSITIONS,
            action="presidium.closed",
            actor=acting_user,
            error=_("A meeting that is %(current)s cannot become %(target)s."),
        )
    return meeting


def amend_minutes(meeting: PresidiumMeeting, *, text: str, acting_user: Any) -> MinutesAmendment:
    """A closed meeting's minutes stay as they were; the correction is recorded beside them."""
    text = cases.clean_text(text, field=_("The amendment"), maximum=5000)
    with transaction.atomic():
        meeting = _lock(meeting)
        require(acting_user, "activity.manage", meeting)
        if meeting.status != MeetingStatus.CLOSED:
            raise DomainError(_("The minutes of an open meeting are edited directly."))
        amendment = MinutesAmendment.objects.create(
            meeting=meeting, text=text, written_by=acting_user
        )
        audit.record("presidium.amendment", meeting, actor=acting_user)
    return amendment


# --- budget execution ------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A line's execution against the time-proportional target of its quarter."""

    execution: float | None  # executed / budget, in percent (display)
    target: float  # quarter / 4, in percent
    of_target: float | None  # execution / target, in percent (display)
    flag: str  # "" | "low" | "high"


def budget_flag(
    budget: Decimal, executed: Decimal, quarter: int, *, low: int = 80, high: int = 120
) -> Flag:
    """DOMAIN.md §1: flag a line whose execution is below `low` % or above `high` % of the
    time-proportional target (a quarter's share of the year: Q1 25 %, Q2 50 %…). Exact
    fractions: 80 % of the target exactly is not flagged, a cent less is."""
    if quarter not in (1, 2, 3, 4):
        raise DomainError(_("The quarter is between 1 and 4."))
    target = Fraction(quarter, 4)
    share = rate(executed, budget)
    if share is None:
        return Flag(None, float(target * 100), None, "")
    of_target = share / target
    flag = (
        "low"
        if of_target < Fraction(low, 100)
        else "high"
        if of_target > Fraction(high, 100)
        else ""
    )
    return Flag(
        percent(executed, budget),
        float(target * 100),
        percent(share.numerator * 4, share.denominator * quarter),
        flag,
    )


def add_budget_line(
    meeting: PresidiumMeeting,
    *,
    year: int,
    quarter: int,
    name: str,
    budget: Decimal,
    executed: Decimal,
    acting_user: Any,
) -> tuple[BudgetLine, str]:
    """Record one line as reported; returns the line and a warning ("" if none) when the
    executed amount exceeds the budget by an implausible factor (kept, not refused)."""
    name = cases.clean_text(name, field=_("The budget line"), maximum=200)
    if quarter not in (1, 2, 3, 4):
        raise DomainError(_("The quarter is between 1 and 4."))
    if budget <= 0 or executed < 0:
        raise DomainError(_("The budget is positive and the executed amount not negative."))
    with transaction.atomic():
        meeting = _open(meeting, acting_user)
        line = BudgetLine.objects.create(
            meeting=meeting, year=year, quarter=quarter, name=name, budget=budget, executed=executed
        )
        audit.record(
            "presidium.budget_line",
            meeting,
            actor=acting_user,
            changes={"line": [None, [name, str(budget), str(executed)]]},
        )
    factor = ActivityRules.for_congress(meeting.congress_id).implausible_factor
    warning = ""
    if executed > budget * factor:
        warning = _(
            "The executed amount of “%(name)s” is more than %(factor)s times its budget: "
            "check the figures."
        ) % {"name": name, "factor": factor}
    return line, warning


def budget_table(meeting: PresidiumMeeting) -> list[tuple[BudgetLine, Flag]]:
    rules = ActivityRules.for_congress(meeting.congress_id)
    return [
        (
            line,
            budget_flag(
                line.budget,
                line.executed,
                line.quarter,
                low=rules.budget_low_percent,
                high=rules.budget_high_percent,
            ),
        )
        for line in meeting.budget_lines.all()
    ]


# --- deliberation opinions ------------------------------------------------------------


def send_opinion(
    report: MeetingReport,
    *,
    text: str,
    department: Department | None,
    category: Category,
    due: dt.date | None = None,
    acting_user: Any,
) -> DeliberationOpinion:
    """审议意见 on a report, to the government (its office: `department`) as a case."""
    text = cases.clean_text(text, field=_("The opinion"), maximum=5000)
    if department is None:
        raise DomainError(_("Name the department that answers the opinion."))
    with transaction.atomic():
        meeting = _lock(report.meeting)
        require(acting_user, "activity.manage", meeting)
        if department.congress_id != meeting.congress_id:
            raise DomainError(_("Choose an active department of this congress."))
        case, _code = cases.submit_case(
            congress=meeting.congress,
            category=category,
            kind=CaseKind.DELIBERATION,
            title=(_("Deliberation opinion: %(title)s") % {"title": report.title})[:100],
            content=text,
            source=CaseSource.PRESIDIUM,
            entered_by=acting_user,
        )
        cases.assign_case(case, acting_user=acting_user, lead=department, due=due)
        opinion = DeliberationOpinion.objects.create(
            meeting=meeting, report=report, text=text, case=case
        )
        audit.record(
            "presidium.opinion", meeting, actor=acting_user, changes={"case": [None, case.serial]}
        )
    return opinion
