"""Liveness and readiness (docs/operations.md, "Health").

- `/healthz` (liveness): the process answers and the database does.
- `/readyz` (readiness): the database, Redis (cache and broker) and the workers. Each
  Celery worker writes a heartbeat into Redis per queue it consumes — when it starts and
  then whenever the `renda.core.heartbeat` task, sent by beat every
  RENDA_HEARTBEAT_SECONDS on each queue, runs — so a fresh heartbeat on every queue means
  beat is sending and a worker is consuming. Older than RENDA_HEARTBEAT_MAX_AGE_SECONDS:
  not ready (notifications would wait in the outbox).

In the embedded mode (no REDIS_URL) tasks run inline: there is no Redis and no worker to
check, and readiness is the database's.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from renda.core.rediscache import strict

HEARTBEAT_KEY = "renda:heartbeat:{}"


def heartbeat_queues() -> list[str]:
    return list(getattr(settings, "RENDA_HEARTBEAT_QUEUES", ["default", "periodic"]))


def beat(queues: list[str] | None = None) -> None:
    """Write the heartbeat of these queues (a worker that consumes them is alive)."""
    now = time.time()
    keep = max(600, 10 * int(getattr(settings, "RENDA_HEARTBEAT_MAX_AGE_SECONDS", 60)))
    strict(cache).set_many({HEARTBEAT_KEY.format(q): now for q in (queues or [])}, timeout=keep)


def heartbeats() -> dict[str, float | None]:
    """The last heartbeat (a UNIX time) per queue; None if never (or expired). Raises if
    the cache cannot be read."""
    if not settings.REDIS_URL:
        return {}
    queues = heartbeat_queues()
    found = strict(cache).get_many([HEARTBEAT_KEY.format(q) for q in queues])
    return {q: found.get(HEARTBEAT_KEY.format(q)) for q in queues}


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False, "error"
    return True, "ok"


def check_redis() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not used"
    try:
        store = strict(cache)
        store.set("renda:readyz", 1, timeout=60)
        if store.get("renda:readyz") != 1:
            return False, "error"
    except Exception:
        return False, "unreachable"
    return True, "ok"


def check_workers() -> tuple[bool, Any]:
    if not settings.REDIS_URL:
        return True, "inline"
    try:
        last = heartbeats()
    except Exception:
        return False, "unknown"
    max_age = int(getattr(settings, "RENDA_HEARTBEAT_MAX_AGE_SECONDS", 60))
    now = time.time()
    states = {
        queue: ("ok" if at is not None and now - at <= max_age else "stale")
        for queue, at in last.items()
    }
    return all(state == "ok" for state in states.values()), states


def readiness() -> tuple[bool, dict[str, Any]]:
    db_ok, db = check_database()
    redis_ok, redis_state = check_redis()
    workers_ok, workers = check_workers() if redis_ok else (False, "unknown")
    ok = db_ok and redis_ok and workers_ok
    return ok, {
        "status": "ok" if ok else "unavailable",
        "database": db,
        "redis": redis_state,
        "workers": workers,
    }
