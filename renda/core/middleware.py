"""Middleware that every app relies on."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from renda.core.busy import busy_response, is_database_unavailable
from renda.core.requestcontext import current_request

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except when the database cannot take the session save (locked past the
    busy timeout, connection lost): a page that only reads is still served, with the
    session as it was (what the save would have refreshed, e.g. the idle-timeout stamp,
    waits for a later request); a write answers the 503 "busy" page, because what the
    session was to carry (a login, a receipt) is lost."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, DatabaseError) as exc:
            if not is_database_unavailable(exc):
                raise
            if request.method in SAFE_METHODS:
                log.warning(
                    "session not saved on %s %s: database unavailable", request.method, request.path
                )
                patch_vary_headers(response, ("Cookie",))
                return response
            log.warning("session not saved on %s %s: answering 503", request.method, request.path)
            return busy_response(request)


class DatabaseBusyMiddleware:
    """A view that meets a locked or lost database answers 503 with Retry-After (HTML, or
    the API's error shape), not a bare 500. Errors raised outside views reach the same
    answer through the 500 handler (renda.core.views.errors.server_error)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
        return busy_response(request, exception)


class RequestContextMiddleware:
    """Makes the request available to the audit log for actor and IP address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)


class ChineseFirstLocaleMiddleware:
    """zh-Hans unless the user chose another language (the language cookie set by
    /i18n/setlang/). The browser's Accept-Language is ignored on purpose: office computers
    often run an English browser build, and the platform's language is Chinese."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response
