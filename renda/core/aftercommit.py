"""What a public front door does once the resident's submission has committed.

From then on the resident must get the answer (the ticket and check code, the proposal
number) whatever fails next; a failure is logged, never shown as an error page:

- `best_effort(what)`: a follow-up step that may fail (a rate-limit counter in the cache,
  a link row) is logged and skipped;
- `keep(request, session_update)` inside the submission's transaction (a savepoint), or
  `respond(request, response, session_update=..., fallback=...)` after it: the session
  change (e.g. the receipt it carries to the receipt page) is made and saved there, where
  a failure can be caught, instead of in the session middleware after the view, where a
  failure replaces the answer. If the session cannot be saved, `fallback()` answers
  instead (the receipt rendered in this very response), and the change is dropped so the
  middleware does not try again;
- `render_safely(...)`: renders a page; when rendering with the request fails (its context
  processors read the user, the messages and the unread count from the database), renders
  the same template without the request.

Notifications need nothing here: they wait in the outbox (renda.core.notify).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import http_date

from renda.core import busy

log = logging.getLogger("renda.aftercommit")


@contextmanager
def best_effort(what: str) -> Iterator[None]:
    try:
        yield
    except Exception:
        log.exception("after commit: %s failed; the answer is still given", what)


def keep(request: HttpRequest, session_update: Callable[[], None]) -> bool | None:
    """Run `session_update` (it changes request.session) and save the session now, in a
    savepoint of the caller's transaction: the submission and the receipt it leaves in the
    session commit together, one write transaction (on SQLite every writer waits for the
    one lock). True: saved (`respond(..., kept=True)` sets the cookie); None: nothing to
    save; False: it could not be saved — logged, the change goes on without it, and
    `respond` answers with its fallback."""
    session = request.session
    try:
        with transaction.atomic():
            session_update()
            if not session.modified or session.is_empty():
                return None  # nothing for the middleware to save
            session.save()
    except Exception:
        if busy.transaction_lost():
            raise  # the change is lost with the session: no receipt for what never committed
        log.exception("the session could not be saved on %s", request.path)
        session.modified = False
        return False
    return True


def respond(
    request: HttpRequest,
    response: HttpResponse,
    *,
    session_update: Callable[[], None] | None = None,
    kept: bool | None = None,
    fallback: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """Answer `response` with the session cookie, or `fallback()` if the session cannot be
    read or saved. The session was saved already when `kept` (from `keep`, inside the
    change's transaction) is given; else `session_update` is run and saved now."""
    if kept is None and session_update is not None:
        kept = keep(request, session_update)
    if kept is False:
        return fallback() if fallback is not None else response
    if kept:
        _set_session_cookie(request, response)
        request.session.modified = False  # saved: the middleware must not save it again
    return response


def _set_session_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """The cookie Django's SessionMiddleware sets after it saves a session."""
    session = request.session
    if session.get_expire_at_browser_close():
        max_age, expires = None, None
    else:
        max_age = session.get_expiry_age()
        expires = http_date(time.time() + max_age)
    response.set_cookie(
        settings.SESSION_COOKIE_NAME,
        session.session_key or "",
        max_age=max_age,
        expires=expires,
        domain=settings.SESSION_COOKIE_DOMAIN,
        path=settings.SESSION_COOKIE_PATH,
        secure=bool(settings.SESSION_COOKIE_SECURE),
        httponly=bool(settings.SESSION_COOKIE_HTTPONLY),
        samesite=settings.SESSION_COOKIE_SAMESITE,  # type: ignore[arg-type]
    )


def render_safely(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    try:
        return render(request, template, context, status=status)
    except Exception:
        log.exception("after commit: %s rendered without the request", template)
        return HttpResponse(render_to_string(template, context), status=status)
