"""The year's figures of the presidium's annual work report (issue 16, items 4–6): a registry
of `Figure` definitions. Each figure says what it is (key, label, section), how it is
computed — always by a public figure function of the app that owns the records (a *source*:
one call gives several figures; the case engine's `totals`, the activities', projects',
appraisals' and stations' figure functions, the portal's publications) — and which records
it counts (`records`, the same definition: the evidence list behind the number).

Nothing is counted twice or recounted here: a figure picks its number from its source's
answer. A rate is its source's rate for one congress; for a district total it is the core
rate (`renda.core.rates.percent`, the one every engine uses) of the summed numerator and
denominator figures it names.

The number of queries is fixed per congress and year, whatever the number of records
(tests/reports/test_query_count.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.activities import figures as activity_figures
from renda.activities.models import ActivityKind, ReviewResult
from renda.appraisals import figures as appraisal_figures
from renda.appraisals.models import ReviewMeeting
from renda.ballots.models import SCALE_GRADES
from renda.cases import figures as case_figures
from renda.cases.models import Case, CaseKind
from renda.congress.models import Congress, Deputy, Official
from renda.core.grouping import aggregate_by
from renda.core.rates import percent
from renda.portal import services as portal
from renda.projects import figures as project_figures
from renda.projects.models import BatchStatus
from renda.reports.models import ExternalPublication
from renda.stations import figures as station_figures
from renda.stations.models import ContactKind, DutyStatus, StationKind
from renda.stations.services import network
from renda.suggestions import figures as suggestion_figures

COUNT = "count"  # the number of records (records().count() == value)
SUM = "sum"  # a sum of a field over the records
RATE = "rate"  # a percentage; records are its denominator's

SECTIONS: list[tuple[str, Promise]] = [
    ("network", _("Liaison station network")),
    ("duty", _("Duty days and receptions")),
    ("opinions", _("Public opinions")),
    ("suggestions", _("Deputies' suggestions and motions")),
    ("appraisals", _("Performance reviews and appraisals")),
    ("supervision", _("Inspections, surveys and law-enforcement checks")),
    ("presidium", _("Presidium meetings and pre-appointment reviews")),
    ("projects", _("Livelihood projects")),
    ("contacts", _("Dual contacts and visits to constituencies")),
    ("training", _("Trainings")),
    ("publicity", _("Publicity")),
]

#: A source gives its answer for each of a list of congresses (keyed by id) in a fixed
#: number of queries, whatever the number of congresses.
Source = Callable[[list[Congress], int], dict[int, dict[str, Any]]]
Records = Callable[[Congress, int], QuerySet[Any]]


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    section: str
    source: str
    pick: Callable[[dict[str, Any]], Any]
    records: Records
    kind: str = COUNT
    #: For a SUM: the field summed over the records. For a RATE: (numerator figure,
    #: denominator figure) whose sums give a district's total rate.
    field: str = ""
    parts: tuple[str, str] | None = None
    #: Evidence filters the figures page offers on this figure's records (e.g. by category).
    filters: tuple[str, ...] = ()

    def compute(self, congress: Congress, year: int) -> Any:
        return self.pick(SOURCES[self.source]([congress], year)[congress.pk])


# --- sources: the lower apps' public figure functions, one call each ------------------------


def _cases(congress: Congress, year: int, kind: str) -> QuerySet[Case]:
    return case_figures.filtered_cases(
        Case.objects.all(), {"congress": congress, "kind": kind, "year": year}
    )


def _meetings(congress: Congress) -> QuerySet[ReviewMeeting]:
    return ReviewMeeting.objects.filter(congress=congress)


def _ids(congresses: list[Congress]) -> list[int]:
    return [c.pk for c in congresses]


def _receptions(congresses: list[Congress], year: int) -> dict[int, dict[str, Any]]:
    ids, days = _ids(congresses), station_figures.year_range(year)
    received = station_figures.receptions_by_congress(ids, *days)
    matters = station_figures.matters_by_congress(ids, *days)
    return {pk: {**received[pk], "matters": sum(r["count"] for r in matters[pk])} for pk in ids}


def _case_totals(kind: str) -> Source:
    def source(congresses: list[Congress], year: int) -> dict[int, dict[str, Any]]:
        ids = _ids(congresses)
        qs = case_figures.filtered_cases(
            Case.objects.filter(congress_id__in=ids), {"kind": kind, "year": year}
        )
        return case_figures.totals_by(qs, "congress_id", ids)

    return source


def _publicity(congresses: list[Congress], year: int) -> dict[int, dict[str, Any]]:
    ids = _ids(congresses)
    portal_counts = portal.published_counts(ids, year)
    external = aggregate_by(_external(ids, year), "congress_id", ids, n=Count("id"))
    return {pk: {"portal": portal_counts[pk], "external": external[pk]["n"]} for pk in ids}


SOURCES: dict[str, Source] = {
    "network": lambda cs, y: network.coverages(cs, on=network_day(y)),
    "duty": lambda cs, y: station_figures.duty_years(_ids(cs), y),
    "receptions": _receptions,
    "opinions": _case_totals(CaseKind.OPINION),
    "suggestions": _case_totals(CaseKind.SUGGESTION),
    "assignment": lambda cs, y: suggestion_figures.assignment_meetings_by_congress(_ids(cs), y),
    "appraisals": lambda cs, y: appraisal_figures.year_figures_by_congress(
        ReviewMeeting.objects.filter(congress__in=_ids(cs)), y, _ids(cs)
    ),
    "results": lambda cs, y: appraisal_figures.results_by_congress(
        ReviewMeeting.objects.filter(congress__in=_ids(cs)), y, _ids(cs)
    ),
    "held": lambda cs, y: activity_figures.activities_held_by_congress(_ids(cs), y),
    "findings": lambda cs, y: activity_figures.finding_totals_by_congress(_ids(cs), y),
    "presidium": lambda cs, y: activity_figures.presidium_meetings_by_congress(_ids(cs), y),
    "reviews": lambda cs, y: activity_figures.nominees_reviewed_by_congress(_ids(cs), y),
    "projects": lambda cs, y: project_figures.year_figures_by_congress(_ids(cs), y),
    "supervision": lambda cs, y: project_figures.supervision_by_congress(_ids(cs), y),
    "contacts": lambda cs, y: station_figures.contacts_years(_ids(cs), y),
    "training": lambda cs, y: activity_figures.training_hours_by_congress(_ids(cs), y),
    "publicity": _publicity,
}


def external_publications(congress: Congress, year: int) -> QuerySet[ExternalPublication]:
    """The office's records of outside publications of the year (withdrawn ones not)."""
    return _external([congress.pk], year)


def _external(ids: list[int], year: int) -> QuerySet[ExternalPublication]:
    return ExternalPublication.objects.filter(
        congress_id__in=ids, published_on__year=year, is_withdrawn=False
    )


def _key(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row[name]


# --- the registry ---------------------------------------------------------------------------


def _case_figures(
    p: str, section: str, source: str, records: Records, labels: dict[str, Any]
) -> list[Figure]:
    """The case engine's counts and rates of a set of cases (opinions, suggestions,
    findings), each with its records by the engine's own definition (`counted`)."""

    def counted(name: str) -> Records:
        return lambda c, y: case_figures.counted(records(c, y), name)

    out = [
        Figure(
            f"{p}_{name}", label, section, source, _key(name), counted(name), filters=("category",)
        )
        for name, label in labels.items()
    ]
    rates = [
        ("closure_rate", _("Closure rate (办结率)"), "closed", "assigned"),
        ("on_time_rate", _("On-time reply rate (按期答复率)"), "replied_on_time", "assigned"),
        (
            "satisfaction_rate",
            _("Satisfaction rate, basically satisfied included (满意率)"),
            "satisfied",
            "evaluated",
        ),
        ("solved_rate", _("Solved rate (解决率)"), "class_a", "replied"),
    ]
    out += [
        Figure(
            f"{p}_{name}",
            label,
            section,
            source,
            _key(name),
            counted(den),
            kind=RATE,
            parts=(f"{p}_{num}", f"{p}_{den}"),
            filters=("category",),
        )
        for name, label, num, den in rates
    ]
    return out


_CASE_COUNTS = {
    "assigned": _("Assigned to departments"),
    "replied": _("Replied"),
    "replied_on_time": _("Replied by the due date"),
    "closed": _("Closed"),
    "evaluated": _("Rated by the submitter"),
    "class_a": _("Solved (class A replies)"),
}


def _satisfied(records: Records) -> Records:
    """Satisfied and basically satisfied: the numerator of the engine's 满意率."""
    return lambda c, y: (
        case_figures.counted(records(c, y), "satisfied")
        | case_figures.counted(records(c, y), "basic")
    )


def _case_section(
    p: str, section: str, source: str, records: Records, received: Any
) -> list[Figure]:
    figures = [
        Figure(
            f"{p}_received",
            received,
            section,
            source,
            _key("received"),
            records,
            filters=("category",),
        ),
        *_case_figures(p, section, source, records, _CASE_COUNTS),
        Figure(
            f"{p}_satisfied",
            _("Satisfied or basically satisfied"),
            section,
            source,
            lambda r: r["satisfied"] + r["basic"],
            _satisfied(records),
            filters=("category",),
        ),
    ]
    return figures


def network_day(year: int) -> dt.date:
    """The day whose station network a year's report counts: the year's last day, or today
    for the year under way."""
    return min(dt.date(year, 12, 31), timezone.localdate())


def _held(kinds: Iterable[str]) -> Records:
    return lambda c, y: activity_figures.held(c.pk, y, kinds)


_INSPECTIONS = (ActivityKind.FOCUSED_INSPECTION, ActivityKind.SPECIAL_INSPECTION)

FIGURES: list[Figure] = [
    # The station network at the year's end (this year: today), from the stations' opening
    # and closing dates; a station serves the villages it lists now.
    Figure(
        "stations_central",
        _("Central liaison stations"),
        "network",
        "network",
        _key("central"),
        lambda c, y: station_figures.network_stations(c, StationKind.CENTRAL, on=network_day(y)),
    ),
    Figure(
        "stations_area",
        _("Area liaison stations"),
        "network",
        "network",
        _key("area"),
        lambda c, y: station_figures.network_stations(c, StationKind.AREA, on=network_day(y)),
    ),
    Figure(
        "stations_point",
        _("Village liaison points"),
        "network",
        "network",
        _key("point"),
        lambda c, y: station_figures.network_stations(c, StationKind.POINT, on=network_day(y)),
    ),
    Figure(
        "stations_high",
        _("Stations of high standard or star grade"),
        "network",
        "network",
        _key("high"),
        lambda c, y: station_figures.network_stations(c, high=True, on=network_day(y)),
    ),
    Figure(
        "villages",
        _("Villages and communities"),
        "network",
        "network",
        _key("villages"),
        lambda c, y: station_figures.town_villages(c),
    ),
    Figure(
        "villages_covered",
        _("Villages and communities a station serves"),
        "network",
        "network",
        _key("covered"),
        lambda c, y: station_figures.covered_villages(c, on=network_day(y)),
    ),
    Figure(
        "coverage_rate",
        _("Coverage rate"),
        "network",
        "network",
        _key("rate"),
        lambda c, y: station_figures.town_villages(c),
        kind=RATE,
        parts=("villages_covered", "villages"),
    ),
    # Duty and receptions.
    Figure(
        "shifts_held",
        _("Duty days held (接待日)"),
        "duty",
        "duty",
        _key("shifts_held"),
        lambda c, y: station_figures.shifts_held(c, y),
    ),
    Figure(
        "duties_attended",
        _("Deputies' duties attended"),
        "duty",
        "duty",
        _key("attended"),
        lambda c, y: station_figures.duties_of(c, y, DutyStatus.ATTENDED),
    ),
    Figure(
        "duties_missed",
        _("Deputies' duties missed"),
        "duty",
        "duty",
        _key("missed"),
        lambda c, y: station_figures.duties_of(c, y, DutyStatus.MISSED),
    ),
    Figure(
        "receptions",
        _("Receptions"),
        "duty",
        "receptions",
        _key("receptions"),
        lambda c, y: station_figures.receptions_of(c, y),
    ),
    Figure(
        "visitors",
        _("Visitors received"),
        "duty",
        "receptions",
        _key("visitors"),
        lambda c, y: station_figures.receptions_of(c, y),
        kind=SUM,
        field="visitor_count",
    ),
    Figure(
        "matters",
        _("Matters received"),
        "duty",
        "receptions",
        _key("matters"),
        lambda c, y: station_figures.matters_of(c, y),
    ),
    # Public opinions and deputies' suggestions: the case engine's figures.
    *_case_section(
        "opinions",
        "opinions",
        "opinions",
        lambda c, y: _cases(c, y, CaseKind.OPINION),
        _("Opinions collected"),
    ),
    *_case_section(
        "suggestions",
        "suggestions",
        "suggestions",
        lambda c, y: _cases(c, y, CaseKind.SUGGESTION),
        _("Suggestions received"),
    ),
    Figure(
        "assignment_meetings",
        _("Assignment meetings held (交办会)"),
        "suggestions",
        "assignment",
        _key("held"),
        lambda c, y: suggestion_figures.meetings_held(c.pk, y),
    ),
    Figure(
        "assigned_at_meetings",
        _("Suggestions assigned at the meetings"),
        "suggestions",
        "assignment",
        _key("items"),
        lambda c, y: suggestion_figures.assigned_at_meetings(c.pk, y),
    ),
    Figure(
        "motions",
        _("Motions (议案)"),
        "suggestions",
        "assignment",
        _key("motions"),
        lambda c, y: suggestion_figures.motions(c.pk, y),
    ),
    # Performance reviews and democratic appraisal.
    Figure(
        "review_meetings",
        _("Review and appraisal meetings"),
        "appraisals",
        "appraisals",
        _key("meetings"),
        lambda c, y: _meetings(c).filter(
            pk__in=appraisal_figures.rated(_meetings(c), y).values("meeting_id")
        ),
    ),
    Figure(
        "deputies_reported",
        _("Deputies who reported on their work"),
        "appraisals",
        "appraisals",
        _key("deputies"),
        lambda c, y: Deputy.objects.filter(
            pk__in=appraisal_figures.rated(_meetings(c), y).values("deputy_id")
        ),
    ),
    Figure(
        "officials_reported",
        _("Officials who reported and were rated"),
        "appraisals",
        "appraisals",
        _key("officials"),
        lambda c, y: Official.objects.filter(
            pk__in=appraisal_figures.rated(_meetings(c), y).values("official_id")
        ),
    ),
    Figure(
        "leaders_rated",
        _("Government leaders rated"),
        "appraisals",
        "appraisals",
        _key("leaders"),
        lambda c, y: Official.objects.filter(
            department__isnull=True,
            pk__in=appraisal_figures.rated(_meetings(c), y).values("official_id"),
        ),
    ),
    Figure(
        "heads_rated",
        _("Heads of offices and stations rated"),
        "appraisals",
        "appraisals",
        _key("heads"),
        lambda c, y: Official.objects.filter(
            department__isnull=False,
            pk__in=appraisal_figures.rated(_meetings(c), y).values("official_id"),
        ),
    ),
    Figure(
        "ratings",
        _("Ratings with a result"),
        "appraisals",
        "results",
        lambda r: sum(r.values()),
        lambda c, y: appraisal_figures.rated(_meetings(c), y).exclude(grade=""),
        filters=("grade",),
    ),
    # Supervision activities and their findings (each finding is a case).
    Figure(
        "inspections",
        _("Inspections held"),
        "supervision",
        "held",
        lambda r: sum(r[k] for k in _INSPECTIONS),
        _held(_INSPECTIONS),
    ),
    Figure(
        "surveys",
        _("Surveys held"),
        "supervision",
        "held",
        _key(ActivityKind.SURVEY),
        _held([ActivityKind.SURVEY]),
    ),
    Figure(
        "law_checks",
        _("Law-enforcement checks held"),
        "supervision",
        "held",
        _key(ActivityKind.LAW_CHECK),
        _held([ActivityKind.LAW_CHECK]),
    ),
    *_case_section(
        "findings",
        "supervision",
        "findings",
        lambda c, y: activity_figures.finding_cases(c.pk, y),
        _("Findings sent to the departments"),
    ),
    # The presidium.
    Figure(
        "presidium_meetings",
        _("Presidium meetings held"),
        "presidium",
        "presidium",
        _key("held"),
        lambda c, y: activity_figures.meetings_held(c.pk, y),
    ),
    Figure(
        "reports_heard",
        _("Reports heard"),
        "presidium",
        "presidium",
        lambda r: sum(r["reports"].values()),
        lambda c, y: activity_figures.reports_heard(c.pk, y),
    ),
    Figure(
        "nominees_reviewed",
        _("Nominees reviewed before appointment"),
        "presidium",
        "reviews",
        _key("reviewed"),
        lambda c, y: activity_figures.nominations_decided(c.pk, y),
    ),
    Figure(
        "nominees_approved",
        _("Nominees approved"),
        "presidium",
        "reviews",
        _key("approved"),
        lambda c, y: activity_figures.nominations_decided(c.pk, y).filter(
            result=ReviewResult.APPROVED
        ),
    ),
    # Livelihood projects.
    Figure(
        "project_batches",
        _("Vote batches"),
        "projects",
        "projects",
        _key("batches"),
        lambda c, y: project_figures.batches_of(c.pk, y),
    ),
    Figure(
        "project_batches_voted",
        _("Vote batches counted"),
        "projects",
        "projects",
        _key("batches_voted"),
        lambda c, y: project_figures.batches_of(c.pk, y).filter(
            status__in=[BatchStatus.COUNTED, BatchStatus.ANNOUNCED]
        ),
    ),
    Figure(
        "projects_selected",
        _("Projects selected"),
        "projects",
        "projects",
        _key("selected"),
        lambda c, y: project_figures.projects_of(c.pk, y),
    ),
    Figure(
        "projects_completed",
        _("Projects completed"),
        "projects",
        "projects",
        _key("completed"),
        lambda c, y: project_figures.projects_of(c.pk, y, completed=True),
    ),
    Figure(
        "supervision_groups",
        _("Projects with a supervision group"),
        "projects",
        "supervision",
        _key("groups"),
        lambda c, y: project_figures.supervision_groups(c.pk, y),
    ),
    Figure(
        "supervision_inspections",
        _("Supervision inspections"),
        "projects",
        "supervision",
        _key("inspections"),
        lambda c, y: project_figures.inspections_of(c.pk, y),
    ),
    Figure(
        "supervision_findings",
        _("Supervision findings"),
        "projects",
        "supervision",
        _key("findings"),
        lambda c, y: project_figures.supervision_findings(c.pk, y),
    ),
    # 双联系 and 回选区.
    Figure(
        "dual_contacts",
        _("Dual-contact visits (双联系)"),
        "contacts",
        "contacts",
        _key(ContactKind.PAIRING),
        lambda c, y: station_figures.contact_logs(c, y, ContactKind.PAIRING),
    ),
    Figure(
        "constituency_visits",
        _("Visits to constituencies (回选区)"),
        "contacts",
        "contacts",
        _key(ContactKind.CONSTITUENCY),
        lambda c, y: station_figures.contact_logs(c, y, ContactKind.CONSTITUENCY),
    ),
    # Trainings.
    Figure(
        "training_sessions",
        _("Trainings and study sessions held"),
        "training",
        "training",
        _key("sessions"),
        _held(activity_figures.TRAINING_KINDS),
    ),
    Figure(
        "training_attendances",
        _("Attendances"),
        "training",
        "training",
        _key("attendances"),
        lambda c, y: activity_figures.learning_participations(c.pk, y),
    ),
    Figure(
        "training_hours",
        _("Hours credited"),
        "training",
        "training",
        _key("hours"),
        lambda c, y: activity_figures.learning_participations(c.pk, y),
        kind=SUM,
        field="hours",
    ),
    # Publicity.
    Figure(
        "portal_articles",
        _("Articles published on the congress's website"),
        "publicity",
        "publicity",
        _key("portal"),
        lambda c, y: portal.published_articles(c.pk, y),
    ),
    Figure(
        "external_publications",
        _("Articles in outside outlets"),
        "publicity",
        "publicity",
        _key("external"),
        external_publications,
    ),
]

BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}
assert len(BY_KEY) == len(FIGURES)  # noqa: S101  (keys are unique)
assert {f.section for f in FIGURES} <= {key for key, _title in SECTIONS}  # noqa: S101


@dataclass(frozen=True)
class Breakdown:
    """A figure split by a field (suggestions by field, ratings by result): rows of
    (filter value, label, count), each linking to its figure's records with that filter."""

    key: str
    label: Promise
    section: str
    figure: str
    param: str
    rows: Callable[[Congress, int], list[tuple[Any, str, int]]]


def _grade_labels() -> dict[str, str]:
    return {code: str(label) for grades in SCALE_GRADES.values() for code, label in grades}


BREAKDOWNS: list[Breakdown] = [
    Breakdown(
        "suggestions_by_field",
        _("Suggestions by field"),
        "suggestions",
        "suggestions_received",
        "category",
        lambda c, y: [
            (row["id"], row["label"], row["received"])
            for row in case_figures.grouped(_cases(c, y, CaseKind.SUGGESTION), "category")
        ],
    ),
    Breakdown(
        "ratings_by_result",
        _("Ratings by result"),
        "appraisals",
        "ratings",
        "grade",
        lambda c, y: [
            (code, _grade_labels().get(code, code), n)
            for code, n in sorted(appraisal_figures.results(_meetings(c), y).items())
        ],
    ),
]


def breakdowns(congress: Congress, year: int) -> dict[str, list[tuple[Breakdown, list]]]:
    """Each section's breakdowns with their rows: one query each."""
    out: dict[str, list[tuple[Breakdown, list]]] = {}
    for b in BREAKDOWNS:
        out.setdefault(b.section, []).append((b, b.rows(congress, year)))
    return out


def compute_all(congress: Congress, year: int) -> dict[str, Any]:
    """Every figure of a congress's year: each source called once."""
    return compute_many([congress], year)[congress.pk]


def compute_many(congresses: list[Congress], year: int) -> dict[int, dict[str, Any]]:
    """Every figure of each congress's year: each source called once for all of them (the
    same queries for one town as for two hundred)."""
    answers = {name: source(congresses, year) for name, source in SOURCES.items()}
    return {c.pk: {f.key: f.pick(answers[f.source][c.pk]) for f in FIGURES} for c in congresses}


def total(values: list[dict[str, Any]]) -> dict[str, Any]:
    """A district's total of its towns' figures: counts and sums added; each rate the core
    rate of its summed numerator and denominator."""
    out: dict[str, Any] = {}
    for figure in FIGURES:
        if figure.kind != RATE:
            out[figure.key] = sum(v[figure.key] or 0 for v in values)
    for figure in FIGURES:
        if figure.kind == RATE and figure.parts:
            num, den = figure.parts
            out[figure.key] = percent(out[num], out[den])
    return out


def is_empty(values: dict[str, Any]) -> bool:
    """True when the year has no records at all (every count and sum is zero; the station
    network, which is not dated, does not count)."""
    return not any(values[f.key] for f in FIGURES if f.kind != RATE and f.section != "network")


def display(value: Any) -> str:
    """A figure as the page, the sheet and the document show it: a rate with one decimal
    and %, "—" for a rate of nothing; a number as it is."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}%"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)


def change(current: Any, previous: Any) -> Any:
    """同比: the difference from last year (None when either is missing)."""
    if current is None or previous is None:
        return None
    return current - previous


@dataclass
class Row:
    figure: Figure
    value: Any
    previous: Any

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def label(self) -> str:
        return str(self.figure.label)

    @property
    def shown(self) -> str:
        return display(self.value)

    @property
    def previous_shown(self) -> str:
        return display(self.previous)

    @property
    def change_shown(self) -> str:
        delta = change(self.value, self.previous)
        if delta is None:
            return ""
        if isinstance(delta, float):
            return f"{delta:+.1f}"
        return f"{delta:+}" if delta else "0"


def sections(values: dict[str, Any], previous: dict[str, Any]) -> list[tuple[str, str, list[Row]]]:
    """The figures in their sections, each with last year's: (key, title, rows)."""
    out = []
    for key, title in SECTIONS:
        rows = [Row(f, values[f.key], previous[f.key]) for f in FIGURES if f.section == key]
        out.append((key, str(title), rows))
    return out
