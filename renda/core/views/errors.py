"""The error pages: 400, 403, 404 and the CSRF failure in the site's frame, in Chinese, with a
way back (home, the previous page, the workspace); the 500 page stand-alone.

A locked or lost database met outside a view (in a middleware, in the session save) is a 503
"busy" answer (renda.core.busy); any other server error is `errors/500.html`, rendered from a
plain context: no context processors, no user, no query (the database may be what failed).
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from renda.core.busy import busy_response, is_database_unavailable


def _previous_page(request: HttpRequest) -> str:
    """The referring page if it is one of ours (never another site, never javascript:)."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {
        "status": status,
        "title": title,
        "message": message,
        "previous_page": _previous_page(request),
    }
    body = loader.render_to_string("errors/error.html", context, request=request)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request,
        400,
        _("The request could not be understood"),
        _("The address or the form sent was not valid. Please go back and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request,
        403,
        _("You may not open this page"),
        _("Your account has no right to this page or this action."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request,
        404,
        _("Page not found"),
        _("The page you asked for does not exist, has been moved, or is not open to you."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent after its page expired, or from another site."""
    return _error_page(
        request,
        403,
        _("The form has expired"),
        _(
            "For your security the form could not be accepted: the page was open too long, "
            "or cookies are blocked. Please go back, reload the page and submit it again."
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls the handler while it handles the exception: exc_info is the error.
    if is_database_unavailable(sys.exc_info()[1]):
        return busy_response(request, sys.exc_info()[1])
    # A plain context on purpose (no request): no context processor may run, nothing queries.
    body = loader.get_template("errors/500.html").render({"previous_page": _previous_page(request)})
    return HttpResponse(body, status=500)
