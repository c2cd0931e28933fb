"""Shared helpers of the appraisal tests: a town with officials and voting deputies, and a
meeting taken through the rating on the ballot engine."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.appraisals import services
from renda.appraisals.models import MeetingKind, ReviewMeeting
from renda.ballots import services as ballots
from renda.congress.models import Deputy, DeputyMembership, Gender, Official, Role, RoleGrant
from tests.ballots_helpers import shares_of

HELD_ON = dt.date(2026, 6, 18)


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


@pytest.fixture
def town(world):
    """Three officials of 清河镇 and seven seated deputies with accounts (world.deputy_a
    among them), a second staff member (the second teller), an official of 枫林镇."""
    officials = [
        Official.objects.create(congress=world.c_a, name=name, post=post)
        for name, post in (("高振宇", "副镇长"), ("林雅婷", "副镇长"), ("曹建国", "建设办主任"))
    ]
    voters = [world.deputy_a]
    users = [world.deputy_user]
    for i in range(6):
        user = get_user_model().objects.create_user(
            username=f"voter{i}", password="pw-for-tests-1", name=f"代表{i}"
        )
        deputy = Deputy.objects.create(
            name=f"代表{i}", gender=Gender.MALE, phone=f"1390000100{i}", user=user
        )
        DeputyMembership.objects.create(
            deputy=deputy, term=world.term_a, start_date=world.term_a.start_date
        )
        voters.append(deputy)
        users.append(user)
    teller = get_user_model().objects.create_user(
        username="teller_a", password="pw-for-tests-1", name="计票人"
    )
    RoleGrant.objects.create(user=teller, role=Role.STAFF, congress=world.c_a)
    foreign = Official.objects.create(congress=world.c_b, name="叶晓东", post="副镇长")
    return SimpleNamespace(
        officials=officials, voters=voters, users=users, teller=teller, foreign=foreign
    )


def make_meeting(world, town, *, title: str = "2026年副镇长述职评议会", **kw) -> ReviewMeeting:
    meeting = services.create_meeting(
        congress=world.c_a,
        title=title,
        kind=kw.pop("kind", MeetingKind.OFFICIALS),
        held_on=kw.pop("held_on", HELD_ON),
        place=kw.pop("place", "镇政府三楼会议室"),
        acting_user=world.staff,
        **kw,
    )
    for i, official in enumerate(town.officials, start=1):
        services.add_reporter(
            meeting,
            official=official,
            report_title=f"{official.name}述职报告",
            acting_user=world.staff,
            order=i,
        )
    return meeting


def open_with_attendance(world, town, meeting: ReviewMeeting, present: int = 6) -> None:
    services.schedule_meeting(meeting, acting_user=world.staff)
    services.set_attendance(meeting, present=town.voters[:present], acting_user=world.staff)
    assert services.open_rating(meeting, acting_user=world.staff).codes == []
    meeting.refresh_from_db()


def cast(meeting: ReviewMeeting, town, ballots_by_voter: list[list[str]]) -> None:
    """One online ballot per voter: the answers for the reporters in speaking order."""
    subjects = list(meeting.reporters.order_by("order").values_list("subject_id", flat=True))
    for user, answers in zip(town.users, ballots_by_voter, strict=False):
        if not answers:  # this voter does not vote now
            continue
        ballots.cast_online(
            meeting.poll, voter=user, choices=dict(zip(subjects, answers, strict=True))
        )


# Six ballots; reporters 1..3 get: R1 5 满意 1 基本满意 → 满意; R2 3/1/2 → 基本满意 (3 of 6 is
# not more than half; 4 of 6 is); R3 1/2/3 → 不满意 (3 of 6 is not more than half).
SIX_BALLOTS = [
    ["satisfied", "satisfied", "satisfied"],
    ["satisfied", "satisfied", "basic"],
    ["satisfied", "satisfied", "basic"],
    ["satisfied", "basic", "unsatisfied"],
    ["satisfied", "unsatisfied", "unsatisfied"],
    ["basic", "unsatisfied", "unsatisfied"],
]


def closed_meeting(world, town, **kw) -> ReviewMeeting:
    meeting = make_meeting(world, town, **kw)
    open_with_attendance(world, town, meeting)
    cast(meeting, town, SIX_BALLOTS)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    meeting.refresh_from_db()
    return meeting
