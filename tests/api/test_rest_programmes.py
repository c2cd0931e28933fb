"""Polls, appraisals and livelihood projects in the REST API: who sees which poll, meeting,
batch and project; results that are the ballot engine's presentation of the frozen result
(the same rows, shares and outcomes as the announcement); the receipt check; the office's
view before publication and everyone's after it."""

from __future__ import annotations

from typing import Any

import pytest

from renda.appraisals import services as appraisals
from renda.ballots import services as ballots
from renda.ballots.presentation import summarise
from renda.projects import services as projects
from renda.projects.models import Project, VoteBatch
from tests.fixtures.api import Api
from tests.fixtures.appraisals import closed_meeting
from tests.fixtures.ballots import approval_poll, close, deputies, open_for, subject_ids
from tests.fixtures.projects import run_votes

pytestmark = pytest.mark.usefixtures("cases_world")


def _rows(summary: Any) -> list[dict[str, Any]]:
    """The presentation's rows as the API gives them."""
    return [
        {
            "title": row.title,
            "counts": [{"label": lbl, "votes": n, "share": share} for lbl, n, share in row.counts],
            "base": row.base,
            "outcome": str(row.outcome),
            "passed": row.passed,
            "elected": row.elected,
            "tie": row.tie,
            "written_in": row.written_in,
            "votes": row.votes,
        }
        for row in summary.rows
    ]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- polls ---------------------------------------------------------------------------------------


def _voted_poll(world: Any, **options: Any) -> tuple[Any, list[Any], list[str]]:
    """An approval poll of two items, five voters (one ballot invalid on paper is not
    possible online: one voter abstains on both); closed. Returns the receipts."""
    poll = approval_poll(world, items=("议程一", "议程二"), **options)
    users = deputies(world, 5)
    open_for(poll, users, world)
    first, second = subject_ids(poll)
    marks = [("yes", "yes"), ("yes", "no"), ("yes", "abstain"), ("no", "no"), ("abstain", "yes")]
    receipts = [
        ballots.cast_online(poll, voter=user, choices={first: a, second: b})
        for user, (a, b) in zip(users, marks, strict=True)
    ]
    return poll, users, receipts


def test_polls_are_seen_by_the_office_and_their_electors(world):
    poll, users, _receipts = _voted_poll(world)
    draft = approval_poll(world, items=("另一议程",))
    assert _ids(Api(world.staff).get("/polls")) == [draft.pk, poll.pk]
    assert _ids(Api(world.leader).get("/polls", status="open")) == [poll.pk]
    # An elector sees the poll they vote in, not the office's drafts.
    assert _ids(Api(users[1]).get("/polls")) == [poll.pk]
    detail = Api(users[1]).get(f"/polls/{poll.pk}").json()
    assert [s["title"] for s in detail["subjects"]] == ["议程一", "议程二"]
    assert detail["export_sha256"] == ""
    # Nobody else: another town's office, a handler, a resident.
    for user in (world.other_staff, world.handler_a, world.citizen):
        assert Api(user).get("/polls").json()["count"] == 0
        assert Api(user).get(f"/polls/{poll.pk}").status_code == 404
    # No live result while the poll is open, for anyone.
    assert Api(world.staff).get(f"/polls/{poll.pk}/result").status_code == 404


def test_the_result_is_the_engines_presentation_for_the_office_then_for_everyone(world):
    poll, users, receipts = _voted_poll(world)
    close(poll, world.staff)
    poll.refresh_from_db()
    result = Api(world.staff).get(f"/polls/{poll.pk}/result").json()
    expected = summarise(poll)
    assert result["status"] == "closed"
    assert result["export_sha256"] == poll.export_sha256 and len(poll.export_sha256) == 64
    assert result["result"]["rows"] == _rows(expected)
    assert result["result"]["ballots"] == 5 and result["result"]["invalid"] == 0
    first = result["result"]["rows"][0]
    assert first["votes"] == 3 and first["passed"] is True
    assert [c["votes"] for c in first["counts"]] == [3, 1, 1]
    # Before publication, an elector and the town's deputies see no result.
    assert Api(users[0]).get(f"/polls/{poll.pk}/result").status_code == 404
    ballots.publish_poll(poll, acting_user=world.staff)
    poll.refresh_from_db()
    public = Api(users[0]).get(f"/polls/{poll.pk}/result").json()
    assert public["status"] == "published"
    assert public["result"]["rows"] == _rows(summarise(poll, ballots.public_result(poll)))
    # Published: every deputy of the town sees it (王建国 voted too), not another town.
    assert poll.pk in _ids(Api(world.deputy_user).get("/polls", status="published"))
    assert Api(world.other_staff).get(f"/polls/{poll.pk}/result").status_code == 404


def test_a_small_polls_published_detail_is_withheld_as_the_engine_says(world):
    poll, users, _receipts = _voted_poll(world, min_group=10)
    close(poll, world.staff)
    ballots.publish_poll(poll, acting_user=world.staff)
    result = Api(users[0]).get(f"/polls/{poll.pk}/result").json()["result"]
    assert result["suppressed"] is True and result["rows"] == []
    # The office still reads the frozen result.
    assert len(Api(world.staff).get(f"/polls/{poll.pk}/result").json()["result"]["rows"]) == 2


def test_a_voter_checks_their_receipt(world):
    poll, users, receipts = _voted_poll(world)
    api = Api(users[2])
    # Not while the poll is open: the list of receipts comes with the count.
    assert api.post(f"/polls/{poll.pk}/receipt", {"receipt": receipts[2]}).status_code == 404
    close(poll, world.staff)
    response = api.post(f"/polls/{poll.pk}/receipt", {"receipt": f" {receipts[2].lower()} "})
    assert response.status_code == 200
    assert response.json() == {
        "listed": True,
        "receipt_hash": ballots.receipt_hash(receipts[2]),
    }
    assert response.json()["receipt_hash"] in ballots.receipts(poll)
    assert api.post(f"/polls/{poll.pk}/receipt", {"receipt": "NOT-A-RECEIPT"}).json() == {
        "listed": False,
        "receipt_hash": "",
    }
    response = api.post(f"/polls/{poll.pk}/receipt", {"receipt": "\x00"})
    assert response.status_code == 400 and response.json()["errors"]


def test_receipt_checks_are_limited_per_address(world, settings):
    settings.RENDA_CODE_LIMIT = 2
    poll, users, receipts = _voted_poll(world)
    close(poll, world.staff)
    api = Api(users[0])
    for _ in range(2):
        assert api.post(f"/polls/{poll.pk}/receipt", {"receipt": "X"}).status_code == 200
    response = api.post(f"/polls/{poll.pk}/receipt", {"receipt": receipts[0]})
    assert response.status_code == 429 and response.json()["detail"]


# --- appraisals ----------------------------------------------------------------------------------


def test_appraisal_results_are_the_engines_presentation(world, town):
    meeting = closed_meeting(world, town)
    staff = Api(world.staff)
    listed = staff.get("/appraisals/meetings", year=meeting.held_on.year).json()
    assert [(m["id"], m["reporters"], m["status"]) for m in listed["items"]] == [
        (meeting.pk, 3, "closed")
    ]
    detail = staff.get(f"/appraisals/meetings/{meeting.pk}").json()
    assert [r["name"] for r in detail["reporter_list"]] == ["高振宇", "林雅婷", "曹建国"]
    assert detail["rule"] and detail["poll"] == meeting.poll_id
    result = staff.get(f"/appraisals/meetings/{meeting.pk}/result").json()
    assert result["result"]["rows"] == _rows(summarise(meeting.poll))
    assert result["result"]["ballots"] == 6
    assert [(r["reporter"]["name"], r["grade"]) for r in result["reporters"]] == [
        ("高振宇", "satisfied"),
        ("林雅婷", "basic"),
        ("曹建国", "unsatisfied"),
    ]
    assert result["reporters"][2]["must_rectify"] is True
    assert result["export_sha256"] == meeting.poll.export_sha256
    # Deputies of the town: nothing before publication, then the published result.
    voter = Api(town.users[1])
    assert voter.get("/appraisals/meetings").json()["count"] == 0
    assert voter.get(f"/appraisals/meetings/{meeting.pk}/result").status_code == 404
    appraisals.publish_result(meeting, acting_user=world.staff)
    meeting.refresh_from_db()
    public = voter.get(f"/appraisals/meetings/{meeting.pk}/result").json()
    shown = ballots.public_result(meeting.poll)
    assert public["result"]["rows"] == _rows(summarise(meeting.poll, shown))
    assert [r["grade"] for r in public["reporters"]] == ["satisfied", "basic", "unsatisfied"]
    # Another town's office never sees it.
    assert Api(world.other_staff).get(f"/appraisals/meetings/{meeting.pk}").status_code == 404


# --- projects ------------------------------------------------------------------------------------


def test_ideas_are_the_offices_and_masked(year):
    world = year.world
    staff = Api(world.staff)
    ideas = staff.get("/projects/ideas", year=year.y, source="resident").json()
    assert ideas["count"] >= 1
    assert {i["proposer"] for i in ideas["items"]} == {"钱*士"}
    assert "1370000000" not in str(ideas)
    one = ideas["items"][0]["id"]
    assert staff.get(f"/projects/ideas/{one}").json()["serial"]
    for user in (world.deputy_user, world.handler_a, world.citizen):
        assert Api(user).get("/projects/ideas").status_code == 403
        assert Api(user).get(f"/projects/ideas/{one}").status_code == 403
    assert Api(world.other_staff).get("/projects/ideas").json()["count"] == 0
    assert Api(world.other_staff).get(f"/projects/ideas/{one}").status_code == 404


def test_batches_results_and_progress(year):
    world = year.world
    deputy = Api(world.deputy_user)
    # A draft batch is the office's.
    assert _ids(Api(world.staff).get("/projects/batches")) == [year.batch.pk]
    assert deputy.get(f"/projects/batches/{year.batch.pk}").status_code == 404
    batch1, batch2 = run_votes(year)
    staff = Api(world.staff)
    assert set(_ids(deputy.get("/projects/batches", year=year.y))) == {batch1.pk, batch2.pk}
    detail = deputy.get(f"/projects/batches/{batch1.pk}").json()
    assert len(detail["candidates"]) == batch1.candidates.count()
    result = deputy.get(f"/projects/batches/{batch1.pk}/result").json()
    batch1 = VoteBatch.objects.select_related("poll").get(pk=batch1.pk)
    expected = summarise(batch1.poll, ballots.public_result(batch1.poll))
    assert result["result"]["rows"] == _rows(expected)
    assert result["status"] == "announced"
    by_idea = {c["idea"]["id"]: c for c in result["candidates"]}
    for candidate in batch1.candidates.all():
        row = by_idea[candidate.idea_id]
        assert (row["yes"], row["rank"], row["outcome"]) == (
            candidate.yes,
            candidate.rank,
            candidate.outcome,
        )
    assert staff.get(f"/projects/batches/{batch1.pk}/result").json()["result"]["rows"] == _rows(
        summarise(batch1.poll)
    )
    # The selected projects, their plan and progress.
    project = Project.objects.filter(year=year.y).order_by("id").first()
    projects.set_plan(
        project,
        acting_user=world.staff,
        targets="完成",
        milestones=[("施工", 70, project.deadline), ("验收", 30, project.deadline)],
    )
    projects.start_project(project, acting_user=world.staff)
    first = project.milestones.order_by("order").first()
    projects.report_progress(
        project, milestone=first, percent=50, text="路基完成", acting_user=world.staff
    )
    listed = deputy.get("/projects", year=year.y).json()
    assert listed["count"] == Project.objects.filter(year=year.y).count()
    detail = deputy.get(f"/projects/{project.pk}").json()
    assert [m["title"] for m in detail["milestones"]] == ["施工", "验收"]
    assert detail["progress"] == 35
    progress = deputy.get(f"/projects/{project.pk}/progress").json()
    assert progress["count"] == 1
    assert progress["items"][0]["text"] == "路基完成"
    assert progress["items"][0]["project_percent"] == 35
    # Projects are public in their town (a handler of the town reads them); another town's
    # office sees none of them.
    assert Api(world.handler_a).get(f"/projects/{project.pk}").status_code == 200
    for path in (
        f"/projects/{project.pk}",
        f"/projects/{project.pk}/progress",
        f"/projects/batches/{batch1.pk}",
        f"/projects/batches/{batch1.pk}/result",
    ):
        assert Api(world.other_staff).get(path).status_code == 404
