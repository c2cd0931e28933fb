"""The year of livelihood projects of 清河镇, through the real services (the same story as
tests/projects/test_year.py): fourteen ideas collected from residents, opinion cases, a
station reception, deputies and departments; two excluded at screening; twelve candidates
for ten places voted by the town's sixty deputies on paper — nine selected, two tied at the
last place and sent to a further batch which selects one; plans with weighted milestones,
progress with photos, one change approved by the mid-year session; a supervision plan, a
group and an inspection whose finding is handled as a case; the year-end rating. Last, a
batch of five micro-projects (小快灵) for three places is left open at the latest session:
`qh_deputy` votes on it online through the ballot engine's /vote/ pages; its key shares are
printed by the seed and written under var/demo-key-shares/ (demo mode only) so that a demo
user can close it.

Deterministic and idempotent: nothing is done when 清河镇 already has project ideas."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from renda.ballots import services as ballots
from renda.ballots.demo import hand_out_demo_shares
from renda.cases import services as cases
from renda.cases.models import Assignment, Case, CaseKind, Category
from renda.congress.models import Congress, Department, DeputyMembership, Role, RoleGrant, Session
from renda.projects import services
from renda.projects.models import (
    BatchKind,
    ExclusionReason,
    Idea,
    IdeaSource,
    Project,
    VoteBatch,
)

IDEAS = [
    # (source, title, department short name, funds in 10,000 yuan)
    (IdeaSource.RESIDENT, "东塘村至镇区村道硬化", "建设办", 180),
    (IdeaSource.RESIDENT, "镇区公厕提档改造", "执法队", 60),
    (IdeaSource.RESIDENT, "老旧小区加装路灯", "建设办", 45),
    (IdeaSource.RESIDENT, "农贸市场雨棚改造", "经发办", 80),
    (IdeaSource.OPINION, "中心小学门口交通安全设施", "建设办", 35),
    (IdeaSource.OPINION, "清河支流清淤护岸", "农业办", 220),
    (IdeaSource.STATION, "片区居家养老服务站", "社事办", 150),
    (IdeaSource.DEPUTY, "农村饮水管网改造", "农业办", 260),
    (IdeaSource.DEPUTY, "文化广场健身器材更新", "社事办", 40),
    (IdeaSource.DEPUTY, "卫生院发热门诊改造", "社事办", 120),
    (IdeaSource.DEPUTY, "中心幼儿园扩班", "社事办", 300),
    (IdeaSource.DEPARTMENT, "垃圾分类收集点建设", "执法队", 90),
    (IdeaSource.DEPARTMENT, "新建镇政府办公楼", "建设办", 1500),
    (IdeaSource.DEPARTMENT, "向商户收费修建停车场", "经发办", 200),
]
# The opinion (by its title, see renda/opinions/demo.py) each opinion-sourced idea grew from.
IDEA_OPINION = {
    "中心小学门口交通安全设施": "学校门口早高峰拥堵",
    "清河支流清淤护岸": "河道垃圾较多",
}
EXCLUDED = {
    "新建镇政府办公楼": ExclusionReason.OFFICE,
    "向商户收费修建停车场": ExclusionReason.BURDEN,
}
# Yes votes of 55 ballots (60 deputies, 5 absent); passing needs more than 30 (half of 60).
BATCH1_YES = [52, 50, 49, 47, 46, 44, 43, 41, 40, 38, 38, 25]
BATCH2_YES = [41, 30]
# Year-end rating of the ten projects: (satisfied, basic, unsatisfied) of 55 ballots.
RATINGS = [(40, 12, 3)] * 7 + [(30, 18, 7), (20, 26, 9), (10, 15, 30)]
PRESENT = 55
# The micro-projects (小快灵) batch left open at the latest session: deputies, `qh_deputy`
# among them, vote online on /vote/. (title, department short name, funds in 10,000 yuan,
# description)
MICRO = [
    (
        "南街小学路口增设减速带和警示标志",
        "建设办",
        6,
        "上下学高峰车速快，家长多次反映，拟设减速带两道、警示标志四块。",
    ),
    (
        "村卫生室配备自动体外除颤仪",
        "社事办",
        5,
        "全镇五个村卫生室各配一台，并组织村医和志愿者培训。",
    ),
    ("东塘村文化活动室更换空调", "社事办", 8, "活动室空调老化，夏季无法开展活动，拟更换四台。"),
    (
        "农贸市场增设非机动车停放点",
        "执法队",
        4,
        "电动车乱停占道，拟在市场东西两侧划设停放区并加装遮雨棚。",
    ),
    (
        "清河支流沿岸增设防溺水警示牌",
        "农业办",
        3,
        "暑期防溺水，拟在沿岸重点水域增设警示牌二十块、救生圈十个。",
    ),
]
MICRO_PLACES = 3


def _png(seed: int) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (40 + seed * 20 % 200, 120, 90)).save(buffer, format="PNG")
    return SimpleUploadedFile(f"site-{seed}.png", buffer.getvalue(), content_type="image/png")


def _approval_ballots(candidate_ids: list[int], yes_counts: list[int]) -> list[dict[int, str]]:
    return [
        {
            cid: "yes" if i < yes else ("no" if (i - yes) % 3 else "abstain")
            for cid, yes in zip(candidate_ids, yes_counts, strict=True)
        }
        for i in range(PRESENT)
    ]


def _paper_vote(batch: VoteBatch, yes: list[int], tellers: tuple[Any, Any]) -> None:
    batch.refresh_from_db()
    ids = list(batch.candidates.order_by("order").values_list("id", flat=True))
    marked = _approval_ballots(ids, yes)
    for teller in tellers:  # entered twice, by both tellers
        services.enter_paper_ballots(batch, number=1, ballots_marked=marked, teller=teller)
    if batch.poll is None:
        raise RuntimeError("the demo vote has no poll")
    ballots.record_paper_counts(
        batch.poll, issued=PRESENT, returned=PRESENT, acting_user=tellers[0]
    )


def seed(stdout: Any = None) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").first()
    if congress is None or Idea.objects.filter(congress=congress).exists():
        return
    users = get_user_model()
    staff = users.objects.get(username="qh_staff")
    handler = users.objects.get(username="qh_handler_build")
    # The second teller (计票人) of the paper ballots: an office account of its own.
    teller = users.objects.filter(username="qh_teller").first()
    if teller is None:
        teller = users(username="qh_teller", name="计票员", home_congress_id=congress.pk)
        teller.set_unusable_password()
        teller.save()
    RoleGrant.objects.get_or_create(user=teller, role=Role.STAFF, congress=congress)
    today = timezone.localdate()
    year = today.year
    sessions = list(
        Session.objects.filter(
            term__congress=congress, term__is_current=True, start_date__year=year
        ).order_by("start_date")
    )
    sessions = [s for s in sessions if s.end_date < today]
    if not sessions:
        return  # the demo year needs a session behind it
    # The change is decided by the latest session of the year (the first, if it is alone).
    first, mid = sessions[0], sessions[-1]
    departments = {d.short_name: d for d in Department.objects.filter(congress=congress)}
    members = list(
        DeputyMembership.objects.active_on()
        .filter(congress=congress)
        .select_related("deputy")
        .order_by("deputy__name")
    )
    deputies = [m.deputy for m in members]
    ideas = []
    for index, (source, title, dept, _funds) in enumerate(IDEAS):
        text = f"{title}：群众反映强烈，建议列入{year}年民生实事项目。"
        # An opinion-sourced idea grows from the opinion it is about (its description is
        # the opinion's words), not from whichever opinion came first.
        opinion = (
            Case.objects.filter(
                congress=congress, kind=CaseKind.OPINION, title=IDEA_OPINION.get(title, "")
            )
            .order_by("serial")
            .first()
        )
        if source == IdeaSource.OPINION and opinion is not None:
            idea = services.idea_from_case(opinion, acting_user=staff, title=title)
        elif source in (IdeaSource.RESIDENT, IdeaSource.OPINION):
            idea = services.propose_idea(
                congress=congress, title=title, description=text, source=IdeaSource.RESIDENT
            )
        elif source == IdeaSource.STATION:
            idea = services.propose_idea(
                congress=congress,
                title=title,
                description=text,
                source=source,
                acting_user=staff,
                source_reference=f"中心联络站接待登记 {year - 1}-09-17",
            )
        elif source == IdeaSource.DEPUTY:
            idea = services.propose_idea(
                congress=congress,
                title=title,
                description=text,
                source=source,
                acting_user=staff,
                source_deputy=deputies[index * 3],
            )
        else:
            idea = services.propose_idea(
                congress=congress,
                title=title,
                description=text,
                source=source,
                acting_user=staff,
                source_department=departments[dept],
            )
        ideas.append(idea)

    feasible = []
    for index, (idea, (_s, title, dept, funds)) in enumerate(zip(ideas, IDEAS, strict=True)):
        if title in EXCLUDED:
            services.screen_idea(
                idea,
                acting_user=staff,
                feasible=False,
                exclusion_reason=EXCLUDED[title],
                exclusion_note="不符合民生实事项目条件",
            )
            continue
        services.screen_idea(
            idea,
            acting_user=staff,
            feasible=True,
            feasibility_note="经现场踏勘，技术可行，群众受益面广",
            estimated_funds=Decimal(funds),
            department=departments[dept],
            planned_start=dt.date(year, 3, 1),
            # The market roof was due earlier and is completed late.
            planned_end=dt.date(year, 9, 30) if index == 3 else dt.date(year, 12, 20),
            legality_note="经司法所合法性审查，无违法违规情形",
        )
        feasible.append(idea)

    batch = services.create_batch(
        session=first,
        title=f"{year}年清河镇民生实事项目票决",
        places=10,
        ideas=feasible,
        acting_user=staff,
        materials="候选项目基本情况、资金测算、实施计划；镇政府分管领导在大会上作说明。",
    )
    batch = services.publish_candidates(batch, acting_user=staff)
    services.add_comment(batch, text="建议优先安排饮水管网改造。", name="刘先生")
    opened = services.open_vote(
        batch, acting_user=staff, absent=[d.pk for d in deputies[-5:]], paper=True
    )
    _paper_vote(batch, BATCH1_YES, (staff, teller))
    services.count_vote(batch, acting_user=staff, shares=opened.shares[:2])
    services.announce_result(batch, acting_user=staff)
    further = VoteBatch.objects.get(further_of=batch)
    opened = services.open_vote(
        further, acting_user=staff, absent=[d.pk for d in deputies[-5:]], paper=True
    )
    _paper_vote(further, BATCH2_YES, (staff, teller))
    services.count_vote(further, acting_user=staff, shares=opened.shares[:2])
    services.announce_result(further, acting_user=staff)

    projects = list(
        Project.objects.filter(congress=congress, year=year).order_by("batch__number", "id")
    )
    for index, project in enumerate(projects):
        works_due = min(project.deadline, dt.date(year, 8, 31))
        services.set_plan(
            project,
            acting_user=staff,
            targets=f"{project.title}按期完成并投入使用，群众满意。",
            milestones=[
                ("前期准备与招投标", 20, dt.date(year, 4, 30)),
                ("主体施工", 60, works_due),
                ("竣工验收", 20, project.deadline),
            ],
        )
        services.start_project(project, acting_user=staff)
        milestones = list(project.milestones.order_by("order"))
        steps = milestones[:2] if index == 9 else milestones
        for step, milestone in enumerate(steps):
            services.report_progress(
                project,
                milestone=milestone,
                percent=50 if index == 9 and step == 1 else 100,
                text=f"{milestone.title}已完成。" if index != 9 or step == 0 else "主体施工过半。",
                spent=(project.funds * Decimal("0.93")).quantize(Decimal("0.01"))
                if milestone.order == 3
                else None,
                photos=[_png(index * 3 + step)] if step == 1 else [],
                acting_user=staff,
            )
        if index != 9:
            completed_on = min(today, project.deadline + dt.timedelta(days=20))
            services.complete_project(project, acting_user=staff, completed_on=completed_on)
    # The mid-year session added funds to the last project.
    services.change_project(
        projects[9],
        kind="scope",
        acting_user=staff,
        decision_session=mid,
        decision_reference=f"清河镇第二十届人民代表大会第{mid.ordinal}次会议关于调整民生实事项目的决定",
        decision_date=mid.start_date,
        reason="门诊改造增加负压病房，追加资金",
        changes={"funds": projects[9].funds + 30},
    )

    services.adopt_supervision_plan(
        congress=congress,
        year=year,
        text="主席团对本年度十个民生实事项目开展全过程监督：每个项目成立代表监督小组，每季度至少视察一次，年底组织满意度测评。",
        projects=projects,
        adopted_on=first.end_date,
        acting_user=staff,
    )
    for index, project in enumerate(projects):
        group = deputies[index * 5 : index * 5 + 4]
        services.set_supervision_group(
            project, leader=group[0], members=group[1:], acting_user=staff
        )
    build = [p for p in projects if p.department == departments["建设办"]][0]
    category = Category.objects.filter(congress=congress, code="construction").first()
    # The inspection is an activity of kind "project inspection" (renda/activities): the
    # deputies' participation, the finding filed at once as a case to 建设办, the report.
    inspection = services.record_inspection(
        build,
        held_on=dt.date(year, 6, 12),
        place="东塘村施工现场",
        participants=deputies[:3],
        summary="工程进度符合计划，质量总体良好；发现一处安全隐患。",
        findings=["施工现场围挡不全，夜间缺少警示灯，存在安全隐患"] if category else [],
        category=category,
        acting_user=staff,
    )
    if category is not None:
        assert inspection.activity is not None  # noqa: S101  (set by record_inspection)
        case = inspection.activity.findings.get().case
        assignment = Assignment.objects.get(case=case)
        cases.sign_assignment(assignment, acting_user=handler)
        cases.reply_case(
            assignment,
            reply_class="A",
            text="已补齐施工围挡，增设夜间警示灯和安全标志，并安排专人巡查。",
            acting_user=handler,
        )
        cases.evaluate_case(case, result="satisfied", acting_user=staff)

    rating = services.create_year_rating(
        congress=congress, year=year, session=None, acting_user=staff
    )
    opened = services.open_rating(
        rating, acting_user=staff, absent=[d.pk for d in deputies[-5:]], paper=True
    )
    rated = services.rated_projects(congress.pk, year)
    marked = [
        {
            p.pk: "satisfied" if i < sat else "basic" if i < sat + basic else "unsatisfied"
            for p, (sat, basic, _u) in zip(rated, RATINGS, strict=True)
        }
        for i in range(PRESENT)
    ]
    for who in (staff, teller):
        services.enter_rating_paper(rating, number=1, ballots_marked=marked, teller=who)
    if rating.poll is None:
        raise RuntimeError("the demo rating has no poll")
    ballots.record_paper_counts(rating.poll, issued=PRESENT, returned=PRESENT, acting_user=staff)
    services.close_rating(rating, acting_user=staff, shares=opened.shares[:2])
    micro, shares = _open_micro_batch(congress, sessions[-1], departments, staff, today)
    if stdout is not None:
        stdout.write(
            f"  livelihood projects: {len(ideas)} ideas, {len(projects)} projects ({year}); "
            f"open vote: {micro.title}"
        )
    if micro.poll is not None:
        # Demo mode only: the open vote's key shares, so that a demo user can close it.
        hand_out_demo_shares(micro.poll, shares, stdout)


def _open_micro_batch(
    congress: Congress, session: Session, departments: dict[str, Department], staff: Any, today: Any
) -> tuple[VoteBatch, list[str]]:
    """Small, quick micro-projects proposed by deputies at the latest session, screened,
    published and open for the deputies' online vote (more candidates than places)."""
    members = list(
        DeputyMembership.objects.active_on()
        .filter(congress=congress)
        .select_related("deputy")
        .order_by("deputy__name")
    )
    ideas = []
    for index, (title, dept, funds, description) in enumerate(MICRO):
        idea = services.propose_idea(
            congress=congress,
            title=title,
            description=f"{description}投入少、见效快，建议作为“小快灵”民生微实事尽快实施。",
            source=IdeaSource.DEPUTY,
            acting_user=staff,
            source_deputy=members[index * 7].deputy,
        )
        services.screen_idea(
            idea,
            acting_user=staff,
            feasible=True,
            feasibility_note="投资小、工期短，可在一个月内完成",
            estimated_funds=Decimal(funds),
            department=departments[dept],
            planned_start=today,
            planned_end=today + dt.timedelta(days=60),
            legality_note="经司法所合法性审查，无违法违规情形",
        )
        ideas.append(idea)
    batch = services.create_batch(
        session=session,
        title=f"{session.start_date.year}年清河镇“小快灵”民生微实事项目票决",
        places=MICRO_PLACES,
        ideas=ideas,
        acting_user=staff,
        kind=BatchKind.MICRO,
        materials="五个候选微实事项目的基本情况和资金测算，由镇政府有关部门提出；"
        "请代表在“我的投票”中对每个项目选择赞成、反对或弃权。",
    )
    batch = services.publish_candidates(batch, acting_user=staff)
    # Residents' comments during the comment period (the office's 群众意见 section).
    first = batch.candidates.order_by("order").first()
    services.add_comment(
        batch,
        text="这个项目很实在，希望尽快实施，施工时注意不要影响老人出行。",
        candidate_id=first.pk if first is not None else None,
        name="王阿姨",
    )
    services.add_comment(batch, text="建议把路灯维修也列进来，晚上出门太黑。", name="陈先生")
    opened = services.open_vote(batch, acting_user=staff)
    batch.refresh_from_db()
    return batch, opened.shares
