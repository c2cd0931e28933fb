"""The workspace (issue 17 item 1): each role's to-dos as counts that link to filtered lists;
each count equals the rows its list shows; overdue and due soon first; constant queries."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

TODO_TILE = re.compile(
    r'<li class="todo urgency-(?P<urgency>\d)[^"]*" id="[^"]*" data-key="(?P<key>[^"]+)">\s*'
    r'<a href="(?P<url>[^"]+)">\s*(?:<strong class="todo-count" data-count="(?P<count>\d+)">)?'
)

ROLES = {
    "qh_staff": {
        "cases.overdue",
        "cases.due_soon",
        "cases.unassigned",
        "cases.returned",
        "suggestions.review",
        "portal.approval",
        "portal.review",
        "ballots.open",
        "stations.week",
    },
    "qh_leader": {"cases.overdue", "suggestions.review", "ballots.open"},
    "qh_handler_build": {
        "department.overdue",
        "department.due_soon",
        "department.unsigned",
        "department.to_reply",
    },
    "qh_station": {"stations.week", "stations.unrecorded"},
    "qh_deputy": {
        "myduty.next",
        "mypolls.open",
        "mysuggestions.invitations",
        "mysuggestions.evaluate",
    },
}


def _login(client, username):  # noqa: ANN001, ANN202
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    return user


def _todos(client) -> list[dict]:  # noqa: ANN001
    response = client.get(reverse("congress:workspace"))
    assert response.status_code == 200
    return [m.groupdict() for m in TODO_TILE.finditer(response.content.decode())]


@pytest.mark.parametrize("username", sorted(ROLES))
def test_each_role_sees_its_to_dos(demo, client, username):
    _login(client, username)
    keys = {t["key"] for t in _todos(client)}
    assert ROLES[username] <= keys, ROLES[username] - keys


@pytest.mark.parametrize(
    "username", ["qh_staff", "qh_leader", "qh_handler_build", "qh_station", "qh_deputy", "fl_staff"]
)
def test_every_count_equals_the_rows_of_its_list(demo, client, username):
    _login(client, username)
    checked = 0
    for todo in _todos(client):
        if todo["count"] is None:
            continue
        response = client.get(todo["url"].replace("&amp;", "&"))
        assert response.status_code == 200, todo
        if "page" in response.context:
            rows = response.context["page"].paginator.count
        else:  # the deputy's open polls: one page, every open poll
            rows = len(response.context["polls"])
        assert rows == int(todo["count"]), todo
        checked += 1
    assert checked


def test_the_demo_staff_sees_the_overdue_cases_first_and_counted(demo, client):
    from django.utils import timezone

    from renda.cases.models import HANDLING, Case

    _login(client, "qh_staff")
    todos = _todos(client)
    urgencies = [int(t["urgency"]) for t in todos]
    assert urgencies == sorted(urgencies)
    assert todos[0]["key"] == "cases.overdue"
    overdue = Case.objects.filter(
        congress=demo, status__in=HANDLING, due_date__lt=timezone.localdate()
    ).count()
    assert overdue > 0 and int(todos[0]["count"]) == overdue


def test_the_open_poll_shows_its_turnout(demo, client):
    _login(client, "qh_staff")
    body = client.get(reverse("congress:workspace")).content.decode()
    assert "进行中的表决" in body and "已投" in body


def test_the_deputy_home_is_a_phone_page_with_their_next_duty(demo, client):
    _login(client, "qh_deputy")
    body = client.get(reverse("congress:workspace")).content.decode()
    assert 'name="viewport"' in body
    assert ("下次进站" in body) or ("暂无排班" in body)
    assert "我可参加的表决" in body


def test_a_deputy_without_an_office_role_sees_their_memberships_under_their_own_heading(
    demo, client
):
    """Was: the heading 我的角色 with nothing under it but a sub-heading (issue 17)."""
    _login(client, "qh_deputy")
    body = client.get(reverse("congress:workspace")).content.decode()
    assert "我的角色" not in body
    heading = re.search(r'<h2 id="memberships">([^<]+)</h2>', body)
    assert heading and heading.group(1) == "我的代表任职"
    # On a phone each value is named by its column (a stacked table), the status one badge.
    table = body.split('class="table cases memberships"')[1].split("</table>")[0]
    assert 'data-label="状态"><span class="status">' in table
    # Someone who holds an office role keeps both headings.
    _login(client, "qh_staff")
    assert "我的角色" in client.get(reverse("congress:workspace")).content.decode()


def _workspace_queries(client, username) -> int:  # noqa: ANN001
    _login(client, username)
    client.get(reverse("congress:workspace"))  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("congress:workspace")).status_code == 200
    return len(queries)


def test_the_workspace_issues_a_constant_number_of_queries(
    demo, client, django_assert_max_num_queries
):
    """The same role in a town with much data and in one with little: the same queries."""
    busy = _workspace_queries(client, "qh_staff")
    quiet = _workspace_queries(client, "fl_staff")
    assert busy == quiet
    with django_assert_max_num_queries(busy):
        client.get(reverse("congress:workspace"))
    assert busy <= 30


@pytest.mark.parametrize(
    ("username", "key"), [("qh_auditor", "audit.today"), ("qh_admin", "accounts.active")]
)
def test_the_auditor_and_the_administrator_have_their_tiles(demo, client, username, key):
    """Each count is the row count of the admin list it opens."""
    from renda.core import audit

    user = _login(client, username)
    if key == "audit.today":
        from django.db import transaction

        from renda.congress.models import Congress

        with transaction.atomic():
            audit.record("test.entry", Congress.objects.get(name="清河镇人民代表大会"), actor=user)
    todo = next(t for t in _todos(client) if t["key"] == key)
    listed = client.get(todo["url"].replace("&amp;", "&"))
    assert listed.status_code == 200
    assert int(todo["count"]) == listed.context["cl"].result_count > 0


def test_the_platform_operator_sees_backups_and_keys(demo, client):
    from django.db import transaction

    from renda.core import audit

    _login(client, "sysadmin")
    todos = {t["key"]: t for t in _todos(client)}
    assert int(todos["operations.backup"]["urgency"]) == 0  # no backup yet: flagged first
    with transaction.atomic():
        audit.record("backup.created", changes={"tables": 1, "rows": 1}, note="x.renda-backup")
    todos = {t["key"]: t for t in _todos(client)}
    assert int(todos["operations.backup"]["urgency"]) == 3
    body = client.get(reverse("congress:workspace")).content.decode()
    assert "当前密钥版本" in body and "最近一次备份" in body
    assert client.get(todos["operations.backup"]["url"].replace("&amp;", "&")).status_code == 200


def test_the_administrator_is_told_of_a_holiday_calendar_not_loaded(demo, client):
    """From November, next year's holidays are expected: the one who keeps the calendar
    sees the year not loaded (and this year's first, if it is missing), linked to the
    calendar; once a day of that year is in, the tile goes; nobody else sees it."""
    import datetime as dt
    from unittest import mock

    from django.db import transaction

    from renda.core.models import Holiday

    november = dt.date(2031, 11, 20)
    with mock.patch("django.utils.timezone.localdate", return_value=november):
        _login(client, "qh_admin")
        todos = {t["key"]: t for t in _todos(client)}
        assert int(todos["calendar.2031"]["urgency"]) == 0  # this year missing: first
        assert int(todos["calendar.2032"]["urgency"]) == 2
        body = client.get(reverse("congress:workspace")).content.decode()
        assert "2032年法定节假日安排尚未载入" in body
        listed = client.get(todos["calendar.2032"]["url"].replace("&amp;", "&"))
        assert listed.status_code == 200
        with transaction.atomic():
            Holiday.objects.create(date=dt.date(2031, 10, 1), name="国庆节", is_workday=False)
            Holiday.objects.create(date=dt.date(2032, 1, 1), name="元旦", is_workday=False)
        assert not [t for t in _todos(client) if t["key"].startswith("calendar.")]
        _login(client, "qh_staff")
        Holiday.objects.filter(date__year=2032).delete()
        assert not [t for t in _todos(client) if t["key"].startswith("calendar.")]
