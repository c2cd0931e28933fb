"""Observability and faults (issue 18, item 7), in process: JSON logs with the request id
and user id, /metrics behind its token or address list, /readyz and the workers'
heartbeat, the Redis-down behaviour of the cache, the rate limits and the public form.
The same run over real processes is tests/deploy/test_production_smoke.py."""

from __future__ import annotations

import json
import logging
import time
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from renda.cases.models import Case
from renda.core import health, metrics, ratelimit
from renda.core.observability import ContextFilter, JsonFormatter
from renda.core.rediscache import ResilientRedisCache, strict

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _dead_cache() -> dict:
    backend = {
        "BACKEND": "renda.core.rediscache.ResilientRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    return {"default": backend, "portal_views": {**backend, "KEY_PREFIX": "pv"}}


# --- logs -------------------------------------------------------------------------------


def _json_line(record: logging.LogRecord) -> dict:
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_json_log_line_has_time_level_logger_message_and_no_request_outside_one():
    record = logging.LogRecord("renda.test", logging.WARNING, __file__, 1, "hello %s", ("x",), None)
    line = _json_line(record)
    assert line["level"] == "WARNING" and line["logger"] == "renda.test"
    assert line["message"] == "hello x"
    assert line["time"].endswith("+00:00") and "T" in line["time"]
    assert line["request_id"] is None and line["user_id"] is None


def test_log_lines_in_a_request_carry_its_id_and_the_users_id_never_the_name(world, settings):
    seen: list[dict] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(_json_line(record))

    handler = Capture()
    logger = logging.getLogger("renda.core.views.public")
    logger.addHandler(handler)
    client = Client()
    client.force_login(world.citizen)
    try:
        original = __import__("renda.core.views.public", fromlist=["home"]).render

        def render(request, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
            request.user.pk  # noqa: B018  (the user is loaded, as every page does)
            logger.warning("rendering the home page")
            return original(request, *args, **kw)

        with mock.patch("renda.core.views.public.render", render):
            response = client.get("/", HTTP_X_REQUEST_ID="req-1234-abcd")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "req-1234-abcd"
    (line,) = seen
    assert line["request_id"] == "req-1234-abcd" and line["user_id"] == world.citizen.pk
    assert world.citizen.username not in json.dumps(line, ensure_ascii=False)


def test_a_malformed_request_id_is_replaced(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


# --- metrics ----------------------------------------------------------------------------


def test_metrics_do_not_exist_without_a_token_or_address_list(client, db, settings):
    settings.RENDA_METRICS_TOKEN, settings.RENDA_METRICS_ALLOW_IPS = "", []
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_token(client, cases_world, settings):
    settings.RENDA_METRICS_TOKEN, settings.RENDA_METRICS_ALLOW_IPS = "s3cret-token", []
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    from tests.fixtures.cases import submit

    submit(cases_world)
    client.get("/healthz")
    page = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'renda_http_request_duration_seconds_count{method="GET",view="core:healthz"}' in text
    assert (
        f'renda_cases_open{{congress="{cases_world.c_a.name}",congress_id="{cases_world.c_a.pk}"}} 1.0'
        in text
    )
    assert f'renda_cases_overdue{{congress="{cases_world.c_a.name}"' in text
    assert 'renda_outbox_messages{channel="inbox",status="pending"}' in text or (
        "renda_outbox_messages" in text
    )


def test_metrics_by_address_list_use_the_connecting_address_only(client, db, settings):
    settings.RENDA_METRICS_TOKEN, settings.RENDA_METRICS_ALLOW_IPS = "", ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    forged = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forged.status_code == 403


def test_task_failures_are_counted_in_the_shared_cache(client, db, settings):
    settings.RENDA_METRICS_TOKEN = "t0ken-for-tests"
    caches["default"].delete(metrics.TASK_FAILURE_KEY.format("renda.core.drain_outbox"))
    metrics.record_task_failure("renda.core.drain_outbox")
    metrics.record_task_failure("renda.core.drain_outbox")
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken-for-tests").content.decode()
    assert 'renda_celery_task_failures_total{task="renda.core.drain_outbox"} 2.0' in text
    assert 'renda_celery_task_failures_total{task="renda.core.prune_outbox"} 0.0' in text


# --- readiness and heartbeat --------------------------------------------------------------


def test_readyz_in_the_embedded_mode_is_the_database(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not used",
        "workers": "inline",
    }


def test_readyz_follows_the_workers_heartbeat(client, db, settings):
    settings.REDIS_URL = "redis://cache.invalid:6379/0"  # production mode; the test cache stands in
    settings.RENDA_HEARTBEAT_MAX_AGE_SECONDS = 30
    for queue in ("default", "periodic"):
        caches["default"].delete(health.HEARTBEAT_KEY.format(queue))
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.json()["workers"] == {"default": "stale", "periodic": "stale"}
    health.beat(["default", "periodic"])
    assert client.get("/readyz").status_code == 200
    with mock.patch("renda.core.health.time.time", return_value=time.time() + 31):
        late = client.get("/readyz")
    assert late.status_code == 503 and late.json()["workers"]["periodic"] == "stale"


def test_the_heartbeat_task_writes_its_queue(db, settings):
    from renda.core.tasks import heartbeat

    settings.REDIS_URL = "redis://cache.invalid:6379/0"
    caches["default"].delete(health.HEARTBEAT_KEY.format("default"))
    heartbeat("default")
    assert health.heartbeats()["default"] == pytest.approx(time.time(), abs=5)


# --- Redis down -----------------------------------------------------------------------------


def test_the_resilient_cache_misses_and_skips_but_counters_fail(settings):
    store = ResilientRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    assert store.get("k", "default") == "default"
    assert store.add("k", 1) is False
    store.set("k", 1)  # skipped, no error
    assert store.get_many(["a", "b"]) == {}
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):
        strict(store).get("k")
    with pytest.raises(RedisConnectionError):
        strict(store).incr("k")


def test_redis_down_pages_render_and_the_public_form_fails_closed(cases_world, settings):
    settings.CACHES = _dead_cache()
    settings.REDIS_URL = DEAD_REDIS
    client = Client()
    url = reverse("opinions:submit", args=[cases_world.c_a.pk])
    for page in ["/", "/opinions/", url, "/accounts/login/"]:
        assert client.get(page).status_code == 200, page
    form = client.get(url)
    response = client.post(
        url,
        {
            "category": cases_world.cat_a.pk,
            "village": cases_world.village_a.pk,
            "content": "东塘村村口路灯坏了三个月，晚上出行很不安全",
            "name": "赵先生",
            "phone": "13812345678",
            "token": form.context["form"].initial["token"],
        },
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 503 and response["Retry-After"]
    assert "防止滥用的检查暂时不可用" in response.content.decode()
    assert not Case.objects.exists()
    tracked = client.post(reverse("opinions:track"), {"ticket": "MY2026-000001", "code": "123456"})
    assert tracked.status_code == 503
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["redis"] == "unreachable"


def test_rate_limits_fail_closed_when_the_store_is_unreachable(settings):
    settings.CACHES = _dead_cache()
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):
        ratelimit.reserve("opinion-submit", ["10.0.0.1"], 5, 3600)
    with pytest.raises(RedisConnectionError):
        ratelimit.attempt("opinion-track", ["10.0.0.1"], 5, 600)
    with pytest.raises(RedisConnectionError):  # outside a page view: a check, closed
        ratelimit.exceeded("login-failures", ["10.0.0.1"], 5)
    ratelimit.Reservation("x", True, ["10.0.0.1"]).refund()  # skipped, no error
    ratelimit.clear("x", "10.0.0.1")


def test_sentry_is_set_up_from_the_environment_without_personal_data(tmp_path):
    """SENTRY_DSN turns sentry-sdk on (a fresh process: settings are read at start)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "RENDA_"))}
    env.update(
        SENTRY_DSN="http://public@127.0.0.1:9/1",
        RENDA_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="renda.settings",
    )
    code = (
        "import django, json, sentry_sdk; django.setup(); o = sentry_sdk.get_client().options; "
        "print(json.dumps([bool(o['dsn']), o['send_default_pii'], o['max_request_body_size'], "
        "o['include_local_variables']]))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, False, "never", False]
