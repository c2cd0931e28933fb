"""The 500 handler: a locked or lost database met outside a view (in a middleware, in the
session save) is a 503 "busy" answer; anything else is Django's plain 500."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from renda.core.busy import busy_response, is_database_unavailable


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls the handler while it handles the exception: exc_info is the error.
    if is_database_unavailable(sys.exc_info()[1]):
        return busy_response(request)
    return defaults.server_error(request)
