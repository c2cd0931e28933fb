"""Outgoing messages: the outbox's worker tasks (renda.core.notify).

- `renda.core.deliver_outbox` (default queue): the nudge sent on commit with the new rows'
  ids, so a message leaves within moments of the change.
- `renda.core.drain_outbox` (Celery beat `outbox-sweep`; `manage.py run_periodic` in the
  embedded mode, every few seconds): whatever is due, retries included.
- `renda.core.prune_outbox` (hourly): sent and failed rows past the retention period.
- `renda.core.poll_sms_receipts` (every 5 minutes): delivery reports of recent SMS.

All three are idempotent: a row is claimed before it is sent, so a repeated or concurrent
run sends nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import task_failure, worker_ready

from renda.core import health, metrics, notify, sms

log = logging.getLogger(__name__)


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


@shared_task(name="renda.core.poll_sms_receipts", ignore_result=True)
def poll_sms_receipts() -> dict[str, int]:
    """The handsets' delivery reports of recent SMS, from the provider (renda.core.sms)."""
    return sms.poll_receipts()


@shared_task(name="renda.core.heartbeat", ignore_result=True)
def heartbeat(queue: str) -> None:
    """Sent by beat on each queue (settings CELERY_BEAT_SCHEDULE): the worker that runs it
    consumes that queue and beat is sending (renda.core.health, /readyz)."""
    health.beat([queue])


@worker_ready.connect
def _worker_ready(sender: Any = None, **kwargs: Any) -> None:
    """A worker that has started writes the heartbeat of the queues it consumes at once."""
    try:
        consumer = sender
        names = [q.name for q in consumer.task_consumer.queues] if consumer else []
        health.beat([n for n in names if n in health.heartbeat_queues()])
    except Exception:
        log.warning("could not write the worker's first heartbeat", exc_info=True)


@task_failure.connect
def _task_failed(sender: Any = None, **kwargs: Any) -> None:
    """Every task that raises counts in renda_celery_task_failures_total (renda.core.metrics)."""
    metrics.record_task_failure(getattr(sender, "name", "") or "unknown")


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


@shared_task(name="renda.core.prune_jobs", ignore_result=True)
def prune_jobs() -> int:
    """Result files of jobs past `RENDA_JOB_RETENTION_DAYS`: deleted, the jobs expired."""
    from renda.core import jobs

    return jobs.prune()


@shared_task(name="renda.core.create_audit_partitions", ignore_result=True)
def create_audit_partitions() -> list[int]:
    """This year's and next year's partitions of the action log, made ahead of time
    (PostgreSQL; idempotent, nothing to do on SQLite): the years created."""
    from renda.core import auditpartitions

    return auditpartitions.ensure_ahead()
