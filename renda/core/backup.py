"""Encrypted backups and restores: the database, the uploaded files and the keys in one file.

A backup is a tar archive (manifest.json, the database dump, media/, secrets.json) encrypted
with a key derived from the operator's passphrase (Argon2id) by XChaCha20-Poly1305 in a
stream of authenticated chunks (libsodium's secretstream, through PyNaCl): a wrong
passphrase, a changed byte, a truncated or reordered file are refused, never restored.

The database dump is the vendor's own: SQLite's online backup API (consistent while the
server runs), PostgreSQL's `pg_dump -Fc` (restored with `pg_restore`). The manifest records
the applied migrations and the row count of every table, so that a restore can refuse a
backup of a newer version, migrate an older one forward, and check the data it restored.

docs/operations.md, "Backup and restore".
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess  # noqa: S404  (pg_dump / pg_restore, argument lists, never a shell)
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from nacl import bindings, pwhash, utils
from nacl.exceptions import CryptoError

from renda.core import keys

MAGIC = b"RENDA-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20
_TAG_FINAL = bindings.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_TAG_MESSAGE = bindings.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
KDF_LEVELS = {
    "moderate": (pwhash.argon2id.OPSLIMIT_MODERATE, pwhash.argon2id.MEMLIMIT_MODERATE),
    "interactive": (pwhash.argon2id.OPSLIMIT_INTERACTIVE, pwhash.argon2id.MEMLIMIT_INTERACTIVE),
}
MIN_PASSPHRASE = 12


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


# --- encryption ------------------------------------------------------------------------


def _derive(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    return pwhash.argon2id.kdf(
        bindings.crypto_secretstream_xchacha20poly1305_KEYBYTES,
        passphrase.encode(),
        salt,
        opslimit=ops,
        memlimit=mem,
    )


def encrypt(source: BinaryIO, target: BinaryIO, passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"The passphrase must have at least {MIN_PASSPHRASE} characters.")
    ops, mem = KDF_LEVELS[getattr(settings, "RENDA_BACKUP_KDF", "moderate")]
    salt = utils.random(pwhash.argon2id.SALTBYTES)
    header = json.dumps(
        {
            "format": FORMAT,
            "kdf": "argon2id",
            "ops": ops,
            "mem": mem,
            "salt": base64.b64encode(salt).decode(),
        },
        sort_keys=True,
    ).encode()
    key = _derive(passphrase, salt, ops, mem)
    state = bindings.crypto_secretstream_xchacha20poly1305_state()
    stream_header = bindings.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    target.write(MAGIC + struct.pack(">I", len(header)) + header + stream_header)
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        tag = _TAG_MESSAGE if following else _TAG_FINAL
        # The plain header is bound to every chunk as associated data.
        sealed = bindings.crypto_secretstream_xchacha20poly1305_push(state, chunk, header, tag)
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if not following:
            return
        chunk = following


def decrypt(source: BinaryIO, target: BinaryIO, passphrase: str) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("This is not a Renda backup file.")
    (size,) = struct.unpack(">I", source.read(4))
    header = source.read(size)
    try:
        meta = json.loads(header)
    except ValueError:
        raise BackupError("The backup file's header is damaged.") from None
    if meta.get("format") != FORMAT or meta.get("kdf") != "argon2id":
        raise BackupError(f"Unknown backup format {meta.get('format')!r}.")
    key = _derive(passphrase, base64.b64decode(meta["salt"]), meta["ops"], meta["mem"])
    state = bindings.crypto_secretstream_xchacha20poly1305_state()
    stream_header = source.read(bindings.crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    bindings.crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, key)
    while True:
        length = source.read(4)
        if len(length) < 4:
            raise BackupError("The backup file is truncated.")
        sealed = source.read(struct.unpack(">I", length)[0])
        try:
            chunk, tag = bindings.crypto_secretstream_xchacha20poly1305_pull(state, sealed, header)
        except (CryptoError, ValueError):
            raise BackupError(
                "Wrong passphrase, or the backup file was changed or damaged."
            ) from None
        target.write(chunk)
        if tag == _TAG_FINAL:
            if source.read(1):
                raise BackupError("The backup file has data after its end.")
            return


# --- what a backup holds ---------------------------------------------------------------


def known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _model_tables() -> list[str]:
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def _snapshot_facts(cursor: Any, existing: set[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Applied migrations and the row count of every table of the application's models,
    read through `cursor` (the dump itself, or the transaction that pg_dump shares)."""
    quote = connection.ops.quote_name
    counts: dict[str, int] = {}
    for table in _model_tables():
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (model tables)
            counts[table] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    return migrations, counts


def table_counts() -> dict[str, int]:
    """Rows of every table of the application's models, in this database (the data check)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return _snapshot_facts(cursor, existing)[1]


def _secrets() -> dict[str, Any]:
    return {
        "ring": keys.config(),
        "ring_from_environment": keys.from_environment(),
        "secret_key": settings.SECRET_KEY,
        "secret_key_fallbacks": list(getattr(settings, "SECRET_KEY_FALLBACKS", [])),
    }


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    args += ["-U", str(db.get("USER") or "postgres")]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools "
            "(the same major version as the server, e.g. the postgresql-client package)."
        )
    return path


def _dump_database(target: Path) -> tuple[str, dict[str, list[str]], dict[str, int]]:
    """The dump, and the migrations and row counts of exactly what it holds."""
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        out = sqlite3.connect(target)
        try:
            connection.connection.backup(out)  # the online backup API: a consistent copy
            dump_cursor = out.cursor()
            dump_cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            existing = {row[0] for row in dump_cursor.fetchall()}
            migrations, counts = _snapshot_facts(dump_cursor, existing)
        finally:
            out.close()
        return "database.sqlite3", migrations, counts
    if vendor == "postgresql":
        pg_dump = _tool("pg_dump")
        if connection.in_atomic_block:
            raise BackupError("A backup cannot be taken inside a transaction.")
        args, env = _pg_environment()
        name = str(settings.DATABASES["default"]["NAME"])
        # pg_dump reads the snapshot of this transaction: the counts are the dump's.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            existing = set(connection.introspection.table_names(cursor))
            migrations, counts = _snapshot_facts(cursor, existing)
            command = [pg_dump, *args, "-Fc", "--no-owner", "--no-privileges"]
            done = subprocess.run(  # noqa: S603
                [*command, f"--snapshot={snapshot}", "-f", str(target), name],
                env=env,
                capture_output=True,
                text=True,
            )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return "database.pgdump", migrations, counts
    raise BackupError(f"Backups of a {vendor} database are not supported.")


def create(output: Path, passphrase: str) -> dict[str, Any]:
    """Write an encrypted backup of this installation to `output`; returns the manifest."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"The passphrase must have at least {MIN_PASSPHRASE} characters.")
    with tempfile.TemporaryDirectory(prefix="renda-backup-") as tmp:
        work = Path(tmp)
        dump = work / "dump"
        dump_name, migrations, counts = _dump_database(dump)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "vendor": connection.vendor,
            "database": dump_name,
            "migrations": migrations,
            "counts": counts,
        }
        plain = work / "backup.tar"
        with tarfile.open(plain, "w") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            _add_bytes(tar, "secrets.json", json.dumps(_secrets(), indent=1).encode())
            tar.add(dump, arcname=dump_name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with plain.open("rb") as source, os.fdopen(fd, "wb") as target:
            encrypt(source, target, passphrase)
        os.replace(partial, output)
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


# --- restore ---------------------------------------------------------------------------


@contextmanager
def opened(path: Path, passphrase: str) -> Iterator[Path]:
    """The backup decrypted and unpacked into a private temporary directory."""
    with tempfile.TemporaryDirectory(prefix="renda-restore-") as tmp:
        work = Path(tmp)
        plain = work / "backup.tar"
        with path.open("rb") as source, plain.open("wb") as target:
            decrypt(source, target, passphrase)
        unpacked = work / "content"
        with tarfile.open(plain, "r") as tar:
            tar.extractall(unpacked, filter="data")  # no absolute paths, links out, devices
        plain.unlink()
        yield unpacked


def check_version(manifest: dict[str, Any]) -> list[str]:
    """Refuses a backup of a newer version; returns the migrations an older one lacks."""
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    known = known_migrations()
    backed_up = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    newer = sorted(f"{app}.{name}" for app, name in backed_up - known)
    if newer:
        raise BackupError(
            "The backup comes from a newer version of Renda (migrations this version does "
            f"not know: {', '.join(newer[:5])}{'…' if len(newer) > 5 else ''}). Install that "
            "version (or a later one) and restore again."
        )
    return sorted(f"{app}.{name}" for app, name in known - backed_up)


def database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore_database(content: Path, manifest: dict[str, Any]) -> None:
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"The backup holds a {manifest['vendor']} database; this installation uses "
            f"{vendor}. Restore into the same kind of database."
        )
    if not database_is_empty():
        raise BackupError(
            "The database is not empty. Restore into a fresh database (a new, empty "
            "PostgreSQL database, or a SQLite file that does not exist yet)."
        )
    dump = content / manifest["database"]
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()  # the next query sees the restored schema
        return
    args, env = _pg_environment()
    name = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    command = [_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error"]
    done = subprocess.run(  # noqa: S603
        [*command, "-d", name, str(dump)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def restore_media(content: Path) -> int:
    """Copies the backup's files into MEDIA_ROOT; a file already there is never replaced."""
    source = content / "media"
    if not source.is_dir():
        return 0
    target = Path(settings.MEDIA_ROOT)
    copied = 0
    for path in sorted(source.rglob("*")):
        if path.is_file():
            dest = target / path.relative_to(source)
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
            copied += 1
    return copied


def restore_keys(content: Path) -> list[str]:
    """Puts the backup's key ring in place (and, in the embedded mode, its SECRET_KEY);
    returns what the operator must still do. The database was empty, so a key file already
    here protected nothing: it is kept beside as `<name>.before-restore`."""
    saved = json.loads((content / "secrets.json").read_text(encoding="utf-8"))
    ring = saved["ring"]
    todo: list[str] = []
    if keys.from_environment():
        mine = keys.config()
        missing = [k for k, v in ring["keys"].items() if mine["keys"].get(k) != v]
        if missing:
            todo.append(
                "RENDA_KEYS (environment) lacks the backup's key version(s) "
                f"{', '.join(missing)}: add them from secrets.json of the backup, or what "
                "they protected will not verify."
            )
    elif ring["keys"]:
        path = keys.key_file()
        if path.exists() and keys.read_file(path) != ring:
            os.replace(path, path.with_name(path.name + ".before-restore"))
        keys.write_file(path, ring)
    legacy = [saved["secret_key"], *saved.get("secret_key_fallbacks", [])]
    if ring["legacy"] and settings.SECRET_KEY not in legacy:
        embedded_file = Path(settings.VAR_DIR) / "secret_key"
        if not getattr(settings, "PRODUCTION", False) and embedded_file.exists():
            embedded_file.write_text(saved["secret_key"], encoding="utf-8")
            todo.append("var/secret_key was replaced by the backup's: restart the server.")
        else:
            todo.append(
                "The backup's SECRET_KEY differs from this installation's: add it to "
                "SECRET_KEY_FALLBACKS (it is in secrets.json inside the backup), or what "
                "the legacy key version 0 protected will not verify."
            )
    return todo


def compare_counts(expected: dict[str, int]) -> list[str]:
    """Tables whose row count differs from the backup's manifest."""
    now = table_counts()
    return [
        f"{table}: {n} in the backup, {now.get(table)} restored"
        for table, n in expected.items()
        if now.get(table) != n
    ]
