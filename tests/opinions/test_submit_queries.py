"""The queries of one public submission: a bound that guards what was trimmed for
`bench opinion_submit` (docs/architecture.md, "Performance"). The duplicate-token guard,
CSRF and the audit entry stay: the tests say so next to the count."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.cases.models import Case
from renda.core.models import ActionLog, Notification, OutboxMessage

pytestmark = pytest.mark.usefixtures("cases_world")


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    """The queries, without transaction control (savepoints, BEGIN)."""
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not re.match(r"(RELEASE )?SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN", q["sql"])
    ]


def _form(client: Client, world) -> tuple[str, str]:  # noqa: ANN001
    page = client.get(reverse("opinions:submit", args=[world.c_a.pk]))
    assert page.status_code == 200
    return page.context["form"].initial["token"], client.cookies["csrftoken"].value


def _post(client: Client, world, token: str, csrf: str):  # noqa: ANN001, ANN202
    return client.post(
        reverse("opinions:submit", args=[world.c_a.pk]),
        {
            "csrfmiddlewaretoken": csrf,
            "category": world.cat_a.pk,
            "content": "东塘村村口路灯坏了三个月，晚上出行很不安全",
            "token": token,
        },
    )


def test_a_submission_takes_at_most_twelve_queries_in_one_write_transaction(world):
    """The congress with its region (the form's villages), the category, the serial number
    (read under lock, written), the case (with its check code's hash in the same insert),
    its timeline event, the audit entry, the office's staff, their in-app message (the
    recipients re-read, the inbox row, the outbox row recorded as sent: the embedded mode
    delivers it in the change's transaction), the receipt's new session (no look-up of the
    new key first: the insert refuses a taken one) — all in the case's transaction, so a
    submission waits once for SQLite's write lock, not three times."""
    client = Client(enforce_csrf_checks=True)
    _post(client, world, *_form(client, world))  # the year's first serial creates its counter
    token, csrf = _form(client, world)
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)  # a first visit: a new session
    with CaptureQueriesContext(connection) as ctx:
        response = _post(client, world, token, csrf)
    assert response.status_code == 302
    case = Case.objects.get(submission_token=token)
    assert ActionLog.objects.filter(action="case.submitted", object_id=str(case.pk)).exists()
    assert OutboxMessage.objects.filter(status="sent").count() == 2  # both submissions'
    assert Notification.objects.filter(title__contains=case.serial).count() == 1
    statements = _statements(ctx)
    assert len(statements) <= 12, "\n".join(statements)
    # Nothing is written after the case's transaction: no delivery, no session save.
    writes = [i for i, sql in enumerate(statements) if re.match(r"INSERT|UPDATE|DELETE", sql)]
    assert statements[writes[-1]].startswith('INSERT INTO "django_session"')
    assert response.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_same_token_twice_gives_the_first_receipt_and_no_second_case(world):
    client = Client(enforce_csrf_checks=True)
    token, csrf = _form(client, world)
    first = _post(client, world, token, csrf)
    again = _post(client, world, token, csrf)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]  # the receipt of the first submission
    assert Case.objects.filter(submission_token=token).count() == 1
    # The refused insert gave its serial number back: the next opinion takes the next one.
    next_token, _csrf = _form(client, world)
    assert _post(client, world, next_token, csrf).status_code == 302
    first_case = Case.objects.get(submission_token=token)
    assert Case.objects.get(submission_token=next_token).number == first_case.number + 1


def test_a_submission_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    token, _csrf = _form(client, world)
    response = _post(client, world, token, "")
    assert response.status_code == 403
    assert not Case.objects.filter(submission_token=token).exists()


def test_the_forms_congress_is_read_as_the_orm_reads_it(world):
    from django.http import Http404

    from renda.congress.models import Congress, CongressLevel
    from renda.opinions.views.public import _congress

    def values(obj):  # noqa: ANN001, ANN202
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    for congress in (world.c_a, world.c_b, world.c_district):
        expected = Congress.objects.select_related("region").get(pk=congress.pk)
        got = _congress(congress.pk)
        assert values(got) == values(expected)
        assert values(got.region) == values(expected.region)
    world.c_b.is_active = False
    world.c_b.save(update_fields=["is_active"])
    city = Congress.objects.create(
        name="测试市人民代表大会", level=CongressLevel.CITY, region=world.city
    )
    for pk in (world.c_b.pk, city.pk, 0):
        with pytest.raises(Http404):
            _congress(pk)
