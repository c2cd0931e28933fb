"""A busy or unreachable database is a 503 "系统繁忙，请稍后再试" with Retry-After, never a
bare 500: an HTML page for people, the API's error shape for /api/ and /open311/.

"Busy" means SQLite's `database is locked` (a writer held the file longer than the busy
timeout, DB_BUSY_TIMEOUT_SECONDS) or, on PostgreSQL, any OperationalError/InterfaceError
(connection terminated, server restarting, serialization failure, deadlock victim), and
Redis refusing or timing out (the shared cache and rate limits). Other database errors (a
missing table, a constraint) are bugs and stay 500s.

Used by `renda.core.middleware.DatabaseBusyMiddleware` (errors raised by views), by the
session middleware (a session that cannot be saved) and by the 500 handler
(`renda.core.views.errors.server_error`, errors raised anywhere else).
"""

from __future__ import annotations

import json
import sqlite3
from xml.sax.saxutils import escape

from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 30


def transaction_lost() -> bool:
    """After an error caught around a savepoint: whether the surrounding transaction went
    with it (the connection died, the savepoint's rollback failed). Django then rolls the
    outer block back quietly at its end, so a caller that swallowed the error would answer
    as if the change had committed: it must re-raise instead (the view's answer is then
    the busy page, and nothing was written)."""
    return connection.in_atomic_block and (
        connection.needs_rollback or connection.closed_in_transaction
    )


def _cache_unreachable(exc: BaseException) -> bool:
    """Redis (production's cache, rate limits and counters) refusing or timing out: public
    forms count before they act, so they fail closed with the busy page."""
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a runtime dependency
        return False
    return isinstance(exc, (RedisConnectionError, RedisTimeoutError))


def _is_busy(exc: BaseException) -> bool:
    if _cache_unreachable(exc):
        return True
    if isinstance(exc, sqlite3.OperationalError) or (
        isinstance(exc, OperationalError) and connection.vendor == "sqlite"
    ):
        message = str(exc).lower()
        return "locked" in message or "busy" in message
    return isinstance(exc, (OperationalError, InterfaceError))


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True if the exception, or one it was raised from or during, says the database is
    locked or gone (session saves wrap the database error in UpdateError, then in
    SessionInterrupted)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _is_busy(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def cache_unavailable(exc: BaseException | None) -> bool:
    """True if the exception, or one it was raised from or during, is Redis unreachable."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _cache_unreachable(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def busy_message(exc: BaseException | None = None) -> str:
    if cache_unavailable(exc):
        # The rate limits and lockout counters cannot be checked: the form refuses (fails
        # closed) and says why, rather than a plain "busy".
        return _(
            "The check that protects this form against abuse is unavailable right now, "
            "so nothing was submitted. Please try again in a few minutes."
        )
    return _("The system is busy. Please try again later.")


def busy_response(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """The 503 answer, in the shape the client expects. Renders nothing that needs the
    database (no context processors, no user, no session)."""
    message = busy_message(exc)
    path = request.path
    if path.startswith("/api/"):
        response = HttpResponse(
            json.dumps({"detail": message}, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
            status=503,
        )
    elif path.startswith("/open311/"):
        # GeoReport v2 errors: a list of {code, description}, JSON or XML by the extension.
        if path.endswith(".xml"):
            body = (
                '<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>503</code>'
                f"<description>{escape(message)}</description></error></errors>"
            )
            content_type = "text/xml; charset=utf-8"
        else:
            body = json.dumps([{"code": 503, "description": message}], ensure_ascii=False)
            content_type = "application/json; charset=utf-8"
        response = HttpResponse(body, content_type=content_type, status=503)
    else:
        html = render_to_string(
            "core/busy.html",
            {
                "message": message,
                "retry_url": request.get_full_path() if request.method == "GET" else "",
                "retry_after": RETRY_AFTER_SECONDS,
            },
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
