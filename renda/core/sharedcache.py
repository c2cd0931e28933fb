"""The embedded mode's shared cache: one SQLite file that every process on the machine
opens (the app server's workers, the periodic runner, management commands).

Why not Django's own backends: the local-memory cache is per process (three workers
counted three rate limits), and the database and file caches implement `incr` as get
then set, so concurrent increments are lost (4 processes × 300 increments ended at 565
on the database cache and 352 on the file cache). Here every operation is one SQL
statement or one `BEGIN IMMEDIATE` transaction on the file, so `add`, `incr`/`decr` and
`delete` are atomic across processes, as they are on Redis:

- `add` is `INSERT … ON CONFLICT DO UPDATE … WHERE the row has expired`: one winner;
- `incr` is `UPDATE … SET num = num + ?` on a live integer row (a missing or expired key
  is a ValueError, as on every Django cache);
- `delete` reports whether it removed the key: a one-time code deleted by two requests
  at once is spent by exactly one.

The file is separate from the application database on purpose: a long write lock on the
database (a migration, a bulk import) does not block counting, and a counter written
inside a transaction that rolls back stays counted, as on Redis. Integers are stored as
SQL integers, everything else pickled (only the app itself writes this file). Expired
rows are removed lazily, every `CULL_EVERY` writes; OPTIONS["MAX_ENTRIES"] (0: no limit)
caps the table by dropping the rows closest to expiry first, never rows without expiry.
Each alias names its own table (OPTIONS["TABLE"]), so clearing one alias leaves the
others alone. Production uses Redis instead (settings: REDIS_URL).
"""

from __future__ import annotations

import os
import pickle
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

CULL_EVERY = 200  # writes per connection between two removals of expired rows
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_CHUNK = 500  # keys per statement in the *_many operations
_INHERITED: list[sqlite3.Connection] = []


class SQLiteCache(BaseCache):
    """Django cache backend on a SQLite file shared by every process of one machine."""

    def __init__(self, location: str, params: dict[str, Any]):
        options = dict(params.get("OPTIONS") or {})
        table = str(options.pop("TABLE", "cache"))
        busy_timeout = float(options.pop("BUSY_TIMEOUT", 10))
        if not _TABLE_NAME.fullmatch(table):
            raise ValueError(f"Invalid cache table name: {table!r}")
        options.setdefault("MAX_ENTRIES", 0)
        super().__init__({**params, "OPTIONS": options})
        self._path = str(Path(location))
        self._table = table
        self._busy_timeout = busy_timeout
        self._local = threading.local()

    # --- connection --------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        """One connection per thread and process (a forked worker opens its own)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            if self._local.pid == os.getpid():
                return conn
            # Inherited through fork: never used nor closed here (closing it in the child
            # could disturb the parent's locks on the file); kept from garbage collection.
            _INHERITED.append(conn)
        Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None)
        self._wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")
        self._run(
            "CREATE TABLE IF NOT EXISTS {t} ("
            "key TEXT PRIMARY KEY, value BLOB, num INTEGER, expires REAL) WITHOUT ROWID",
            conn=conn,
        )
        self._run("CREATE INDEX IF NOT EXISTS {i} ON {t} (expires)", conn=conn)
        self._local.conn = conn
        self._local.pid = os.getpid()
        self._local.writes = 0
        return conn

    def _wal(self, conn: sqlite3.Connection) -> None:
        """WAL mode (kept in the file once set). Switching a new file to it needs the file
        alone, and SQLite answers "database is locked" at once — without waiting out the
        busy timeout — when another process opens the same new file at that moment (several
        app-server workers starting together): wait and ask again, within the busy timeout."""
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _run(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        conn: sqlite3.Connection | None = None,
        marks: int = 0,
    ) -> sqlite3.Cursor:
        """Execute `sql` with {t} standing for this alias's table and {i} for its index
        (identifiers checked against _TABLE_NAME in __init__, never request data) and
        {marks} for `marks` parameter placeholders; values always go in as parameters."""
        statement = sql.format(
            t=f'"{self._table}"',
            i=f'"{self._table}_expires"',
            marks=", ".join("?" * marks),
        )
        return (conn or self._db()).execute(statement, params)

    def _wrote(self) -> None:
        self._local.writes = getattr(self._local, "writes", 0) + 1
        if self._local.writes % CULL_EVERY == 0:
            self._cull()

    # --- encoding ----------------------------------------------------------------------

    @staticmethod
    def _encode(value: Any) -> tuple[bytes | None, int | None]:
        if type(value) is int:  # not bool: True must come back as True
            return None, value
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL), None

    @staticmethod
    def _decode(blob: bytes | None, num: int | None) -> Any:
        if num is not None:
            return num
        return pickle.loads(blob or b"")  # noqa: S301  (written by this app only)

    def _expiry(self, timeout: Any) -> float | None:
        return self.get_backend_timeout(timeout)

    # --- the cache API -----------------------------------------------------------------

    def add(
        self, key: str, value: Any, timeout: float | None | object = DEFAULT_TIMEOUT, version=None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        blob, num = self._encode(value)
        cursor = self._run(
            "INSERT INTO {t} (key, value, num, expires) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, num = excluded.num, "
            "expires = excluded.expires WHERE {t}.expires IS NOT NULL "
            "AND {t}.expires <= ?",
            (key, blob, num, self._expiry(timeout), time.time()),
        )
        self._wrote()
        return cursor.rowcount == 1

    def get(self, key: str, default: Any = None, version=None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = self._run("SELECT value, num, expires FROM {t} WHERE key = ?", (key,)).fetchone()
        if row is None or (row[2] is not None and row[2] <= time.time()):
            return default
        return self._decode(row[0], row[1])

    def set(
        self, key: str, value: Any, timeout: float | None | object = DEFAULT_TIMEOUT, version=None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        self._upsert(self._db(), key, value, self._expiry(timeout))
        self._wrote()

    def _upsert(self, conn: sqlite3.Connection, key: str, value: Any, expires: float | None):
        blob, num = self._encode(value)
        self._run(
            "INSERT INTO {t} (key, value, num, expires) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, num = excluded.num, "
            "expires = excluded.expires",
            (key, blob, num, expires),
            conn=conn,
        )

    def touch(self, key: str, timeout: float | None | object = DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        cursor = self._run(
            "UPDATE {t} SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (self._expiry(timeout), key, time.time()),
        )
        return cursor.rowcount == 1

    def delete(self, key: str, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        cursor = self._run("DELETE FROM {t} WHERE key = ?", (key,))
        return cursor.rowcount == 1

    def has_key(self, key: str, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        row = self._run(
            "SELECT 1 FROM {t} WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (key, time.time()),
        ).fetchone()
        return row is not None

    def incr(self, key: str, delta: int = 1, version=None) -> int:
        """Atomic: the increment and the read of the new value happen under the file's
        write lock (no RETURNING, which older SQLite libraries lack)."""
        key = self.make_and_validate_key(key, version=version)
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = self._run(
                "UPDATE {t} SET num = num + ? WHERE key = ? AND num IS NOT NULL "
                "AND (expires IS NULL OR expires > ?)",
                (int(delta), key, time.time()),
                conn=conn,
            )
            if cursor.rowcount != 1:
                raise ValueError(f"Key '{key}' not found or not an integer")
            value = self._run("SELECT num FROM {t} WHERE key = ?", (key,), conn=conn).fetchone()[0]
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._wrote()
        return int(value)

    def get_many(self, keys: Iterable[str], version=None) -> dict[str, Any]:
        wanted = {self.make_and_validate_key(k, version=version): k for k in keys}
        found: dict[str, Any] = {}
        names = list(wanted)
        now = time.time()
        for start in range(0, len(names), _CHUNK):
            part = names[start : start + _CHUNK]
            rows = self._run(
                "SELECT key, value, num, expires FROM {t} WHERE key IN ({marks})",
                part,
                marks=len(part),
            )
            for key, blob, num, expires in rows:
                if expires is None or expires > now:
                    found[wanted[key]] = self._decode(blob, num)
        return found

    def set_many(
        self, data: dict[str, Any], timeout: float | None | object = DEFAULT_TIMEOUT, version=None
    ) -> list[str]:
        expires = self._expiry(timeout)
        conn = self._db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for key, value in data.items():
                self._upsert(conn, self.make_and_validate_key(key, version=version), value, expires)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._wrote()
        return []

    def delete_many(self, keys: Iterable[str], version=None) -> None:
        names = [self.make_and_validate_key(k, version=version) for k in keys]
        for start in range(0, len(names), _CHUNK):
            part = names[start : start + _CHUNK]
            self._run("DELETE FROM {t} WHERE key IN ({marks})", part, marks=len(part))

    def clear(self) -> None:
        self._run("DELETE FROM {t}")

    def close(self, **kwargs: Any) -> None:
        """Kept open between requests: one connection per thread is reused."""

    # --- housekeeping ------------------------------------------------------------------

    def _cull(self) -> None:
        self._run("DELETE FROM {t} WHERE expires IS NOT NULL AND expires <= ?", (time.time(),))
        if not self._max_entries:
            return
        count = self._run("SELECT COUNT(*) FROM {t}").fetchone()[0]
        if count > self._max_entries:
            drop = max(1, count // self._cull_frequency) if self._cull_frequency else count
            self._run(
                "DELETE FROM {t} WHERE key IN (SELECT key FROM {t} "
                "WHERE expires IS NOT NULL ORDER BY expires LIMIT ?)",
                (drop,),
            )
