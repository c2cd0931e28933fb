"""Synthetic data at scale: a district congress with N towns, each with its villages, liaison
stations, K deputies seated for the current term, a year of M cases (opinions and
suggestions at every stage of handling: assigned, replied on time or late, closed, rated,
classes A–D), duty shifts with the deputies on duty. Bulk inserts, deterministic (a seeded random
generator): for benchmarks and scale tests (`bench annual_report`; the operations issue).

    manage.py generate_province --towns 20 --cases-per-town 5000 --deputies-per-town 250

Each run makes a new district (named with --name, default a numbered one), so runs do not
collide; the command prints one JSON line with the ids it made. It writes no audit entries:
the rows are synthetic, as a restore would write them, and never part of the demo.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from renda.cases.models import Case, CaseKind, Category
from renda.congress.models import (
    Congress,
    CongressLevel,
    Deputy,
    DeputyMembership,
    Gender,
    Term,
)
from renda.core.models import Region, RegionLevel
from renda.stations.models import (
    DutyAssignment,
    DutyShift,
    DutyStatus,
    ShiftStatus,
    Station,
    StationKind,
)

BATCH = 2000
VILLAGES_PER_TOWN = 10
SHIFTS_PER_TOWN = 50


class Command(BaseCommand):
    help = "Generate a synthetic district: towns, deputies, a year of cases (bulk inserts)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--towns", type=int, default=20)
        parser.add_argument("--cases-per-town", type=int, default=5000)
        parser.add_argument("--deputies-per-town", type=int, default=250)
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--name", default="")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        out = generate(
            towns=options["towns"],
            cases_per_town=options["cases_per_town"],
            deputies_per_town=options["deputies_per_town"],
            year=options["year"] or timezone.localdate().year,
            name=options["name"],
            seed=options["seed"],
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
    town_ids = []
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
        _deputies(town, term, deputies_per_town, rng)
        categories = [
            Category.objects.create(congress=town, code=f"c{i}", name=f"类别{i}") for i in range(5)
        ]
        stations = _stations(town, villages)
        _cases(town, categories, villages, cases_per_town, year, rng)
        _duty(town, stations, year, rng)
    return {
        "district": district.pk,
        "towns": town_ids,
        "cases": towns * cases_per_town,
        "deputies": towns * deputies_per_town,
        "year": year,
    }


def _deputies(town: Congress, term: Term, n: int, rng: random.Random) -> None:
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


def _cases(
    town: Congress,
    categories: list[Category],
    villages: list[Region],
    n: int,
    year: int,
    rng: random.Random,
) -> None:
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
        rows.append(
            Case(
                congress=town,
                kind=kind,
                serial=f"{town.serial_prefix}{year}{i + 1:06d}",
                year=year,
                number=i + 1,
                category=categories[i % len(categories)],
                title=f"合成事项{i + 1}",
                content="合成数据",
                village=villages[i % len(villages)],
                status="closed" if closed else ("replied" if replied else "assigned"),
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
            Case.objects.bulk_create(rows)
            rows = []
    if rows:
        Case.objects.bulk_create(rows)


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
