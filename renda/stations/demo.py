"""Demo station network of 清河镇 (DOMAIN.md §3 at seed scale): 1 中心站, 12 片区站 and 96
联络点 (5 高标准, full coverage), every deputy of the town in a station, the current
quarter's rosters filled by rotation, attendance for the days gone by, receptions with
matters in every disposition (one case answered and rated), dual-contact pairings with
logs, two industry contact points. Through the services; deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from renda.cases import services as cases
from renda.cases.models import Assignment, Category
from renda.congress.models import Congress, Department, DeputyMembership
from renda.core.models import Area, Region, RegionLevel
from renda.stations import services
from renda.stations.models import (
    ContactKind,
    Disposition,
    DutyAssignment,
    DutyShift,
    DutyStatus,
    PairingKind,
    RuleKind,
    StaffRole,
    Station,
    StationGrade,
    StationKind,
    StationMember,
    StationStaff,
)

MATTERS = [
    ("traffic", "村道有一段塌陷，雨天积水，希望尽快修复。", "case"),
    ("welfare", "老年人助餐点离家太远，希望在村里设点。", "answered"),
    ("traffic", "区道临溪线货车多、无人行道，希望区里规划人行道。", "escalated"),
    ("agriculture", "家庭农场贷款难，希望出台扶持办法。", "suggestion"),
    ("other", "与邻居宅基地纠纷已起诉，想了解进展。", "redirected"),
    ("environment", "河道有人倾倒垃圾，希望加强巡查。", "pending"),
]


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + 2
    nxt = dt.date(day.year + (end_month == 12), end_month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def seed(stdout: Any = None) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").select_related("region").first()
    if (
        congress is None
        or congress.region is None
        or Station.objects.filter(congress=congress).exists()
    ):
        return
    users = get_user_model().objects
    staff = users.get(username="qh_staff")
    manager = users.get(username="qh_station")
    town = congress.region
    center = _network(congress, town, staff, manager)
    _seat_deputies(congress, center, staff)
    _rules(congress, staff)
    today = timezone.localdate()
    start, end = quarter_of(today)
    services.generate_roster(congress, start=start, end=end, acting_user=staff)
    _attendance(congress, today, staff)
    _receptions(congress, today, staff)
    _contacts(congress, today, staff)
    _industry(congress, today, staff)
    if stdout is not None:
        stdout.write("Stations: 清河镇 network, rosters and receptions loaded.")


def _network(congress: Congress, town: Region, staff: Any, manager: Any) -> Station:
    center = services.create_station(
        congress=congress,
        kind=StationKind.CENTRAL,
        name="清河镇人大代表中心联络站",
        code="center",
        address="清河镇人民路1号镇政府一楼",
        grade=StationGrade.HIGH,
        opening_hours="周一至周五 9:00-11:30, 14:00-17:00",
        phone="0571-8800100",
        duties="收集群众意见建议；组织代表接待选民；督促意见办理反馈。",
        opened_on=dt.date(2019, 3, 1),
        acting_user=staff,
    )
    StationStaff.objects.create(
        station=center, role=StaffRole.HEAD, name=manager.name, user=manager
    )
    StationStaff.objects.create(station=center, role=StaffRole.LIAISON, name="何雅婷")
    for index, area in enumerate(Area.objects.filter(town=town).order_by("order")):
        villages = list(Region.objects.filter(area=area, level=RegionLevel.VILLAGE))
        area_station = services.create_station(
            congress=congress,
            kind=StationKind.AREA,
            parent=center,
            area=area,
            name=f"{area.name}人大代表联络站",
            code=f"area-{index + 1:02d}",
            address=f"{area.name}{villages[0].name}党群服务中心" if villages else area.name,
            grade=StationGrade.HIGH if index < 4 else StationGrade.STANDARD,
            opening_hours="周一至周五 9:00-11:30",
            duties="片区代表接待选民、收集意见、组织小组活动。",
            opened_on=dt.date(2020 + index % 3, 1 + index % 12, 1),
            acting_user=staff,
        )
        if index == 0:
            StationStaff.objects.create(
                station=area_station, role=StaffRole.HEAD, name=manager.name, user=manager
            )
        for number, village in enumerate(villages):
            services.create_station(
                congress=congress,
                kind=StationKind.POINT,
                parent=area_station,
                name=f"{village.name}人大代表联络点",
                code=f"point-{village.code[-3:]}",
                address=_committee(village.name),
                villages=[village],
                opening_hours="每月接待日",
                opened_on=_point_opened(index, number, len(villages)),
                acting_user=staff,
            )
    return center


def _point_opened(area: int, number: int, points: int) -> dt.date:
    """The contact points opened over the years, an area's last one this year (so that the
    annual report's network grows on last year's): deterministic, never after today."""
    today = timezone.localdate()
    if number == points - 1:
        return min(today, dt.date(today.year, 1 + area % 6, 10))
    return dt.date(2021 + (area + number) % 4, 1 + number % 12, 15)


def _committee(village: str) -> str:
    """The village's (or community's) committee as an address: 青下湾村 → 青下湾村村民委员会,
    东塘社区 → 东塘社区居民委员会 (never "青下湾村村（居）委会")."""
    if village.endswith("社区"):
        return f"{village}居民委员会"
    if village.endswith("村"):
        return f"{village}村民委员会"
    return f"{village}村（居）民委员会"


def _seat_deputies(congress: Congress, center: Station, staff: Any) -> None:
    area_stations = {
        s.area_id: s for s in Station.objects.filter(congress=congress, kind=StationKind.AREA)
    }
    city_ids = set(
        DeputyMembership.objects.active_on()
        .filter(congress__level="city")
        .values_list("deputy_id", flat=True)
    )
    for deputy in services.deputies_of_town(congress).select_related("residence"):
        station = center
        if deputy.pk not in city_ids and deputy.residence and deputy.residence.area_id:
            station = area_stations.get(deputy.residence.area_id, center)
        services.assign_deputy(station, deputy, acting_user=staff, since=dt.date(2022, 1, 10))


def _rules(congress: Congress, staff: Any) -> None:
    center = Station.objects.get(congress=congress, code="center")
    services.add_rule(
        center, kind=RuleKind.MONTH_DAY, month_day=15, deputies_per_shift=2, acting_user=staff
    )
    for index, station in enumerate(
        Station.objects.filter(congress=congress, kind=StationKind.AREA).order_by("code")
    ):
        if index % 2 == 0:
            services.add_rule(station, kind=RuleKind.WEEKLY, weekday=2, acting_user=staff)
        else:
            services.add_rule(
                station, kind=RuleKind.NTH_WEEKDAY, weekday=1, weeks="1,3", acting_user=staff
            )


def _attendance(congress: Congress, today: dt.date, staff: Any) -> None:
    past = DutyAssignment.objects.filter(
        congress=congress, shift__date__lt=today, status=DutyStatus.SCHEDULED
    ).order_by("shift__date", "id")
    for index, duty in enumerate(past):
        if index % 17 == 5:
            services.mark_missed(duty, acting_user=staff)
        else:
            services.confirm_attendance(duty, acting_user=staff)


def _receptions(congress: Congress, today: dt.date, staff: Any) -> None:
    users = get_user_model().objects
    categories = {c.code: c for c in Category.objects.filter(congress=congress)}
    if not categories:
        return
    deputy_user = users.get(username="qh_deputy")
    deputy = deputy_user.deputy
    # Receptions at the demo deputy's own station: its past shifts first, then walk-ins.
    seat = StationMember.objects.get(congress=congress, deputy=deputy, until__isnull=True)
    station = seat.station
    past_shifts = list(
        DutyShift.objects.filter(station=station, date__lt=today).order_by("-date")[:3]
    )
    # A district deputy to carry a matter up to the district congress.
    district_deputy = next(
        d
        for d in services.deputies_of_town(congress).order_by("id")
        if services.higher_congress_of(d, congress) is not None
    )
    village = (
        Region.objects.filter(area_id=station.area_id).order_by("code").first()
        or Region.objects.filter(area__town=congress.region).order_by("code").first()
    )
    receptions = []
    for index, (code, text, _disposition) in enumerate(MATTERS):
        shift = past_shifts[index] if index < len(past_shifts) else None
        on_duty = (
            [d.deputy for d in shift.duties.select_related("deputy") if d.deputy_id != deputy.pk]
            if shift
            else []
        )
        reception = services.record_reception(
            station,
            date=shift.date if shift else today - dt.timedelta(days=index),
            shift=shift,
            deputies=[deputy, *on_duty],
            visitor_name=["赵先生", "钱女士", "孙先生", "李女士", "周先生", ""][index],
            visitor_phone=f"1381234{index:04d}" if index < 5 else "",
            visitor_village=village,
            visitor_count=[1, 2, 1, 3, 1, 1][index],
            matters=[(categories[code], text)],
            acting_user=staff,
        )
        receptions.append(reception)
    matters = [r.matters.get() for r in receptions]
    handler = users.get(username="qh_handler_build")
    matter, check_code = services.matter_to_case(matters[0], acting_user=staff)
    case = matter.case
    if case is None:
        raise RuntimeError("the demo matter did not become a case")
    cases.triage_case(case, acting_user=staff)
    dept = Department.objects.get(congress=congress, short_name="建设办")
    cases.assign_case(case, acting_user=staff, lead=dept)
    assignment = Assignment.objects.get(case=case, status="assigned")
    cases.sign_assignment(assignment, acting_user=handler)
    cases.reply_case(
        assignment,
        reply_class="A",
        text="已安排施工队修复塌陷路段并疏通边沟。",
        acting_user=handler,
    )
    case.refresh_from_db()
    cases.rate_by_check_code(case, code=check_code, result="satisfied", comment="修得很快，谢谢。")
    services.answer_matter(
        matters[1], answer="已告知村里正在筹建助餐点，预计下月开放。", acting_user=staff
    )
    services.escalate_matter(matters[2], deputy=district_deputy, acting_user=staff)
    # The suggestions door takes the matter over when it is installed (its registered handler).
    to_suggestion = services.matter_handler(Disposition.SUGGESTION)
    if to_suggestion is not None:
        to_suggestion.run(matters[3], acting_user=deputy_user)
    services.redirect_matter(
        matters[4], reason="涉诉事项，已引导通过法院诉讼程序了解进展。", acting_user=staff
    )


def _contacts(congress: Congress, today: dt.date, staff: Any) -> None:
    presidium = list(
        DeputyMembership.objects.filter(congress=congress, term__is_current=True)
        .order_by("id")
        .values_list("deputy_id", flat=True)
    )
    deputies = {d.pk: d for d in services.deputies_of_town(congress)}
    chair = deputies[presidium[20]]
    villages = list(Region.objects.filter(area__town=congress.region).order_by("code")[:6])
    for offset in range(6):
        paired = deputies[presidium[offset]]
        pairing = services.create_pairing(
            congress,
            kind=PairingKind.PRESIDIUM,
            deputy=chair,
            contact_deputy=paired,
            acting_user=staff,
        )
        for k in range(offset % 3 + 1):
            services.log_contact(
                congress,
                deputy=chair,
                kind=ContactKind.PAIRING,
                pairing=pairing,
                date=today - dt.timedelta(days=30 * k + offset + 1),
                summary=f"与{paired.name}代表交流履职情况。",
                acting_user=staff,
            )
    for offset, village in enumerate(villages):
        keeper = deputies[presidium[offset + 6]]
        pairing = services.create_pairing(
            congress,
            kind=PairingKind.VOTERS,
            deputy=keeper,
            household=f"{village.name}{['张', '王', '李', '赵', '陈', '刘'][offset]}家",
            village=village,
            acting_user=staff,
        )
        for k in range(offset * 2 + 1):
            services.log_contact(
                congress,
                deputy=keeper,
                kind=ContactKind.PAIRING,
                pairing=pairing,
                date=today - dt.timedelta(days=20 * k + 2),
                summary="走访联系户，了解生产生活情况。",
                issues="希望改善村里的网络信号。" if k == 0 and offset == 2 else "",
                acting_user=staff,
            )
        membership = DeputyMembership.objects.filter(deputy=keeper, congress=congress).first()
        services.log_contact(
            congress,
            deputy=keeper,
            kind=ContactKind.CONSTITUENCY,
            constituency=membership.constituency if membership else None,
            date=today - dt.timedelta(days=10 + offset),
            voters_met=15 + offset,
            summary="回选区听取选民意见。",
            acting_user=staff,
        )


def _industry(congress: Congress, today: dt.date, staff: Any) -> None:
    deputies = list(services.deputies_of_town(congress).order_by("id")[:4])
    center = Station.objects.get(congress=congress, code="center")
    points = [
        (
            "清河茶产业发展联系点",
            "清河茶业产业链",
            "农业",
            ["清河茶叶合作社", "古街茶坊", "东岗茶园"],
        ),
        (
            "新城智能制造联系点",
            "新城智能装备有限公司",
            "制造业",
            ["新城精工", "临江电子", "沙洲机械"],
        ),
    ]
    for index, (name, host, sector, firms) in enumerate(points):
        team = deputies[index * 2 : index * 2 + 2]
        point = services.create_industry_point(
            congress,
            name=name,
            host=host,
            sector=sector,
            deputies=team,
            station=center,
            acting_user=staff,
        )
        for k, firm in enumerate(firms):
            services.link_firm(point, name=firm, deputy=team[k % 2], acting_user=staff)
        services.record_industry_activity(
            point,
            date=today - dt.timedelta(days=14 + index),
            title="走访企业，座谈发展难题",
            deputies=team,
            issues="企业反映用工难、物流成本高。",
            acting_user=staff,
        )
