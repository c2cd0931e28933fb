"""The production mode on this machine (issue 18, items 1 and 7): RENDA_ENV=production,
PostgreSQL, Redis, gunicorn with two workers (deploy/gunicorn.conf.py), a real Celery
worker and beat, over HTTP as the TLS proxy forwards it.

- A resident submits an opinion; the notification to the office leaves through the
  worker (the app server only nudges the broker); the office logs in (password + TOTP)
  and sees it in its inbox and the case list.
- Readiness follows the workers' heartbeat; with the worker stopped, notifications wait
  in the outbox and readiness fails; a restarted worker sends them.
- /metrics: refused without the token; latency by view is added up over the gunicorn
  workers (multiprocess mode); open cases per congress, outbox and queue gauges.
- Redis down: pages render, the public form refuses with its clear message, readiness fails.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.deploy.conftest import (
    Client,
    login_staff,
    opinion_form,
    production_env,
    query,
    wait_for,
)

pytestmark = pytest.mark.postgresql

METRICS_TOKEN = "deploy-test-metrics-token"  # noqa: S105
HEARTBEAT_MAX_AGE = 4


def _submit(base: str, phone: str) -> str:
    client = Client(base)
    path, fields = opinion_form(client)
    response = client.post_form(path, {**fields, "phone": phone})
    assert response.status == 302, response.text[:1000]
    receipt = client.get(response.headers["location"])
    serial = re.search(r'<dd id="ticket">([^<]+)</dd>', receipt.text)
    assert serial, receipt.text[:500]
    return serial.group(1)


def _inbox_rows(database: str, serial: str) -> int:
    return query(
        database, "SELECT count(*) FROM core_notification WHERE title LIKE %s", (f"%{serial}%",)
    )[0][0]


def _unsent(database: str) -> list[tuple]:
    return query(database, "SELECT channel, status FROM core_outboxmessage WHERE status <> 'sent'")


def _metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _ready(base: str) -> tuple[int, dict]:
    response = Client(base).get("/readyz")
    return response.status, json.loads(response.text)


def test_production_smoke(deploy_template, deploy_db, redis_db, processes, tmp_path):
    started = time.monotonic()
    redis_db(14)
    env = production_env(
        tmp_path,
        deploy_db,
        14,
        STATIC_ROOT=str(deploy_template.static),
        RENDA_HEARTBEAT_SECONDS="1",
        RENDA_HEARTBEAT_MAX_AGE_SECONDS=str(HEARTBEAT_MAX_AGE),
        RENDA_METRICS_TOKEN=METRICS_TOKEN,
    )
    base = processes.gunicorn("app", env, workers=2)

    # No worker yet: alive, not ready.
    status, report = _ready(base)
    assert status == 503 and report["database"] == "ok" and report["redis"] == "ok", report
    assert report["workers"] == {"default": "stale", "periodic": "stale"}

    processes.worker(env)
    processes.beat(env)
    wait_for(lambda: _ready(base)[0] == 200, 60, lambda: f"never ready\n{processes.logs()}")

    # A resident's opinion; the worker delivers the office's notification.
    # The submission also sends the resident an SMS with the ticket number: a separate
    # outbox row, sent by the worker on its own (an outside service's send is not in the
    # transaction that marks it sent), so both are waited for.
    serial = _submit(base, "13900001111")
    wait_for(
        lambda: _inbox_rows(deploy_db, serial) > 0 and not _unsent(deploy_db),
        30,
        lambda: f"not delivered: {_unsent(deploy_db)}\n{processes.logs()}",
    )
    channels = query(deploy_db, "SELECT DISTINCT channel FROM core_outboxmessage")
    assert {c for (c,) in channels} >= {"inbox", "sms"}, channels
    worker_log = processes.log("worker")
    assert "renda.core.deliver_outbox" in worker_log
    # The worker logs JSON lines (production), with time and level.
    entries = [json.loads(line) for line in worker_log.splitlines() if line.startswith("{")]
    assert any("deliver_outbox" in e["message"] for e in entries), worker_log[-2000:]
    assert all(
        {"time", "level", "logger", "message", "request_id", "user_id"} <= e.keys() for e in entries
    )

    # gunicorn's own lines too (deploy/gunicorn.conf.py).
    app_lines = [json.loads(x) for x in processes.log("app").splitlines() if x.startswith("{")]
    assert any(e["logger"] == "gunicorn.error" for e in app_lines), processes.log("app")[-1000:]

    office = Client(base)
    login_staff(office, deploy_template.totp_key)
    inbox = office.get("/inbox/")
    assert inbox.status == 200 and serial in inbox.text
    cases = office.get("/cases/")
    assert cases.status == 200 and serial in cases.text

    # Metrics: token required; one view's count over both gunicorn workers is exact.
    assert Client(base).get("/metrics").status == 403
    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    before = _metric(
        Client(base).get("/metrics", headers=scrape).text,
        "renda_http_request_duration_seconds_count",
        view="core:healthz",
    )
    for _ in range(12):
        assert Client(base).get("/healthz").status == 200
    page = Client(base).get("/metrics", headers=scrape)
    assert page.status == 200
    after = _metric(page.text, "renda_http_request_duration_seconds_count", view="core:healthz")
    assert after - before == 12
    pids = {int(p) for p in re.findall(r'pid="(\d+)"', page.text)}
    assert not pids  # multiprocess figures are added up, not per worker
    assert _metric(page.text, "renda_cases_open", congress="清河镇人民代表大会") >= 1
    assert 'renda_celery_queue_length{queue="default"}' in page.text
    assert "renda_celery_task_failures_total" in page.text

    # The worker stops: the next notification waits in the outbox; readiness fails.
    processes.stop("worker")
    second = _submit(base, "13900002222")
    time.sleep(2)
    assert _inbox_rows(deploy_db, second) == 0
    pending = query(
        deploy_db, "SELECT count(*) FROM core_outboxmessage WHERE status IN ('pending', 'sending')"
    )[0][0]
    assert pending >= 1
    wait_for(
        lambda: _ready(base)[0] == 503,
        HEARTBEAT_MAX_AGE + 10,
        lambda: f"still ready without a worker: {_ready(base)}",
    )
    assert _ready(base)[1]["workers"]["default"] == "stale"
    metrics_page = Client(base).get("/metrics", headers=scrape).text
    assert _metric(metrics_page, "renda_outbox_messages", status="pending") >= 1

    # Back: nothing was lost.
    processes.worker(env, name="worker2")
    wait_for(
        lambda: _inbox_rows(deploy_db, second) > 0 and not _unsent(deploy_db),
        40,
        lambda: f"waiting notifications never sent: {_unsent(deploy_db)}\n{processes.logs()}",
    )
    wait_for(lambda: _ready(base)[0] == 200, 30, lambda: "not ready again")
    print(
        f"production smoke: {time.monotonic() - started:.1f} s "
        f"(+ template {deploy_template.setup:.1f} s)"
    )


def test_redis_down_pages_render_forms_fail_closed(deploy_template, deploy_db, processes, tmp_path):
    """Redis unreachable (nothing listens on the port): the pages render from the
    database, the public form refuses with its message (503), readiness fails."""
    from tests.deploy.conftest import free_port

    dead = free_port()  # nothing listens there
    env = production_env(tmp_path, deploy_db, 0, STATIC_ROOT=str(deploy_template.static))
    env["REDIS_URL"] = f"redis://127.0.0.1:{dead}/0"
    base = processes.gunicorn("app", env, workers=1)
    visitor = Client(base)
    for path in ["/", "/portal/", "/opinions/", "/accounts/login/", "/stations/"]:
        assert visitor.get(path).status == 200, path
    path, fields = opinion_form(visitor)
    response = visitor.post_form(path, {**fields, "phone": "13900003333"})
    assert response.status == 503
    assert "防止滥用的检查暂时不可用" in response.text
    assert (
        query(
            deploy_db,
            "SELECT count(*) FROM cases_case WHERE submitter_phone = %s",
            ("13900003333",),
        )[0][0]
        == 0
    )
    status, report = _ready(base)
    assert status == 503 and report["redis"] == "unreachable" and report["database"] == "ok"
