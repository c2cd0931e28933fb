"""A locked or lost database (finding 6): a translated 503 "系统繁忙，请稍后再试" with
Retry-After instead of a bare 500 (HTML for pages, the API's error shapes under /api/ and
/open311/); pages that only read still answer 200 because a GET writes nothing (no session
stamp on every request, the API token's last use at most once a minute).

Here the lock is simulated in the test process (every INSERT/UPDATE/DELETE fails as SQLite
fails past its busy timeout); tests/test_embedded_server.py holds a real SQLite write lock
against a running multi-worker server."""

from __future__ import annotations

import contextlib
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.utils import InterfaceError, OperationalError, ProgrammingError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.api.models import ApiToken, Open311Key
from renda.cases.models import Case
from renda.congress import middleware as congress_middleware
from renda.core.sessions import SessionStore
from tests.fixtures.cases import submit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("cases_world")]

BUSY_ZH = "系统繁忙，请稍后再试"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@contextlib.contextmanager
def _failing_writes(error: Exception) -> Iterator[None]:
    """Every write statement raises `error`, as every write does while another process
    holds SQLite's write lock past the busy timeout; reads go through (WAL)."""
    real_execute, real_many = CursorWrapper._execute, CursorWrapper._executemany

    def execute(self, sql, params, *rest):  # noqa: ANN001, ANN002, ANN202
        if WRITES.match(sql):
            raise error
        return real_execute(self, sql, params, *rest)

    def executemany(self, sql, param_list, *rest):  # noqa: ANN001, ANN002, ANN202
        if WRITES.match(sql):
            raise error
        return real_many(self, sql, param_list, *rest)

    CursorWrapper._execute = execute  # type: ignore[method-assign]
    CursorWrapper._executemany = executemany  # type: ignore[method-assign]
    try:
        yield
    finally:
        CursorWrapper._execute = real_execute  # type: ignore[method-assign]
        CursorWrapper._executemany = real_many  # type: ignore[method-assign]


def locked() -> contextlib.AbstractContextManager[None]:
    return _failing_writes(OperationalError("database is locked"))


def _client() -> Client:
    # A real server answers with the handlers, not with the exception.
    return Client(raise_request_exception=False)


def assert_busy_page(response) -> None:  # noqa: ANN001
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert BUSY_ZH in page
    assert 'name="viewport"' in page  # readable on a phone


def _session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and WRITES.match(q["sql"])
    ]


# --- HTML pages --------------------------------------------------------------------------


STAFF_PAGES = ["congress:workspace", "cases:office_inbox", "suggestions:office_list"]


def test_staff_pages_that_only_read_answer_200_under_a_lock(world):
    client = _client()
    client.force_login(world.staff)
    with locked():
        # The first back-office request would stamp the session: that write fails, quietly.
        for name in STAFF_PAGES:
            response = client.get(reverse(name))
            assert response.status_code == 200, name


def test_a_public_submission_under_a_lock_is_the_busy_page(world):
    client = _client()
    with locked():
        form = client.get(reverse("opinions:submit", args=[world.c_a.pk]))
        assert form.status_code == 200  # reading needs no write
        response = client.post(
            reverse("opinions:submit", args=[world.c_a.pk]),
            {
                "category": world.cat_a.pk,
                "village": world.village_a.pk,
                "content": "东塘村村口路灯坏了三个月，晚上出行很不安全",
                "name": "赵先生",
                "phone": "13812345678",
                "token": form.context["form"].initial["token"],
            },
            REMOTE_ADDR="10.0.0.9",
        )
    assert_busy_page(response)
    assert not Case.objects.exists()


def test_the_busy_page_follows_the_chosen_language(world):
    client = _client()
    client.cookies["django_language"] = "en"
    with locked():
        response = client.post(reverse("core:login"), {"username": "staff_a", "password": "x"})
    assert response.status_code == 503
    assert "The system is busy" in response.content.decode()


def test_a_lost_postgresql_connection_is_the_busy_page_too(world):
    client = _client()
    with _failing_writes(InterfaceError("connection already closed")):
        response = client.post(
            reverse("core:login"), {"username": "staff_a", "password": "pw-for-tests-1"}
        )
    assert_busy_page(response)


def test_other_database_errors_stay_server_errors(world):
    client = _client()
    with _failing_writes(ProgrammingError("no such table: core_user")):
        response = client.post(
            reverse("core:login"), {"username": "staff_a", "password": "pw-for-tests-1"}
        )
    assert response.status_code == 500
    assert BUSY_ZH not in response.content.decode()


def test_an_error_outside_the_views_reaches_the_busy_page(world, monkeypatch):
    """A middleware meeting a lost connection: answered by the 500 handler, as a 503."""
    client = _client()
    client.force_login(world.staff)

    def lost(user):  # noqa: ANN001, ANN202
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(congress_middleware.policy, "is_back_office", lost)
    assert_busy_page(client.get(reverse("congress:workspace")))


# --- the session ----------------------------------------------------------------------------


def test_back_office_gets_do_not_rewrite_the_session(world):
    client = _client()
    client.force_login(world.staff)
    client.get(reverse("congress:workspace"))  # the first request stamps the activity
    with CaptureQueriesContext(connection) as queries:
        for name in STAFF_PAGES:
            assert client.get(reverse(name)).status_code == 200
    assert _session_writes(queries) == []
    assert client.session.get_expiry_age() == 1800  # the idle timeout still applies


def test_a_login_starts_the_idle_clock_so_the_next_page_writes_nothing(world):
    client = _client()
    response = client.post(
        reverse("core:login"), {"username": "staff_a", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 1800  # from the login on
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("congress:workspace")).status_code == 200
    assert _session_writes(queries) == []


def test_the_idle_clock_moves_at_most_once_a_minute(world):
    client = _client()
    client.force_login(world.staff)
    client.get(reverse("congress:workspace"))
    session = client.session
    session[congress_middleware.ACTIVITY_KEY] = int(time.time()) - 61
    session.save()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("congress:workspace"))
        client.get(reverse("congress:workspace"))
    assert len(_session_writes(queries)) == 1
    assert client.session[congress_middleware.ACTIVITY_KEY] >= int(time.time()) - 5


def test_anonymous_pages_create_no_session(world):
    client = _client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("opinions:submit", args=[world.c_a.pk]))
    assert response.status_code == 200
    assert _session_writes(queries) == []
    assert "sessionid" not in response.cookies


def _unsaveable_sessions(monkeypatch) -> None:  # noqa: ANN001
    def save(self, must_create=False):  # noqa: ANN001, ANN202
        # As Django raises it: UpdateError while handling the database error.
        try:
            raise OperationalError("database is locked")
        except OperationalError:
            raise UpdateError  # noqa: B904

    monkeypatch.setattr(SessionStore, "save", save)


def test_a_read_only_page_is_served_when_the_session_cannot_be_saved(world, monkeypatch):
    client = _client()
    client.force_login(world.staff)
    _unsaveable_sessions(monkeypatch)
    response = client.get(reverse("congress:workspace"))  # wants to stamp: cannot
    assert response.status_code == 200


def test_a_write_whose_session_cannot_be_saved_is_the_busy_page(world, monkeypatch):
    client = _client()
    _unsaveable_sessions(monkeypatch)
    response = client.post(
        reverse("core:login"), {"username": "staff_a", "password": "pw-for-tests-1"}
    )
    assert_busy_page(response)


# --- APIs ---------------------------------------------------------------------------------------


def _bearer(user) -> tuple[ApiToken, dict[str, str]]:  # noqa: ANN001
    token, secret = ApiToken.issue(user=user, name="tests")
    return token, {"Authorization": f"Bearer {secret}"}


def test_api_reads_answer_200_under_a_lock(world):
    client = _client()
    _token, headers = _bearer(world.staff)  # never used: its last use wants recording
    with locked():
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 200
        assert client.get("/api/v1/cases", headers=headers).status_code == 200


def test_the_tokens_last_use_is_written_at_most_once_a_minute(world):
    client = _client()
    token, headers = _bearer(world.staff)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/api/v1/me", headers=headers).status_code == 200
    updates = [
        q["sql"]
        for q in queries.captured_queries
        if "api_apitoken" in q["sql"] and WRITES.match(q["sql"])
    ]
    assert len(updates) == 1
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_api_writes_under_a_lock_are_a_503_in_the_api_error_shape(world):
    client = _client()
    case = submit(world).case
    _token, headers = _bearer(world.staff)
    with locked():
        response = client.post(
            f"/api/v1/cases/{case.pk}/assign",
            json.dumps({"lead": world.dept_a1.pk}),
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"detail": "系统繁忙，请稍后再试。"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_writes_under_a_lock_are_a_503_in_the_open311_error_shape(world, fmt):
    client = _client()
    _key, secret = Open311Key.issue(name="hotline", congress=world.c_a)
    with locked():
        response = client.post(
            f"/open311/v2/requests.{fmt}",
            {
                "api_key": secret,
                "service_code": "road",
                "description": "路灯坏了",
                "address_string": "村口",
            },
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json() == [{"code": 503, "description": "系统繁忙，请稍后再试。"}]
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        root = ET.fromstring(response.content)  # noqa: S314  (our own response)
        assert root.tag == "errors"
        assert root.find("error/code").text == "503"
        assert root.find("error/description").text == "系统繁忙，请稍后再试。"
    assert not Case.objects.exists()


def test_an_unreachable_redis_counts_as_busy_so_public_forms_fail_closed():
    """Production's rate limits live in Redis and count before the form acts: Redis down
    answers the busy page (503), not a bare 500 and not an uncounted submission."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from renda.core.busy import is_database_unavailable

    assert is_database_unavailable(RedisConnectionError("Connection refused"))
    assert is_database_unavailable(RedisTimeoutError("Timeout reading from socket"))
    assert not is_database_unavailable(ValueError("not a database error"))
