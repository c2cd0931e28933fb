"""Faults after a public submission has committed (issue 13, finding 4): the resident still
gets the answer (ticket and check code, proposal number, the survey's thanks), and what
could not be done is logged or left in the outbox for later. On SQLite and PostgreSQL; the
terminated-connections storm is in tests/test_submit_faults_pg.py."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from renda.api.models import Open311Key
from renda.cases import services as cases
from renda.cases.models import Case
from renda.core import aftercommit, notify
from renda.core.models import Notification, OutboxChannel, OutboxMessage, OutboxStatus
from renda.core.notify import MemorySMSBackend
from renda.core.sessions import SessionStore
from renda.projects.models import Idea, SurveyResponse
from tests.fixtures.projects import run_votes
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("cases_world")


class FailingSMSBackend:
    def send(self, message: notify.SMS) -> None:
        raise ConnectionError("SMS gateway timed out")


def _failing_inbox(row):  # noqa: ANN001, ANN202
    raise RuntimeError("inbox unavailable")


def _terminated(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    raise OperationalError("terminating connection due to administrator command")


def _store_down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    """The shared cache (the embedded mode's SQLite file) locked past its timeout."""
    raise sqlite3.OperationalError("database is locked")


@pytest.fixture
def failing_channels(settings, monkeypatch):  # noqa: ANN001, ANN201
    """Every notification backend raises: SMS and the in-app inbox."""
    settings.RENDA_SMS_BACKEND = "tests.opinions.test_submit_faults.FailingSMSBackend"
    monkeypatch.setitem(notify.CHANNELS, OutboxChannel.INBOX, notify.Channel(_failing_inbox, True))


def _token(client, world) -> str:  # noqa: ANN001
    page = client.get(reverse("opinions:submit", args=[world.c_a.pk]))
    assert page.status_code == 200
    return page.context["form"].initial["token"]


def _submit(client, world, token: str):  # noqa: ANN001, ANN202
    return client.post(
        reverse("opinions:submit", args=[world.c_a.pk]),
        {
            "category": world.cat_a.pk,
            "village": world.village_a.pk,
            "content": "东塘村村口路灯坏了三个月，晚上出行很不安全",
            "name": "赵先生",
            "phone": "13812345678",
            "token": token,
        },
        REMOTE_ADDR="10.0.0.9",
    )


def _trackable(client, serial: str, code: str) -> bool:  # noqa: ANN001
    page = client.post(reverse("opinions:track"), {"ticket": serial, "code": code})
    return page.status_code == 200 and page.context["case"].serial == serial


def test_failing_notifications_do_not_fail_the_submission(
    client, world, failing_channels, django_capture_on_commit_callbacks
):
    token = _token(client, world)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, world, token)
    assert response.status_code == 302
    receipt = client.get(response["Location"])
    serial, code = receipt.context["serial"], receipt.context["code"]
    case = Case.objects.get(submission_token=token)
    assert case.serial == serial and cases.check_code_matches(case, code)
    # The office's message waits in the outbox, tried once, and is sent on a later sweep.
    row = OutboxMessage.objects.get(channel=OutboxChannel.INBOX)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert not Notification.objects.exists()


def test_a_session_that_cannot_be_saved_still_shows_the_receipt(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    token = _token(client, world)
    monkeypatch.setattr(SessionStore, "save", _terminated)
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, world, token)
    # Not a 500, not a redirect to a receipt page that the session cannot hold: the
    # receipt itself.
    assert response.status_code == 200
    case = Case.objects.get(submission_token=token)
    serial, code = response.context["serial"], response.context["code"]
    assert serial == case.serial and cases.check_code_matches(case, code)
    page = response.content.decode()
    assert f'id="ticket">{serial}<' in page and f'id="check-code">{code}<' in page
    monkeypatch.undo()
    assert _trackable(client, serial, code)
    assert Notification.objects.filter(title__contains=serial).exists()  # the office knows


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_while_saving_the_receipt_shows_no_receipt(client, world, monkeypatch):
    """The receipt is saved in the case's transaction. If saving it takes the transaction
    down (the connection died: even the savepoint's rollback fails), nothing committed:
    the answer is the busy page, never a ticket for a case that does not exist."""
    from django.db import DatabaseError, connection

    token = _token(client, world)

    def locked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - busy on both databases
        raise OperationalError("database is locked")

    monkeypatch.setattr(SessionStore, "save", locked)

    def rollback_fails(sid):  # noqa: ANN001, ANN202
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "savepoint_rollback", rollback_fails)
    response = _submit(client, world, token)
    assert response.status_code == 503, response.content[:300]
    assert "serial" not in (response.context or {})
    monkeypatch.undo()
    assert not Case.objects.filter(submission_token=token).exists()
    assert not Notification.objects.exists() and not OutboxMessage.objects.exists()


def test_a_failing_rate_limit_store_refuses_before_anything_is_saved(client, world, monkeypatch):
    """The submission is counted before it is made (exact under simultaneous requests), so
    a rate-limit store that fails refuses the form with the busy page — closed, clear, and
    with nothing half-written — rather than letting submissions through uncounted."""
    from renda.core import ratelimit

    token = _token(client, world)
    monkeypatch.setattr(ratelimit, "hit", _store_down)
    response = _submit(client, world, token)
    assert response.status_code == 503 and response["Retry-After"]
    assert not Case.objects.filter(submission_token=token).exists()
    monkeypatch.undo()
    response = _submit(client, world, token)  # the store is back: the same form goes through
    assert response.status_code == 302
    receipt = client.get(response["Location"])
    case = Case.objects.get(submission_token=token)
    assert cases.check_code_matches(case, receipt.context["code"])


def test_the_office_entry_for_a_visitor_shows_the_receipt_without_a_session(
    client, world, monkeypatch
):
    client.force_login(world.deputy_user)
    url = reverse("opinions:staff_new", args=[world.c_a.pk])
    token = client.get(url).context["form"].initial["token"]
    monkeypatch.setattr(SessionStore, "save", _terminated)
    response = client.post(
        url,
        {
            "category": world.cat_a.pk,
            "content": "走访选民时听到反映：村道需要拓宽",
            "source": "deputy_visit",
            "token": token,
        },
    )
    assert response.status_code == 200
    case = Case.objects.get(submission_token=token)
    assert response.context["serial"] == case.serial
    assert cases.check_code_matches(case, response.context["code"])


def test_the_receipt_renders_without_the_database(rf: RequestFactory):
    """The fallback page needs no query: if the request's context (the user, the unread
    count) cannot be read, the receipt is rendered without it."""
    request = rf.post("/opinions/1/new/")
    request.user = SimpleLazyObject(_terminated)
    request.session = SessionStore()
    response = aftercommit.render_safely(
        request, "opinions/public/receipt.html", {"serial": "QH-2026-00001", "code": "ABCD2345"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="ticket">QH-2026-00001<' in page and 'id="check-code">ABCD2345<' in page


def test_open311_answers_the_request_id_when_notifications_fail(
    client, world, failing_channels, django_capture_on_commit_callbacks
):
    key = Open311Key.issue(name="12345 hotline", congress=world.c_a)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "jurisdiction_id": str(world.c_a.pk),
                "service_code": "road",
                "description": "东塘村村口路灯坏了三个月",
                "address_string": "东塘村村口",
            },
        )
    assert response.status_code == 200, response.content
    [created] = json.loads(response.content)
    assert Case.objects.get().serial == created["service_request_id"]
    assert OutboxMessage.objects.get().status == OutboxStatus.PENDING


def test_a_proposal_number_is_shown_when_the_cache_fails_after_the_commit(
    client, world, monkeypatch
):
    url = reverse("projects:propose", args=[world.c_a.pk])
    form = client.get(url).context["form"]
    data = {
        "title": "增设公交站",
        "description": "东塘村口需要公交站",
        "village": world.village_a.pk,
        "token": form.initial.get("token", ""),
    }
    # The store failing before anything is saved: the proposal is counted first, so it is
    # refused with the busy page, closed and clear, and nothing is written.
    with monkeypatch.context() as down:
        down.setattr(cache, "incr", _store_down)
        down.setattr(cache, "add", _store_down)
        refused = client.post(url, data)
    assert refused.status_code == 503 and not Idea.objects.exists()
    # Failing after the commit (remembering the number for a repeated POST): still shown.
    monkeypatch.setattr(cache, "set", _terminated)
    response = client.post(url, data)
    assert response.status_code == 200
    idea = Idea.objects.get()
    assert f'id="idea-serial">{idea.serial}<' in response.content.decode()


def test_the_survey_thanks_the_resident_when_the_session_fails(
    client, year, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from renda.projects import services as projects

    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    MemorySMSBackend.outbox.clear()
    run_votes(year)
    rating = projects.create_year_rating(
        congress=year.world.c_a, year=year.y, session=None, acting_user=year.world.staff
    )
    projects.set_survey_open(rating, open_=True, acting_user=year.world.staff)
    url = reverse("projects:survey", args=[year.world.c_a.pk, year.y])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"step": "phone", "phone": "13644440000"}).status_code == 302
    [sms] = MemorySMSBackend.outbox
    code = re.search(r"\d{6}", sms.text).group()
    answers = {f"item_{p.pk}": "basic" for p in projects.rated_projects(year.world.c_a.pk, year.y)}
    monkeypatch.setattr(SessionStore, "save", _terminated)
    response = client.post(url, {"step": "answer", "code": code, **answers})
    assert response.status_code == 200, response.content.decode()[:500]
    assert SurveyResponse.objects.count() == 1
