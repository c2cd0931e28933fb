"""Process helpers of the deployment tests: the production mode on this machine.

A session-wide template database is migrated and seeded once (the demo district, with a
TOTP device for qh_staff: production requires the second factor of staff); each test gets
its own copy (`CREATE DATABASE … TEMPLATE`), its own Redis database, and starts what it
needs as real processes — gunicorn (`deploy/gunicorn.conf.py`), a Celery worker, Celery
beat — with RENDA_ENV=production. Everything is stopped and dropped afterwards.

Runs only in the PostgreSQL pass of the suite (`postgresql` mark) and when Redis answers
on RENDA_TEST_REDIS (default redis://127.0.0.1:6379); skipped otherwise.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS = os.environ.get("RENDA_TEST_REDIS", "redis://127.0.0.1:6379")
DEMO_PASSWORD = "renda-demo-2026"  # noqa: S105  (the demo's, printed by make run)
START_TIMEOUT = 90
# Environment that must not leak from the test run into the production processes.
_DROP = (
    "RENDA_",
    "DATABASE_",
    "REDIS_",
    "DJANGO_",
    "PYTEST",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_",
    "DEBUG",
    "PROMETHEUS_",
    "SENTRY_",
    "TWO_FACTOR",
    "LOG_LEVEL",
)


# --- skipping -----------------------------------------------------------------------------


def _redis_client(db: int) -> Any:
    import redis

    return redis.Redis.from_url(f"{REDIS}/{db}", socket_connect_timeout=1, socket_timeout=5)


def redis_available() -> bool:
    try:
        return bool(_redis_client(0).ping())
    except Exception:
        return False


def _pg_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    user = urllib.parse.quote(db.get("USER") or "postgres")
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{urllib.parse.quote(password)}" if password else user
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{_pg_url()}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def query(database: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the test's database directly (what the processes wrote)."""
    import psycopg

    with psycopg.connect(f"{_pg_url()}/{database}", autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


# --- the production environment ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(home: Path, database: str, redis_db: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP)}
    keys = {"current": "1", "keys": {"1": secrets.token_urlsafe(32)}, "legacy": False}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "renda.settings",
            "RENDA_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "RENDA_KEYS": json.dumps(keys),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"{_pg_url()}/{database}",
            "REDIS_URL": f"{REDIS}/{redis_db}",
            "RENDA_VAR_DIR": str(home / "var"),
            "STATIC_ROOT": str(home / "static"),
            "MEDIA_ROOT": str(home / "media"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


_STAFF_DEVICE = """
from django_otp.plugins.otp_totp.models import TOTPDevice
from renda.core.models import User
user = User.objects.get(username="qh_staff")
device = TOTPDevice.objects.create(user=user, name="deploy test", confirmed=True)
print("TOTP", device.key)
"""


def _drop_leftovers() -> None:
    """Databases of earlier runs that were killed (their process is gone)."""
    import psycopg

    with psycopg.connect(f"{_pg_url()}/postgres", autocommit=True) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'renda_deploy_%%'"
            ).fetchall()
        ]
    for name in names:
        pid = name.rsplit("_", 1)[-1]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        with contextlib.suppress(Exception):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def deploy_template(tmp_path_factory) -> Iterator[SimpleNamespace]:  # noqa: ANN001
    """A migrated and seeded database to copy (once per test process), static files."""
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS}")
    home = tmp_path_factory.mktemp("deploy-template")
    _drop_leftovers()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"renda_deploy_tpl_{worker}_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    try:
        env = production_env(home, name, 14)
        manage(env, "migrate", "--noinput")
        # The demo district, seeded as `make run` does (demo mode, tasks inline, no Redis).
        demo = {k: v for k, v in env.items() if k not in {"RENDA_ENV", "REDIS_URL"}}
        manage({**demo, "RENDA_DEMO": "1"}, "seed_demo")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        out = manage(env, "shell", "-c", _STAFF_DEVICE)
        key = re.search(r"TOTP ([0-9a-f]+)", out).group(1)  # type: ignore[union-attr]
        yield SimpleNamespace(
            name=name, static=home / "static", totp_key=key, setup=time.monotonic() - started
        )
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def deploy_db(deploy_template, request) -> Iterator[str]:  # noqa: ANN001
    """This test's own copy of the template database."""
    name = f"renda_deploy_{request.node.name[:30].lower()}_{os.getpid()}"
    name = re.sub(r"[^a-z0-9_]", "_", name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{deploy_template.name}"')
    try:
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_db() -> Callable[[int], Any]:
    """`redis_db(n)`: Redis database n, flushed now and after the test."""
    used: list[Any] = []

    def take(n: int) -> Any:
        client = _redis_client(n)
        client.flushdb()
        used.append(client)
        return client

    yield take
    for client in used:
        with contextlib.suppress(Exception):
            client.flushdb()


# --- processes -----------------------------------------------------------------------------


class Processes:
    """Started processes with their logs; stopped in reverse order (SIGTERM, then kill)."""

    def __init__(self, home: Path):
        self.home = home
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.home / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.home / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{self.log(n)[-3000:]}" for n in self.running)

    def stop(self, name: str) -> None:
        process = self.running.pop(name, None)
        if process is None:
            return
        # The parent first (gunicorn and Celery stop their children), then whatever of its
        # process group is left.
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            started = time.monotonic()
            self.stop(name)
            print(f"stopped {name} in {time.monotonic() - started:.1f} s")

    # The three kinds of process of an installation.

    def gunicorn(self, name: str, env: dict[str, str], *, workers: int = 2) -> str:
        port = free_port()
        metrics_dir = self.home / f"prometheus-{name}"
        metrics_dir.mkdir(exist_ok=True)
        self.start(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "renda.wsgi:application",
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        )
        base = f"http://127.0.0.1:{port}"
        self.wait(name, lambda: Client(base).get("/healthz").status == 200)
        return base

    def worker(self, env: dict[str, str], name: str = "worker") -> None:
        self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "renda",
                "worker",
                "-Q",
                "default,periodic",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--hostname",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            env,
        )

    def beat(self, env: dict[str, str]) -> None:
        self.start(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "renda",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.home / "celerybeat-schedule"),
            ],
            env,
        )

    def wait(self, name: str, ready: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        wait_for(ready, timeout, lambda: f"{name} not ready\n{self.logs()}", self.running[name])


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    message: Callable[[], str],
    process: subprocess.Popen | None = None,
) -> None:
    """Poll `condition` (connection errors count as not yet) until true or the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if condition():
                return
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process exited ({process.returncode})\n{message()}")
        time.sleep(0.25)
    pytest.fail(message())


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:  # noqa: ANN001
    running = Processes(tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


# --- an HTTP client as a browser behind the TLS proxy ---------------------------------------


class Client:
    """Keeps cookies itself (they are Secure: the proxy terminates TLS), says it came over
    HTTPS (`X-Forwarded-Proto`, as nginx does) and sends the Referer Django's CSRF check
    wants on HTTPS. Never follows redirects. `base` may be changed (another app server)."""

    def __init__(self, base: str, agent: str = "Mozilla/5.0 (deploy test)"):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.agent = agent

    def request(
        self, method: str, path: str, data: dict | None = None, headers: dict | None = None
    ) -> SimpleNamespace:
        parts = urllib.parse.urlsplit(self.base)
        host = parts.netloc
        send = {
            "Host": host,
            "User-Agent": self.agent,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{host}{path}",
            **(headers or {}),
        }
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=send)
            response = conn.getresponse()
            payload = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _sep, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return SimpleNamespace(
                status=response.status,
                text=payload.decode("utf-8", "replace"),
                headers={k.lower(): v for k, v in response.getheaders()},
            )
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> SimpleNamespace:
        return self.request("GET", path, **kw)

    def post_form(self, path: str, fields: dict) -> SimpleNamespace:
        if "csrftoken" not in self.cookies:
            self.get(path)
        return self.request(
            "POST", path, {**fields, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        )


def login_staff(client: Client, totp_key: str) -> None:
    """qh_staff's login: password, then the TOTP code (production requires it)."""
    from django_otp.oath import totp

    client.get("/accounts/login/")
    response = client.post_form(
        "/accounts/login/", {"username": "qh_staff", "password": DEMO_PASSWORD}
    )
    assert response.status == 302, response.text[:500]
    # The back office asks for the second factor before anything else.
    response = client.get(response.headers["location"])
    assert response.status == 302 and "/accounts/2fa/" in response.headers["location"]
    code = f"{totp(bytes.fromhex(totp_key)):06d}"
    response = client.post_form("/accounts/2fa/", {"token": code})
    assert response.status == 302, response.text[:1000]
    assert "/accounts/" not in response.headers["location"]


def opinion_form(client: Client) -> tuple[str, dict]:
    """清河镇's public opinion form: (path, the fields of a valid submission)."""
    index = client.get("/opinions/")
    assert index.status == 200, index.text[:300]
    page, path = None, ""
    for path in re.findall(r'href="(/opinions/\d+/new/)"', index.text):
        page = client.get(path)
        if "清河镇" in page.text:
            break
    assert page is not None and page.status == 200

    def first_option(name: str) -> str:
        select = re.search(rf'<select name="{name}".*?</select>', page.text, re.S)
        assert select, name
        return next(v for v in re.findall(r'<option value="([^"]+)"', select.group(0)) if v)

    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return path, {
        "category": first_option("category"),
        "village": first_option("village"),
        "content": "村口的路灯坏了三个月，晚上出行很不安全，请尽快维修",
        "name": "测试",
        "token": token,
    }
