"""Reads of the figures pages and reports from a read replica (DATABASE_REPLICA_URL; installed
by settings only when it is set; docs/operations.md, "Read replica").

`ReplicaReadsMiddleware` marks a GET or HEAD of a view listed in settings.RENDA_REPLICA_VIEWS
(URL names: aggregates only, never a page showing what its user just edited); during it,
`ReplicaRouter` sends reads to the `replica` alias. Everything else — every write, every read
inside a transaction (it may need to see its own writes), every other page, the access
checks (settings.RENDA_REPLICA_NEVER: users, role grants, API keys, sessions, second
factors) — uses `default`. Migrations run on `default` only: the replica is a copy that
PostgreSQL's streaming replication keeps."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD"})


def _on_primary(model: type[Any]) -> bool:
    """Models (app labels or app.model) settings.RENDA_REPLICA_NEVER keeps on default."""
    never = settings.RENDA_REPLICA_NEVER
    return model._meta.app_label in never or model._meta.label_lower in never


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not replica_reads.get() or _on_primary(model):
            return None
        if connections["default"].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The same data on both: an object read from the replica may point at one from default.
        if {obj1._state.db, obj2._state.db} <= {"default", REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"


class ReplicaReadsMiddleware:
    """The listed read-only views read from the replica (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_replica_reads_token", None)
            if token is not None:
                replica_reads.reset(token)

    def process_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        match = request.resolver_match
        if (
            request.method in SAFE_METHODS
            and match is not None
            and match.view_name in settings.RENDA_REPLICA_VIEWS
        ):
            request._replica_reads_token = replica_reads.set(True)  # type: ignore[attr-defined]
