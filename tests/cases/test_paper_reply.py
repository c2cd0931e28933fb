"""A reply received on paper: the office records it with the date the department gave it
(on time or late by that date), the reason required and logged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from renda.cases import services
from renda.cases.models import Assignment, AssignmentStatus, Case, CaseEvent, CaseStatus, Reply
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from tests.fixtures.cases import submit


def _assigned(world, **kw):  # noqa: ANN001, ANN003, ANN202
    case = submit(world).case
    services.assign_case(case, acting_user=world.staff, **kw)
    # Assigned a month ago, due ten days later: the paper reply came after the due date.
    Assignment.objects.filter(case=case).update(
        assigned_at=timezone.now() - dt.timedelta(days=30),
        due_date=timezone.localdate() - dt.timedelta(days=20),
    )
    return Case.objects.get(pk=case.pk)


def _post(client, case, **data):  # noqa: ANN001, ANN003, ANN202
    return client.post(reverse("cases:office_action", args=[case.pk, "paper_reply"]), data)


def test_the_office_records_a_paper_reply_with_its_real_date(client, cases_world):
    w = cases_world
    case = _assigned(w, lead=w.dept_a1)
    assignment = case.assignments.get()
    client.force_login(w.staff)
    page = client.get(reverse("cases:office_case", args=[case.pk])).content.decode()
    assert reverse("cases:office_action", args=[case.pk, "paper_reply"]) in page
    day = timezone.localdate() - dt.timedelta(days=5)
    response = _post(
        client,
        case,
        assignment=assignment.pk,
        reply_class="B",
        text="已列入明年计划",
        replied_on=day.isoformat(),
        reason="承办单位送来盖章纸质答复",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    assert timezone.localdate(case.replied_at) == day
    assert case.reply_class == "B"
    assert case.replied_on_time is False  # late by the reply's own date
    reply = Reply.objects.get(case=case)
    assert reply.on_paper and not reply.on_time
    assert reply.replied_by == w.staff
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REPLIED
    entry = ActionLog.objects.get(action="case.paper_reply")
    assert entry.note == "承办单位送来盖章纸质答复"
    assert entry.actor == w.staff
    assert entry.changes["replied_on"] == [None, day.isoformat()]
    assert CaseEvent.objects.filter(case=case, action="paper_reply").exists()
    page = client.get(reverse("cases:office_case", args=[case.pk])).content.decode()
    assert "纸质答复" in page


def test_a_paper_reply_within_the_deadline_is_on_time(cases_world):
    w = cases_world
    case = _assigned(w, lead=w.dept_a1)
    assignment = case.assignments.get()
    day = timezone.localdate(assignment.assigned_at) + dt.timedelta(days=3)
    services.record_paper_reply(
        assignment,
        reply_class="A",
        text="已解决",
        replied_on=day,
        reason="纸质",
        acting_user=w.staff,
    )
    case.refresh_from_db()
    assert case.replied_on_time is True


def test_the_reason_is_required(client, cases_world):
    w = cases_world
    case = _assigned(w, lead=w.dept_a1)
    client.force_login(w.staff)
    response = _post(
        client,
        case,
        assignment=case.assignments.get().pk,
        reply_class="A",
        text="已解决",
        replied_on=timezone.localdate().isoformat(),
        reason="",
    )
    assert response.status_code == 400
    assert not Reply.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "答复日期不能晚于今天。"), (-40, "答复日期不能早于")],
    ids=["future", "before-assignment"],
)
def test_impossible_dates_are_refused(client, cases_world, days, message):
    w = cases_world
    case = _assigned(w, lead=w.dept_a1)
    client.force_login(w.staff)
    response = _post(
        client,
        case,
        assignment=case.assignments.get().pk,
        reply_class="A",
        text="已解决",
        replied_on=(timezone.localdate() + dt.timedelta(days=days)).isoformat(),
        reason="纸质答复",
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Reply.objects.exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ASSIGNED


def test_split_units_answer_one_by_one(cases_world):
    w = cases_world
    case = _assigned(w, splits=[w.dept_a1, w.dept_a2])
    first, second = case.assignments.order_by("id")
    today = timezone.localdate()
    services.record_paper_reply(
        first, reply_class="A", text="一", replied_on=today, reason="纸质", acting_user=w.staff
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ASSIGNED
    services.record_paper_reply(
        second,
        reply_class="C",
        text="二",
        replied_on=today - dt.timedelta(days=2),
        reason="纸质",
        acting_user=w.staff,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    assert case.reply_class == "C"
    assert timezone.localdate(case.replied_at) == today  # the round's last reply
    with pytest.raises(DomainError):
        services.record_paper_reply(
            second, reply_class="A", text="再", replied_on=today, reason="纸质", acting_user=w.staff
        )


@pytest.mark.parametrize("persona", ["leader", "handler", "deputy", "other_town_staff"])
def test_only_the_office_records_paper_replies(client, cases_world, personas, persona):
    w = cases_world
    case = _assigned(w, lead=w.dept_a1)
    client.force_login(personas[persona])
    url = reverse("cases:office_action", args=[case.pk, "paper_reply"])
    assert client.get(url).status_code == 404
    response = _post(
        client,
        case,
        assignment=case.assignments.get().pk,
        reply_class="A",
        text="已解决",
        replied_on=timezone.localdate().isoformat(),
        reason="纸质",
    )
    assert response.status_code == 404
    assert not Reply.objects.exists()
    with pytest.raises(DomainError):
        services.record_paper_reply(
            case.assignments.get(),
            reply_class="A",
            text="已解决",
            replied_on=timezone.localdate(),
            reason="纸质",
            acting_user=personas[persona],
        )
