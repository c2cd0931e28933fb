"""Prometheus metrics (docs/operations.md, "Observability"), served at /metrics.

Kept by the processes that observe them (prometheus-client; in multiprocess mode, with
PROMETHEUS_MULTIPROC_DIR set, each gunicorn worker writes its own file there and /metrics
adds them all up — never one process's memory):
- `renda_http_request_duration_seconds{view,method}`: request latency by view name;
- `renda_http_requests_total{view,method,status}`: requests by status class.

Read when scraped (collectors, so every app server answers the same):
- `renda_celery_task_failures_total{task}`: tasks that raised, counted by the workers in the
  shared cache (Redis), so workers on other machines and restarts add up;
- `renda_celery_queue_length{queue}`: messages waiting in the broker;
- `renda_outbox_messages{channel,status}`: notifications waiting, being sent or failed;
- `renda_worker_heartbeat_age_seconds{queue}`: since the workers last wrote their heartbeat;
- the collectors named in RENDA_METRICS_COLLECTORS (the case engine's open and overdue
  cases per congress, renda.cases.metrics).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils.module_loading import import_string
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from renda.core.rediscache import strict

log = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "renda_http_request_duration_seconds",
    "Time to answer a request, by view name",
    ["view", "method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REQUESTS = Counter(
    "renda_http_requests",
    "Requests answered, by view and status class",
    ["view", "method", "status"],
)

TASK_FAILURE_KEY = "renda:metrics:task-failures:{}"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "OTHER"
    REQUEST_LATENCY.labels(view, method).observe(seconds)
    REQUESTS.labels(view, method, f"{status // 100}xx").inc()


def record_task_failure(task_name: str) -> None:
    """Count a failed task in the shared cache (a worker's signal handler; never raises)."""
    key = TASK_FAILURE_KEY.format(task_name)
    try:
        store = strict(cache)
        if not store.add(key, 1, timeout=None):
            store.incr(key)
    except Exception:
        log.warning("task failure of %s not counted: cache unavailable", task_name)


def _task_names() -> list[str]:
    from celery import current_app

    current_app.loader.import_default_modules()  # the autodiscovered tasks modules
    return sorted(name for name in current_app.tasks if not name.startswith("celery."))


def queues() -> list[str]:
    names = {settings.CELERY_TASK_DEFAULT_QUEUE}
    names.update(route["queue"] for route in settings.CELERY_TASK_ROUTES.values())
    return sorted(names)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in the Redis broker per queue (kombu keeps one list per queue and
    priority step). Empty when the broker is not Redis (embedded mode: tasks run inline)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        lengths = {}
        for queue in queues():
            keys = [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]
            pipe = client.pipeline()
            for key in keys:
                pipe.llen(key)
            lengths[queue] = sum(pipe.execute())
        return lengths
    finally:
        client.close()


class RendaCollector(Collector):
    """What every app server reads alike when scraped: shared cache, broker, database."""

    def collect(self) -> Iterator[Metric]:
        from renda.core import health
        from renda.core.models import OutboxMessage, OutboxStatus

        failures = CounterMetricFamily(
            "renda_celery_task_failures", "Celery tasks that raised, by task", labels=["task"]
        )
        names = _task_names()
        try:
            found = strict(cache).get_many([TASK_FAILURE_KEY.format(n) for n in names])
        except Exception:
            log.warning("task failure counts unavailable: cache unreachable")
            found = {}
        for name in names:
            failures.add_metric([name], float(found.get(TASK_FAILURE_KEY.format(name)) or 0))
        yield failures

        length = GaugeMetricFamily(
            "renda_celery_queue_length", "Messages waiting in the broker", labels=["queue"]
        )
        try:
            for queue, n in queue_lengths().items():
                length.add_metric([queue], n)
        except Exception:
            log.warning("queue lengths unavailable: broker unreachable")
        yield length

        outbox = GaugeMetricFamily(
            "renda_outbox_messages",
            "Notifications in the outbox that are not sent yet (pending, sending) or failed",
            labels=["channel", "status"],
        )
        rows = (
            OutboxMessage.objects.exclude(status=OutboxStatus.SENT)
            .values("channel", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            outbox.add_metric([row["channel"], row["status"]], row["n"])
        yield outbox

        age = GaugeMetricFamily(
            "renda_worker_heartbeat_age_seconds",
            "Seconds since the workers consuming each queue wrote their heartbeat",
            labels=["queue"],
        )
        now = time.time()
        for queue, beat in health.heartbeats().items():
            if beat is not None:
                age.add_metric([queue], max(0.0, now - beat))
        yield age


def _collectors() -> Iterable[Collector]:
    yield RendaCollector()
    for path in getattr(settings, "RENDA_METRICS_COLLECTORS", []):
        yield import_string(path)()


def render() -> tuple[bytes, str]:
    """The exposition text of every metric: the processes' (added up over the gunicorn
    workers in multiprocess mode) and the collectors'."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes: Any = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    for collector in _collectors():
        scraped.register(collector)
    return generate_latest(processes) + generate_latest(scraped), CONTENT_TYPE_LATEST
