"""Test configuration and the named personas every test module uses.

The world: 临溪区 (district) with two towns, 清河镇 ("A", the congress under test) and
枫林镇 ("B", another town). Personas hold one role each.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from renda.congress.models import (
    Congress,
    CongressLevel,
    Constituency,
    Department,
    DepartmentKind,
    Deputy,
    DeputyGroup,
    DeputyMembership,
    Gender,
    Role,
    RoleGrant,
    Session,
    Term,
)
from renda.core.models import Region, RegionLevel

# Shared fixtures: the demo district (seeded once per process), the headless browser, the
# thread helper and the `postgresql` mark of the races, the REST API client; each app's
# worlds (cases_world, portal_world, town, year).
pytest_plugins = [
    "tests.fixtures.demo",
    "tests.fixtures.browser",
    "tests.fixtures.threads",
    "tests.fixtures.api",
    "tests.fixtures.cases",
    "tests.fixtures.portal",
    "tests.fixtures.appraisals",
    "tests.fixtures.projects",
    "tests.fixtures.activities",
]


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing and plain static storage: what is under test is not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A `replica` alias mirroring the test database (as DATABASE_REPLICA_URL adds one): idle
    # unless a test routes to it (tests/core/test_replica.py installs the router).
    settings.DATABASES.setdefault(
        "replica", {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
    )
    # Tests choose their own holidays (tests/core/test_holidays.py loads the real ones).
    settings.RENDA_HOLIDAYS_ON_MIGRATE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The embedded cache file of this test run: never var/'s (a running `make run`, or a
    # second test run in the same checkout, would share and clear it).
    config.renda_cache_dir = tempfile.mkdtemp(prefix="renda-test-cache-")
    store = Path(config.renda_cache_dir) / "cache.sqlite3"
    for alias in settings.CACHES.values():
        if alias["BACKEND"] == "renda.core.sharedcache.SQLiteCache":
            alias["LOCATION"] = str(store)


def pytest_unconfigure(config):
    if getattr(config, "renda_cache_dir", None):
        shutil.rmtree(config.renda_cache_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database is migrated with the action log's append-only triggers; they are
    dropped here so that transactional tests can flush tables between tests. The trigger
    test re-creates them inside its own transaction."""
    from tests.fixtures.audit import drop_actionlog_triggers

    with django_db_blocker.unblock():
        drop_actionlog_triggers()


@pytest.fixture(autouse=True)
def _usable_connection(django_db_blocker):
    """A PostgreSQL connection lost between tests (a server restart, a terminated backend)
    is replaced before the next test instead of failing every test after it."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    with django_db_blocker.unblock():
        if not connection.in_atomic_block and not connection.is_usable():
            connection.close()


@pytest.fixture(autouse=True)
def _key_shares(monkeypatch):
    """Every poll a test opens keeps its key shares (tests/fixtures/ballots.py)."""
    from tests.fixtures.ballots import keep_key_shares

    keep_key_shares(monkeypatch)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _plain_cache(settings):
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_segmentation_names():
    """Each test's database has its own names: the Chinese tokenizer reads them again."""
    from renda.core import text

    text.reset_dictionary()


def _user(username: str, **extra) -> object:
    return get_user_model().objects.create_user(
        username=username, password="pw-for-tests-1", name=username, **extra
    )


def _grant(user, role: str, congress: Congress, department: Department | None = None) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, congress=congress, department=department)


def _child(parent: Region, **kwargs) -> Region:
    parent.refresh_from_db()
    return Region.objects.add_child(parent, create_kwargs=kwargs)


@pytest.fixture
def world(db):
    province = Region.objects.add_root(
        create_kwargs={"code": "980000", "name": "测试省", "level": RegionLevel.PROVINCE}
    )
    city = _child(province, code="980100", name="测试市", level=RegionLevel.CITY)
    district = _child(city, code="980102", name="临溪区", level=RegionLevel.COUNTY)
    town_a = _child(district, code="980102101", name="清河镇", level=RegionLevel.TOWN)
    town_b = _child(district, code="980102102", name="枫林镇", level=RegionLevel.TOWN)
    village_a = _child(
        town_a, code="980102101001", name="东塘村", level=RegionLevel.VILLAGE, kind="village"
    )
    village_b = _child(
        town_b, code="980102102001", name="溪北村", level=RegionLevel.VILLAGE, kind="village"
    )

    c_district = Congress.objects.create(
        name="临溪区人民代表大会", level=CongressLevel.COUNTY, region=district, serial_prefix="LX"
    )
    c_a = Congress.objects.create(
        name="清河镇人民代表大会",
        level=CongressLevel.TOWN,
        region=town_a,
        parent=c_district,
        serial_prefix="QH",
    )
    c_b = Congress.objects.create(
        name="枫林镇人民代表大会",
        level=CongressLevel.TOWN,
        region=town_b,
        parent=c_district,
        serial_prefix="FL",
    )
    term_a = Term.objects.create(
        congress=c_a,
        ordinal=20,
        start_date=dt.date(2021, 12, 28),
        end_date=dt.date(2026, 12, 27),
        is_current=True,
    )
    term_b = Term.objects.create(
        congress=c_b,
        ordinal=20,
        start_date=dt.date(2021, 12, 29),
        end_date=dt.date(2026, 12, 28),
        is_current=True,
    )
    term_district = Term.objects.create(
        congress=c_district,
        ordinal=18,
        start_date=dt.date(2021, 12, 30),
        end_date=dt.date(2026, 12, 29),
        is_current=True,
    )
    session_a = Session.objects.create(
        term=term_a, ordinal=1, start_date=dt.date(2022, 2, 20), end_date=dt.date(2022, 2, 21)
    )
    session_b = Session.objects.create(
        term=term_b, ordinal=1, start_date=dt.date(2022, 2, 22), end_date=dt.date(2022, 2, 23)
    )
    constituency_a = Constituency.objects.create(congress=c_a, number=1, name="第1选区")
    constituency_a.regions.set([village_a])
    constituency_b = Constituency.objects.create(congress=c_b, number=1, name="枫林第1选区")
    group_a = DeputyGroup.objects.create(congress=c_a, name="河东代表小组")
    dept_a1 = Department.objects.create(
        congress=c_a, name="城乡建设办公室", kind=DepartmentKind.TOWN_OFFICE
    )
    dept_a2 = Department.objects.create(
        congress=c_a, name="社会事务办公室", kind=DepartmentKind.TOWN_OFFICE
    )
    dept_b1 = Department.objects.create(
        congress=c_b, name="枫林镇建设办", kind=DepartmentKind.TOWN_OFFICE
    )

    deputy_a = Deputy.objects.create(
        name="王建国", gender=Gender.MALE, phone="13900000001", residence=village_a
    )
    membership_a = DeputyMembership.objects.create(
        deputy=deputy_a,
        term=term_a,
        constituency=constituency_a,
        group=group_a,
        start_date=term_a.start_date,
    )
    deputy_b = Deputy.objects.create(
        name="李秀英", gender=Gender.FEMALE, phone="13900000002", residence=village_b
    )
    membership_b = DeputyMembership.objects.create(
        deputy=deputy_b, term=term_b, constituency=constituency_b, start_date=term_b.start_date
    )

    staff = _user("staff_a")
    _grant(staff, Role.STAFF, c_a)
    leader = _user("leader_a")
    _grant(leader, Role.LEADER, c_a)
    admin = _user("admin_a")
    _grant(admin, Role.ADMIN, c_a)
    auditor = _user("auditor_a")
    _grant(auditor, Role.AUDITOR, c_a)
    handler_a = _user("handler_a1")
    _grant(handler_a, Role.HANDLER, c_a, dept_a1)
    handler_b = _user("handler_a2")
    _grant(handler_b, Role.HANDLER, c_a, dept_a2)
    station = _user("station_a")
    _grant(station, Role.STATION_MANAGER, c_a)
    deputy_user = _user("deputy_a")
    deputy_a.user = deputy_user
    deputy_a.save(update_fields=["user"])
    other_staff = _user("staff_b")
    _grant(other_staff, Role.STAFF, c_b)
    district_admin = _user("district_admin")
    _grant(district_admin, Role.ADMIN, c_district)
    citizen = _user("citizen")
    superuser = get_user_model().objects.create_superuser(
        "root", "root@example.invalid", "pw-for-tests-1"
    )

    return SimpleNamespace(
        province=province,
        city=city,
        district=district,
        town_a=town_a,
        town_b=town_b,
        village_a=village_a,
        village_b=village_b,
        c_district=c_district,
        c_a=c_a,
        c_b=c_b,
        term_a=term_a,
        term_b=term_b,
        term_district=term_district,
        session_a=session_a,
        session_b=session_b,
        constituency_a=constituency_a,
        constituency_b=constituency_b,
        group_a=group_a,
        dept_a1=dept_a1,
        dept_a2=dept_a2,
        dept_b1=dept_b1,
        deputy_a=deputy_a,
        deputy_b=deputy_b,
        membership_a=membership_a,
        membership_b=membership_b,
        staff=staff,
        leader=leader,
        admin=admin,
        auditor=auditor,
        handler_a=handler_a,
        handler_b=handler_b,
        station=station,
        deputy_user=deputy_user,
        other_staff=other_staff,
        district_admin=district_admin,
        citizen=citizen,
        superuser=superuser,
    )


@pytest.fixture
def personas(world):
    """Persona name → user, for parametrised permission tests."""
    return {
        "staff": world.staff,
        "leader": world.leader,
        "admin": world.admin,
        "auditor": world.auditor,
        "handler": world.handler_a,
        "station_manager": world.station,
        "deputy": world.deputy_user,
        "other_town_staff": world.other_staff,
        "district_admin": world.district_admin,
        "citizen": world.citizen,
        "superuser": world.superuser,
        "anonymous": None,
    }
