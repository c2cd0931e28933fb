"""The one entry type of a deputy's service record, and the collectors that produce it:
one collector per source module, registered in `COLLECTORS`. A collector reads its module
through that module's public query functions only, for every deputy of the batch at once
(a fixed number of queries, however many deputies: the office's list is one batch, a
deputy's own page a batch of one), and returns plain entries, each with its deputy; the
record (`services.record`) sorts them, counts them and scores them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from renda.activities import services as activities
from renda.activities.models import LEARNING_KINDS, SUPERVISION_KINDS
from renda.appraisals import services as appraisals
from renda.ballots import services as ballots
from renda.cases.models import CaseStatus, EvaluationResult, ReplyClass
from renda.congress.models import Deputy
from renda.records.kinds import Bonus, Kind
from renda.stations import queries as stations
from renda.stations.models import CheckinMethod, ContactKind, DutyStatus
from renda.suggestions import queries as suggestions


@dataclass(frozen=True)
class Entry:
    """One thing a deputy did (or missed) on a day, with its evidence: `evidence_url` is
    the office's page of the record, `own_url` the deputy's own page of it (if any).
    `key` identifies the source record (stable order, no duplicates); `tags` are the
    conditions a bonus may ask for; `points` and `explanation` are set by the scoring."""

    kind: str
    date: dt.date
    title: str
    role: str = ""
    outcome: str = ""
    evidence_url: str = ""
    own_url: str = ""
    key: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)
    points: int = 0
    explanation: str = ""

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)


@dataclass(frozen=True)
class Context:
    """The batch a collector reads: these deputies' year in one congress."""

    deputy_ids: tuple[int, ...]
    congress_id: int
    year: int


#: A collector yields (deputy id, entry) for every deputy of the batch.
Collector = Callable[[Context], Iterable[tuple[int, Entry]]]


def _each(by_deputy: dict[int, list[Any]]) -> Iterable[tuple[int, Any]]:
    for deputy_id, rows in by_deputy.items():
        for row in rows:
            yield deputy_id, row


def collect_stations(ctx: Context) -> Iterable[tuple[int, Entry]]:
    """Duty shifts held or missed, receptions, matters forwarded and what became of them,
    双联系 and 回选区 logs, industry contact point activities."""
    d, c, y = ctx.deputy_ids, ctx.congress_id, ctx.year
    mine = reverse("stations:mine")
    for deputy_id, duty in _each(stations.duties_by_deputy(d, c, y)):
        shift = duty.shift
        if duty.status not in (DutyStatus.ATTENDED, DutyStatus.MISSED):
            continue
        held = duty.status == DutyStatus.ATTENDED
        yield (
            deputy_id,
            Entry(
                kind=Kind.DUTY_HELD if held else Kind.DUTY_MISSED,
                date=shift.date,
                title=_("Duty at %(station)s") % {"station": shift.station.name},
                role=_("Deputy on duty"),
                outcome=str(duty.get_status_display()),
                evidence_url=reverse("stations:station", args=[shift.station_id]),
                own_url=mine,
                key=f"stations.duty:{duty.pk}",
                tags=frozenset({Bonus.CHECKED_IN})
                if duty.checkin_method == CheckinMethod.QR
                else frozenset(),
            ),
        )
    for deputy_id, reception in _each(stations.receptions_by_deputy(d, c, y)):
        matters = list(reception.matters.all())
        yield (
            deputy_id,
            Entry(
                kind=Kind.RECEPTION,
                date=reception.date,
                title=_("Reception at %(station)s") % {"station": reception.station.name},
                role=_("Receiving deputy"),
                outcome=_("%(visitors)s visitor(s), %(matters)s matter(s)")
                % {"visitors": reception.visitor_count, "matters": len(matters)},
                evidence_url=reverse("stations:reception", args=[reception.pk]),
                key=f"stations.reception:{reception.pk}",
            ),
        )
    for deputy_id, matter in _each(stations.matters_by_deputy(d, c, y)):
        outcome = str(matter.get_status_display())
        tags: set[str] = set()
        if matter.case is not None:
            case = matter.case
            outcome = f"{outcome} · {case.serial} {case.get_status_display()}"
            if case.reply_class == ReplyClass.A:
                tags.add(Bonus.SOLVED)
        yield (
            deputy_id,
            Entry(
                kind=Kind.MATTER,
                date=matter.reception.date,
                title=matter.content[:60],
                role=_("Forwarding deputy"),
                outcome=outcome,
                evidence_url=reverse("stations:reception", args=[matter.reception_id]),
                own_url=mine,
                key=f"stations.matter:{matter.pk}",
                tags=frozenset(tags),
            ),
        )
    for deputy_id, log in _each(stations.contacts_by_deputy(d, c, y)):
        visit = log.kind == ContactKind.CONSTITUENCY
        yield (
            deputy_id,
            Entry(
                kind=Kind.CONSTITUENCY_VISIT if visit else Kind.DUAL_CONTACT,
                date=log.date,
                title=log.summary[:60],
                role=str(log.get_kind_display()),
                outcome=_("%(n)s voter(s) met") % {"n": log.voters_met},
                evidence_url=reverse("stations:contacts"),
                own_url=mine,
                key=f"stations.contact:{log.pk}",
            ),
        )
    for deputy_id, activity in _each(stations.industry_activities_by_deputy(d, c, y)):
        yield (
            deputy_id,
            Entry(
                kind=Kind.INDUSTRY,
                date=activity.date,
                title=f"{activity.point.name}：{activity.title}",
                role=_("Participant"),
                outcome=_("Issues raised") if activity.issues else "",
                evidence_url=reverse("stations:industry"),
                key=f"stations.industry:{activity.pk}",
            ),
        )


def _case_outcome(case) -> tuple[str, set[str]]:  # noqa: ANN001 - a cases.Case
    if case is None:
        return "", set()
    parts = [str(case.get_status_display())]
    tags: set[str] = set()
    if case.reply_class:
        parts.append(_("reply class %(c)s") % {"c": case.reply_class})
        if case.reply_class == ReplyClass.A:
            tags.add(Bonus.SOLVED)
    if case.evaluation_result:
        parts.append(str(EvaluationResult(case.evaluation_result).label))
        if case.evaluation_result == EvaluationResult.SATISFIED:
            tags.add(Bonus.SATISFIED)
    return " · ".join(parts), tags


def collect_suggestions(ctx: Context) -> Iterable[tuple[int, Entry]]:
    """Suggestions and motions led or co-signed, with the reply class and the rating."""
    found = suggestions.records_by_deputy(ctx.deputy_ids, ctx.congress_id, ctx.year)
    for deputy_id, suggestion in _each(found):
        led = suggestion.lead_id == deputy_id
        if led:
            kind = Kind.MOTION_LED if suggestion.is_motion else Kind.SUGGESTION_LED
        else:
            kind = Kind.SUGGESTION_COSIGNED
        outcome, tags = _case_outcome(suggestion.case)
        if suggestion.case is not None and suggestion.case.status == CaseStatus.REJECTED:
            tags = set()
        yield (
            deputy_id,
            Entry(
                kind=kind,
                date=(suggestion.submitted_at or suggestion.created_at).date(),
                title=suggestion.title,
                role=_("Lead deputy") if led else _("Co-signer"),
                outcome=outcome,
                evidence_url=reverse("suggestions:office_detail", args=[suggestion.pk]),
                own_url=reverse("suggestions:detail", args=[suggestion.pk]),
                key=f"suggestions.suggestion:{suggestion.pk}",
                tags=frozenset(tags),
            ),
        )


def collect_ballots(ctx: Context) -> Iterable[tuple[int, Entry]]:
    """Session attendance (present at any poll of the session) and the polls taken part
    in — participation only, never a choice."""
    found = ballots.participation_by_deputy(ctx.deputy_ids, ctx.congress_id, ctx.year)
    for deputy_id, parts in found.items():
        for entry in _ballot_entries(parts):
            yield deputy_id, entry


def _ballot_entries(parts: list[ballots.DeputyPollPart]) -> Iterable[Entry]:
    """One deputy's votes and sessions."""
    sessions: dict[int, list[ballots.DeputyPollPart]] = {}
    for part in parts:
        if part.session_id is not None:
            sessions.setdefault(part.session_id, []).append(part)
        if part.took_part:
            yield Entry(
                kind=Kind.VOTE,
                date=part.day,
                title=part.title,
                role=_("Voter"),
                outcome=_("Took part"),
                evidence_url=reverse("ballots:office_poll", args=[part.poll_id]),
                own_url=reverse("ballots:mine"),
                key=f"ballots.poll:{part.poll_id}",
            )
    for session_id, of_session in sessions.items():
        present = any(p.present for p in of_session)
        first = of_session[0]
        yield Entry(
            kind=Kind.SESSION_ATTENDED if present else Kind.SESSION_ABSENT,
            date=first.day,
            title=first.session_name,
            role=_("Deputy"),
            outcome=_("Present") if present else _("Absent"),
            evidence_url=reverse("ballots:office_poll", args=[first.poll_id]),
            key=f"ballots.session:{session_id}",
        )


def collect_appraisals(ctx: Context) -> Iterable[tuple[int, Entry]]:
    """Performance reports given (述职) and their result once rated."""
    found = appraisals.reports_by_deputy(ctx.deputy_ids, ctx.congress_id, ctx.year)
    for deputy_id, reporter in _each(found):
        meeting = reporter.meeting
        yield (
            deputy_id,
            Entry(
                kind=Kind.APPRAISAL_REPORT,
                date=meeting.held_on,
                title=reporter.report_title or meeting.title,
                role=_("Reporter"),
                outcome=reporter.grade or str(meeting.get_status_display()),
                evidence_url=reverse("appraisals:reporter", args=[reporter.pk]),
                own_url=reverse("appraisals:mine"),
                key=f"appraisals.reporter:{reporter.pk}",
            ),
        )


def collect_activities(ctx: Context) -> Iterable[tuple[int, Entry]]:
    """Inspections, surveys, law checks, trainings and other activities (the participation
    event), and activities missed without leave."""
    d, c, y = ctx.deputy_ids, ctx.congress_id, ctx.year
    for deputy_id, part in _each(activities.participations_by_deputy(d, y, congress_id=c)):
        if part.kind in SUPERVISION_KINDS:
            kind = Kind.INSPECTION
        elif part.kind in LEARNING_KINDS:
            kind = Kind.TRAINING
        else:
            kind = Kind.ACTIVITY
        if part.activity_id:
            office = reverse("activities:detail", args=[part.activity_id])
            own = reverse("activities:page", args=[part.activity_id])
        elif part.kind == "presidium_meeting":
            office, own = reverse("activities:meeting", args=[part.target_id]), ""
        else:
            office, own = "", ""
        hours = _("%(h)s hour(s)") % {"h": part.hours} if part.hours else ""
        yield (
            deputy_id,
            Entry(
                kind=kind,
                date=part.on,
                title=part.title,
                role=str(part.get_role_display()),
                outcome=str(hours),
                evidence_url=office,
                own_url=own,
                key=f"activities.participation:{part.pk}",
                tags=frozenset({Bonus.ORGANISER})
                if part.role in ("organiser", "lecturer")
                else frozenset(),
            ),
        )
    for deputy_id, invitation in _each(activities.absences_by_deputy(d, y, congress_id=c)):
        activity = invitation.activity
        yield (
            deputy_id,
            Entry(
                kind=Kind.ACTIVITY_ABSENT,
                date=activity.starts_on,
                title=activity.topic,
                role=str(invitation.get_role_display()),
                outcome=str(invitation.get_status_display()),
                evidence_url=reverse("activities:detail", args=[activity.pk]),
                own_url=reverse("activities:page", args=[activity.pk]),
                key=f"activities.absence:{invitation.pk}",
            ),
        )


#: Every source of the service record, one per module. A new module adds its collector here.
COLLECTORS: list[Collector] = [
    collect_stations,
    collect_suggestions,
    collect_ballots,
    collect_appraisals,
    collect_activities,
]


def collect_many(deputies: Iterable[Deputy], congress_id: int, year: int) -> dict[int, list[Entry]]:
    """Every entry of each deputy's year in one congress (deputy id → entries), each list
    in a fixed order (date, kind, source key): the same records give the same list. A fixed
    number of queries (a few per collector), however many deputies."""
    ctx = Context(tuple(d.pk for d in deputies), congress_id, year)
    found: dict[int, list[Entry]] = {pk: [] for pk in ctx.deputy_ids}
    for collector in COLLECTORS:
        for deputy_id, entry in collector(ctx):
            found[deputy_id].append(entry)
    return {pk: sorted(entries, key=_order) for pk, entries in found.items()}


def _order(entry: Entry) -> tuple[dt.date, str, str]:
    return (entry.date, entry.kind, entry.key)
