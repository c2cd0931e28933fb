"""Logs and request metrics (docs/operations.md, "Observability").

- Every request gets an id: the proxy's `X-Request-ID` when it is well formed (nginx sets
  it, so its access log and ours agree), a new one otherwise; it is sent back in the
  response's `X-Request-ID`.
- JSON log lines (production, or RENDA_LOG_JSON=1): time (UTC, ISO 8601), level, logger,
  message, request id, user id (a number, never a name), and the exception's traceback
  when there is one. No personal data is added: no address, no user name, no query string.
- The request latency histogram by view name and the request counter are prometheus-client
  metrics (renda.core.metrics): in multiprocess mode (PROMETHEUS_MULTIPROC_DIR) every
  gunicorn worker writes them to that directory and /metrics adds them up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

request_id: ContextVar[str] = ContextVar("renda_request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _user_id() -> int | None:
    """The signed-in user's id, if the request has loaded its user (never loads it here:
    a log line must not query the database)."""
    from renda.core.requestcontext import current_request

    request = current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    return getattr(wrapped, "pk", None)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        try:
            record.user_id = _user_id()
        except Exception:  # a log line never fails
            record.user_id = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "user_id": getattr(record, "user_id", None),
        }
        task = getattr(record, "task_name", None) or _task_name()
        if task:
            entry["task"] = task
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _task_name() -> str:
    try:
        from celery import current_task

        return current_task.name if current_task and current_task.request.id else ""
    except Exception:
        return ""


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or match._func_path


class RequestObservabilityMiddleware:
    """Outermost: the request id, then the latency and count of the request by view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from renda.core import metrics

        given = request.headers.get("X-Request-ID", "")
        rid = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        metrics.observe_request(
            view_name(request),
            request.method or "",
            response.status_code,
            time.perf_counter() - started,
        )
        response["X-Request-ID"] = rid
        return response
