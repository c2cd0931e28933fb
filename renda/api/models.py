"""Credentials of the machine interfaces: Open311 keys (per congress) and REST API tokens
(per user). Only a keyed hash of each secret is stored; the secret is shown once."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.congress.models import Congress, ScopedQuerySet
from renda.core import keys
from renda.core.busy import is_database_unavailable

log = logging.getLogger(__name__)


def digest(secret: str) -> str:
    """The keyed hash stored for a new credential (current key, renda.core.keys)."""
    return keys.digest("renda.api.credential", secret)


def digests(secret: str) -> list[str]:
    """The hash under every key of the ring: a credential issued before a rotation works."""
    return keys.digests("renda.api.credential", secret)


def touch(model: type[models.Model], pk: int, last_used_at: datetime | None = None) -> None:
    """Record the last use at most once a minute: not a write on every API request.

    `last_used_at` is the value just read with the credential: a recent one means no
    statement at all (even an UPDATE that matches no row takes SQLite's write lock). The
    write is best effort: a locked or lost database must not fail a read-only request."""
    now = timezone.now()
    if last_used_at is not None and now - last_used_at < timedelta(minutes=1):
        return
    stale = models.Q(last_used_at__isnull=True) | models.Q(
        last_used_at__lt=now - timedelta(minutes=1)
    )
    try:
        with transaction.atomic():
            model.objects.filter(stale, pk=pk).update(last_used_at=now)  # type: ignore[attr-defined]
    except DatabaseError as exc:
        if not is_database_unavailable(exc):
            raise
        log.warning("last use of %s %s not recorded: database unavailable", model.__name__, pk)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Open311Key(models.Model):
    """An Open311 GeoReport v2 API key, scoped to one congress."""

    name = models.CharField(_("name"), max_length=100)
    congress = models.ForeignKey(
        Congress, verbose_name=_("congress"), on_delete=models.PROTECT, related_name="open311_keys"
    )
    key_hash = models.CharField(_("key (hashed)"), max_length=128, unique=True, editable=False)
    prefix = models.CharField(_("key prefix"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["congress", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, name: str, congress: Congress) -> tuple[Open311Key, str]:
        secret = new_secret()
        key = cls.objects.create(
            name=name, congress=congress, key_hash=digest(secret), prefix=secret[:8]
        )
        return key, secret

    @classmethod
    def authenticate(cls, secret: str | None) -> Open311Key | None:
        if not secret:
            return None
        key = (
            cls.objects.filter(key_hash__in=digests(secret), is_active=True)
            .select_related("congress")
            .first()
        )
        if key is not None:
            touch(cls, key.pk, key.last_used_at)
        return key


class ApiToken(models.Model):
    """A REST API token acting as one user, with that user's roles and scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token (hashed)"), max_length=128, unique=True, editable=False)
    prefix = models.CharField(_("token prefix"), max_length=8, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[ApiToken, str]:  # noqa: ANN001
        secret = new_secret()
        token = cls.objects.create(
            user=user, name=name, token_hash=digest(secret), prefix=secret[:8]
        )
        return token, secret

    @classmethod
    def authenticate(cls, secret: str | None):  # noqa: ANN206
        if not secret:
            return None
        token = (
            cls.objects.filter(token_hash__in=digests(secret), is_active=True, user__is_active=True)
            .select_related("user")
            .first()
        )
        if token is None:
            return None
        touch(cls, token.pk, token.last_used_at)
        return token.user
