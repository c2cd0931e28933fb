"""The request being served, for the audit log (actor and IP) outside of views."""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind the configured number of trusted proxies, axes' ipware helper knows the way.
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None
