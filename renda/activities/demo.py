"""Demo data of the activities (called by `seed_demo`): a year of 清河镇 — a focused
inspection of key projects by city, district and town deputies with a finding handled to
the organiser's rating, a survey with its report, a law check, a training with attendance
(some scanned, some marked by staff) and a legal-education campaign with its counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from renda.activities import services
from renda.activities.models import Activity, ActivityKind, ReportKind
from renda.ballots import services as ballots
from renda.cases import services as cases
from renda.cases.models import Category
from renda.congress.models import Congress, CongressLevel, Department, Deputy


def _one(congress: Congress, level: str, count: int, skip: set[int]) -> list[Any]:
    found = [
        d
        for d in services.eligible_deputies(congress, level=level)[: count + len(skip)]
        if d.pk not in skip
    ]
    return found[:count]


def seed(stdout: Any = None) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").first()
    # The livelihood projects' demo (seeded before) records a project inspection here.
    seeded = Activity.objects.filter(congress=congress).exclude(
        kind=ActivityKind.PROJECT_INSPECTION
    )
    if congress is None or seeded.exists():
        return
    users = get_user_model().objects
    staff = users.get(username="qh_staff")
    handler = users.get(username="qh_handler_build")
    me = services.eligible_deputies(congress).filter(user__username="qh_deputy").first()
    today = timezone.localdate()
    early = today - dt.timedelta(days=200)
    taken: set[int] = {me.pk} if me else set()
    city = _one(congress, CongressLevel.CITY, 2, taken)
    district = _one(congress, CongressLevel.COUNTY, 3, taken | {d.pk for d in city})
    town = _one(congress, CongressLevel.TOWN, 5, taken | {d.pk for d in [*city, *district]})
    everyone = [*city, *district, *town]
    departments = {d.short_name: d for d in Department.objects.filter(congress=congress)}

    # 集中视察 of the key projects, organised by qh_deputy, a finding handled and rated.
    inspection = services.create_activity(
        congress=congress,
        kind=ActivityKind.FOCUSED_INSPECTION,
        topic="全镇重点项目建设集中视察",
        starts_on=early,
        organiser=me,
        description="视察镇区污水管网改造、古街修缮和东塘桥改建三个重点项目。",
        acting_user=staff,
    )
    services.invite(inspection, everyone, acting_user=staff)
    services.add_stop(
        inspection,
        starts_at=timezone.make_aware(dt.datetime.combine(early, dt.time(9))),
        place="镇区污水管网改造工地",
        acting_user=staff,
    )
    services.add_stop(
        inspection,
        starts_at=timezone.make_aware(dt.datetime.combine(early, dt.time(10, 30))),
        place="东塘桥改建现场",
        acting_user=staff,
    )
    services.announce(inspection, acting_user=staff)
    # Two invitees answered from the invitation SMS's link (no sign-in): one confirmed,
    # one declined.
    for deputy, attend in ((everyone[0], True), (everyone[-1], False)):
        services.answer_by_link(inspection.invitations.get(deputy=deputy), attend=attend)
    services.mark_attendance(
        inspection, present=([me] if me else []) + everyone[:8], acting_user=staff
    )
    services.add_note(
        inspection,
        text="污水管网已完成主管铺设约七成；东塘桥施工便道未设置护栏，行人通行存在隐患。",
        acting_user=staff,
    )
    category = Category.objects.filter(congress=congress, code="construction").first()
    building = departments.get("建设办")
    if category is not None and building is not None:
        finding = services.file_finding(
            inspection,
            text="东塘桥施工便道未设置护栏和警示标志，行人通行存在安全隐患，请限期整改。",
            department=building,
            category=category,
            acting_user=staff,
        )
        assignment = finding.case.assignments.get()
        cases.sign_assignment(assignment, acting_user=handler)
        cases.reply_case(
            assignment,
            reply_class="A",
            text="已在施工便道两侧加装临时护栏和夜间警示灯，并安排专人值守。",
            acting_user=handler,
        )
        if me is not None and me.user is not None:
            services.rate_reply(finding, result="satisfied", acting_user=me.user)
    services.mark_held(inspection, acting_user=staff)
    services.file_report(
        inspection,
        text="三个重点项目总体进展顺利；提出问题一项（施工便道安全），已整改到位。",
        acting_user=staff,
    )

    # 专题调研 with its report.
    survey = services.create_activity(
        congress=congress,
        kind=ActivityKind.SURVEY,
        topic="农村居家养老服务专题调研",
        starts_on=early + dt.timedelta(days=50),
        organiser=district[0] if district else None,
        acting_user=staff,
    )
    services.invite(survey, town[:4], acting_user=staff)
    services.announce(survey, acting_user=staff)
    services.mark_attendance(survey, present=town[:3], acting_user=staff)
    services.mark_held(survey, acting_user=staff)
    services.file_report(
        survey,
        text="调研报告：全镇60岁以上老人约四千人，居家养老服务站覆盖八个村；建议增加助餐点。",
        acting_user=staff,
    )

    # 执法检查 of the food-safety law.
    law = services.create_activity(
        congress=congress,
        kind=ActivityKind.LAW_CHECK,
        topic="《食品安全法》执法检查",
        legal_basis="《中华人民共和国食品安全法》第三十三条、第五十四条",
        starts_on=early + dt.timedelta(days=80),
        organiser=town[0] if town else None,
        acting_user=staff,
    )
    services.invite(law, [*city[:1], *town[1:4]], acting_user=staff)
    services.announce(law, acting_user=staff)
    services.mark_attendance(law, present=[*city[:1], *town[1:3]], acting_user=staff)
    services.mark_held(law, acting_user=staff)

    # 履职培训 with attendance (hours credited) and a 普法 campaign.
    training = services.create_activity(
        congress=congress,
        kind=ActivityKind.TRAINING,
        topic="代表履职能力提升培训班",
        lecturer="区人大常委会研究室 主任",
        hours=Decimal("3.5"),
        starts_on=today - dt.timedelta(days=20),
        materials="《代表法》解读讲义；履职案例视频",
        acting_user=staff,
    )
    services.invite(training, ([me] if me else []) + everyone, acting_user=staff)
    services.announce(training, acting_user=staff)
    services.mark_attendance(training, present=everyone[:7], acting_user=staff)
    campaign = services.create_activity(
        congress=congress,
        kind=ActivityKind.LEGAL_EDUCATION,
        topic="宪法宣传周普法进村",
        starts_on=early + dt.timedelta(days=140),
        acting_user=staff,
    )
    services.record_counts(campaign, sessions_held=12, people_reached=860, acting_user=staff)
    # 专项视察 next month, announced: qh_deputy's invitation SMS carries the link to confirm.
    upcoming = services.create_activity(
        congress=congress,
        kind=ActivityKind.SPECIAL_INSPECTION,
        topic="农村饮用水安全专项视察",
        starts_on=today + dt.timedelta(days=20),
        organiser=town[0] if town else None,
        description="视察镇自来水厂和三个村的供水站，了解水质检测和管网维护情况。",
        acting_user=staff,
    )
    services.invite(upcoming, ([me] if me else []) + town[1:4], acting_user=staff)
    services.add_stop(
        upcoming,
        starts_at=timezone.make_aware(
            dt.datetime.combine(today + dt.timedelta(days=20), dt.time(9))
        ),
        place="镇自来水厂",
        acting_user=staff,
    )
    services.announce(upcoming, acting_user=staff)
    _presidium(congress, staff, today, departments)
    _plan(congress, staff, today, [inspection, survey, law, training])
    _review(congress, staff, today)
    if stdout is not None:
        stdout.write(
            "Activities: inspection, survey, law check, training, 普法, two presidium "
            "meetings, a pre-appointment review (one vote online, one on paper) and the work "
            "plan loaded."
        )


def _members(congress: Congress) -> list[Any]:
    return list(
        Deputy.objects.filter(
            presidium_seats__session__term__congress=congress,
            presidium_seats__session__term__is_current=True,
        )
        .distinct()
        .order_by("name")
    )


def _presidium(congress: Congress, staff: Any, today: dt.date, departments: dict) -> None:
    """Two meetings hearing budget execution (Q1 on target, Q2 with a line below the band)
    and a deliberation opinion replied and rated."""
    members = _members(congress)
    handler = get_user_model().objects.filter(username="qh_handler_build").first()
    category = Category.objects.filter(congress=congress, is_active=True).order_by("id").first()
    lines = {
        1: [("一般公共服务支出", "820", "210"), ("农林水支出", "1260", "300")],
        2: [("一般公共服务支出", "820", "415"), ("农林水支出", "1260", "380")],  # 60 % of target
    }
    for number, quarter in ((1, 1), (2, 2)):
        held_on = today - dt.timedelta(days=250 - 90 * number)
        meeting = services.create_meeting(
            congress=congress,
            title=f"清河镇人大主席团第{number + 4}次会议",
            held_on=held_on,
            place="镇政府三楼会议室",
            acting_user=staff,
        )
        report = services.add_report(
            meeting,
            kind=ReportKind.BUDGET_EXECUTION,
            title=f"{held_on.year}年第{quarter}季度预算执行情况的报告",
            reporter="镇财政所所长",
            document=_pdf(f"第{quarter}季度预算执行情况的报告.pdf"),
            acting_user=staff,
        )
        if members:
            services.set_attendance(meeting, present=members, acting_user=staff)
        for name, budget, executed in lines[quarter]:
            services.add_budget_line(
                meeting,
                year=held_on.year,
                quarter=quarter,
                name=name,
                budget=Decimal(budget),
                executed=Decimal(executed),
                acting_user=staff,
            )
        building = departments.get("建设办")
        if quarter == 2 and category is not None and building is not None:
            opinion = services.send_opinion(
                report,
                text="农林水支出执行进度明显滞后，请加快高标准农田等项目实施和资金拨付。",
                department=building,
                category=category,
                acting_user=staff,
            )
            if handler is not None:
                assignment = opinion.case.assignments.get()
                cases.sign_assignment(assignment, acting_user=handler)
                cases.reply_case(
                    assignment,
                    reply_class="A",
                    text="已召开专题推进会，三季度末农林水支出执行率达到时序进度。",
                    acting_user=handler,
                )
                cases.evaluate_case(opinion.case, result="satisfied", acting_user=staff)
        services.write_minutes(
            meeting,
            minutes="会议听取并审议了预算执行情况的报告，出席成员发表了审议意见。",
            decisions="同意报告；农林水支出执行进度滞后，形成审议意见交镇政府办理。"
            if quarter == 2
            else "同意报告。",
            acting_user=staff,
        )
        services.close_meeting(meeting, acting_user=staff)


def _plan(congress: Congress, staff: Any, today: dt.date, activities: list[Activity]) -> None:
    plan = services.plan_for(congress, today.year, acting_user=staff)
    lead = next(iter(_members(congress)), None)
    kinds = ["inspection", "survey", "law_check", "training"]
    for kind, activity in zip(kinds, activities, strict=True):
        item = services.add_item(
            plan,
            kind=kind,
            topic=activity.topic,
            month=activity.starts_on.month if activity.starts_on.year == today.year else 1,
            lead=lead,
            acting_user=staff,
        )
        services.link_activity(item, activity, acting_user=staff)
    services.add_item(
        plan,
        kind="hearing",
        topic="听取镇政府关于民生实事项目推进情况的报告",
        month=12,
        lead=lead,
        acting_user=staff,
    )
    services.set_published(plan, published=True, acting_user=staff)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _review(congress: Congress, staff: Any, today: dt.date) -> None:
    """任前审议 of a nominee for 城乡建设办公室主任: documents, a member's question, the vote
    of the members present (those with accounts vote online), counted and appointed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from renda.activities.services import review

    voters = [m for m in _members(congress) if m.user_id]
    if not voters:
        return
    meeting = services.create_meeting(
        congress=congress,
        title="清河镇人大主席团会议（任前审议）",
        held_on=today - dt.timedelta(days=10),
        place="镇政府三楼会议室",
        acting_user=staff,
    )
    services.set_attendance(meeting, present=voters, acting_user=staff)
    nomination = review.nominate(
        congress=congress,
        name="周明远",
        post="城乡建设办公室主任",
        nominating_body="清河镇人民政府",
        acting_user=staff,
    )
    review.attach_documents(
        nomination,
        resume=SimpleUploadedFile("简历.pdf", PDF, content_type="application/pdf"),
        statement=SimpleUploadedFile("任前表态发言.pdf", PDF, content_type="application/pdf"),
        acting_user=staff,
    )
    review.schedule_review(nomination, meeting, acting_user=staff)
    review.add_remark(
        nomination,
        member=voters[0],
        text="请谈谈对镇区危桥改造和农村道路养护的工作打算。",
        acting_user=staff,
    )
    opening = review.open_vote(nomination, acting_user=staff)
    nomination.refresh_from_db()
    assert nomination.poll is not None  # noqa: S101  (set by open_vote)
    subject = nomination.poll.subjects.get()
    for member in voters:
        ballots.cast_online(nomination.poll, voter=member.user, choices={subject.pk: "yes"})
    review.close_vote(nomination, shares=opening.shares[: opening.threshold], acting_user=staff)
    nomination.refresh_from_db()
    if nomination.result == "approved":
        review.appoint(nomination, acting_user=staff)
    services.write_minutes(
        meeting,
        minutes="会议对周明远同志进行了任前审议并表决。",
        decisions="同意任命周明远同志为城乡建设办公室主任。",
        acting_user=staff,
    )
    services.close_meeting(meeting, acting_user=staff)
    _paper_review(congress, staff, today)


def _paper_review(congress: Congress, staff: Any, today: dt.date) -> None:
    """A review entered on paper: every member present (with an account or not) votes on a
    paper ballot; two tellers enter the ballots on the engine's paper channel, the issued
    and returned counts are recorded, then the vote is counted like an online one."""
    from renda.activities.services import review
    from renda.ballots.demo import _teller as teller_for  # the ballots demo's second teller

    voters = _members(congress)
    if len(voters) < 2:
        return
    meeting = services.create_meeting(
        congress=congress,
        title="清河镇人大主席团会议（任前审议，纸质表决）",
        held_on=today - dt.timedelta(days=3),
        place="镇政府三楼会议室",
        acting_user=staff,
    )
    services.set_attendance(meeting, present=voters, acting_user=staff)

    nomination = review.nominate(
        congress=congress,
        name="陈秀兰",
        post="社会事务办公室主任",
        nominating_body="清河镇人民政府",
        acting_user=staff,
    )
    review.attach_documents(
        nomination,
        resume=_pdf("简历.pdf"),
        statement=_pdf("任前表态发言.pdf"),
        acting_user=staff,
    )
    review.schedule_review(nomination, meeting, acting_user=staff)
    opening = review.open_vote(nomination, acting_user=staff, paper=True)
    nomination.refresh_from_db()
    assert nomination.poll is not None  # noqa: S101  (set by open_vote)
    subject = nomination.poll.subjects.get()
    # All but one for; the last member abstained.
    ballots_cast = [{subject.pk: "yes"} for _ in voters[1:]] + [{subject.pk: "abstain"}]
    teller = teller_for(congress)
    ballots.enter_paper_batch(nomination.poll, number=1, ballots=ballots_cast, teller=staff)
    ballots.enter_paper_batch(
        nomination.poll, number=1, ballots=list(reversed(ballots_cast)), teller=teller
    )
    ballots.record_paper_counts(
        nomination.poll, issued=len(voters), returned=len(voters), acting_user=staff
    )
    review.close_vote(nomination, shares=opening.shares[: opening.threshold], acting_user=staff)
    nomination.refresh_from_db()
    if nomination.result == "approved":
        review.appoint(nomination, acting_user=staff)
    services.write_minutes(
        meeting,
        minutes="会议对陈秀兰同志进行了任前审议，出席成员以纸质选票表决，监票人、计票人分别录入。",
        decisions="同意任命陈秀兰同志为社会事务办公室主任。",
        acting_user=staff,
    )
    services.close_meeting(meeting, acting_user=staff)
