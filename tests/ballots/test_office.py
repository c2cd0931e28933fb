"""The office's poll pages: drafts, opening with the electorate and the slips, paper
ballots by two tellers, reconciliation, closing (refused with the discrepancy), result,
publication, export and minutes with the SHA-256, recount, void; the permission matrix."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.ballots import services
from renda.ballots.models import (
    Ballot,
    Channel,
    Elector,
    Method,
    PaperBatch,
    Participation,
    Poll,
    PollKind,
    PollStatus,
    SealedBallot,
    VoterCode,
)
from renda.congress.models import AgendaItem, Role, RoleGrant
from renda.core.models import ActionLog
from tests.fixtures.ballots import (
    approval_poll,
    deputies,
    open_for,
    share_fields,
    shares_of,
    subject_ids,
)

FORM = {
    "kind": "general",
    "title": "2026年度民生实事项目票决",
    "description": "",
    "method": "approval",
    "scale": "approval",
    "allow_abstain": "on",
    "subjects": "东塘村道路硬化\n镇卫生院改造\n\n",
    "base": "entitled",
    "threshold": "more_half",
    "is_secret": "on",
    "min_group": "5",
    "electorate_kind": "deputies",
    "codes_planned": "0",
    "seats": "1",
}


def _second_teller(world):  # noqa: ANN001, ANN202
    user = get_user_model().objects.create_user(username="teller2", password="pw-for-tests-1")
    RoleGrant.objects.create(user=user, role=Role.STAFF, congress=world.c_a)
    return user


def test_staff_create_a_draft_edit_it_and_open_it_for_the_deputies_present(client, world):
    voters = deputies(world, 4)
    client.force_login(world.staff)
    created = client.post(reverse("ballots:office_new", args=[world.c_a.pk]), FORM)
    assert created.status_code == 302
    poll = Poll.objects.get()
    assert poll.status == PollStatus.DRAFT and poll.base == "entitled" and poll.seats == 1
    assert list(poll.subjects.order_by("order").values_list("title", flat=True)) == [
        "东塘村道路硬化",
        "镇卫生院改造",
    ]
    edited = client.post(
        reverse("ballots:office_edit", args=[poll.pk]),
        {**FORM, "subjects": "东塘村道路硬化\n镇卫生院改造\n文化广场", "threshold": "two_thirds"},
    )
    assert edited.status_code == 302
    poll.refresh_from_db()
    assert (poll.threshold_num, poll.threshold_den, poll.threshold_strict) == (2, 3, False)
    assert poll.subjects.count() == 3
    page = client.get(reverse("ballots:office_open", args=[poll.pk]))
    assert [d.name for d in page.context["deputies"]][0] == "代表00"
    absent = page.context["deputies"][0]
    present = [str(d.pk) for d in page.context["deputies"] if d.pk != absent.pk]
    opened = client.post(reverse("ballots:office_open", args=[poll.pk]), {"present": present})
    # The answer is the hand-out page: the ballot box's key shares, shown this once.
    assert opened.status_code == 200 and "no-store" in opened["Cache-Control"]
    assert len(opened.context["shares"]) == 3 and opened.context["threshold"] == 2
    assert not opened.context["codes"]
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN and len(poll.public_key) == 64
    assert Elector.objects.filter(poll=poll).count() == 4
    assert Elector.objects.filter(poll=poll, present=False).get().deputy == absent
    assert client.get(reverse("ballots:office_edit", args=[poll.pk])).status_code == 302
    assert len(voters) == 4


def test_a_bad_draft_is_refused_with_the_reason(client, world):
    client.force_login(world.staff)
    url = reverse("ballots:office_new", args=[world.c_a.pk])
    for bad in (
        {**FORM, "subjects": ""},
        {**FORM, "kind": "election", "subjects": "张三\n张 三"},
        {**FORM, "kind": "resolution"},  # no agenda item
        {**FORM, "kind": "election", "seats": ""},
        {**FORM, "electorate_kind": "invited", "codes_planned": "0"},
    ):
        response = client.post(url, bad)
        assert response.status_code == 400, bad
    assert not Poll.objects.exists()


def test_a_resolution_on_an_agenda_item_takes_its_settings_from_the_form(client, world):
    item = AgendaItem.objects.create(
        session=world.session_a, order=1, title="关于镇政府工作报告的决议"
    )
    client.force_login(world.staff)
    response = client.post(
        reverse("ballots:office_new", args=[world.c_a.pk]),
        {**FORM, "kind": "resolution", "agenda_item": item.pk, "subjects": "", "method": "rating"},
    )
    assert response.status_code == 302
    poll = Poll.objects.get()
    assert (poll.kind, poll.method, poll.session, poll.agenda_item) == (
        PollKind.RESOLUTION,
        Method.APPROVAL,
        world.session_a,
        item,
    )
    assert list(poll.subjects.values_list("title", flat=True)) == [item.title]


def test_opening_with_codes_shows_the_shuffled_slips_once_and_as_docx(client, world):
    poll = approval_poll(world, electorate_kind="invited", codes_planned=6)
    client.force_login(world.staff)
    page = client.post(reverse("ballots:office_open", args=[poll.pk]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    codes = page.context["codes"]
    assert len(codes) == len(set(codes)) == 6 and VoterCode.objects.filter(poll=poll).count() == 6
    assert not VoterCode.objects.filter(code_hash__in=codes).exists()
    docx = client.post(reverse("ballots:office_slips_docx", args=[poll.pk]), {"code": codes})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    from docx import Document

    text = "\n".join(c.text for t in Document(io.BytesIO(docx.content)).tables for c in t._cells)
    assert all(f"{c[:5]} {c[5:]}" in text for c in codes)
    forged = client.post(
        reverse("ballots:office_slips_docx", args=[poll.pk]), {"code": [*codes, "FAKEFAKE22"]}
    )
    assert forged.status_code == 404  # only this poll's own unused codes print
    (printed,) = ActionLog.objects.filter(action="poll.slips_exported")  # the forged one: none
    assert (printed.object_id, printed.actor, printed.congress_id) == (
        str(poll.pk),
        world.staff,
        poll.congress_id,
    )
    assert printed.changes == {"format": [None, "docx"]} and printed.note == "6 codes"


def _paper_poll(world):  # noqa: ANN001, ANN202
    poll = approval_poll(world, items=("甲", "乙"), uses_paper=True)
    open_for(poll, [], world, paper=True)
    return poll


def test_paper_batches_count_when_both_tellers_agree_and_reconcile(client, world):
    poll = _paper_poll(world)
    second = _second_teller(world)
    url = reverse("ballots:office_paper", args=[poll.pk])
    lines = "3* 1 1\n赞成 反对\n2 弃权\n废"
    client.force_login(world.staff)
    first = client.post(url, {"number": 1, "lines": lines})
    assert first.status_code == 302 and not SealedBallot.objects.exists()
    client.force_login(second)
    disagree = client.post(url, {"number": 1, "lines": "4* 1 1\n2 3\n废"})
    assert disagree.status_code == 400 and not SealedBallot.objects.exists()
    assert ActionLog.objects.filter(action="poll.paper_batch_disagreement").count() == 1
    agree = client.post(url, {"number": 1, "lines": "废\n1 2\n2 3\n3*1 1"})
    assert agree.status_code == 302
    assert SealedBallot.objects.filter(poll=poll).count() == 6
    assert Participation.objects.filter(poll=poll, channel=Channel.PAPER).count() == 6
    assert PaperBatch.objects.get(poll=poll).entries == []  # agreed: the digests are dropped
    client.post(url, {"counts": "1", "issued": 8, "returned": 6})
    page = client.get(url)
    assert page.context["entered"] == 6 and page.context["reconciled"]
    close = client.post(reverse("ballots:office_close", args=[poll.pk]), share_fields(poll))
    assert close.status_code == 302
    poll.refresh_from_db()
    assert Ballot.objects.filter(poll=poll, invalid=True).count() == 1
    rows = {r["title"]: r for r in poll.result["subjects"]}
    assert rows["甲"]["counts"] == {"yes": 4, "no": 1} and poll.result["invalid"] == 1
    assert rows["乙"]["counts"] == {"yes": 3, "no": 1, "abstain": 1}


def test_a_paper_line_that_does_not_parse_is_named(client, world):
    poll = _paper_poll(world)
    client.force_login(world.staff)
    bad = client.post(
        reverse("ballots:office_paper", args=[poll.pk]), {"number": 1, "lines": "1 1\n1 9\n1"}
    )
    assert bad.status_code == 400
    errors = " ".join(bad.context["batch_form"].errors["lines"])
    assert "2" in errors and "3" in errors and not PaperBatch.objects.exists()


def test_a_first_entry_can_be_discarded_with_a_reason_before_agreement(client, world):
    poll = _paper_poll(world)
    url = reverse("ballots:office_paper", args=[poll.pk])
    client.force_login(world.staff)
    client.post(url, {"number": 1, "lines": "1 1"})
    assert client.post(url, {"discard": "1", "number": 1, "reason": ""}).status_code == 400
    assert client.post(url, {"discard": "1", "number": 1, "reason": "录入错误"}).status_code == 302
    assert not PaperBatch.objects.exists()
    # The log keeps the reason and the count, never what the ballots read.
    discarded = ActionLog.objects.get(action="poll.paper_batch_discarded")
    assert discarded.note == "录入错误" and "yes" not in str(discarded.changes)


def test_closing_is_refused_with_the_discrepancy_shown(client, world):
    poll = _paper_poll(world)
    client.force_login(world.staff)
    client.post(reverse("ballots:office_paper", args=[poll.pk]), {"number": 1, "lines": "1 1"})
    services.record_paper_counts(poll, issued=5, returned=3, acting_user=world.staff)
    page = client.get(reverse("ballots:office_close", args=[poll.pk]))
    assert any("1" in p for p in page.context["problems"])
    refused = client.post(reverse("ballots:office_close", args=[poll.pk]), share_fields(poll))
    assert refused.status_code == 400
    error = " ".join(refused.context["form"].non_field_errors())
    assert "3" in error  # 0 entered but 3 returned; batch 1 pending
    assert error in refused.content.decode()
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN and poll.result is None


def test_more_paper_ballots_returned_than_issued_void_the_poll(client, world):
    poll = _paper_poll(world)
    services.record_paper_counts(poll, issued=2, returned=3, acting_user=world.staff)
    client.force_login(world.staff)
    closed = client.post(reverse("ballots:office_close", args=[poll.pk]), follow=True)
    assert closed.redirect_chain == [(reverse("ballots:office_poll", args=[poll.pk]), 302)]
    poll.refresh_from_db()
    assert poll.status == PollStatus.VOID and "3" in poll.void_reason
    assert [m.level for m in closed.context["messages"]] == [messages.ERROR]


def test_result_export_minutes_recount_and_publication(client, world):
    voters = deputies(world, 6)
    poll = approval_poll(world, items=("甲项目", "乙项目"), min_group=1)
    open_for(poll, voters, world)
    a, b = subject_ids(poll)
    for i, v in enumerate(voters):
        services.cast_online(poll, voter=v, choices={a: "yes", b: "no" if i % 2 else "abstain"})
    client.force_login(world.staff)
    detail = client.get(reverse("ballots:office_poll", args=[poll.pk]))
    assert detail.context["summary"] is None and detail.context["turnout_total"] == 6
    assert client.post(reverse("ballots:office_close", args=[poll.pk])).status_code == 400
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN  # no shares, no count
    client.post(reverse("ballots:office_close", args=[poll.pk]), share_fields(poll))
    poll.refresh_from_db()
    export = client.get(reverse("ballots:office_export", args=[poll.pk]))
    assert hashlib.sha256(export.content).hexdigest() == poll.export_sha256
    assert export.content.decode().splitlines() == sorted(export.content.decode().splitlines())
    minutes = client.get(reverse("ballots:office_minutes", args=[poll.pk]))
    from docx import Document

    doc = Document(io.BytesIO(minutes.content))
    assert poll.export_sha256 in "\n".join(p.text for p in doc.paragraphs)
    for action, fmt in (("poll.ballots_exported", "txt"), ("poll.minutes_exported", "docx")):
        (entry,) = ActionLog.objects.filter(action=action)  # one entry per export
        assert (entry.object_id, entry.actor) == (str(poll.pk), world.staff)
        assert entry.changes == {"format": [None, fmt]}
    summary = client.get(reverse("ballots:office_poll", args=[poll.pk])).context["summary"]
    assert [(r.title, r.votes, r.passed) for r in summary.rows] == [
        ("甲项目", 6, True),
        ("乙项目", 0, False),
    ]
    recount = client.post(reverse("ballots:office_recount", args=[poll.pk]), follow=True)
    assert ActionLog.objects.filter(action="poll.recounted", note__startswith="match").exists()
    assert recount.status_code == 200
    assert [m.level for m in recount.context["messages"]] == [messages.SUCCESS]
    assert client.post(reverse("ballots:office_publish", args=[poll.pk])).status_code == 302
    poll.refresh_from_db()
    assert poll.status == PollStatus.PUBLISHED
    again = client.post(reverse("ballots:office_publish", args=[poll.pk]))
    assert again.status_code == 400  # each state only from its predecessor


def test_a_recount_that_differs_from_the_frozen_result_is_shown_as_an_error(client, world):
    voters = deputies(world, 3)
    poll = approval_poll(world, items=("甲项目", "乙项目"), min_group=1)
    open_for(poll, voters, world)
    a, b = subject_ids(poll)
    for v in voters:
        services.cast_online(poll, voter=v, choices={a: "yes", b: "no"})
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    Poll.objects.filter(pk=poll.pk).update(export_sha256="0" * 64)  # a tampered record
    client.force_login(world.staff)
    url = reverse("ballots:office_recount", args=[poll.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and confirm.templates[0].name == "core/action.html"
    done = client.post(url, follow=True)
    assert done.redirect_chain == [(reverse("ballots:office_poll", args=[poll.pk]), 302)]
    assert [m.level for m in done.context["messages"]] == [messages.ERROR]
    assert ActionLog.objects.filter(action="poll.recounted", note__startswith="MISMATCH").exists()


def test_a_poll_is_voided_with_a_reason(client, world):
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world, codes=2)
    client.force_login(world.staff)
    url = reverse("ballots:office_void", args=[poll.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "会议决定重新表决"}).status_code == 302
    poll.refresh_from_db()
    assert poll.status == PollStatus.VOID and VoterCode.objects.filter(void=True).count() == 2


def test_the_list_page_query_count_does_not_grow_with_polls(client, world):
    client.force_login(world.staff)
    approval_poll(world)
    # First a warm-up: the first request after login stamps the session once (idle clock).
    client.get(reverse("ballots:office_list"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("ballots:office_list")).status_code == 200
    for _i in range(15):
        poll = approval_poll(world)
        open_for(poll, [world.deputy_user], world)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("ballots:office_list"))
    assert len(large) == len(small)


def test_the_open_polls_page_query_count_does_not_grow(client, world):
    client.force_login(world.deputy_user)
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("ballots:mine"))
    for _i in range(10):
        open_for(approval_poll(world), [world.deputy_user], world)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("ballots:mine"))
    assert len(response.context["polls"]) == 11 and len(large) == len(small)


# --- the permission matrix ----------------------------------------------------------------------

PERSONAS = [
    "staff",
    "leader",
    "admin",
    "auditor",
    "handler",
    "station_manager",
    "deputy",
    "other_town_staff",
    "district_admin",
    "citizen",
    "superuser",
    "anonymous",
]


@pytest.fixture
def matrix_polls(world):  # noqa: ANN001, ANN201
    draft = approval_poll(world)
    counted = approval_poll(world, min_group=1)
    open_for(counted, [world.deputy_user], world)
    services.close_poll(counted, acting_user=world.staff, shares=shares_of(counted))
    return draft, counted


def _urls(world, draft, counted):  # noqa: ANN001, ANN202
    office = {"staff": 200, "superuser": 200}
    reads = {**office, "leader": 200}
    acts = {**office, "leader": 403}
    public = dict.fromkeys(PERSONAS, 200)
    return {
        "list": (reverse("ballots:office_list"), {**reads, "other_town_staff": 200}),
        "new": (reverse("ballots:office_new", args=[world.c_a.pk]), acts),
        "detail": (reverse("ballots:office_poll", args=[draft.pk]), reads),
        "edit": (reverse("ballots:office_edit", args=[draft.pk]), acts),
        "open": (reverse("ballots:office_open", args=[draft.pk]), acts),
        "close": (reverse("ballots:office_close", args=[counted.pk]), acts),
        "paper": (reverse("ballots:office_paper", args=[counted.pk]), acts),
        "publish": (reverse("ballots:office_publish", args=[counted.pk]), acts),
        "void": (reverse("ballots:office_void", args=[counted.pk]), acts),
        "recount": (reverse("ballots:office_recount", args=[counted.pk]), acts),
        "export": (reverse("ballots:office_export", args=[counted.pk]), reads),
        "minutes": (reverse("ballots:office_minutes", args=[counted.pk]), reads),
        "preview": (
            reverse("ballots:announcement", args=[counted.pk]),
            {**reads, "anonymous": 404},
        ),
        "receipts": (reverse("ballots:receipts", args=[counted.pk]), public),
        "mine": (reverse("ballots:mine"), {p: 200 for p in PERSONAS if p != "anonymous"}),
        "code": (reverse("ballots:code_entry"), public),
        "ballot": (reverse("ballots:ballot", args=[counted.pk]), {"deputy": 200}),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, personas, matrix_polls, persona):
    urls = _urls(world, *matrix_polls)
    if personas[persona] is not None:
        client.force_login(personas[persona])
    got, expected = {}, {}
    for name, (url, allowed) in urls.items():
        default = 302 if persona == "anonymous" else 404
        expected[name] = allowed.get(persona, default)
        got[name] = client.get(url).status_code
    assert got == expected
    if persona == "other_town_staff":
        assert not client.get(reverse("ballots:office_list")).context["page"]


def test_another_towns_staff_cannot_act_on_a_poll_by_post(client, world):
    poll = approval_poll(world)
    client.force_login(world.other_staff)
    assert client.post(reverse("ballots:office_open", args=[poll.pk])).status_code == 404
    client.force_login(world.leader)
    assert client.post(reverse("ballots:office_open", args=[poll.pk])).status_code == 403
    poll.refresh_from_db()
    assert poll.status == PollStatus.DRAFT and not Participation.objects.exists()
    assert re.match(r"^\d+$", str(poll.pk))
