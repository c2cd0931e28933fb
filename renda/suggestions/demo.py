"""Demo suggestions for 清河镇: raised at the latest session and between sessions, accepted,
assigned at one 交办会, answered, rated, one re-handled, B and C under follow-up. Through
the real services; deterministic and idempotent."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from renda.cases import services as cases
from renda.cases.models import Assignment, Case, Category
from renda.congress.models import Congress, Department, DeputyMembership, Session
from renda.suggestions import services
from renda.suggestions.models import Suggestion

SUGGESTIONS = [
    (
        "traffic",
        "关于加快清河大桥至东岗村道路拓宽的建议",
        "该路段为通往镇区主要通道，路面窄、会车难，建议列入年度交通项目加快拓宽。",
    ),
    (
        "education",
        "关于增设镇中心幼儿园学位的建议",
        "新城片区新增住户较多，幼儿园学位紧张，建议扩建或新建幼儿园。",
    ),
    (
        "old-street",
        "关于加强古街历史建筑保护的建议",
        "古街部分老宅年久失修，建议建立保护修缮专项资金和日常巡查机制。",
    ),
    (
        "welfare",
        "关于完善农村居家养老服务的建议",
        "建议在各片区建设养老服务站，提供助餐、助洁和健康监测服务。",
    ),
    ("environment", "关于开展河道综合整治的建议", "建议对镇域内主要河道开展清淤、护岸和长效保洁。"),
    (
        "agriculture",
        "关于扶持家庭农场发展的建议",
        "建议出台家庭农场用地、贷款和技术培训等扶持措施。",
    ),
]


def _case(suggestion: Suggestion) -> Case:
    if suggestion.case is None:  # every demo suggestion is submitted
        raise RuntimeError(f"demo suggestion {suggestion.pk} was not submitted")
    return suggestion.case


def seed(stdout: Any = None) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").first()
    if congress is None or Suggestion.objects.filter(congress=congress).exists():
        return
    user_model = get_user_model()
    staff = user_model.objects.get(username="qh_staff")
    handler = user_model.objects.get(username="qh_handler_build")
    social = user_model.objects.get(username="qh_handler_social")
    lead_user = user_model.objects.get(username="qh_deputy")
    session = (
        Session.objects.filter(term__congress=congress, term__is_current=True)
        .order_by("-ordinal")
        .first()
    )
    departments = {d.short_name: d for d in Department.objects.filter(congress=congress)}
    categories = {c.code: c for c in Category.objects.filter(congress=congress)}
    if not categories:
        return
    # Three fellow deputies co-sign the first suggestion (they need no account to be
    # named, but only deputies with accounts can confirm; the chair has one).
    chair_user = user_model.objects.get(username="qh_leader")
    chair = DeputyMembership.objects.filter(congress=congress, deputy__user=chair_user).first()
    raised = []
    for index, (code, title, text) in enumerate(SUGGESTIONS):
        suggestion = services.create_draft(
            acting_user=lead_user,
            congress=congress,
            category=categories[code],
            title=title,
            content=text,
            session=session if index < 4 else None,
        )
        if index == 0 and chair is not None:
            services.invite_cosigners(suggestion, [chair.deputy], acting_user=lead_user)
        services.submit_suggestion(suggestion, acting_user=lead_user)
        if index == 0 and chair is not None:
            services.respond_to_invitation(suggestion, acting_user=chair_user, accept=True)
        suggestion.refresh_from_db()
        raised.append(suggestion)
    for suggestion in raised[:5]:
        cases.triage_case(_case(suggestion), acting_user=staff)
    meeting = services.create_meeting(
        congress=congress, title="代表建议交办会", held_on=timezone.localdate(), acting_user=staff
    )
    units = ["建设办", "社事办", "古街办", "社事办", "执法队"]
    for suggestion, unit in zip(raised[:5], units, strict=True):
        services.set_meeting_item(
            meeting, _case(suggestion), lead=departments[unit], acting_user=staff
        )
    services.hold_meeting(meeting, acting_user=staff)

    def answer(suggestion: Suggestion, klass: str, text: str, user: Any) -> None:
        assignment = Assignment.objects.get(case=suggestion.case, role="lead", status="assigned")
        cases.sign_assignment(assignment, acting_user=user)
        cases.record_contact(
            _case(suggestion),
            stage="before",
            mode="meeting",
            met_on=timezone.localdate(),
            note="与领衔代表面商办理方案",
            acting_user=user,
        )
        cases.reply_case(assignment, reply_class=klass, text=text, acting_user=user)

    answer(raised[0], "B", "道路拓宽已列入明年交通项目计划，正在开展前期设计。", handler)
    answer(raised[1], "A", "已在新城片区增设两个幼儿园班级，新增学位60个。", social)
    answer(raised[3], "C", "受用地条件限制，养老服务站将结合片区改造逐步建设。", social)
    services.evaluate_suggestion(raised[0], acting_user=lead_user, result="basic")
    services.evaluate_suggestion(
        raised[1], acting_user=lead_user, result="satisfied", attitude="satisfied"
    )
    services.evaluate_suggestion(
        raised[3], acting_user=lead_user, result="unsatisfied", comment="希望加快进度"
    )
    services.set_published(raised[1], published=True, acting_user=staff)
