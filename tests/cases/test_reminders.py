"""One reminders mechanism (`renda.core.reminders`) for the case engine and the appraisals,
and the upgrade that carries the reminders already sent over to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from renda.appraisals import services as appraisals
from renda.appraisals.models import Rectification
from renda.cases import services
from renda.cases.models import FollowUp
from renda.core.models import DueReminder
from renda.core.reminders import Due, send_due_reminders
from tests.fixtures import appraisals as appraisals_fixtures
from tests.fixtures.appraisals import closed_meeting
from tests.fixtures.audit import drop_actionlog_triggers
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")

town = appraisals_fixtures.town

# The schema before the one reminders mechanism (main before issue 12).
BEFORE = [
    ("core", "0003_holiday_notification"),
    ("cases", "0002_suggestions_support"),
    ("appraisals", "0001_initial"),
]
SENT_AT = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)


def test_a_due_item_is_reminded_once_per_due_date(world):
    case = submit(world).case
    sent: list[str] = []
    first = Due(case, "due_soon", dt.date(2026, 7, 10))
    assert send_due_reminders([first, first], lambda item: sent.append(item.kind)) == {
        "due_soon": 1
    }
    # A new due date (an approved extension, a report sent back) reminds again.
    later = Due(case, "due_soon", dt.date(2026, 7, 20))
    assert send_due_reminders([first, later], lambda item: sent.append(item.kind)) == {
        "due_soon": 1
    }
    assert sent == ["due_soon", "due_soon"]
    assert set(DueReminder.objects.values_list("object_type", "object_id", "due_date")) == {
        ("cases.case", str(case.pk), dt.date(2026, 7, 10)),
        ("cases.case", str(case.pk), dt.date(2026, 7, 20)),
    }


def test_a_failing_reminder_is_not_recorded_and_goes_out_next_time(world):
    case = submit(world).case
    item = Due(case, "overdue", dt.date(2026, 7, 10))

    def fail(_item: Due) -> None:
        raise RuntimeError("the notification store is down")

    with pytest.raises(RuntimeError):
        send_due_reminders([item], fail)
    assert not DueReminder.objects.exists()
    assert send_due_reminders([item], lambda _item: None) == {"overdue": 1}


def _followed_case(world):  # noqa: ANN001, ANN202
    """A case closed with a B reply: under follow-up, its lead assignment replied."""
    opinion = submit(world)
    services.assign_case(opinion.case, lead=world.dept_a1, acting_user=world.staff)
    lead = opinion.case.assignments.get()
    services.sign_assignment(lead, acting_user=world.handler_a)
    services.reply_case(lead, reply_class="B", text="已列入计划", acting_user=world.handler_a)
    services.rate_by_check_code(opinion.case, code=opinion.code, result="satisfied")
    return FollowUp.objects.get(case=opinion.case), lead


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_carries_every_sent_reminder_over(world, town):  # noqa: ANN001
    """From the schema before (CaseReminder, RectificationReminder) with rows in it: after
    the upgrade no reminder already sent goes out again, and the others still do."""
    pending = submit(world).case
    services.assign_case(pending, lead=world.dept_a1, acting_user=world.staff)
    assignment = pending.assignments.get()
    follow_up, lead = _followed_case(world)
    closed_meeting(world, town)
    rectification = Rectification.objects.get()
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        case_reminder = old.get_model("cases", "CaseReminder")
        case_reminder.objects.create(
            assignment_id=assignment.pk, kind="due_soon", due_date=assignment.due_date
        )
        case_reminder.objects.create(
            assignment_id=lead.pk, kind="recheck", due_date=follow_up.recheck_date
        )
        old.get_model("appraisals", "RectificationReminder").objects.create(
            rectification_id=rectification.pk, kind="due_soon", due_on=rectification.due_on
        )
        for model in (case_reminder, old.get_model("appraisals", "RectificationReminder")):
            model.objects.update(sent_at=SENT_AT)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        drop_actionlog_triggers()  # re-created by core 0010 on PostgreSQL: the flush needs them gone

    carried = set(
        DueReminder.objects.values_list("object_type", "object_id", "kind", "due_date", "sent_at")
    )
    assert carried == {
        ("cases.assignment", str(assignment.pk), "due_soon", assignment.due_date, SENT_AT),
        ("cases.followup", str(follow_up.pk), "recheck", follow_up.recheck_date, SENT_AT),
        (
            "appraisals.rectification",
            str(rectification.pk),
            "due_soon",
            rectification.due_on,
            SENT_AT,
        ),
    }
    # Nothing already sent goes out again …
    the_day_before = assignment.due_date - dt.timedelta(days=1)
    assert services.send_reminders(the_day_before) == {"due_soon": 0, "overdue": 0, "recheck": 0}
    soon = rectification.due_on - dt.timedelta(days=1)
    assert appraisals.send_reminders(today=soon) == {
        "overdue_marked": 0,
        "due_soon": 0,
        "overdue": 0,
    }
    # … and what was never sent still does.
    assert services.send_reminders(follow_up.recheck_date) == {
        "due_soon": 0,
        "overdue": 1,
        "recheck": 0,
    }
    assert DueReminder.objects.count() == 4


def test_a_follow_up_recheck_is_reminded_once_per_recheck_date(world):
    follow_up, _lead = _followed_case(world)
    assert services.send_reminders(follow_up.recheck_date)["recheck"] == 1
    assert services.send_reminders(follow_up.recheck_date + dt.timedelta(days=1))["recheck"] == 0
    services.record_follow_up(
        follow_up.case,
        note="已开工",
        solved=False,
        next_recheck=follow_up.recheck_date + dt.timedelta(days=30),
        acting_user=world.handler_a,
    )
    later = follow_up.recheck_date + dt.timedelta(days=30)
    assert services.send_reminders(later)["recheck"] == 1
    assert DueReminder.objects.filter(object_type="cases.followup").count() == 2
