"""The one state-move mechanism (`renda.core.workflow.move`) and the per-congress rules
mixin (`renda.congress.models.PerCongressRules`)."""

from __future__ import annotations

import pytest
from django.utils import translation

from renda.ballots import services as ballots
from renda.ballots.models import POLL_TRANSITIONS, Method, Poll, PollStatus, Scale
from renda.cases.models import CaseRules
from renda.core import workflow
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.stations.models import StationRules

pytestmark = pytest.mark.django_db


def _draft_poll(world) -> Poll:  # noqa: ANN001
    poll = ballots.create_poll(
        congress=world.c_a,
        title="民主测评",
        method=Method.RATING,
        scale=Scale.SATISFACTION,
        subjects=["副镇长甲"],
        acting_user=world.staff,
    )
    return Poll.objects.get(pk=poll.pk)


def _logs(poll: Poll, action: str):
    return ActionLog.objects.filter(action=action, object_id=str(poll.pk))


def test_an_allowed_move_saves_the_status_and_audits_old_to_new(world):
    poll = _draft_poll(world)
    poll.title = "改过的标题"  # a field the caller assigned and names in `fields`
    before = workflow.move(
        poll,
        PollStatus.OPEN,
        transitions=POLL_TRANSITIONS,
        action="test.opened",
        actor=world.staff,
        fields=["title"],
        note="开始投票",
        changes={"electors": [0, 3]},
    )
    assert before == PollStatus.DRAFT
    stored = Poll.objects.get(pk=poll.pk)
    assert stored.status == PollStatus.OPEN and stored.title == "改过的标题"
    (entry,) = _logs(poll, "test.opened")
    assert entry.changes == {"status": ["draft", "open"], "electors": [0, 3]}
    assert entry.actor == world.staff
    assert entry.note == "开始投票"
    assert entry.congress_id == world.c_a.pk
    assert entry.object_type == "ballots.poll"


def test_a_refused_move_raises_changes_nothing_and_writes_no_audit_row(world):
    poll = _draft_poll(world)
    logged = ActionLog.objects.count()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        workflow.move(
            poll,
            PollStatus.PUBLISHED,
            transitions=POLL_TRANSITIONS,
            action="test.published",
            actor=world.staff,
            values={"title": "不该保存"},
        )
    assert str(refused.value) == "This cannot go from “Draft” to “Result published”."
    assert poll.status == PollStatus.DRAFT and poll.title == "民主测评"  # not even in memory
    assert Poll.objects.get(pk=poll.pk).status == PollStatus.DRAFT
    assert ActionLog.objects.count() == logged


def test_a_terminal_status_refuses_every_move(world):
    poll = _draft_poll(world)
    poll.status = PollStatus.VOID
    poll.save(update_fields=["status"])
    for target in PollStatus.values:
        with pytest.raises(DomainError):
            workflow.move(
                poll, target, transitions=POLL_TRANSITIONS, action="test.any", actor=world.staff
            )
    assert not ActionLog.objects.filter(action="test.any").exists()


def test_the_callers_message_template_is_filled_with_the_status_labels(world):
    poll = _draft_poll(world)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        workflow.move(
            poll,
            PollStatus.CLOSED,
            transitions=POLL_TRANSITIONS,
            action="test.closed",
            actor=world.staff,
            error="A poll that is “%(current)s” cannot become “%(target)s”.",
        )
    assert str(refused.value) == "A poll that is “Draft” cannot become “Closed, result frozen”."


def test_a_message_callable_is_called_only_when_the_move_is_refused(world):
    poll = _draft_poll(world)
    calls = []

    def message() -> str:
        calls.append(1)
        return "不能这样做。"

    with pytest.raises(DomainError, match="不能这样做。"):
        workflow.move(
            poll,
            PollStatus.CLOSED,
            transitions=POLL_TRANSITIONS,
            action="test.closed",
            actor=world.staff,
            error=message,
        )
    workflow.move(
        poll, PollStatus.OPEN, transitions=POLL_TRANSITIONS, action="test.open", actor=None
    )
    assert calls == [1]


def test_values_are_assigned_and_saved_only_with_an_allowed_move(world):
    poll = _draft_poll(world)
    workflow.move(
        poll,
        PollStatus.OPEN,
        transitions=POLL_TRANSITIONS,
        action="test.open",
        actor=world.staff,
        values={"title": "新标题"},
    )
    assert Poll.objects.get(pk=poll.pk).title == "新标题"


def test_a_table_keyed_by_plain_values_works_like_one_keyed_by_choices(world):
    poll = _draft_poll(world)
    table = {"draft": frozenset({"open"})}
    assert workflow.allowed(poll, PollStatus.OPEN, table)
    assert not workflow.allowed(poll, "closed", table)
    poll.status = "unknown"
    assert not workflow.allowed(poll, "open", table)


def test_rules_saved_on_first_read_are_created_once(world):
    assert not CaseRules.objects.filter(congress=world.c_a).exists()
    first = CaseRules.for_congress(world.c_a.pk)
    assert first.pk is not None and first.opinion_reply_working_days == 15
    assert CaseRules.for_congress(world.c_a.pk).pk == first.pk
    assert CaseRules.objects.filter(congress=world.c_a).count() == 1


def test_rules_read_without_saving_give_unsaved_defaults_then_the_stored_row(world):
    rules = StationRules.for_congress(world.c_a.pk)
    assert rules.pk is None and rules.announce_days_ahead == 3
    assert not StationRules.objects.exists()
    StationRules.objects.create(congress=world.c_a, announce_days_ahead=5)
    assert StationRules.for_congress(world.c_a.pk).announce_days_ahead == 5
    assert StationRules.for_congress(world.c_b.pk).pk is None
