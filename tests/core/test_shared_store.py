"""The embedded mode's shared cache (renda.core.sharedcache): Django's cache semantics, and
atomic add/incr/delete across real processes, so that rate limits, lockout counters and
one-time codes agree between the app server's workers."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from django.conf import settings
from django.core.cache import cache, caches

from renda.core import ratelimit
from renda.core.sharedcache import SQLiteCache

PROCESSES = 4
FORK = multiprocessing.get_context("fork")


@pytest.fixture
def store(tmp_path):
    backend = SQLiteCache(str(tmp_path / "store.sqlite3"), {"OPTIONS": {"TABLE": "t"}})
    yield backend
    backend.clear()


def test_embedded_mode_keeps_nothing_in_process_memory():
    """Every store that several processes must agree on is shared: the cache aliases (rate
    limits, codes, view counts), axes' login attempts and the captcha store (database)."""
    from axes.conf import settings as axes_settings
    from captcha.models import CaptchaStore

    for alias in ("default", "portal_views"):
        assert settings.CACHES[alias]["BACKEND"] == "renda.core.sharedcache.SQLiteCache"
        assert isinstance(caches[alias], SQLiteCache)
    assert caches["default"]._path == caches["portal_views"]._path  # one file, two tables
    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert CaptchaStore._meta.db_table  # a model: kept in the database


def test_values_come_back_as_they_were_stored(store):
    store.set("int", 41)
    store.set("flag", True)
    store.set("data", {"digest": "ab", "tries": 0})
    store.set("text", "清河镇")
    assert store.get("int") == 41
    assert store.get("flag") is True
    assert store.get("data") == {"digest": "ab", "tries": 0}
    assert store.get("text") == "清河镇"
    assert store.get("missing", "default") == "default"
    assert store.get_many(["int", "text", "missing"]) == {"int": 41, "text": "清河镇"}
    assert store.has_key("int") and not store.has_key("missing")


def test_add_only_when_absent_or_expired(store):
    assert store.add("k", 1, timeout=0.2) is True
    assert store.add("k", 2) is False
    assert store.get("k") == 1
    time.sleep(0.3)
    assert store.get("k") is None
    assert store.add("k", 3) is True
    assert store.get("k") == 3


def test_incr_and_decr_keep_the_expiry_and_refuse_missing_keys(store):
    store.set("n", 5, timeout=60)
    assert store.incr("n") == 6
    assert store.incr("n", 10) == 16
    assert store.decr("n", 6) == 10
    with pytest.raises(ValueError):
        store.incr("missing")
    store.set("text", "x")
    with pytest.raises(ValueError):
        store.incr("text")
    store.set("short", 1, timeout=0.2)
    time.sleep(0.3)
    with pytest.raises(ValueError):
        store.incr("short")  # expired is missing


def test_delete_reports_whether_it_removed_the_key(store):
    store.set("code", "x")
    assert store.delete("code") is True
    assert store.delete("code") is False
    store.set_many({"a": 1, "b": 2, "c": 3})
    store.delete_many(["a", "b"])
    assert store.get_many(["a", "b", "c"]) == {"c": 3}
    store.clear()
    assert store.get("c") is None


def test_touch_moves_the_expiry(store):
    store.set("k", 1, timeout=0.2)
    assert store.touch("k", 60) is True
    time.sleep(0.3)
    assert store.get("k") == 1
    assert store.touch("missing", 60) is False


def test_aliases_do_not_clear_each_other(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    one = SQLiteCache(path, {})
    two = SQLiteCache(path, {"OPTIONS": {"TABLE": "other"}})
    one.set("k", 1)
    two.set("k", 2)
    one.clear()
    assert one.get("k") is None
    assert two.get("k") == 2


def test_expired_rows_are_culled_and_rows_without_expiry_kept(tmp_path):
    store = SQLiteCache(str(tmp_path / "c.sqlite3"), {"OPTIONS": {"MAX_ENTRIES": 10}})
    store.set("forever", 1, timeout=None)
    for n in range(30):
        store.set(f"old-{n}", n, timeout=60)
    store._cull()
    rows = store._run("SELECT COUNT(*) FROM {t}").fetchone()[0]
    assert rows <= 21  # a third dropped, the closest to expiry first
    assert store.get("forever") == 1


def test_an_invalid_table_name_is_refused(tmp_path):
    with pytest.raises(ValueError):
        SQLiteCache(str(tmp_path / "c.sqlite3"), {"OPTIONS": {"TABLE": 'x"; DROP TABLE y; --'}})


# --- across processes -------------------------------------------------------------------


def _run_processes(target, *args) -> list:
    """PROCESSES forked processes run target(barrier, queue, *args) together; returns what
    each put in the queue."""
    barrier = FORK.Barrier(PROCESSES)
    queue = FORK.Queue()
    processes = [
        FORK.Process(target=target, args=(barrier, queue, *args)) for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        results = [queue.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
    return results


def _increment(barrier, queue, path: str, times: int) -> None:
    store = SQLiteCache(path, {})
    barrier.wait()
    for _ in range(times):
        store.incr("counter")
    queue.put(True)


def _add_race(barrier, queue, path: str, keys: int) -> None:
    store = SQLiteCache(path, {})
    barrier.wait()
    queue.put(sum(store.add(f"key-{n}", 1) for n in range(keys)))


def _delete_race(barrier, queue, path: str, keys: int) -> None:
    store = SQLiteCache(path, {})
    barrier.wait()
    queue.put(sum(store.delete(f"code-{n}") for n in range(keys)))


def test_increments_from_several_processes_are_never_lost(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    SQLiteCache(path, {}).set("counter", 0, timeout=None)
    _run_processes(_increment, path, 250)
    assert SQLiteCache(path, {}).get("counter") == PROCESSES * 250


def test_add_has_exactly_one_winner_per_key_across_processes(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    assert sum(_run_processes(_add_race, path, 200)) == 200


def test_a_one_time_code_is_spent_by_exactly_one_process(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    SQLiteCache(path, {}).set_many({f"code-{n}": {"digest": "x"} for n in range(200)})
    assert sum(_run_processes(_delete_race, path, 200)) == 200


def _lookups(barrier, queue, attempts: int, limit: int) -> None:
    barrier.wait()
    queue.put(
        sum(ratelimit.attempt("test-track", ["10.1.1.1"], limit, 600) for _ in range(attempts))
    )


def _hits(barrier, queue, attempts: int) -> None:
    barrier.wait()
    for _ in range(attempts):
        ratelimit.hit("test-submit", "10.1.1.2", 600)
    queue.put(True)


def test_processes_hammering_one_limit_get_exactly_the_limit():
    """The finding: with per-process counters, 3 workers let 3 × the limit through."""
    cache.clear()
    allowed = _run_processes(_lookups, 15, 20)
    assert sum(allowed) == 20
    # Refused attempts give their count back: the window holds exactly the allowed ones.
    assert ratelimit.count("test-track", "10.1.1.1") == 20
    _run_processes(_hits, 30)
    assert ratelimit.count("test-submit", "10.1.1.2") == PROCESSES * 30
    assert ratelimit.exceeded("test-submit", ["10.1.1.2"], PROCESSES * 30)
    assert not ratelimit.exceeded("test-submit", ["10.1.1.2"], PROCESSES * 30 + 1)
