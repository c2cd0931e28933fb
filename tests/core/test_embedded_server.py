"""The embedded mode as `make run` starts it: gunicorn with several worker processes on a
SQLite file, the demo data, no Redis. The server runs in its own process tree against its
own files under a temporary directory; nothing here uses the test database.

- Rate limits are the documented ones, not one per worker (finding 10: 13 of 20 opinions
  passed a limit of 5, 60 wrong tracking lookups passed a limit of 20).
- A SQLite write lock held longer than the busy timeout (finding 6): no bare 500; pages
  that only read answer 200 (staff pages, API reads); writes answer the 503 "busy" page
  or the API's error shape; once the lock is gone everything works again.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
WORKERS = 3
BUSY_TIMEOUT = 1  # seconds: the lock below is held much longer
DEMO_PASSWORD = "renda-demo-2026"  # noqa: S105  (the demo's, printed by make run)
BUSY_ZH = "系统繁忙，请稍后再试"

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the embedded server runs on SQLite; run once, with the SQLite test run",
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base: str, address: str = "") -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        *,
        body: bytes | None = None,
        headers: dict | None = None,
    ) -> SimpleNamespace:
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        request = urllib.request.Request(  # noqa: S310  (http://127.0.0.1 only)
            self.base + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                status, payload, header = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, payload, header = error.code, error.read(), error.headers
        return SimpleNamespace(
            status=status, text=payload.decode("utf-8", "replace"), headers=header
        )

    def get(self, path: str, **kw) -> SimpleNamespace:  # noqa: ANN003
        return self.request("GET", path, **kw)

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post_form(self, path: str, fields: dict) -> SimpleNamespace:
        return self.request("POST", path, {**fields, "csrfmiddlewaretoken": self.csrf()})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[SimpleNamespace]:
    home = tmp_path_factory.mktemp("embedded")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "RENDA_ENV", "DEBUG", "RENDA_CACHE_FILE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "renda.settings",
            "RENDA_VAR_DIR": str(home),
            "DATABASE_URL": f"sqlite:///{home / 'renda.sqlite3'}",
            "STATIC_ROOT": str(home / "static"),
            "MEDIA_ROOT": str(home / "media"),
            "DB_BUSY_TIMEOUT_SECONDS": str(BUSY_TIMEOUT),
            "RENDA_DEMO": "1",
        }
    )
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    token = _manage(env, "create_api_token", "qh_staff", "fault test").strip().splitlines()[-1]
    port = _free_port()
    log = (home / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "renda.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if Browser(base).get("/healthz").status == 200:
                    break
            assert process.poll() is None, (home / "gunicorn.log").read_text()
            time.sleep(0.5)
        else:
            pytest.fail("the server did not start")
        yield SimpleNamespace(base=base, db=home / "renda.sqlite3", token=token, home=home)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _town_form(server) -> tuple[Browser, str, dict]:  # noqa: ANN001
    """A fresh visitor on 清河镇's opinion form: (browser, form path, fields to post)."""
    browser = Browser(server.base)
    index = browser.get("/opinions/")
    assert index.status == 200
    paths = re.findall(r'href="(/opinions/\d+/new/)"', index.text)
    page, path = None, ""
    for path in paths:
        page = browser.get(path)
        if "清河镇" in page.text:
            break
    assert page is not None and page.status == 200

    def first_option(name: str) -> str:
        select = re.search(rf'<select name="{name}".*?</select>', page.text, re.S)
        assert select, name
        return next(v for v in re.findall(r'<option value="([^"]+)"', select.group(0)) if v)

    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    fields = {
        "category": first_option("category"),
        "village": first_option("village"),
        "content": "村口的路灯坏了三个月，晚上出行很不安全，请尽快维修",
        "name": "测试",
        "token": token,
    }
    return browser, path, fields


def _staff(server) -> Browser:  # noqa: ANN001
    browser = Browser(server.base)
    browser.get("/accounts/login/")
    response = browser.post_form(
        "/accounts/login/", {"username": "qh_staff", "password": DEMO_PASSWORD}
    )
    assert response.status == 302, response.text[:500]
    assert browser.get("/workspace/").status == 200  # stamps the idle clock once
    return browser


# --- shared counters across workers ---------------------------------------------------------


def test_wrong_tracking_lookups_stop_at_the_documented_limit_across_workers(server):
    limit = 20  # RENDA_TRACK_LIMIT, as documented in the README
    statuses = []
    for n in range(limit + 5):
        browser = Browser(server.base)  # a new connection each time: any worker answers
        browser.get("/opinions/track/")
        response = browser.post_form(
            "/opinions/track/", {"ticket": f"MY2099-{n:06d}", "code": "000000"}
        )
        statuses.append(response.status)
    assert statuses == [404] * limit + [429] * 5


def test_opinions_from_one_address_need_a_captcha_after_the_documented_limit(server):
    limit = 5  # RENDA_SUBMIT_LIMIT
    statuses = []
    for n in range(limit + 3):
        browser, path, fields = _town_form(server)
        needs_captcha = 'name="captcha_1"' in browser.get(path).text
        response = browser.post_form(path, {**fields, "phone": f"1390000{n:04d}"})
        statuses.append((needs_captcha, response.status))
    assert statuses == [(False, 302)] * limit + [(True, 400)] * 3


# --- a long SQLite write lock -------------------------------------------------------------------


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock (a long import, a migration, a stuck process)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _forget_rate_limits(server) -> None:  # noqa: ANN001
    """The tests above spent this address's submissions; start with fresh counters."""
    with contextlib.closing(sqlite3.connect(server.home / "cache.sqlite3")) as conn:
        conn.execute("DELETE FROM cache")
        conn.commit()


def test_a_lock_longer_than_the_busy_timeout_gives_no_server_error(server):
    _forget_rate_limits(server)
    staff = _staff(server)
    public, path, fields = _town_form(server)
    api = {"Authorization": f"Bearer {server.token}"}
    answers = {}
    with write_lock(server.db):
        started = time.monotonic()
        for page in ("/workspace/", "/cases/", "/office/suggestions/", "/inbox/"):
            answers[f"staff GET {page}"] = staff.get(page)
        answers["public GET form"] = public.get(path)
        answers["public POST opinion"] = public.post_form(path, {**fields, "phone": "13912349999"})
        answers["API GET /me"] = staff.get("/api/v1/me", headers=api)
        answers["API GET /cases"] = staff.get("/api/v1/cases", headers=api)
        case_id = json.loads(answers["API GET /cases"].text)["items"][0]["id"]
        answers["API POST progress"] = staff.request(
            "POST",
            f"/api/v1/cases/{case_id}/progress",
            body=json.dumps({"note": "锁定期间的进展"}).encode(),
            headers={**api, "Content-Type": "application/json"},
        )
        visitor = Browser(server.base)
        answers["login GET"] = visitor.get("/accounts/login/")
        answers["login POST"] = visitor.post_form(
            "/accounts/login/", {"username": "qh_leader", "password": DEMO_PASSWORD}
        )
        held = time.monotonic() - started
    assert held > 3 * BUSY_TIMEOUT  # the lock outlived the busy timeout several times

    assert [name for name, r in answers.items() if r.status >= 500 and r.status != 503] == []
    for name in ("staff GET /workspace/", "staff GET /cases/", "staff GET /office/suggestions/"):
        assert answers[name].status == 200, name
    # Opening the inbox marks its messages read: a GET that writes, so it is busy too.
    assert answers["staff GET /inbox/"].status == 503
    assert answers["public GET form"].status == 200
    assert answers["API GET /me"].status == 200
    assert json.loads(answers["API GET /me"].text)["username"] == "qh_staff"

    assert answers["login GET"].status == 200
    assert answers["login POST"].status == 503  # a login writes (last login, session)

    busy = answers["public POST opinion"]
    assert busy.status == 503
    assert busy.headers["Retry-After"] == "30"
    assert BUSY_ZH in html.unescape(busy.text)
    api_busy = answers["API POST progress"]
    assert api_busy.status == 503
    assert json.loads(api_busy.text) == {"detail": BUSY_ZH + "。"}

    # The lock is gone: the same visitor's submission goes through.
    after = public.post_form(path, {**fields, "phone": "13912349999"})
    assert after.status == 302
    assert staff.get("/workspace/").status == 200
