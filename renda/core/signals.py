"""Audit of authentication events. These receivers only record; no business logic."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from renda.core import audit
from renda.core.auth import count_login_failure


def _user_named(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record("auth.login", user, actor=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", user, actor=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = _user_named(username)
    audit.record("auth.login_failed", user, note=str(username)[:150])
    # The per-address count behind renda.core.auth.AddressLockoutBackend (spraying).
    count_login_failure(request)


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    user = _user_named(username)
    audit.record("auth.locked_out", user, note=str(username)[:150])
