"""Production's cache (Redis) that keeps pages rendering when Redis is down.

Most of what the default cache holds is an optimisation (rendered portal pages, the site's
frame, a publication generation): when Redis refuses or times out, a read is a miss and a
write is skipped, so pages render from the database. What must never be answered from a
miss — the counters of rate limits and lockouts — reads through `strict(cache)`, which
raises: public forms then fail closed (renda.core.ratelimit, renda.core.busy).

`add` answers False when Redis is unreachable (nothing was added: a "first view" or a
lock is not taken), `incr`/`decr` raise (a counter cannot be faked).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("renda.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_WARN_EVERY_SECONDS = 30.0


class _Strict:
    """The plain RedisCache operations of a ResilientRedisCache: errors propagate."""

    def __init__(self, outer: ResilientRedisCache):
        self._outer = outer

    def __getattr__(self, name: str) -> Any:
        return getattr(super(ResilientRedisCache, self._outer), name)


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    @property
    def strict(self) -> Any:
        return _Strict(self)

    def _unreachable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= _WARN_EVERY_SECONDS:
            ResilientRedisCache._last_warning = now
            log.warning("cache unreachable (%s: %s); serving without it", operation, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._unreachable("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            self._unreachable("has_key", exc)
            return False

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:  # type: ignore[override]
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set", exc)

    def set_many(self, data: Any, timeout: Any = None, version: int | None = None) -> list[Any]:  # type: ignore[override]
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set_many", exc)
            return list(data)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:  # type: ignore[override]
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("add", exc)
            return False

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:  # type: ignore[override]
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self._unreachable("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("delete_many", exc)


def strict(store: BaseCache) -> Any:
    """The store whose errors propagate (counters that must fail closed)."""
    return getattr(store, "strict", store)
