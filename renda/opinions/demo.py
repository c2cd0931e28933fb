"""Demo opinions for 清河镇, driven through the real services so that timelines, the audit
log and the figures are those the platform would produce. Deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F

from renda.cases import services
from renda.cases.models import (
    Assignment,
    AssignmentStatus,
    Case,
    CaseEvent,
    CaseRules,
    CaseSource,
    Category,
    Evaluation,
    FollowUp,
    Reply,
    ReplyTemplate,
)
from renda.congress.models import Congress, Department
from renda.core.models import Region

CATEGORIES = [
    ("education", "教育", "社事办"),
    ("construction", "城乡建设", "建设办"),
    ("old-street", "古街保护", "古街办"),
    ("economy", "经济发展", "经发办"),
    ("welfare", "民生保障", "社事办"),
    ("traffic", "交通", "建设办"),
    ("environment", "环境", "执法队"),
    ("agriculture", "农业农村", "农业办"),
    ("other", "其他", None),
]
OPINIONS = [
    (
        "traffic",
        "村口路灯损坏",
        "村口主干道的三盏路灯坏了两个多月，晚上接孩子放学很不安全，希望尽快修复。",
    ),
    (
        "traffic",
        "学校门口早高峰拥堵",
        "小学门口早上七点半左右车辆乱停，孩子过马路很危险，建议增加交通协管员并划定临时停车区。",
    ),
    (
        "environment",
        "河道垃圾较多",
        "村东小河近期漂浮垃圾较多，夏天有异味，希望安排定期清理并加强宣传。",
    ),
    (
        "old-street",
        "古街老宅墙体开裂",
        "古街北段一处清代老宅墙体出现裂缝，雨季担心倒塌，建议尽快组织专业评估和加固。",
    ),
    (
        "welfare",
        "老年食堂用餐时间",
        "社区老年食堂午餐时间太早，很多老人赶不上，建议延长到中午十二点半。",
    ),
    (
        "education",
        "幼儿园学位紧张",
        "新小区入住后幼儿园学位不够，很多家长要跨片区接送，希望规划增加学位。",
    ),
    ("agriculture", "农田灌溉渠堵塞", "南片农田灌溉渠多处淤堵，春耕用水困难，请尽快组织疏浚。"),
    ("construction", "危桥需要维修", "通往邻村的小石桥栏杆松动，桥面有坑洞，电动车通行容易出事。"),
    ("economy", "农贸市场摊位费", "农贸市场临时摊位收费标准不透明，希望公开收费依据并规范管理。"),
    ("environment", "工地夜间施工噪音", "小区旁工地经常夜里十一点以后还在施工，噪音影响休息。"),
    ("welfare", "公交站台缺少遮雨棚", "镇卫生院门口公交站台没有遮雨棚，老人看病等车很不方便。"),
    ("traffic", "道路坑洼积水", "村委会门前道路坑洼，下雨就积水，希望修补路面并疏通排水沟。"),
]
TEMPLATES = [
    ("已解决", "您反映的问题已办理完毕：{处理结果}。感谢您对人大工作的关心和支持。"),
    ("列入计划", "您反映的问题已列入{年度}工作计划，预计{时间}前完成，届时将告知您。"),
]


AGE = {
    "new": 0,
    "assigned": 24,
    "progress": 12,
    "replied": 6,
    "closed": 40,
    "rehandling": 20,
    "returned": 3,
}


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _age(case: Case, days: int) -> None:
    """Move a demo case's history `days` into the past (demo data only: the action log,
    which no path may rewrite, keeps the real time of seeding)."""
    if not days:
        return
    delta = dt.timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(
        submitted_at=F("submitted_at") - delta,
        assigned_at=F("assigned_at") - delta,
        replied_at=F("replied_at") - delta,
        closed_at=F("closed_at") - delta,
        due_date=F("due_date") - delta,
    )
    Assignment.objects.filter(case=case).update(
        assigned_at=F("assigned_at") - delta,
        signed_at=F("signed_at") - delta,
        replied_at=F("replied_at") - delta,
        returned_at=F("returned_at") - delta,
        due_date=F("due_date") - delta,
    )
    CaseEvent.objects.filter(case=case).update(created_at=F("created_at") - delta)
    Reply.objects.filter(case=case).update(replied_at=F("replied_at") - delta)
    Evaluation.objects.filter(case=case).update(created_at=F("created_at") - delta)
    FollowUp.objects.filter(case=case).update(
        recheck_date=F("recheck_date") - delta, opened_at=F("opened_at") - delta
    )
    # The timeline's notes name the dates the services computed ("due 2026-12-25", "re-check
    # by …"): they move with the history, or the timeline contradicts the case's header.
    for event in CaseEvent.objects.filter(case=case).exclude(note=""):
        note = ISO_DATE.sub(
            lambda found: (dt.date.fromisoformat(found.group()) - delta).isoformat(), event.note
        )
        if note != event.note:
            CaseEvent.objects.filter(pk=event.pk).update(note=note)


def _pick(rng: random.Random, items: list[Any]) -> Any:
    return items[rng.randrange(len(items))]


def seed(stdout: Any = None) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").first()
    if congress is None:
        return
    CaseRules.for_congress(congress.pk)
    departments = {d.short_name: d for d in Department.objects.filter(congress=congress)}
    categories = {}
    for order, (code, name, dept) in enumerate(CATEGORIES):
        categories[code], _created = Category.objects.get_or_create(
            congress=congress,
            code=code,
            defaults={
                "name": name,
                "order": order,
                "default_department": departments.get(dept) if dept else None,
            },
        )
    district = congress.parent
    if district is not None:
        for order, (code, name, _dept) in enumerate(CATEGORIES):
            Category.objects.get_or_create(
                congress=district, code=code, defaults={"name": name, "order": order}
            )
    fenglin = Congress.objects.filter(name="枫林镇人民代表大会").first()
    if fenglin is not None:
        for order, (code, name, _dept) in enumerate(CATEGORIES[:6]):
            Category.objects.get_or_create(
                congress=fenglin, code=code, defaults={"name": name, "order": order}
            )
    for title, text in TEMPLATES:
        ReplyTemplate.objects.get_or_create(congress=congress, title=title, defaults={"text": text})
    if Case.objects.filter(congress=congress).exists():
        return
    _cases(congress, categories, departments)


def _cases(
    congress: Congress, categories: dict[str, Category], departments: dict[str, Department]
) -> None:
    user_model = get_user_model()
    staff = user_model.objects.get(username="qh_staff")
    leader = user_model.objects.get(username="qh_leader")
    handlers = {
        "建设办": user_model.objects.get(username="qh_handler_build"),
        "社事办": user_model.objects.get(username="qh_handler_social"),
    }
    rng = random.Random(311)  # noqa: S311  (deterministic demo data)
    if congress.region is None:
        return
    villages = list(Region.objects.subtree_of(congress.region).filter(level="village"))
    sources = [
        CaseSource.WEB,
        CaseSource.WEB,
        CaseSource.STATION,
        CaseSource.HOTLINE,
        CaseSource.DEPUTY_VISIT,
        CaseSource.LETTER,
    ]
    # How far each demo case goes, and how many days ago it arrived: 30 cases in every
    # state of the loop, spread over the last three months (some of them overdue).
    plan = (
        ["new"] * 5
        + ["assigned"] * 4
        + ["progress"] * 4
        + ["replied"] * 5
        + ["closed"] * 8
        + ["rehandling"] * 2
        + ["returned"] * 2
    )
    ages: list[tuple[Case, int]] = []
    for index, stage in enumerate(plan):
        code, title, text = OPINIONS[index % len(OPINIONS)]
        village = _pick(rng, villages)
        case, check_code = services.submit_case(
            congress=congress,
            category=categories[code],
            title=title,
            content=f"{village.name}{text}",
            village=village,
            source=_pick(rng, sources),
            submitter_name=_pick(rng, ["赵", "钱", "孙", "李"]) + "先生",
            submitter_phone=f"1370000{index:04d}",
            entered_by=None if index % 3 else staff,
        )
        ages.append((case, AGE[stage] + index % 7))
        if stage == "new":
            continue
        dept_short = "建设办" if code in ("traffic", "construction", "environment") else "社事办"
        department = departments[dept_short]
        handler = handlers[dept_short]
        if stage == "returned":
            other = departments["社事办" if dept_short == "建设办" else "建设办"]
            services.assign_case(case, lead=other, acting_user=staff)
            services.return_assignment(
                case.assignments.get(),
                reason="不属于本单位职责范围",
                acting_user=handlers[other.short_name],
            )
            continue
        services.assign_case(case, lead=department, acting_user=staff)
        if stage == "assigned":
            continue
        assignment = case.assignments.get(status=AssignmentStatus.ASSIGNED)
        services.sign_assignment(assignment, acting_user=handler)
        services.add_progress(
            case, note="已到现场查看，正在制定处理方案。", public=True, acting_user=handler
        )
        if stage == "progress":
            if index % 2:
                services.set_priority(case, leader=leader, note="主席团重点督办", acting_user=staff)
            continue
        reply_class = "A" if index % 3 else "B"
        services.reply_case(
            assignment,
            reply_class=reply_class,
            text=f"关于“{title}”的答复：已安排处理，详见附件。",
            public_text="已安排专人处理，问题已基本解决。"
            if reply_class == "A"
            else "已列入计划，年内解决。",
            acting_user=handler,
        )
        if stage == "replied":
            continue
        if stage == "rehandling":
            services.rate_by_check_code(
                case, code=check_code, result="unsatisfied", comment="问题仍未解决"
            )
            continue
        services.rate_by_check_code(
            case, code=check_code, result="satisfied" if index % 4 else "basic"
        )
    for case, days in ages:
        _age(case, days)
    # One duplicate merged, one matter escalated to the district.
    first = Case.objects.filter(congress=congress, status="submitted").order_by("id")
    if first.count() >= 2:
        services.merge_cases(first[1], into=first[0], acting_user=staff, note="反映同一问题")
    remaining = Case.objects.filter(congress=congress, status="submitted").order_by("-id").first()
    if remaining is not None and congress.parent is not None:
        services.escalate_case(remaining, acting_user=staff, note="涉及区管道路，报区人大常委会")
