"""The demo station network of 清河镇 at seed scale, its quarter of rosters and receptions."""

from __future__ import annotations

from django.core.management import call_command
from django.db.models import Count

from renda.stations import services
from renda.stations.demo import quarter_of
from renda.stations.models import (
    Disposition,
    DutyAssignment,
    DutyStatus,
    ReceptionMatter,
    Station,
    StationMember,
)


def test_demo_network_is_at_seed_scale_with_full_coverage(demo):
    cov = services.coverage(demo)
    assert (cov["central"], cov["area"], cov["point"]) == (1, 12, 96)
    assert cov["high"] == 5
    assert cov["villages"] == 96 and cov["rate"] == 100.0 and not cov["uncovered"]


def test_every_deputy_of_the_town_is_seated_once(demo):
    assert services.unassigned_deputies(demo).count() == 0
    # 60 town + 14 district-only + 2 city-only persons: people in two congresses once.
    assert StationMember.objects.filter(congress=demo, until__isnull=True).count() == 76


def test_demo_quarter_rotation_is_fair_within_each_station(demo):
    from django.utils import timezone

    start, end = quarter_of(timezone.localdate())
    rows = (
        DutyAssignment.objects.filter(congress=demo, shift__date__range=(start, end))
        .exclude(status=DutyStatus.REPLACED)
        .values("shift__station_id", "deputy_id")
        .annotate(n=Count("id"))
    )
    per_station: dict[int, dict[int, int]] = {}
    for row in rows:
        per_station.setdefault(row["shift__station_id"], {})[row["deputy_id"]] = row["n"]
    assert len(per_station) == 13  # the central station and the 12 area stations
    for station_id, counts in per_station.items():
        members = StationMember.objects.filter(station_id=station_id, until__isnull=True)
        full = [counts.get(m.deputy_id, 0) for m in members]
        assert max(full) - min(full) <= 1, station_id


def test_demo_has_matters_in_every_disposition_and_a_rated_case(demo):
    statuses = set(ReceptionMatter.objects.filter(congress=demo).values_list("status", flat=True))
    assert statuses == set(Disposition.values)
    rated = ReceptionMatter.objects.get(congress=demo, status=Disposition.CASE)
    assert rated.case.evaluation_result == "satisfied"


def test_demo_is_idempotent(demo):
    before = Station.objects.count(), DutyAssignment.objects.count()
    call_command("seed_demo", quiet_accounts=True)
    assert (Station.objects.count(), DutyAssignment.objects.count()) == before
