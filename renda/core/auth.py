"""Account security beyond django-axes: the per-address login lockout, password change and
password reset by a one-time code.

Lockout. Axes locks a user name at one address after AXES_FAILURE_LIMIT failures. Trying
one password on many accounts from one address never trips that, so failed logins are
also counted per address, whatever the user name (`RENDA_LOGIN_ADDRESS_LIMIT` within the
axes cool-off time, in the shared cache). Past the limit `AddressLockoutBackend` refuses
every login from the address, the admin's included, with axes' lockout page (429).

Reset. `request_reset` sends a six-digit code by SMS to the account's mobile number (the
one the administrator entered: users cannot change it themselves) and by e-mail where
one is set. The code is kept only as a keyed hash (HMAC with SECRET_KEY) in the shared
cache for `RESET_CODE_SECONDS`; five wrong tries spend it; a right one is spent by exactly
one request (an atomic delete). Requests are limited per address and per user name, and
the answer is the same whether or not the account exists, has a phone, or is active.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from renda.core import audit, keys, ratelimit, rawjoin
from renda.core.errors import DomainError
from renda.core.notify import sms_on_commit
from renda.core.requestcontext import client_ip

LOGIN_FAILURE_SCOPE = "login-failure-address"
RESET_REQUEST_SCOPE = "password-reset-request"
RESET_VERIFY_SCOPE = "password-reset-verify"
RESET_TRIES_SCOPE = "password-reset-tries"
RESET_CODE_SECONDS = 600
RESET_CODE_ATTEMPTS = 5


class RateLimitError(DomainError):
    """Too many attempts in the window: answered with 429."""


# --- per-address login lockout ----------------------------------------------------------


def _cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def address_locked(request: HttpRequest | None) -> bool:
    ip = client_ip(request)
    return bool(ip) and ratelimit.exceeded(
        LOGIN_FAILURE_SCOPE, [ip or ""], settings.RENDA_LOGIN_ADDRESS_LIMIT
    )


def count_login_failure(request: HttpRequest | None) -> None:
    """Called for every failed login (the user_login_failed signal)."""
    ip = client_ip(request)
    if ip:
        ratelimit.hit(LOGIN_FAILURE_SCOPE, ip, _cooloff_seconds())


class AddressLockoutBackend:
    """Stops authentication from an address with too many recent failures: raising
    PermissionDenied makes Django try no further backend; axes' middleware then answers
    with the lockout page. It authenticates nobody and has no get_user (not a BaseBackend,
    whose get_user would make it the backend of force_login in tests)."""

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if request is not None and address_locked(request):
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.renda_address_locked = True  # type: ignore[attr-defined]
            raise PermissionDenied
        return None


class UserBackend(ModelBackend):
    """Django's model backend (passwords, permissions), reading the signed-in user of each
    request by one statement written once per process (renda.core.rawjoin) instead of
    building the ORM's query every time: every request of a signed-in user runs it. The
    same row, the same check that the account may sign in. Sessions begun before it name
    `ModelBackend`, which stays listed after it and serves them until they end."""

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        rows = rawjoin.fetch(_user_sql(), [pk], _USER_PARTS)
        user = rows[0][0][0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[arg-type]


_USER_PARTS = (rawjoin.Part(get_user_model(), "u"),)


@functools.cache
def _user_sql() -> str:
    table = get_user_model()._meta.db_table
    return f"SELECT {rawjoin.select(_USER_PARTS)} FROM {table} u WHERE u.id = %s"  # noqa: S608


# --- password change -------------------------------------------------------------------


def change_password(user: Any, *, new_password: str) -> None:
    """Set a new password (already checked against the policy by the form) and audit it."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record("auth.password_changed", user, actor=user)


# --- password reset by code -------------------------------------------------------------


def _name_identity(username: str) -> str:
    return "name:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _code_key(user_id: int) -> str:
    return f"auth:password-reset:{user_id}"


def _code_digest(user_id: int, code: str) -> str:
    return keys.digest("renda.core.password-reset", f"{user_id}:{code}")


def _reset_user(username: str) -> Any | None:
    """The active account of that user name that has somewhere to send a code."""
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None or not (user.phone or user.email):
        return None
    return user


def request_reset(username: str, *, request: HttpRequest | None = None) -> None:
    """Send a reset code to the account's phone (and e-mail). Returns nothing and raises
    nothing that depends on the account: only the rate limit can refuse, and it counts
    the address and the name as typed, existing or not."""
    ip = client_ip(request) or ""
    limit = settings.RENDA_PASSWORD_RESET_LIMIT
    window = settings.RENDA_PASSWORD_RESET_WINDOW_SECONDS
    if not ratelimit.attempt(RESET_REQUEST_SCOPE, [ip, _name_identity(username)], limit, window):
        raise RateLimitError(_("Too many requests. Try again later."))
    user = _reset_user(username)
    if user is None:
        audit.record("auth.password_reset_unknown", note=username.strip()[:150])
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    ratelimit.clear(RESET_TRIES_SCOPE, str(user.pk))  # a new code has all its tries
    cache.set(_code_key(user.pk), {"digest": _code_digest(user.pk, code)}, RESET_CODE_SECONDS)
    text = _(
        "Your Renda password reset code is %(code)s (valid 10 minutes). "
        "If you did not ask for it, ignore this message."
    ) % {"code": code}
    with transaction.atomic():
        audit.record("auth.password_reset_requested", user, actor=None)
        if user.phone:
            sms_on_commit(user.phone, kind="password_reset", params={"code": code})
        if user.email:
            email = user.email
            transaction.on_commit(
                lambda: send_mail(_("Password reset"), text, None, [email], fail_silently=True)
            )


def check_reset_code(username: str, code: str, *, request: HttpRequest | None = None) -> Any:
    """The account if `code` is its live reset code, else a DomainError with one message
    for every reason (no such account, no code, expired, spent, wrong). Wrong codes count
    per address and per code; the code is not spent here (see finish_reset)."""
    ip = client_ip(request) or ""
    wrong = _("The code is wrong or has expired. Ask for a new code if needed.")
    if ratelimit.exceeded(RESET_VERIFY_SCOPE, [ip], settings.RENDA_CODE_LIMIT):
        raise RateLimitError(_("Too many attempts. Try again later."))
    user = _reset_user(username)
    stored = cache.get(_code_key(user.pk)) if user is not None else None
    given = (code or "").strip()
    if (
        user is None
        or not isinstance(stored, dict)
        or not keys.matches(stored["digest"], "renda.core.password-reset", f"{user.pk}:{given}")
    ):
        if ip:
            ratelimit.hit(RESET_VERIFY_SCOPE, ip, settings.RENDA_CODE_WINDOW_SECONDS)
        if user is not None and isinstance(stored, dict):
            tries = ratelimit.hit(RESET_TRIES_SCOPE, str(user.pk), RESET_CODE_SECONDS)
            if tries >= RESET_CODE_ATTEMPTS:
                cache.delete(_code_key(user.pk))  # spent by guessing
        raise DomainError(wrong)
    return user


def finish_reset(user: Any, *, new_password: str) -> None:
    """Spend the code and set the password (checked against the policy first, so that a
    refused password does not spend the code). The delete is atomic: of two requests with
    the same code, exactly one finds it."""
    password_validation.validate_password(new_password, user)
    if not cache.delete(_code_key(user.pk)):
        raise DomainError(_("The code is wrong or has expired. Ask for a new code if needed."))
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record("auth.password_reset", user, actor=user)
    ratelimit.clear(RESET_TRIES_SCOPE, str(user.pk))
