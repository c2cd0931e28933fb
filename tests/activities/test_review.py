"""Pre-appointment review: documents before the vote, the vote on the ballot engine by the
members present (more than half of them by default), the result copied from the frozen
result, the letter, the appointment as an official, the history per person."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.activities import services
from renda.activities.models import NominationStatus, ReviewResult
from renda.activities.services import review
from renda.ballots import services as ballots
from renda.congress.models import Deputy, DeputyMembership, Gender, PresidiumMembership
from renda.core.errors import DomainError
from tests.fixtures.ballots import shares_of


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


@pytest.fixture
def board(acts):  # noqa: ANN001, ANN201
    """Four presidium members with accounts, present at a meeting."""
    members = []
    for i in range(4):
        user = get_user_model().objects.create_user(
            username=f"member{i}", password="pw-for-tests-1", name=f"成员{i}"
        )
        deputy = Deputy.objects.create(
            name=f"成员{i}",
            gender=Gender.MALE,
            phone=f"1390000200{i}",
            user=user,
            residence=acts.village_a,
        )
        DeputyMembership.objects.create(
            deputy=deputy, term=acts.term_a, start_date=acts.term_a.start_date
        )
        PresidiumMembership.objects.create(session=acts.session_a, deputy=deputy)
        members.append(deputy)
    meeting = services.create_meeting(
        congress=acts.c_a,
        title="主席团会议（任前审议）",
        held_on=acts.today,
        acting_user=acts.staff,
    )
    services.set_attendance(meeting, present=members, acting_user=acts.staff)
    acts.members, acts.meeting = members, meeting
    return acts


def nominee(w):  # noqa: ANN001, ANN201
    nomination = review.nominate(
        congress=w.c_a,
        name="周明",
        post="城乡建设办公室主任",
        nominating_body="清河镇人民政府",
        acting_user=w.staff,
    )
    review.schedule_review(nomination, w.meeting, acting_user=w.staff)
    return nomination


def vote(w, nomination, answers):  # noqa: ANN001, ANN202
    review.attach_documents(
        nomination, resume=pdf("resume.pdf"), statement=pdf("statement.pdf"), acting_user=w.staff
    )
    review.open_vote(nomination, acting_user=w.staff)
    nomination.refresh_from_db()
    subject = nomination.poll.subjects.get()
    for member, answer in zip(w.members, answers, strict=False):
        if answer:
            ballots.cast_online(nomination.poll, voter=member.user, choices={subject.pk: answer})
    return review.close_vote(nomination, shares=shares_of(nomination.poll), acting_user=w.staff)


def test_vote_before_documents_is_refused(board):
    nomination = nominee(board)
    with pytest.raises(DomainError, match="résumé and statement"):
        review.open_vote(nomination, acting_user=board.staff)
    review.attach_documents(nomination, resume=pdf("r.pdf"), acting_user=board.staff)
    with pytest.raises(DomainError, match="résumé and statement"):
        review.open_vote(nomination, acting_user=board.staff)
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.NOMINATED and nomination.poll is None


def test_three_of_four_present_approve(board):
    decided = vote(board, nominee(board), ["yes", "yes", "yes", "no"])
    assert decided.result == ReviewResult.APPROVED
    assert (decided.votes_for, decided.votes_against, decided.votes_abstain) == (3, 1, 0)
    official = review.appoint(decided, acting_user=board.staff)
    assert official.name == "周明" and official.congress == board.c_a
    from docx import Document

    letter = Document(io.BytesIO(review.result_letter(decided)))
    assert "清河镇人民政府" in "\n".join(p.text for p in letter.paragraphs)


def test_half_of_those_present_is_not_enough(board):
    decided = vote(board, nominee(board), ["yes", "yes", "abstain", None])
    assert decided.result == ReviewResult.REJECTED
    with pytest.raises(DomainError, match="approved"):
        review.appoint(decided, acting_user=board.staff)
    assert [n.pk for n in review.history(board.c_a, "周明")] == [decided.pk]


def test_remarks_come_from_presidium_members(board):
    nomination = nominee(board)
    review.add_remark(
        nomination,
        member=board.members[0],
        text="请谈谈对危桥改造的打算。",
        acting_user=board.staff,
    )
    with pytest.raises(DomainError, match="presidium members"):
        review.add_remark(
            nomination, member=board.city_deputy, text="问题", acting_user=board.staff
        )
    assert nomination.remarks.count() == 1


def test_other_town_cannot_nominate_here(board):
    with pytest.raises(DomainError):
        review.nominate(
            congress=board.c_a,
            name="某",
            post="主任",
            nominating_body="政府",
            acting_user=board.other_staff,
        )


def _client(user):  # noqa: ANN001, ANN202
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_review_through_the_pages(board):
    from django.urls import reverse

    staff = _client(board.staff)
    response = staff.post(
        reverse("activities:nominations") + f"?congress={board.c_a.pk}",
        {"name": "吴刚", "post": "社会事务办公室主任", "nominating_body": "清河镇人民政府"},
    )
    assert response.status_code == 302
    nomination = review.history(board.c_a, "吴刚")[0]
    act = lambda name: reverse("activities:nomination_action", args=[nomination.pk, name])  # noqa: E731
    # The vote is refused before the documents: a form error, nothing opened.
    assert staff.post(act("vote")).status_code == 400
    staff.post(act("documents"), {"resume": pdf("r.pdf"), "statement": pdf("s.pdf")})
    staff.post(act("meeting"), {"meeting": board.meeting.pk})
    opened = staff.post(act("vote"))
    assert opened.status_code == 200 and opened["Cache-Control"] == "no-store"
    nomination.refresh_from_db()
    subject = nomination.poll.subjects.get()
    for member in board.members[:3]:
        ballots.cast_online(nomination.poll, voter=member.user, choices={subject.pk: "yes"})
    shares = shares_of(nomination.poll)
    data = {f"share_{i}": s for i, s in enumerate(shares, start=1)}
    assert staff.post(act("close"), data).status_code == 302
    nomination.refresh_from_db()
    assert nomination.result == ReviewResult.APPROVED
    page = staff.get(reverse("activities:nomination", args=[nomination.pk]) + "?letter=1")
    assert page.status_code == 200 and page["Content-Disposition"].endswith('.docx"')
    resume = staff.get(reverse("activities:nomination_file", args=[nomination.pk, "resume"]))
    assert resume.status_code == 200


@pytest.mark.parametrize(
    ("persona", "page", "act"),
    [
        ("staff", 200, 200),
        ("leader", 200, 403),
        ("other_town_staff", 404, 404),
        ("deputy", 404, 404),
        ("citizen", 404, 404),
    ],
)
def test_nomination_pages_permissions(board, personas, persona, page, act):
    from django.urls import reverse

    nomination = nominee(board)
    client = _client(personas[persona])
    assert client.get(reverse("activities:nomination", args=[nomination.pk])).status_code == page
    url = reverse("activities:nomination_action", args=[nomination.pk, "remark"])
    assert client.get(url).status_code == act


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_members_voting_at_once_are_each_counted_once(board):
    """Four members press "vote" at the same moment, twice each: every member's ballot is
    stored once, the second press is refused, and the count matches."""
    from renda.ballots.models import Ballot, Poll
    from tests.fixtures.threads import run_in_threads

    nomination = nominee(board)
    review.attach_documents(
        nomination, resume=pdf("r.pdf"), statement=pdf("s.pdf"), acting_user=board.staff
    )
    review.open_vote(nomination, acting_user=board.staff)
    nomination.refresh_from_db()
    subject = nomination.poll.subjects.get()

    def work(i: int) -> None:
        ballots.cast_online(
            Poll.objects.get(pk=nomination.poll_id),
            voter=board.members[i % 4].user,
            choices={subject.pk: "yes"},
        )

    errors = run_in_threads(8, work)
    assert len(errors) == 4 and all(isinstance(e, DomainError) for e in errors)
    decided = review.close_vote(
        nomination, shares=shares_of(nomination.poll), acting_user=board.staff
    )
    assert decided.votes_for == 4 and decided.result == ReviewResult.APPROVED
    assert Ballot.objects.filter(poll_id=nomination.poll_id).count() == 4
