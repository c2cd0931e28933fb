"""Backups and restores (renda.core.backup; manage.py backup / restore), and the audit log's
retention (manage.py purge_audit_log).

The round trip runs the real commands in separate processes, each installation with a
var/ of its own: a source installation with data, keys, uploaded files and a check code; a
backup; a fresh installation that restores it, migrates, checks the row counts and still
verifies the check code and the API key with the restored keys. On SQLite always, and on
PostgreSQL when the suite runs there (DATABASE_URL), each side with a database of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from renda.core import backup
from renda.core.models import ActionLog

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple 2026"

SEED = r"""
import json
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from renda.api.models import Open311Key
from renda.cases.models import Category, CaseSource
from renda.cases.services import submit_case
from renda.congress.models import Congress, CongressLevel
from renda.core.models import Region, RegionLevel, Holiday

root = Region.objects.add_root(create_kwargs={"code": "970000", "name": "备份省", "level": RegionLevel.PROVINCE})
town = root.add_child(code="970001", name="备份镇", level=RegionLevel.TOWN)
congress = Congress.objects.create(name="备份镇人大", level=CongressLevel.TOWN, region=town, serial_prefix="BF")
category = Category.objects.create(congress=congress, code="road", name="交通")
case, code = submit_case(congress=congress, category=category, content="村口路灯坏了三个月，晚上出行不安全",
                         source=CaseSource.WEB, submitter_name="赵先生", submitter_phone="13812345678")
key, secret = Open311Key.issue(name="12345", congress=congress)
default_storage.save("attachments/2026/证明.txt", ContentFile("原件".encode()))
day = Holiday.objects.get(date="2026-10-10"); day.is_workday = False; day.source = "office"; day.save()
print(json.dumps({"serial": case.serial, "code": code, "secret": secret}))
"""

VERIFY = r"""
import json, sys
from django.core.files.storage import default_storage
from renda.api.models import Open311Key
from renda.cases.models import Case
from renda.cases.services import check_code_matches
from renda.core.models import Holiday
seed = json.loads(sys.stdin.read())
case = Case.objects.get(serial=seed["serial"])
print(json.dumps({
    "check_code": check_code_matches(case, seed["code"]),
    "wrong_code": check_code_matches(case, "WRONG123"),
    "api_key": Open311Key.authenticate(seed["secret"]) is not None,
    "file": default_storage.open("attachments/2026/证明.txt").read().decode(),
    "office_day": Holiday.objects.filter(date="2026-10-10", source="office").exists(),
}))
"""


def _pg_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class Installation:
    """One installation in its own var/ (and its own PostgreSQL database)."""

    def __init__(self, base: Path, name: str, vendor: str):
        self.var = base / name
        self.var.mkdir()
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("RENDA_", "DATABASE_"))
        }
        self.env.update(
            RENDA_VAR_DIR=str(self.var),
            RENDA_BACKUP_PASSPHRASE=PASSPHRASE,
            RENDA_BACKUP_KDF="interactive",
            RENDA_CACHE_FILE=str(self.var / "cache.sqlite3"),
            DJANGO_SETTINGS_MODULE="renda.settings",
        )
        self.database = None
        if vendor == "postgresql":
            base_url = _pg_url()
            self.database = f"renda_bk_{name}_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{self.database}"')
            self.env["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + self.database

    def _admin(self, sql: str) -> None:
        import psycopg

        url = _pg_url().rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    def drop(self) -> None:
        if self.database:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def manage(self, *args: str, stdin: str = "", check: bool = True):
        done = subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done


VENDORS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(_pg_url() is None, reason="DATABASE_URL is not PostgreSQL"),
    ),
]


@pytest.mark.parametrize("vendor", VENDORS)
def test_backup_and_restore_into_a_fresh_installation(tmp_path, vendor):
    source = Installation(tmp_path, "src", vendor)
    target = Installation(tmp_path, "dst", vendor)
    try:
        source.manage("migrate", "--noinput")
        seed = json.loads(source.manage("shell", "-c", SEED).stdout.strip().splitlines()[-1])
        file = tmp_path / "nightly.renda-backup"
        out = source.manage("backup", "--output", str(file)).stdout
        assert "backup written" in out and file.stat().st_mode & 0o077 == 0
        raw = file.read_bytes()
        assert raw.startswith(backup.MAGIC)
        for plain in (seed["code"].encode(), "村口路灯".encode(), b"SQLite format", b"PGDMP"):
            assert plain not in raw  # encrypted, the keys too

        wrong = target.manage(
            "restore", str(file), "--passphrase-file", str(_write(tmp_path, "x" * 20)), check=False
        )
        assert wrong.returncode != 0 and "Wrong passphrase" in wrong.stderr

        restored = target.manage("restore", str(file)).stdout
        assert "data check passed" in restored and "restore complete" in restored
        assert "1 uploaded file(s) restored" in restored
        verified = target.manage("shell", "-c", VERIFY, stdin=json.dumps(seed)).stdout
        check = json.loads(verified.strip().splitlines()[-1])
        assert check == {
            "check_code": True,
            "wrong_code": False,
            "api_key": True,
            "file": "原件",
            "office_day": True,
        }
        # The restored installation has the source's keys, not a new ring of its own.
        keys_src = json.loads((source.var / "keys.json").read_text())
        assert json.loads((target.var / "keys.json").read_text()) == keys_src

        again = target.manage("restore", str(file), check=False)
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        source.drop()
        target.drop()


def _write(base: Path, text: str) -> Path:
    path = base / f"pass-{uuid.uuid4().hex[:6]}"
    path.write_text(text)
    return path


# --- the encrypted container -------------------------------------------------------------


@pytest.fixture
def fast_kdf(settings):
    settings.RENDA_BACKUP_KDF = "interactive"


def _sealed(data: bytes) -> bytes:
    out = io.BytesIO()
    backup.encrypt(io.BytesIO(data), out, PASSPHRASE)
    return out.getvalue()


def _open(sealed: bytes, passphrase: str = PASSPHRASE) -> bytes:
    out = io.BytesIO()
    backup.decrypt(io.BytesIO(sealed), out, passphrase)
    return out.getvalue()


def test_round_trip_of_several_chunks(fast_kdf):
    data = os.urandom(backup.CHUNK * 2 + 123)
    assert _open(_sealed(data)) == data
    assert _open(_sealed(b"")) == b""


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],  # truncated inside the last chunk
        lambda b: b[: len(b) - (backup.CHUNK // 2)],  # a whole tail missing
        lambda b: b + b"\0",  # data after the end
        lambda b: b[:200] + bytes([b[200] ^ 1]) + b[201:],  # one bit changed
        lambda b: b.replace(b'"ops": 2', b'"ops": 3'),  # the header changed
    ],
)
def test_a_damaged_backup_is_refused(fast_kdf, damage):
    sealed = _sealed(os.urandom(backup.CHUNK + 10))
    with pytest.raises(backup.BackupError):
        _open(damage(sealed))


def test_a_wrong_passphrase_or_a_short_one_is_refused(fast_kdf):
    sealed = _sealed(b"data")
    with pytest.raises(backup.BackupError, match="Wrong passphrase"):
        _open(sealed, "another passphrase of some length")
    with pytest.raises(backup.BackupError, match="at least 12"):
        backup.encrypt(io.BytesIO(b""), io.BytesIO(), "short")


def test_a_backup_of_a_newer_version_is_refused_and_an_older_one_migrates(db):
    current = {}
    for app, name in backup.known_migrations():
        current.setdefault(app, []).append(name)
    newer = {**current, "core": [*current["core"], "0999_from_the_future"]}
    with pytest.raises(backup.BackupError, match="newer version.*core.0999_from_the_future"):
        backup.check_version({"format": 1, "migrations": newer})
    older = {**current, "core": [n for n in current["core"] if n != "0006_holiday_source"]}
    assert backup.check_version({"format": 1, "migrations": older}) == ["core.0006_holiday_source"]


def test_restore_refuses_a_database_that_is_not_empty(db, tmp_path):
    file = tmp_path / "b.renda-backup"
    file.write_bytes(backup.MAGIC)  # refused before the file is even read
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(file), passphrase_file=str(_write(tmp_path, PASSPHRASE)))


def test_backup_without_a_passphrase_is_refused(db, monkeypatch, tmp_path):
    monkeypatch.delenv("RENDA_BACKUP_PASSPHRASE", raising=False)
    with pytest.raises(CommandError, match="passphrase"):
        call_command("backup", output=str(tmp_path / "never.renda-backup"))
    assert not (tmp_path / "never.renda-backup").exists()


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="only a PostgreSQL installation needs pg_dump",
)
def test_without_pg_dump_the_backup_says_what_to_install(db, tmp_path, monkeypatch, fast_kdf):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump was not found: install"):
        backup.create(tmp_path / "b", PASSPHRASE)


# --- audit log retention -----------------------------------------------------------------


def _entries_at(*days_ago: int) -> list[ActionLog]:
    out = []
    for n in days_ago:
        entry = ActionLog.objects.create(action="test.old", note=str(n))
        out.append(entry)
        # created_at is auto_now_add: set the age directly (the trigger is not installed in
        # the test database; tests/conftest.py).
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_actionlog SET created_at = %s WHERE id = %s",
                [timezone.now() - dt.timedelta(days=n), entry.pk],
            )
    return out


def test_a_purge_younger_than_six_months_is_refused(db, settings):
    _entries_at(10, 400)
    today = timezone.localdate()
    too_young = today - dt.timedelta(days=150)
    with pytest.raises(CommandError, match="younger than 6 months"):
        call_command("purge_audit_log", before=too_young.isoformat(), reason="x", execute=True)
    settings.RENDA_AUDIT_RETENTION_MONTHS = 3  # a setting can never go under six months
    with pytest.raises(CommandError, match="younger than 6 months"):
        call_command("purge_audit_log", before=too_young.isoformat(), reason="x", execute=True)
    settings.RENDA_AUDIT_RETENTION_MONTHS = 24
    year_ago = (today - dt.timedelta(days=370)).isoformat()
    with pytest.raises(CommandError, match="younger than 24 months"):
        call_command("purge_audit_log", before=year_ago, reason="x", execute=True)
    assert ActionLog.objects.filter(action="test.old").count() == 2


def test_a_purge_deletes_only_old_entries_keeps_the_triggers_and_records_itself(db):
    from renda.core.migrations import _actionlog_triggers as triggers

    young, old, older = _entries_at(30, 300, 500)
    cutoff = (timezone.localdate() - dt.timedelta(days=200)).isoformat()
    out = io.StringIO()
    call_command("purge_audit_log", before=cutoff, reason="等保复核后清理", stdout=out)
    assert "2 entries" in out.getvalue() and ActionLog.objects.count() == 3  # counted only

    with connection.cursor() as cursor:  # as migrated: append-only
        for sql in triggers.FORWARD[connection.vendor]:
            cursor.execute(sql)
    call_command(
        "purge_audit_log", before=cutoff, reason="等保复核后清理", execute=True, stdout=out
    )
    assert list(ActionLog.objects.filter(action="test.old")) == [young]
    purge = ActionLog.objects.get(action="audit.purged")
    assert purge.changes["deleted"] == 2 and purge.changes["before"] == cutoff
    assert purge.changes["ids"] == [min(old.pk, older.pk), max(old.pk, older.pk)]
    assert "等保复核后清理" in purge.note and "operator:" in purge.note
    # The triggers are back: nothing else can delete or change an entry.
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_actionlog WHERE id = %s", [young.pk])


def test_a_backup_of_an_older_version_is_migrated_forward(tmp_path):
    """A backup taken before core.0006 (Holiday.source): restored, migrated, checked."""
    source = Installation(tmp_path, "old", "sqlite")
    target = Installation(tmp_path, "new", "sqlite")
    source.manage("migrate", "--noinput")
    source.manage("migrate", "core", "0005", "--noinput")  # the older version's schema
    file = tmp_path / "old.renda-backup"
    source.manage("backup", "--output", str(file))
    restored = target.manage("restore", str(file)).stdout
    assert "data check passed" in restored
    assert "migrating forward: core.0006_holiday_source" in restored
    shown = target.manage("showmigrations", "core").stdout
    assert "[X] 0006_holiday_source" in shown
