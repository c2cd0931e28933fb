"""Notifications: the in-app inbox for every user, plus pluggable SMS and e-mail.

Services call `notify_on_commit(...)`: nothing is sent for a change that rolls back. The SMS
backend is a setting (`RENDA_SMS_BACKEND`, a dotted path); the console backend logs, the
memory backend keeps an outbox for tests. A real provider is one small class with `send`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from renda.core.models import Notification

log = logging.getLogger("renda.notify")


@dataclass
class SMS:
    phone: str
    text: str


class ConsoleSMSBackend:
    def send(self, message: SMS) -> None:
        log.info("SMS to %s: %s", message.phone, message.text)


class MemorySMSBackend:
    outbox: list[SMS] = []  # noqa: RUF012  (class-level outbox, like Django's locmem e-mail)

    def send(self, message: SMS) -> None:
        MemorySMSBackend.outbox.append(message)


def sms_backend() -> Any:
    return import_string(settings.RENDA_SMS_BACKEND)()


def notify(
    users: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    *,
    email: bool = False,
) -> int:
    """Put a message in each user's inbox (once per user); optionally e-mail it too."""
    unique = {u.pk: u for u in users if u is not None and getattr(u, "pk", None)}
    Notification.objects.bulk_create(
        [Notification(recipient=u, title=title[:200], body=body, url=url) for u in unique.values()]
    )
    if email:
        recipients = [u.email for u in unique.values() if u.email]
        if recipients:
            send_mail(title, f"{body}\n{url}".strip(), None, recipients, fail_silently=True)
    return len(unique)


def send_sms(phone: str, text: str) -> None:
    if phone:
        sms_backend().send(SMS(phone=phone, text=text))


def notify_on_commit(
    users: Iterable[Any], title: str, body: str = "", url: str = "", **kw: Any
) -> None:
    users = list(users)
    transaction.on_commit(lambda: notify(users, title, body, url, **kw))


def sms_on_commit(phone: str, text: str) -> None:
    if phone:
        transaction.on_commit(lambda: send_sms(phone, text))
