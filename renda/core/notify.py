"""Notifications: the in-app inbox for every user, SMS and e-mail, all through an outbox.

Services call `notify_on_commit(...)` and `sms_on_commit(...)` inside their transaction.
Each call writes an outbox row (`renda.core.models.OutboxMessage`) in that same
transaction: a change that rolls back sends nothing, and a change that commits loses
nothing, because the sending happens afterwards and can no longer fail the request.

Who sends:
- right after the commit, a *nudge* hands the new rows over: in production the Celery task
  `renda.core.deliver_outbox` (default queue); in the embedded mode (tasks run inline) the
  rows are delivered in the same process just after the commit — except in-app messages,
  which the embedded mode delivers inside the change's transaction (below). A failing
  nudge (broker down, database gone, backend raising) is logged and never reaches the
  request;
- a *sweep* (`drain()`: Celery beat `outbox-sweep`, or `manage.py run_periodic` every few
  seconds) sends whatever is due: retries and rows whose nudge was lost.

In-app messages go through the outbox too (decided so): the change's transaction writes
one small row whatever the number of recipients, a failure in delivering them cannot roll
the change back, and every channel has the same retries and the same record. The delay is
nil in the embedded mode and a worker's pick-up time in production. They are delivered
exactly once: the inbox rows and the outbox row's "sent" commit together. In the embedded
mode that is the change's own transaction: the inbox rows are written in a savepoint just
before the outbox row, which is saved as sent (or, if the savepoint failed, as a failed
attempt for the sweep; the change goes on). A separate delivery transaction after every
change made each public submission wait twice for SQLite's one write lock
(docs/architecture.md, "Performance of the write paths").

Claims and idempotency: a row is claimed under a token (status `sending`, with a lease)
and committed before it is sent. The sweep picks its candidates with `SELECT … FOR UPDATE
SKIP LOCKED` on PostgreSQL, so two workers never wait for or take the same rows; on
SQLite, whose writers are serialised, a conditional UPDATE is the claim (a row claimed by
another worker in between no longer matches). The nudge claims its few known rows with
that conditional UPDATE on both databases. Only the claim's holder records the outcome,
so live workers send a row at most once. A worker that dies between a provider's answer
and the status update leaves a claim that expires after RENDA_OUTBOX_LEASE_SECONDS; the
row is then tried again: one repeat is possible in that case, a loss is not (providers
get the row id as `SMS.ref`, their out-id, to drop it).

Failures: any exception from a backend is a failed attempt, retried after
RENDA_OUTBOX_RETRY_SECONDS × 2^(attempt − 1) (at most RENDA_OUTBOX_MAX_DELAY_SECONDS) and
marked failed after RENDA_OUTBOX_MAX_ATTEMPTS attempts. A backend raises `DeliveryRefused`
for what no retry can fix (failed at once) and `DeliveryDeferred(until)` to postpone
without spending an attempt (e.g. a per-number daily cap). Sent rows lose their text;
sent and failed rows are deleted after RENDA_OUTBOX_RETENTION_DAYS (`prune()`).

The SMS backend is a setting (`RENDA_SMS_BACKEND`, a dotted path); the console backend
logs, the memory backend keeps a list for tests, and renda.core.sms has the Alibaba Cloud
and Tencent Cloud adapters (message kinds mapped to the installation's templates, the
per-number daily cap). A provider is one small class with `send(message)`; a dict it
returns (provider, message id…) is kept in the row's `result`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from renda.core import busy, rawjoin, sms
from renda.core.masking import mask_phone
from renda.core.models import (
    Notification,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    User,
)

log = logging.getLogger("renda.notify")

# Defaults of the RENDA_OUTBOX_* settings (docs/operations.md, "Outbox").
DEFAULTS = {
    "RENDA_OUTBOX_MAX_ATTEMPTS": 8,
    "RENDA_OUTBOX_RETRY_SECONDS": 30,
    "RENDA_OUTBOX_MAX_DELAY_SECONDS": 3600,
    "RENDA_OUTBOX_LEASE_SECONDS": 300,
    "RENDA_OUTBOX_BATCH": 50,
    "RENDA_OUTBOX_RETENTION_DAYS": 30,
}


def _setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


# --- messages and backends --------------------------------------------------------------


@dataclass
class SMS:
    phone: str
    text: str
    kind: str = ""  # the message kind: template-based providers map it to a template code
    params: dict[str, Any] = field(default_factory=dict)  # the template's parameters
    ref: str = ""  # the outbox row id: the provider's out-id, to drop a repeated send


class DeliveryRefused(Exception):  # noqa: N818  (a refusal, not a programming error)
    """A backend's final "no" (an invalid number, a blocked recipient): no retry."""


class DeliveryDeferred(Exception):  # noqa: N818
    """Send later, without spending an attempt (a per-number cap, a provider's quiet hours)."""

    def __init__(self, until: dt.datetime, reason: str = ""):
        super().__init__(reason or f"deferred until {until.isoformat()}")
        self.until = until


class ConsoleSMSBackend:
    """The embedded default: each SMS is written to the log (logger `renda.notify`) instead
    of being sent. The number is masked (139****0000, as the pages show it). Where the log
    is collected (RENDA_ENV=production) a one-time code's text is withheld: the log would
    otherwise hold codes that reset a password; `check --deploy` warns that such an
    installation sends no SMS (renda.W011)."""

    def send(self, message: SMS) -> None:
        text = message.text
        kind = sms.KINDS.get(message.kind)
        if settings.PRODUCTION and kind is not None and kind.expires:
            text = f"[{message.kind}: one-time code withheld]"
        log.info("SMS to %s: %s", mask_phone(message.phone), text)


class MemorySMSBackend:
    outbox: list[SMS] = []  # noqa: RUF012  (class-level outbox, like Django's locmem e-mail)

    def send(self, message: SMS) -> None:
        MemorySMSBackend.outbox.append(message)


def sms_backend() -> Any:
    return import_string(settings.RENDA_SMS_BACKEND)()


# --- queueing (inside the caller's transaction) ------------------------------------------


def notify(
    users: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    *,
    email: bool = False,
    kind: str = "",
) -> int:
    """Queue a message for each user's inbox (once per user), and optionally by e-mail to
    each user who has an address. Delivered after the current transaction commits (at once
    outside a transaction). Returns the number of users."""
    unique = {u.pk: u for u in users if u is not None and getattr(u, "pk", None)}
    if not unique:
        return 0
    rows = [
        OutboxMessage(
            channel=OutboxChannel.INBOX,
            kind=kind,
            payload={"users": list(unique), "title": title[:200], "body": body, "url": url},
        )
    ]
    if email:
        text = f"{body}\n{url}".strip()
        rows += [
            OutboxMessage(
                channel=OutboxChannel.EMAIL,
                kind=kind,
                recipient=u.email,
                payload={"subject": title, "body": text},
            )
            for u in unique.values()
            if u.email
        ]
    _queue(rows)
    return len(unique)


def notify_on_commit(
    users: Iterable[Any], title: str, body: str = "", url: str = "", **kw: Any
) -> None:
    """The services' call: the message is written to the outbox with the change and sent
    once the change has committed."""
    notify(users, title, body, url, **kw)


def sms_on_commit(
    phone: str, text: str = "", *, kind: str = "", params: dict[str, Any] | None = None
) -> None:
    """Queue an SMS. The platform's messages are kinds (renda.core.sms.KINDS) with named
    parameters: the text is the kind's sentence with them (what the console backend shows),
    and template-based providers send the installation's template for the kind. A message
    without a kind (free `text`) is sent by the console backend only."""
    if kind in sms.KINDS:
        params = sms.clean_params(kind, params or {})
        text = sms.render(kind, params)
    elif kind:
        raise ValueError(f"unknown SMS kind {kind!r} (renda.core.sms.KINDS)")
    if phone:
        _queue(
            [
                OutboxMessage(
                    channel=OutboxChannel.SMS,
                    kind=kind,
                    recipient=phone,
                    payload={"text": text, "params": params or {}},
                )
            ]
        )


def send_sms(phone: str, text: str) -> None:
    """Queue an SMS (the same as `sms_on_commit`: there is no unrecorded way to send)."""
    sms_on_commit(phone, text)


def _queue(rows: list[OutboxMessage]) -> None:
    if not rows:
        return
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        created = OutboxMessage.objects.bulk_create(rows)
        ids = [row.pk for row in created if row.pk is not None]
        transaction.on_commit(lambda: nudge(ids), robust=True)
        return
    # The embedded mode (no worker; the nudge would deliver in this process right after the
    # commit): in-app messages are delivered here, inside the change's transaction, and
    # recorded as sent with it — the same exactly-once as a nudge's delivery, without a
    # second write transaction after every change (on SQLite every writer waits for the
    # one lock). A failing delivery is rolled back to its savepoint and recorded as a failed
    # attempt for the sweep, never failing the change. Outside services (SMS, e-mail) are
    # still called after the commit, never with the lock held.
    with transaction.atomic(savepoint=False):
        for row in rows:
            if CHANNELS[row.channel].transactional:
                _deliver_now(row)
        created = OutboxMessage.objects.bulk_create(rows)
    # Outside services' rows; an in-app row whose attempt failed waits for the sweep.
    ids = [row.pk for row in created if row.pk is not None and not row.attempts]
    if ids:
        transaction.on_commit(lambda: nudge(ids), robust=True)


def _deliver_now(row: OutboxMessage) -> None:
    """Deliver a new in-app row in the current transaction (see `_queue`); the row is saved
    afterwards with the outcome, as `_mark_sent` or `_mark_failed_attempt` record it."""
    now = timezone.now()
    row.attempts = 1
    try:
        with transaction.atomic():  # a savepoint: a failure leaves the change intact
            result = CHANNELS[row.channel].deliver(row)
    except Exception as exc:  # any delivery error is a failed attempt, never the caller's
        if busy.transaction_lost():
            raise  # unless it took the change's transaction with it: then the change fails
        final, outcome = _failed_attempt(row, exc)
        log.warning(
            "outbox (%s) attempt 1 %s: %s",
            row.channel,
            "failed for good" if final else "failed, will retry",
            outcome["last_error"],
        )
    else:
        # As _mark_sent: the text is not kept once delivered.
        outcome = {"status": OutboxStatus.SENT, "sent_at": now, "payload": {}}
        outcome["result"] = result or {}
    for name, value in outcome.items():
        setattr(row, name, value)


def nudge(ids: list[int]) -> None:
    """After the commit: have these rows sent now. Never raises (the request that made the
    change has succeeded; a row that is not sent now is sent by the sweep)."""
    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            deliver(ids)
        else:
            current_app.send_task("renda.core.deliver_outbox", args=[ids], retry=False)
    except Exception:
        log.warning("outbox rows %s wait for the sweep", ids, exc_info=True)


# --- delivering (a worker, the periodic runner, or the nudge) ----------------------------


@dataclass(frozen=True)
class Channel:
    deliver: Callable[[OutboxMessage], dict[str, Any] | None]
    # True: a database delivery, done and marked sent in one transaction (exactly once).
    # False: an outside service; called outside any transaction (no lock held meanwhile).
    transactional: bool = False


#: Up to this many recipients, in-app messages are inserted one by one (see below).
FEW_RECIPIENTS = 3


def _deliver_inbox(row: OutboxMessage) -> dict[str, Any]:
    data = row.payload
    recipients = list(
        User.objects.filter(pk__in=data.get("users", [])).values_list("pk", flat=True)
    )
    notes = [
        Notification(
            recipient_id=pk,
            title=data.get("title", "")[:200],
            body=data.get("body", ""),
            url=data.get("url", ""),
        )
        for pk in recipients
    ]
    if len(notes) > FEW_RECIPIENTS:
        Notification.objects.bulk_create(notes)  # one INSERT for a whole electorate
    else:
        # The common case (a case's office, a department): one row each by a statement
        # written once per process (renda.core.rawjoin), cheaper than building the ORM's.
        for note in notes:
            rawjoin.save_new(note)
    return {"delivered": len(recipients)}


def _deliver_sms(row: OutboxMessage) -> dict[str, Any] | None:
    message = SMS(
        phone=row.recipient,
        text=row.payload.get("text", ""),
        kind=row.kind,
        params=row.payload.get("params") or {},
        ref=str(row.pk),
    )
    # The per-number daily cap, counted in the store every process shares.
    reservation = sms.reserve_daily(row.recipient)
    if reservation is None:
        reason = f"daily cap of {sms.daily_cap()} SMS for this number reached"
        spec = sms.KINDS.get(row.kind)
        if spec is not None and spec.expires:
            raise DeliveryRefused(reason)  # a one-time code is worthless tomorrow
        raise DeliveryDeferred(sms.next_morning(), reason)
    try:
        answer = sms_backend().send(message)
    except BaseException:
        reservation.refund()  # not sent: it does not count against the cap
        raise
    return answer if isinstance(answer, dict) else None


def _deliver_email(row: OutboxMessage) -> dict[str, Any] | None:
    data = row.payload
    send_mail(data.get("subject", ""), data.get("body", ""), None, [row.recipient])
    return None


CHANNELS: dict[str, Channel] = {
    OutboxChannel.INBOX: Channel(_deliver_inbox, transactional=True),
    OutboxChannel.SMS: Channel(_deliver_sms),
    OutboxChannel.EMAIL: Channel(_deliver_email),
}


class _ClaimLost(Exception):  # noqa: N818
    """Another worker took the row over (our lease expired): our outcome is not recorded."""


def _due(now: dt.datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, claimed_until__lt=now
    )


def _claim(token: str, ids: Iterable[int] | None, limit: int) -> list[OutboxMessage]:
    now = timezone.now()
    claim = {
        "status": OutboxStatus.SENDING,
        "claim": token,
        "claimed_until": now + dt.timedelta(seconds=_setting("RENDA_OUTBOX_LEASE_SECONDS")),
        "attempts": F("attempts") + 1,
    }
    if ids is not None:
        # The nudge: a few known rows. One conditional UPDATE is the claim on both
        # databases: a row that another worker claimed first no longer matches `_due`
        # (PostgreSQL re-checks it after waiting for that worker's row lock).
        pks = list(ids)
        OutboxMessage.objects.filter(_due(now), pk__in=pks).update(**claim)
    else:
        due = OutboxMessage.objects.filter(_due(now))
        if not due.exists():
            # A plain read first: the frequent sweep takes no write lock when nothing is due.
            return []
        with transaction.atomic():
            candidates = due.order_by("next_attempt_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                # Rows another worker is claiming right now are skipped, not waited for.
                candidates = candidates.select_for_update(skip_locked=True)
            pks = list(candidates.values_list("pk", flat=True)[:limit])
            if not pks:
                return []
            # On SQLite (writers serialised) this conditional UPDATE is the claim; on
            # PostgreSQL the rows are locked already.
            due.filter(pk__in=pks).update(**claim)
    return list(OutboxMessage.objects.filter(pk__in=pks, claim=token).order_by("pk"))


def _mine(row: OutboxMessage, token: str) -> Any:
    return OutboxMessage.objects.filter(pk=row.pk, claim=token, status=OutboxStatus.SENDING)


def _mark_sent(row: OutboxMessage, token: str, result: dict[str, Any] | None) -> None:
    marked = _mine(row, token).update(
        status=OutboxStatus.SENT,
        sent_at=timezone.now(),
        claim="",
        claimed_until=None,
        last_error="",
        payload={},  # the text is not kept once delivered (personal data, one-time codes)
        result=result or {},
    )
    if not marked:
        raise _ClaimLost


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_EMAIL = re.compile(r"([\w.+-])[\w.+-]*@")


def _describe(exc: BaseException) -> str:
    """The error as recorded: type and message, phone numbers and e-mail addresses masked."""
    text = f"{type(exc).__name__}: {exc}"
    text = _PHONE.sub(r"\1****\2", text)
    return _EMAIL.sub(r"\1***@", text)[:500]


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt: base × 2^(n − 1), capped."""
    base = _setting("RENDA_OUTBOX_RETRY_SECONDS")
    delay = min(base * 2 ** max(attempts - 1, 0), _setting("RENDA_OUTBOX_MAX_DELAY_SECONDS"))
    return dt.timedelta(seconds=delay)


def _failed_attempt(row: OutboxMessage, exc: Exception) -> tuple[bool, dict[str, Any]]:
    """Whether the row's failed attempt was its last, and the fields that record it."""
    final = isinstance(exc, DeliveryRefused) or row.attempts >= _setting(
        "RENDA_OUTBOX_MAX_ATTEMPTS"
    )
    outcome: dict[str, Any] = {"last_error": _describe(exc)}
    if final:
        outcome["status"] = OutboxStatus.FAILED
    else:
        outcome["status"] = OutboxStatus.PENDING
        outcome["next_attempt_at"] = timezone.now() + backoff(row.attempts)
    return final, outcome


def _mark_failed_attempt(row: OutboxMessage, token: str, exc: Exception) -> str:
    final, outcome = _failed_attempt(row, exc)
    error = outcome["last_error"]
    _mine(row, token).update(claim="", claimed_until=None, **outcome)
    log.warning(
        "outbox %s (%s) attempt %s %s: %s",
        row.pk,
        row.channel,
        row.attempts,
        "failed for good" if final else "failed, will retry",
        error,
    )
    return "failed" if final else "retry"


def _defer(row: OutboxMessage, token: str, exc: DeliveryDeferred) -> str:
    _mine(row, token).update(
        status=OutboxStatus.PENDING,
        claim="",
        claimed_until=None,
        next_attempt_at=exc.until,
        attempts=F("attempts") - 1,  # a postponement is not an attempt
        last_error=_describe(exc),
    )
    return "deferred"


def _send(row: OutboxMessage, token: str) -> str:
    channel = CHANNELS[row.channel]
    try:
        if channel.transactional:
            with transaction.atomic():
                _mark_sent(row, token, channel.deliver(row))
            return "sent"
        result = channel.deliver(row)
    except _ClaimLost:
        log.warning("outbox %s: claim expired while sending; not recorded twice", row.pk)
        return "lost"
    except DeliveryDeferred as exc:
        return _defer(row, token, exc)
    except Exception as exc:  # any backend error is a failed attempt, never the caller's
        return _mark_failed_attempt(row, token, exc)
    # Sent by the outside service: an error in recording that must not count as a failed
    # attempt. It propagates; the claim expires and the row is tried again (the one case
    # of a possible repeat, see above).
    try:
        _mark_sent(row, token, result)
    except _ClaimLost:
        log.warning("outbox %s: claim expired while sending; not recorded twice", row.pk)
        return "lost"
    return "sent"


def deliver(ids: Iterable[int] | None = None, *, limit: int | None = None) -> dict[str, int]:
    """Send one batch of due rows (among `ids` if given). Returns counts by outcome."""
    token = uuid.uuid4().hex
    counts: Counter[str] = Counter()
    for row in _claim(token, ids, limit or _setting("RENDA_OUTBOX_BATCH")):
        counts[_send(row, token)] += 1
    return dict(counts)


def drain(*, batches: int = 20) -> dict[str, int]:
    """The sweep: send what is due, batch after batch, until a batch comes back short.
    A row is tried at most once per sweep unless a backlog fills every batch."""
    total: Counter[str] = Counter()
    limit = _setting("RENDA_OUTBOX_BATCH")
    for _batch in range(batches):
        counts = deliver(limit=limit)
        total.update(counts)
        if sum(counts.values()) < limit:
            break
    return dict(total)


def prune(*, batch: int = 1000) -> int:
    """Delete sent and failed rows older than the retention period (docs/operations.md).
    Outbox rows are delivery records, not the case file: the audit log keeps the events."""
    cutoff = timezone.now() - dt.timedelta(days=_setting("RENDA_OUTBOX_RETENTION_DAYS"))
    old = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.SENT, OutboxStatus.FAILED], created_at__lt=cutoff
    )
    pks = list(old.values_list("pk", flat=True)[:batch])
    if pks:
        OutboxMessage.objects.filter(pk__in=pks).delete()
    return len(pks)


def pending_count() -> int:
    """Rows still to send (pending or being sent): for health checks and metrics."""
    return OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).count()


def requeue(ids: Iterable[int]) -> int:
    """Send failed rows again from scratch (an operator's action, e.g. once the provider's
    account is fixed). Rows that were sent are left alone."""
    return OutboxMessage.objects.filter(pk__in=list(ids), status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
