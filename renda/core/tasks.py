"""Outgoing messages: the outbox's worker tasks (renda.core.notify).

- `renda.core.deliver_outbox` (default queue): the nudge sent on commit with the new rows'
  ids, so a message leaves within moments of the change.
- `renda.core.drain_outbox` (Celery beat `outbox-sweep`; `manage.py run_periodic` in the
  embedded mode, every few seconds): whatever is due, retries included.
- `renda.core.prune_outbox` (hourly): sent and failed rows past the retention period.

All three are idempotent: a row is claimed before it is sent, so a repeated or concurrent
run sends nothing twice.
"""

from __future__ import annotations

from celery import shared_task

from renda.core import notify


@shared_task(name="renda.core.deliver_outbox", ignore_result=True)
def deliver_outbox(ids: list[int]) -> dict[str, int]:
    return notify.deliver(ids)


@shared_task(name="renda.core.drain_outbox", ignore_result=True)
def drain_outbox() -> dict[str, int]:
    return notify.drain()


@shared_task(name="renda.core.prune_outbox", ignore_result=True)
def prune_outbox() -> int:
    return notify.prune()


@shared_task(name="renda.core.send_sms", ignore_result=True)
def send_sms_task(phone: str, text: str) -> None:
    """Kept for messages queued by an older version during an upgrade: into the outbox."""
    notify.sms_on_commit(phone, text)


@shared_task(name="renda.core.run_job", ignore_result=True)
def run_job(pk: int) -> str:
    """A background job (renda.core.jobs): a large export, a reindex."""
    from renda.core import jobs

    return jobs.run(pk)


@shared_task(name="renda.core.run_stalled_jobs", ignore_result=True)
def run_stalled_jobs() -> int:
    """The sweep: jobs whose dispatch was lost or whose process died."""
    from renda.core import jobs

    return jobs.run_stalled()
