"""Demo appraisals for 清河镇 (DOMAIN.md §8: 民主测评 of 24 district deputies, 4 deputy mayors
and 12 department heads), through the real services and the ballot engine:

- the officials' review at the latest session: 4 deputy mayors and 12 department heads,
  rated on paper by the 54 town deputies present, counted by two tellers, closed and
  published, with a rectification report filed and accepted;
- the district deputies' report to the town deputies: 24 reporters rated 优秀/称职/基本称职/
  不称职 by the deputies present, closed (results and sheets, not yet published);
- the re-review (再评议) of the lowest-rated official, scheduled.

Votes are drawn from a seeded random generator: deterministic and idempotent (nothing is
added when the town already has a review meeting)."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from renda.appraisals import services
from renda.appraisals.models import MeetingKind, Rectification, ReviewMeeting
from renda.ballots import services as ballots
from renda.ballots.models import Scale
from renda.congress.models import (
    Congress,
    Department,
    DeputyMembership,
    Official,
    Role,
    RoleGrant,
    Session,
)

# Heads of the town's offices and stations (department short name, name, post).
HEADS = [
    ("党政办", "钱立新", "党政办公室主任"),
    ("经发办", "孙晓峰", "经济发展办公室主任"),
    ("社事办", "李慧敏", "社会事务办公室主任"),
    ("建设办", "周国强", "城乡建设办公室主任"),
    ("农业办", "吴春生", "农业农村办公室主任"),
    ("平安办", "郑海涛", "平安建设办公室主任"),
    ("执法队", "王志刚", "综合行政执法队队长"),
    ("财政所", "冯丽娟", "财政所所长"),
    ("资源所", "陈永福", "自然资源所所长"),
    ("文化中心", "褚文博", "文化服务中心主任"),
    ("便民中心", "卫红梅", "便民服务中心主任"),
    ("古街办", "蒋德明", "古街保护管理办公室主任"),
]
# Ballot weights per reporter (best grade first); the others get the common distribution.
SATISFACTION_WEIGHTS = {"王志刚": (18, 12, 24), "周国强": (30, 16, 8), "苏明华": (32, 16, 6)}
COMMON = (44, 8, 2)
COMPETENCE_WEIGHTS = (34, 16, 3, 1)
ABSENT = 6  # of 60 town deputies, 54 present
BATCH = 27


def _teller(congress: Congress) -> Any:
    """The second teller (计票人): a second office account, so two people enter each batch."""
    from renda.congress.management.commands.seed_demo import DEMO_PASSWORD

    user_model = get_user_model()
    user = user_model.objects.filter(username="qh_teller").first()
    if user is None:
        user = user_model(username="qh_teller", name="许文涛", home_congress_id=congress.pk)
        user.set_password(DEMO_PASSWORD)
        user.save()
    RoleGrant.objects.get_or_create(user=user, role=Role.STAFF, congress=congress)
    return user


def _heads(congress: Congress) -> list[Official]:
    departments = {d.short_name: d for d in Department.objects.filter(congress=congress)}
    out = []
    for short, name, post in HEADS:
        official, _created = Official.objects.get_or_create(
            congress=congress, name=name, post=post, defaults={"department": departments.get(short)}
        )
        out.append(official)
    return out


def _report(title: str) -> ContentFile:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    document.add_paragraph("一、基本情况\n二、主要措施\n三、存在问题\n四、下一步工作打算")
    out = io.BytesIO()
    document.save(out)
    return ContentFile(out.getvalue(), name="report.docx")


def _vote_on_paper(
    meeting: ReviewMeeting,
    weights: Mapping[str, Sequence[int]],
    rng: random.Random,
    staff: Any,
    teller: Any,
) -> None:
    grades = meeting.rated_grades()
    reporters = list(meeting.reporters.order_by("order"))
    present = meeting.attendance.count()
    papers: list[dict[int, str]] = [
        {(r.subject_id or 0): rng.choices(grades, weights=weights[r.name])[0] for r in reporters}
        for _ in range(present)
    ]
    poll = meeting.poll
    if poll is None:  # opened just before (_hold)
        raise RuntimeError(f"demo meeting {meeting.pk} has no poll")
    for number, start in enumerate(range(0, present, BATCH), start=1):
        batch = papers[start : start + BATCH]
        ballots.enter_paper_batch(poll, number=number, ballots=batch, teller=staff)
        ballots.enter_paper_batch(poll, number=number, ballots=batch, teller=teller)
    ballots.record_paper_counts(poll, issued=present, returned=present, acting_user=staff)


def _hold(meeting: ReviewMeeting, present: list[Any], staff: Any) -> list[str]:
    """Schedule, take the attendance and open the rating; returns the key shares that
    the close needs (the demo's tellers and chair)."""
    services.schedule_meeting(meeting, acting_user=staff)
    services.set_attendance(meeting, present=present, acting_user=staff)
    opening = services.open_rating(meeting, acting_user=staff)
    meeting.refresh_from_db()
    return opening.shares


def seed(stdout: Any = None) -> None:
    # Texts the services write (a reporter's post, a re-review's title) in the UI language.
    with translation.override(settings.LANGUAGE_CODE):
        _seed(stdout)


def _seed(stdout: Any) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").first()
    if congress is None or ReviewMeeting.objects.filter(congress=congress).exists():
        return
    staff = get_user_model().objects.get(username="qh_staff")
    teller = _teller(congress)
    session = (
        Session.objects.filter(term__congress=congress, term__is_current=True)
        .order_by("-ordinal")
        .first()
    )
    if session is None:
        return
    # The review was held two weeks ago (dates follow the day the demo is loaded).
    held_on = timezone.localdate() - dt.timedelta(days=14)
    rng = random.Random(20260818)  # noqa: S311 (deterministic demo votes)
    seated = [
        m.deputy
        for m in DeputyMembership.objects.active_on(held_on)
        .filter(congress=congress)
        .select_related("deputy")
        .order_by("deputy__phone")
    ]
    present = [d for i, d in enumerate(seated) if i % 10 != 7][: len(seated) - ABSENT]

    # 1. Deputy mayors and department heads report to the deputies (述职评议).
    officials = list(Official.objects.filter(congress=congress, post="副镇长").order_by("id"))
    officials += _heads(congress)
    meeting = services.create_meeting(
        congress=congress,
        session=session,
        title="镇政府副镇长及部门负责人述职评议会",
        kind=MeetingKind.OFFICIALS,
        held_on=held_on,
        place=session.venue or "镇政府大会堂",
        scale=Scale.SATISFACTION,
        acting_user=staff,
    )
    for order, official in enumerate(officials, start=1):
        reporter = services.add_reporter(
            meeting,
            official=official,
            report_title=f"{official.name}同志{held_on.year}年度述职报告",
            order=order,
            acting_user=staff,
        )
        services.add_document(
            reporter,
            title=reporter.report_title,
            file=_report(reporter.report_title),
            acting_user=staff,
        )
    first = meeting.reporters.get(order=1)
    services.record_question(
        first,
        deputy=present[0],
        question="招商引资项目落地后，如何保障本地村民就业？",
        answer="已与入驻企业约定优先招用本镇村民，并开展岗前培训。",
        acting_user=staff,
    )
    shares = _hold(meeting, present, staff)
    weights = {r.name: SATISFACTION_WEIGHTS.get(r.name, COMMON) for r in meeting.reporters.all()}
    _vote_on_paper(meeting, weights, rng, staff, teller)
    services.close_rating(meeting, acting_user=staff, shares=shares[:2])
    services.publish_result(meeting, acting_user=staff)
    meeting.refresh_from_db()
    owing = list(
        Rectification.objects.filter(reporter__meeting=meeting).order_by("reporter__order")
    )
    if owing:  # the first report came in and was accepted; the others are awaited
        item = owing[0]
        services.submit_rectification(
            item,
            report=_report(f"{item.reporter.name}同志整改报告"),
            summary="针对代表提出的问题逐项制定整改措施，明确责任人和完成时限。",
            acting_user=staff,
        )
        services.accept_rectification(item, note="整改措施具体，同意。", acting_user=staff)

    # 2. District deputies report to the town deputies present (代表述职，民主测评).
    district = Congress.objects.filter(name="临溪区人民代表大会").first()
    district_deputies = [
        m.deputy
        for m in DeputyMembership.objects.active_on(held_on)
        .filter(congress=district)
        .select_related("deputy")
        .order_by("deputy__phone")
    ]
    deputies_meeting = services.create_meeting(
        congress=congress,
        session=session,
        title="区人大代表向镇人大代表述职测评会",
        kind=MeetingKind.DEPUTIES,
        held_on=held_on,
        place=session.venue or "镇政府大会堂",
        scale=Scale.COMPETENCE,
        electorate="deputies",
        acting_user=staff,
    )
    for order, deputy in enumerate(district_deputies, start=1):
        services.add_reporter(
            deputies_meeting,
            deputy=deputy,
            report_title=f"{deputy.name}代表履职情况报告",
            order=order,
            acting_user=staff,
        )
    shares = _hold(deputies_meeting, present, staff)
    _vote_on_paper(
        deputies_meeting,
        {r.name: COMPETENCE_WEIGHTS for r in deputies_meeting.reporters.all()},
        rng,
        staff,
        teller,
    )
    services.close_rating(deputies_meeting, acting_user=staff, shares=shares[:2])

    # 3. The lowest-rated official is re-reviewed (再评议): scheduled.
    rereview = services.schedule_rereview(
        meeting,
        held_on=timezone.localdate() + dt.timedelta(days=21),
        place="镇政府三楼会议室",
        acting_user=staff,
    )
    services.schedule_meeting(rereview, acting_user=staff)
    if stdout is not None:
        stdout.write(
            f"Appraisals: {meeting.reporters.count()} officials and "
            f"{deputies_meeting.reporters.count()} district deputies rated; re-review scheduled."
        )
