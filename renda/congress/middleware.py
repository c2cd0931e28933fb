"""Role-dependent session rules: idle timeout and two-factor enforcement for staff roles."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from renda.congress import policy

# Paths a user who still owes the second factor may reach; the password change is not
# one of them (the password alone must not be enough to replace the password).
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/")
_GUARDED_PREFIXES = ("/accounts/password/change/",)

# The session stamp of the last restart of the idle clock, and how often it may move.
ACTIVITY_KEY = "_renda_active"
ACTIVITY_REFRESH_SECONDS = 60


class StaffSessionMiddleware:
    """Back-office sessions expire after a configurable idle time (STAFF_SESSION_IDLE_SECONDS).

    Activity restarts the clock, but at most once a minute: restarting it means saving the
    session, and a page that only reads must not write to the database on every request
    (under a long write lock such pages kept failing). The session therefore ends between
    IDLE − 60 s and IDLE after the last request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._restart_clock(request, only_if_saving=False)
        response = self.get_response(request)
        # A request that saves the session anyway (a login) starts the clock in that save:
        # the idle timeout applies from the login on, and the next page writes nothing.
        self._restart_clock(request, only_if_saving=True)
        return response

    @staticmethod
    def _restart_clock(request: HttpRequest, *, only_if_saving: bool) -> None:
        session = getattr(request, "session", None)
        if session is None or (only_if_saving and not session.modified):
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not policy.is_back_office(user):
            return
        now = int(time.time())
        last = session.get(ACTIVITY_KEY)
        if (
            only_if_saving
            or not isinstance(last, int)
            or now - last >= ACTIVITY_REFRESH_SECONDS
            or session.get("_session_expiry") != settings.STAFF_SESSION_IDLE_SECONDS
        ):
            session[ACTIVITY_KEY] = now
            session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


class TwoFactorEnforcementMiddleware:
    """A user who has a TOTP device, or whose role requires one, must pass the second
    factor before anything but the account pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (
                not request.path.startswith(_OPEN_PREFIXES)
                or request.path.startswith(_GUARDED_PREFIXES)
            )
            and not user.is_verified()
        ):
            # Read with the user's grants (one query for both: policy.access).
            if policy.access(user).has_device:
                target = reverse("core:otp_verify")
            elif policy.two_factor_required(user):
                target = reverse("core:otp_setup")
            else:
                return self.get_response(request)
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
