"""Synthetic data at scale: a district congress with N towns, each with its villages, liaison
stations, handling departments, an office account, K deputies seated for the current term, a
year of M cases (opinions and suggestions at every stage of handling: new, assigned to a lead
unit, replied on time or late, closed, rated, classes A–D; every suggestion case with its
submitted suggestion, the ledger's rows), duty shifts with the deputies on duty, and
optionally a volume of audit entries about those cases. Bulk inserts, deterministic (a
seeded random generator): for benchmarks and scale tests (`bench annual_report`,
`bench scale`; docs/scale.md).

    manage.py generate_province --towns 20 --cases-per-town 5000 --deputies-per-town 250 \
        --audit-entries 1000000

Each run makes a new district (named with --name, default a numbered one), so runs do not
collide; the command prints one JSON line with the ids it made. The audit entries are
synthetic history (`--audit-entries`, on PostgreSQL one INSERT … SELECT over
generate_series): the generator itself records nothing, the rows are made as a restore would
write them, and never part of the demo.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseKind,
    CaseStatus,
    Category,
)
from renda.congress.models import (
    Congress,
    CongressLevel,
    Department,
    DepartmentKind,
    Deputy,
    DeputyMembership,
    Gender,
    Role,
    RoleGrant,
    Term,
)
from renda.core.models import ActionLog, Region, RegionLevel, User
from renda.stations.models import (
    DutyAssignment,
    DutyShift,
    DutyStatus,
    ShiftStatus,
    Station,
    StationKind,
)
from renda.suggestions.models import Suggestion, SuggestionStatus

BATCH = 2000
AUDIT_BATCH = 5000  # audit entries per bulk insert where INSERT … SELECT is not available
VILLAGES_PER_TOWN = 10
DEPARTMENTS_PER_TOWN = 5
SHIFTS_PER_TOWN = 50
ANALYZED = (
    "cases_case",
    "cases_assignment",
    "suggestions_suggestion",
    "congress_deputy",
    "congress_deputymembership",
    "core_actionlog",
)
# The audit actions the synthetic history cycles through (those a case's handling writes).
AUDIT_ACTIONS = ("case.submitted", "case.assigned", "case.signed", "case.replied", "case.closed")


class Command(BaseCommand):
    help = "Generate a synthetic district: towns, deputies, a year of cases (bulk inserts)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--towns", type=int, default=20)
        parser.add_argument("--cases-per-town", type=int, default=5000)
        parser.add_argument("--deputies-per-town", type=int, default=250)
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--name", default="")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--audit-entries",
            type=int,
            default=0,
            help="Audit log entries about the generated cases, in total (default none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for option in ("towns", "cases_per_town", "deputies_per_town", "audit_entries"):
            if options[option] < 0:
                raise CommandError(
                    _("--%(option)s cannot be negative.") % {"option": option.replace("_", "-")}
                )
        if options["towns"] < 1:
            raise CommandError(_("--towns must be at least 1."))
        if options["audit_entries"] and not options["cases_per_town"]:
            raise CommandError(_("Audit entries are about cases: give --cases-per-town too."))
        out = generate(
            towns=options["towns"],
            cases_per_town=options["cases_per_town"],
            deputies_per_town=options["deputies_per_town"],
            year=options["year"] or timezone.localdate().year,
            name=options["name"],
            seed=options["seed"],
            audit_entries=options["audit_entries"],
        )
        self.stdout.write(json.dumps(out))


def _child(parent: Region, **fields: Any) -> Region:
    parent.refresh_from_db()
    return Region.objects.add_child(parent, create_kwargs=fields)


def _tag() -> str:
    return f"{Region.objects.count() + 1:05d}"


@transaction.atomic
def generate(
    *,
    towns: int,
    cases_per_town: int,
    deputies_per_town: int,
    year: int,
    name: str = "",
    seed: int = 2026,
    audit_entries: int = 0,
) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 (synthetic data, deterministic)
    tag = _tag()
    district_name = name or f"合成区{tag}"
    province = Region.objects.add_root(
        create_kwargs={"name": f"合成省{tag}", "code": f"SP{tag}", "level": RegionLevel.PROVINCE}
    )
    city = _child(province, name=f"合成市{tag}", code=f"SC{tag}", level=RegionLevel.CITY)
    county = _child(city, name=district_name, code=f"SD{tag}", level=RegionLevel.COUNTY)
    district = Congress.objects.create(
        name=f"{district_name}人民代表大会",
        level=CongressLevel.COUNTY,
        region=county,
        serial_prefix="SD",
    )
    start = dt.date(year - 2, 1, 1)
    Term.objects.create(
        congress=district,
        ordinal=1,
        start_date=start,
        end_date=dt.date(year + 3, 1, 1),
        is_current=True,
    )
    district_office = _office_user(f"scale{tag}-district", district)
    town_ids, town_offices = [], []
    for t in range(towns):
        town_region = _child(
            county, name=f"合成{t + 1}镇", code=f"SD{tag}T{t:03d}", level=RegionLevel.TOWN
        )
        villages = [
            _child(
                town_region,
                name=f"合成{t + 1}镇{v + 1}村",
                code=f"SD{tag}T{t:03d}V{v:03d}",
                level=RegionLevel.VILLAGE,
            )
            for v in range(VILLAGES_PER_TOWN)
        ]
        town = Congress.objects.create(
            name=f"合成{t + 1}镇人民代表大会",
            level=CongressLevel.TOWN,
            region=town_region,
            parent=district,
            serial_prefix=f"S{t:03d}",
        )
        town_ids.append(town.pk)
        term = Term.objects.create(
            congress=town,
            ordinal=1,
            start_date=start,
            end_date=dt.date(year + 3, 1, 1),
            is_current=True,
        )
        office = _office_user(f"scale{tag}-t{t:03d}", town)
        town_offices.append(office.pk)
        deputy_ids = _deputies(town, term, deputies_per_town, rng)
        categories = [
            Category.objects.create(congress=town, code=f"c{i}", name=f"类别{i}") for i in range(5)
        ]
        departments = [
            Department.objects.create(
                congress=town,
                name=f"合成{t + 1}镇部门{i + 1}",
                kind=DepartmentKind.TOWN_OFFICE,
            )
            for i in range(DEPARTMENTS_PER_TOWN)
        ]
        stations = _stations(town, villages)
        _cases(
            _Town(town, term, categories, villages, departments, deputy_ids, office),
            cases_per_town,
            year,
            rng,
        )
        _duty(town, stations, year, rng)
    audited = _audit(town_ids, audit_entries) if audit_entries else 0
    if connection.vendor == "postgresql":
        # Fresh statistics: the planner would otherwise plan for the tables as they were
        # before the bulk load, until autovacuum comes round.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(ANALYZED)}")
    return {
        "district": district.pk,
        "towns": town_ids,
        "district_office": district_office.pk,
        "town_offices": town_offices,
        "cases": towns * cases_per_town,
        "suggestions": towns * _suggestions_per_town(cases_per_town),
        "deputies": towns * deputies_per_town,
        "audit_entries": audited,
        "year": year,
    }


def _office_user(username: str, congress: Congress) -> User:
    """The congress's presidium office account (no password: benchmarks sign it in)."""
    user = User.objects.create_user(username=username, password=None, name=f"{congress.name}办公室")
    RoleGrant.objects.create(user=user, role=Role.STAFF, congress=congress)
    return user


def _deputies(town: Congress, term: Term, n: int, rng: random.Random) -> list[int]:
    deputies = Deputy.objects.bulk_create(
        [
            Deputy(name=f"代表{town.pk}-{i}", gender=rng.choice([Gender.MALE, Gender.FEMALE]))
            for i in range(n)
        ],
        batch_size=BATCH,
    )
    DeputyMembership.objects.bulk_create(
        [
            DeputyMembership(deputy=d, congress=town, term=term, start_date=term.start_date)
            for d in deputies
        ],
        batch_size=BATCH,
    )
    return [d.pk for d in deputies]


def _stations(town: Congress, villages: list[Region]) -> list[Station]:
    central = Station.objects.create(
        congress=town, kind=StationKind.CENTRAL, name="中心站", code="central", address="—"
    )
    points = []
    for i, village in enumerate(villages):
        point = Station.objects.create(
            congress=town,
            kind=StationKind.POINT,
            parent=central,
            name=f"{village.name}联络点",
            code=f"p{i}",
            address="—",
            grade="high" if i % 3 == 0 else "standard",
        )
        point.villages.add(village)
        points.append(point)
    return [central, *points]


class _Town:
    """What a town's cases are made from."""

    def __init__(
        self,
        congress: Congress,
        term: Term,
        categories: list[Category],
        villages: list[Region],
        departments: list[Department],
        deputy_ids: list[int],
        office: User,
    ) -> None:
        self.congress, self.term, self.categories = congress, term, categories
        self.villages, self.departments = villages, departments
        self.deputy_ids, self.office = deputy_ids, office


def _suggestions_per_town(n: int) -> int:
    return (n + 9) // 10  # every tenth case is a deputy's suggestion


def _cases(town: _Town, n: int, year: int, rng: random.Random) -> None:
    rows = []
    for i in range(n):
        submitted = dt.datetime(year, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(
            days=rng.randrange(330), minutes=i % 600
        )
        kind = CaseKind.SUGGESTION if i % 10 == 0 else CaseKind.OPINION
        stage = rng.random()
        assigned = stage > 0.15
        replied = stage > 0.35
        closed = stage > 0.6
        rated = stage > 0.5
        if closed:
            status = CaseStatus.CLOSED
        elif replied:
            status = CaseStatus.REPLIED
        elif assigned:
            status = CaseStatus.ASSIGNED
        else:
            status = CaseStatus.SUBMITTED if stage < 0.08 else CaseStatus.TRIAGED
        rows.append(
            Case(
                congress=town.congress,
                kind=kind,
                serial=f"{town.congress.serial_prefix}{year}{i + 1:06d}",
                year=year,
                number=i + 1,
                category=town.categories[i % len(town.categories)],
                title=f"合成事项{i + 1}",
                content="合成数据",
                village=town.villages[i % len(town.villages)],
                status=status,
                submitted_at=submitted,
                assigned_at=submitted + dt.timedelta(days=1) if assigned else None,
                replied_at=submitted + dt.timedelta(days=10) if replied else None,
                closed_at=submitted + dt.timedelta(days=20) if closed else None,
                due_date=(submitted + dt.timedelta(days=30)).date() if assigned else None,
                reply_class=rng.choice("AABBCD") if replied else "",
                replied_on_time=(rng.random() > 0.1) if replied else None,
                evaluation_result=(
                    rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"]) if rated else ""
                ),
                has_contact=replied,
            )
        )
        if len(rows) >= BATCH:
            _insert_cases(town, rows, rng)
            rows = []
    if rows:
        _insert_cases(town, rows, rng)


def _insert_cases(town: _Town, rows: list[Case], rng: random.Random) -> None:
    """One batch of cases with the lead unit's assignment of each assigned case and the
    submitted suggestion behind each suggestion case."""
    cases = Case.objects.bulk_create(rows)
    Assignment.objects.bulk_create(
        [
            Assignment(
                case=case,
                department=town.departments[case.number % len(town.departments)],
                role=AssignmentRole.LEAD,
                status=(AssignmentStatus.REPLIED if case.replied_at else AssignmentStatus.ASSIGNED),
                due_date=case.due_date,
                assigned_at=case.assigned_at,
                assigned_by=town.office,
                replied_at=case.replied_at,
            )
            for case in cases
            if case.assigned_at is not None and case.due_date is not None
        ]
    )
    if not town.deputy_ids:
        return
    Suggestion.objects.bulk_create(
        [
            Suggestion(
                congress=town.congress,
                term=town.term,
                lead_id=rng.choice(town.deputy_ids),
                category=case.category,
                title=case.title,
                content=case.content,
                status=SuggestionStatus.SUBMITTED,
                is_motion=case.number % 50 == 1,
                case=case,
                submitted_at=case.submitted_at,
            )
            for case in cases
            if case.kind == CaseKind.SUGGESTION
        ]
    )


def _audit(town_ids: list[int], n: int) -> int:
    """`n` audit entries about the towns' cases (cycling through them), dated within a month
    after each case's submission."""
    if connection.vendor == "postgresql":
        # One statement: PostgreSQL makes the rows itself (10 million in minutes, not hours).
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH numbered AS (
                    SELECT id, serial, congress_id, submitted_at,
                           row_number() OVER (ORDER BY id) - 1 AS rn
                    FROM cases_case WHERE congress_id = ANY(%(towns)s)
                ), total AS (SELECT count(*) AS n FROM numbered)
                INSERT INTO core_actionlog (created_at, actor_id, actor_label, action,
                    congress_id, object_type, object_id, object_repr, changes, note, ip_address)
                SELECT c.submitted_at + (g.i %% 30) * interval '1 day', NULL, '',
                       (%(actions)s::text[])[1 + g.i %% %(kinds)s], c.congress_id,
                       'cases.case', c.id::text, c.serial, '{}'::jsonb, '', NULL
                FROM generate_series(0, %(n)s - 1) AS g(i)
                CROSS JOIN total
                JOIN numbered c ON c.rn = g.i %% total.n
                """,
                {
                    "towns": town_ids,
                    "actions": list(AUDIT_ACTIONS),
                    "kinds": len(AUDIT_ACTIONS),
                    "n": n,
                },
            )
            return cursor.rowcount
    cases = list(
        Case.objects.filter(congress_id__in=town_ids)
        .order_by("id")
        .values_list("id", "serial", "congress_id")
    )
    made = 0
    while made < n:
        batch = []
        for i in range(made, min(n, made + AUDIT_BATCH)):
            pk, serial, congress_id = cases[i % len(cases)]
            batch.append(
                ActionLog(
                    action=AUDIT_ACTIONS[i % len(AUDIT_ACTIONS)],
                    congress_id=congress_id,
                    object_type="cases.case",
                    object_id=str(pk),
                    object_repr=serial,
                )
            )
        ActionLog.objects.bulk_create(batch)
        made += len(batch)
    return made


def _duty(town: Congress, stations: list[Station], year: int, rng: random.Random) -> None:
    deputy_ids = list(
        DeputyMembership.objects.filter(congress=town).values_list("deputy_id", flat=True)[:50]
    )
    if not deputy_ids:
        return
    shifts = DutyShift.objects.bulk_create(
        [
            DutyShift(
                station=stations[i % len(stations)],
                congress=town,
                date=dt.date(year, 1, 1) + dt.timedelta(days=i * 6),
                start_time=dt.time(9),
                end_time=dt.time(11),
                status=ShiftStatus.HELD,
            )
            for i in range(SHIFTS_PER_TOWN)
        ]
    )
    DutyAssignment.objects.bulk_create(
        [
            DutyAssignment(
                shift=shift,
                deputy_id=deputy_ids[i % len(deputy_ids)],
                congress=town,
                status=DutyStatus.ATTENDED if rng.random() > 0.1 else DutyStatus.MISSED,
            )
            for i, shift in enumerate(shifts)
        ]
    )
