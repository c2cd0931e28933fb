"""Points: versioned tables (a later version leaves earlier years alone), caps, bonuses,
deductions, deterministic recomputation explained entry by entry, targets and shortfalls,
and the audited, refused-when-overlapping table changes."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone, translation

from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.records import services
from renda.records.entries import Entry
from renda.records.kinds import Bonus, Kind
from renda.records.models import PointsRule, PointsTable
from renda.records.services.record import counts_and_targets

pytestmark = pytest.mark.django_db


def _entry(kind: str, day: dt.date, n: int = 0, tags: frozenset = frozenset()) -> Entry:
    return Entry(kind=kind, date=day, title=f"{kind} {n}", key=f"test:{kind}:{n}:{day}", tags=tags)


def _table(qh, day: dt.date, **points: int) -> PointsTable:  # noqa: ANN001
    table = services.create_table(
        qh.congress, name=f"积分表{day.year}", effective_from=day, acting_user=qh.staff
    )
    if points:
        services.update_rules(
            table, values={k: {"points": v} for k, v in points.items()}, acting_user=qh.staff
        )
    return table


def test_a_later_table_leaves_earlier_years_points_unchanged(qh):
    year = timezone.localdate().year
    rec = services.record(qh.me, qh.congress, year)
    last = services.record(qh.me, qh.congress, year - 1)
    assert rec.total > 0
    # A new version from next year doubles every credit.
    doubled = {r.kind: r.points * 2 for r in PointsRule.objects.filter(table__congress=qh.congress)}
    _table(qh, dt.date(year + 1, 1, 1), **doubled)
    again = services.record(qh.me, qh.congress, year)
    assert again.total == rec.total
    assert [e.points for e in again.entries] == [e.points for e in rec.entries]
    assert services.record(qh.me, qh.congress, year - 1).total == last.total


def test_a_version_taking_effect_mid_year_scores_only_the_entries_after_it(qh):
    year = timezone.localdate().year
    _table(qh, dt.date(year, 7, 1), **{Kind.DUTY_HELD: 5})
    tables = services.versions(qh.congress.pk)
    scored = services.score(
        [_entry(Kind.DUTY_HELD, dt.date(year, 6, 30)), _entry(Kind.DUTY_HELD, dt.date(year, 7, 1))],
        tables,
    )
    assert [e.points for e in scored] == [2, 5]
    assert f"{year}-07-01" in scored[1].explanation


def test_caps_bound_a_kind_s_points_per_year_and_say_so(qh):
    tables = services.versions(qh.congress.pk)
    year = timezone.localdate().year
    entries = [
        _entry(Kind.DUTY_HELD, dt.date(year, 1, 1) + dt.timedelta(days=i), i) for i in range(15)
    ]
    with translation.override("en"):
        scored = services.score(entries, tables)
    assert sum(e.points for e in scored) == 24  # 15 × 2, capped at 24
    assert [e.points for e in scored[-3:]] == [0, 0, 0]
    assert scored[11].points == 2 and "cap of 24" in scored[12].explanation


def test_a_deduction_for_absence_is_negative_and_capped_too(qh):
    tables = services.versions(qh.congress.pk)
    year = timezone.localdate().year
    missed = [
        _entry(Kind.DUTY_MISSED, dt.date(year, 3, 1) + dt.timedelta(days=i), i) for i in range(7)
    ]
    scored = services.score(missed, tables)
    assert [e.points for e in scored] == [-2, -2, -2, -2, -2, 0, 0]
    absent = services.score([_entry(Kind.ACTIVITY_ABSENT, dt.date(year, 3, 1))], tables)
    assert absent[0].points == -1


def test_a_bonus_is_added_when_the_entry_meets_its_condition(qh):
    tables = services.versions(qh.congress.pk)
    day = dt.date(timezone.localdate().year, 4, 1)
    with translation.override("en"):
        plain, solved = services.score(
            [
                _entry(Kind.SUGGESTION_LED, day, 1),
                _entry(Kind.SUGGESTION_LED, day, 2, frozenset({Bonus.SOLVED})),
            ],
            tables,
        )
    assert (plain.points, solved.points) == (3, 4)
    assert "+1 bonus: reply class A (solved)" in solved.explanation


def test_recomputation_is_deterministic_whatever_the_order(qh):
    tables = services.versions(qh.congress.pk)
    year = timezone.localdate().year
    entries = [
        _entry(kind, dt.date(year, 1, 1) + dt.timedelta(days=i % 40), i)
        for i, kind in enumerate(list(Kind) * 5)
    ]
    first = services.score(entries, tables)
    shuffled = entries[:]
    random.Random(7).shuffle(shuffled)
    assert services.score(shuffled, tables) == first
    rec = services.record(qh.me, qh.congress, year)
    assert services.record(qh.me, qh.congress, year) == rec
    assert rec.total == sum(e.points for e in rec.entries)
    assert all(e.explanation for e in rec.entries)


def test_no_table_in_force_scores_nothing_and_says_so(qh):
    tables = services.versions(qh.congress.pk)
    first = tables[0].table.effective_from
    with translation.override("en"):
        (entry,) = services.score([_entry(Kind.DUTY_HELD, first - dt.timedelta(days=1))], tables)
    assert entry.points == 0 and "No points table" in entry.explanation


def test_an_overlapping_effective_date_is_refused_in_chinese(qh):
    existing = PointsTable.objects.filter(congress=qh.congress).first()
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.create_table(
            qh.congress, name="重复", effective_from=existing.effective_from, acting_user=qh.staff
        )
    assert "已有一张积分表于" in str(refused.value)
    assert PointsTable.objects.filter(congress=qh.congress).count() == 1


def test_table_changes_are_audited_and_need_the_office(qh):
    year = timezone.localdate().year
    table = _table(qh, dt.date(year + 1, 1, 1))
    created = ActionLog.objects.filter(
        action="records.points_table_created", object_id=str(table.pk)
    )
    assert created.count() == 1 and created.get().congress_id == qh.congress.pk
    # Copied from the version in force on its date.
    assert PointsRule.objects.filter(table=table).count() == len(Kind)
    services.update_rules(table, values={Kind.VOTE: {"points": 2, "cap": 4}}, acting_user=qh.staff)
    changed = ActionLog.objects.get(action="records.points_rules_changed", object_id=str(table.pk))
    assert changed.changes["vote.points"] == [1, 2] and changed.changes["vote.cap"] == [10, 4]
    for outsider in (qh.leader, qh.fl_staff, qh.me.user):
        with pytest.raises(DomainError):
            services.update_rules(table, values={Kind.VOTE: {"points": 9}}, acting_user=outsider)
    services.update_rules(table, values={Kind.VOTE: {"points": 3}}, acting_user=qh.admin)
    assert PointsRule.objects.get(table=table, kind=Kind.VOTE).points == 3


def test_targets_report_who_falls_short_per_year_and_per_quarter(qh):
    year = timezone.localdate().year - 1  # a past year: every quarter is due
    version = services.in_force(services.versions(qh.congress.pk), dt.date(year, 12, 31))
    entries = services.score(
        [
            _entry(Kind.DUTY_HELD, dt.date(year, 5, 1)),
            _entry(Kind.ACTIVITY, dt.date(year, 2, 1)),
            _entry(Kind.ACTIVITY, dt.date(year, 8, 1)),
        ],
        [version],
    )
    with translation.override("en"):
        rows = {r.kind: r for r in counts_and_targets(entries, version, year)}
    assert rows[Kind.DUTY_HELD].shortfall == ""  # ≥ 1 duty day a year: met
    assert rows[Kind.SUGGESTION_LED].shortfall == "0 of 1"  # ≥ 1 suggestion: short
    assert rows[Kind.ACTIVITY].shortfall == "Q2: 0 of 1；Q4: 0 of 1"  # quarterly activity


def test_the_office_list_ranks_and_flags_shortfalls(qh):
    year = timezone.localdate().year
    rows = services.office_rows(qh.congress, year)
    assert rows and rows[0].rank == 1
    totals = [r.record.total for r in rows]
    assert totals == sorted(totals, reverse=True)
    for a, b in zip(rows, rows[1:], strict=False):
        assert (a.rank == b.rank) == (a.record.total == b.record.total)
    assert any(r.record.shortfalls for r in rows)
    me = next(r for r in rows if r.deputy.pk == qh.me.pk)
    by_station = services.office_rows(qh.congress, year, station_id=me.station_id)
    assert qh.me.pk in {r.deputy.pk for r in by_station}
    assert all(r.station_id == me.station_id for r in by_station)
    assert len(by_station) < len(rows)
