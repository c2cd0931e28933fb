"""Demo data: a fictional district with two towns, deterministic and idempotent.

清河镇 is at the scale of a real town: 96 villages and communities in 12 areas, its 20th
congress (2021–2026) with 60 town deputies, 24 district deputies and 4 city deputies who
live there (some people sit in two congresses), a presidium per session, 4 deputy mayors,
12 departments. 枫林镇 is a smaller second town. Every name is invented.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from renda.congress.models import (
    AgendaItem,
    Congress,
    CongressLevel,
    Constituency,
    Department,
    DepartmentKind,
    Deputy,
    DeputyGroup,
    DeputyMembership,
    Gender,
    Official,
    Party,
    PresidiumMembership,
    PresidiumRole,
    Role,
    RoleGrant,
    Session,
    SessionKind,
    Term,
)
from renda.core.models import Area, Region, RegionLevel, VillageKind

DEMO_PASSWORD = "renda-demo-2026"  # noqa: S105 (demo mode only; printed by make run)

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国明华丽芳伟强军平秀英志敏静海燕玉兰春梅红霞晓东振宇思远文博雅婷佳慧俊杰子涵欣怡浩然雨萱嘉懿梓"
VILLAGE_FIRST = ["东", "西", "南", "北", "上", "下", "前", "后", "新", "古", "大", "小"]
VILLAGE_SECOND = ["塘", "湾", "岗", "溪", "桥", "林", "坊", "埠"]
AREAS = [
    "河东",
    "河西",
    "临江",
    "凤山",
    "青石",
    "古街",
    "新城",
    "南湖",
    "北岭",
    "桃园",
    "沙洲",
    "柳岸",
]
QH_DEPARTMENTS = [
    ("党政办公室", "党政办", DepartmentKind.TOWN_OFFICE),
    ("经济发展办公室", "经发办", DepartmentKind.TOWN_OFFICE),
    ("社会事务办公室", "社事办", DepartmentKind.TOWN_OFFICE),
    ("城乡建设办公室", "建设办", DepartmentKind.TOWN_OFFICE),
    ("农业农村办公室", "农业办", DepartmentKind.TOWN_OFFICE),
    ("平安建设办公室", "平安办", DepartmentKind.TOWN_OFFICE),
    ("综合行政执法队", "执法队", DepartmentKind.SERVICE_STATION),
    ("财政所", "财政所", DepartmentKind.SERVICE_STATION),
    ("自然资源所", "资源所", DepartmentKind.SERVICE_STATION),
    ("文化服务中心", "文化中心", DepartmentKind.SERVICE_STATION),
    ("便民服务中心", "便民中心", DepartmentKind.SERVICE_STATION),
    ("古街保护管理办公室", "古街办", DepartmentKind.TOWN_OFFICE),
]
DISTRICT_DEPARTMENTS = [
    ("区教育局", DepartmentKind.DISTRICT_BUREAU),
    ("区交通运输局", DepartmentKind.DISTRICT_BUREAU),
    ("区住房和城乡建设局", DepartmentKind.DISTRICT_BUREAU),
    ("区卫生健康局", DepartmentKind.DISTRICT_BUREAU),
]
DEPUTY_MAYORS = [
    ("高振宇", "副镇长", "经济发展、招商引资"),
    ("林雅婷", "副镇长", "教育、文化、卫生"),
    ("曹建国", "副镇长", "城乡建设、古街保护"),
    ("苏明华", "副镇长", "农业农村、水利"),
]
OCCUPATIONS = [
    "村党总支书记",
    "社区居委会主任",
    "个体工商户",
    "小学教师",
    "乡村医生",
    "农业合作社理事长",
    "企业职工",
    "民营企业负责人",
    "退休干部",
    "家庭农场主",
    "卫生院医生",
    "镇机关干部",
]


def _person_names(rng: random.Random, count: int, used: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = (
            rng.choice(FAMILY)
            + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        )
        if name not in used:
            used.add(name)
            names.append(name)
    return names


class Command(BaseCommand):
    help = "Load the fictional demo district (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="Do not print the demo accounts."
        )

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo only runs in demo mode (RENDA_DEMO=1).")
        with transaction.atomic():
            self.rng = random.Random(2026)  # noqa: S311 (deterministic demo data)
            self.used_names: set[str] = set()
            self._regions()
            self._congresses()
            self._terms_and_sessions()
            self._people()
            self._departments_and_officials()
            self._accounts()
            # Apps above this one add their demo data through a `demo.seed()` hook, so
            # that this app never imports them.
            for config in apps.get_app_configs():
                if config.name.startswith("renda.") and importlib.util.find_spec(
                    f"{config.name}.demo"
                ):
                    importlib.import_module(f"{config.name}.demo").seed(self.stdout)
        if not options["quiet_accounts"]:
            self.print_accounts()

    # --- regions -----------------------------------------------------------------------
    def _node(self, parent: Region | None, code: str, name: str, level: str, **extra) -> Region:
        found = Region.objects.filter(code=code).first()
        if found is not None:
            return found
        if parent is None:
            return Region.objects.add_root(
                create_kwargs={"code": code, "name": name, "level": level, **extra}
            )
        parent.refresh_from_db()
        return Region.objects.add_child(
            parent, create_kwargs={"code": code, "name": name, "level": level, **extra}
        )

    def _regions(self) -> None:
        province = self._node(None, "990000", "青川省", RegionLevel.PROVINCE)
        city = self._node(province, "990100", "云岭市", RegionLevel.CITY)
        self.district = self._node(city, "990102", "临溪区", RegionLevel.COUNTY)
        self.qinghe = self._node(
            self.district, "990102101", "清河镇", RegionLevel.TOWN, population=86000
        )
        self.fenglin = self._node(
            self.district, "990102102", "枫林镇", RegionLevel.TOWN, population=31000
        )
        self.city_region, self.province_region = city, province
        self.qh_villages = self._villages(self.qinghe, AREAS, 8, communities=16)
        self.fl_villages = self._villages(self.fenglin, ["溪北", "溪南"], 5, communities=2)

    def _villages(
        self, town: Region, area_names: list[str], per_area: int, communities: int
    ) -> list[Region]:
        villages: list[Region] = []
        index = 0
        for a_index, area_name in enumerate(area_names):
            area, _ = Area.objects.get_or_create(
                town=town, name=f"{area_name}片区", defaults={"order": a_index + 1}
            )
            for v in range(per_area):
                index += 1
                is_community = index <= communities
                base = f"{area_name[0]}{VILLAGE_FIRST[v % 12]}{VILLAGE_SECOND[(a_index + v) % 8]}"
                name = f"{base}社区" if is_community else f"{base}村"
                villages.append(
                    self._node(
                        town,
                        f"{town.code}{index:03d}",
                        name,
                        RegionLevel.VILLAGE,
                        kind=VillageKind.COMMUNITY if is_community else VillageKind.VILLAGE,
                        area=area,
                        population=self.rng.randint(600, 2400),
                    )
                )
        return villages

    # --- congresses --------------------------------------------------------------------
    def _congress(
        self,
        name: str,
        short: str,
        level: str,
        region: Region,
        parent: Congress | None,
        prefix: str,
    ) -> Congress:
        congress, _ = Congress.objects.get_or_create(
            region=region,
            defaults={
                "name": name,
                "short_name": short,
                "level": level,
                "parent": parent,
                "serial_prefix": prefix,
            },
        )
        return congress

    def _congresses(self) -> None:
        self.c_province = self._congress(
            "青川省人民代表大会", "省人大", CongressLevel.PROVINCE, self.province_region, None, "QC"
        )
        self.c_city = self._congress(
            "云岭市人民代表大会",
            "市人大",
            CongressLevel.CITY,
            self.city_region,
            self.c_province,
            "YL",
        )
        self.c_district = self._congress(
            "临溪区人民代表大会", "区人大", CongressLevel.COUNTY, self.district, self.c_city, "LX"
        )
        self.c_qinghe = self._congress(
            "清河镇人民代表大会",
            "清河镇人大",
            CongressLevel.TOWN,
            self.qinghe,
            self.c_district,
            "QH",
        )
        self.c_fenglin = self._congress(
            "枫林镇人民代表大会",
            "枫林镇人大",
            CongressLevel.TOWN,
            self.fenglin,
            self.c_district,
            "FL",
        )

    def _term(
        self, congress: Congress, ordinal: int, start: dt.date, end: dt.date, current: bool
    ) -> Term:
        term, _ = Term.objects.get_or_create(
            congress=congress,
            ordinal=ordinal,
            defaults={"start_date": start, "end_date": end, "is_current": current},
        )
        return term

    def _terms_and_sessions(self) -> None:
        self._term(self.c_qinghe, 19, dt.date(2016, 12, 20), dt.date(2021, 12, 27), False)
        self.t_qinghe = self._term(
            self.c_qinghe, 20, dt.date(2021, 12, 28), dt.date(2026, 12, 27), True
        )
        self.t_fenglin = self._term(
            self.c_fenglin, 20, dt.date(2021, 12, 29), dt.date(2026, 12, 28), True
        )
        self.t_district = self._term(
            self.c_district, 18, dt.date(2021, 12, 30), dt.date(2026, 12, 29), True
        )
        self.t_city = self._term(self.c_city, 16, dt.date(2022, 1, 5), dt.date(2027, 1, 4), True)
        self.qh_sessions = self._sessions(self.t_qinghe, "清河镇人民政府大会堂")
        self._sessions(self.t_fenglin, "枫林镇人民政府会议中心")
        self._sessions(self.t_district, "临溪区人民会堂", count=5)

    def _sessions(self, term: Term, venue: str, count: int = 10) -> list[Session]:
        sessions = []
        dates = [
            dt.date(
                term.start_date.year, 12, 28 if term.start_date.day <= 28 else term.start_date.day
            )
        ]
        for year in range(term.start_date.year + 1, term.end_date.year + 1):
            dates.append(dt.date(year, 2, 20))
            dates.append(dt.date(year, 8, 18))
        dates = [d for d in dates if term.contains(d)][:count]
        for ordinal, start in enumerate(dates, start=1):
            session, _ = Session.objects.get_or_create(
                term=term,
                ordinal=ordinal,
                defaults={
                    "start_date": start,
                    "end_date": start + dt.timedelta(days=1),
                    "venue": venue,
                    "kind": SessionKind.REGULAR,
                },
            )
            sessions.append(session)
        return sessions

    # --- people ------------------------------------------------------------------------
    def _deputy(self, name: str, phone: str, residence: Region) -> Deputy:
        rng = self.rng
        deputy, _ = Deputy.objects.get_or_create(
            phone=phone,
            defaults={
                "name": name,
                "gender": Gender.FEMALE if rng.random() < 0.35 else Gender.MALE,
                "birth_year": rng.randint(1962, 1996),
                "party": rng.choice(
                    [Party.CPC, Party.CPC, Party.CPC, Party.NONE, Party.DEMOCRATIC]
                ),
                "occupation": rng.choice(OCCUPATIONS),
                "residence": residence,
            },
        )
        return deputy

    def _seat(
        self,
        deputy: Deputy,
        term: Term,
        constituency: Constituency | None,
        group: DeputyGroup | None,
    ) -> None:
        DeputyMembership.objects.get_or_create(
            deputy=deputy,
            term=term,
            defaults={"constituency": constituency, "group": group, "start_date": term.start_date},
        )

    def _people(self) -> None:
        rng = self.rng
        # 清河镇: 20 constituencies of about five villages, 3 deputies each = 60.
        constituencies = []
        for number in range(1, 21):
            villages = self.qh_villages[(number - 1) * 96 // 20 : number * 96 // 20]
            c, created = Constituency.objects.get_or_create(
                congress=self.c_qinghe,
                number=number,
                defaults={"name": f"第{number}选区（{villages[0].name}等）"},
            )
            if created:
                c.regions.set(villages)
            constituencies.append((c, villages))
        groups = [
            DeputyGroup.objects.get_or_create(congress=self.c_qinghe, name=f"{area}代表小组")[0]
            for area in AREAS[:6]
        ]
        names = _person_names(rng, 60 + 14 + 2, self.used_names)
        self.qh_deputies: list[Deputy] = []
        for i in range(60):
            constituency, villages = constituencies[i // 3]
            deputy = self._deputy(names[i], f"1390571{i:04d}", villages[i % len(villages)])
            self._seat(deputy, self.t_qinghe, constituency, groups[i % len(groups)])
            self.qh_deputies.append(deputy)
        # 24 district deputies living in 清河镇: 10 of them are also town deputies.
        d_constituencies = [
            Constituency.objects.get_or_create(
                congress=self.c_district, number=n, defaults={"name": f"清河第{n}选区"}
            )[0]
            for n in range(1, 9)
        ]
        d_group = DeputyGroup.objects.get_or_create(congress=self.c_district, name="清河代表小组")[
            0
        ]
        district_people = self.qh_deputies[:10] + [
            self._deputy(names[60 + i], f"1390572{i:04d}", self.qh_villages[(i * 7) % 96])
            for i in range(14)
        ]
        for i, deputy in enumerate(district_people):
            self._seat(deputy, self.t_district, d_constituencies[i % 8], d_group)
        # 4 city deputies living in the town: 2 are also district deputies.
        city_people = district_people[10:12] + [
            self._deputy(names[74 + i], f"1390573{i:04d}", self.qh_villages[i * 11])
            for i in range(2)
        ]
        for deputy in city_people:
            self._seat(deputy, self.t_city, None, None)
        # 枫林镇: 45 deputies (the legal minimum), 9 constituencies.
        fl_names = _person_names(rng, 45, self.used_names)
        fl_groups = [
            DeputyGroup.objects.get_or_create(congress=self.c_fenglin, name=f"{n}代表小组")[0]
            for n in ("溪北", "溪南")
        ]
        for i in range(45):
            number = i // 5 + 1
            c = Constituency.objects.get_or_create(
                congress=self.c_fenglin, number=number, defaults={"name": f"枫林第{number}选区"}
            )[0]
            deputy = self._deputy(
                fl_names[i], f"1390574{i:04d}", self.fl_villages[i % len(self.fl_villages)]
            )
            self._seat(deputy, self.t_fenglin, c, fl_groups[i % 2])
        self._presidium()

    def _presidium(self) -> None:
        """Each session elects a presidium: chair, two vice-chairs and six members."""
        chair, vice1, vice2 = self.qh_deputies[20], self.qh_deputies[21], self.qh_deputies[22]
        members = self.qh_deputies[23:29]
        for session in self.qh_sessions:
            seats = [
                (chair, PresidiumRole.CHAIR),
                (vice1, PresidiumRole.VICE_CHAIR),
                (vice2, PresidiumRole.VICE_CHAIR),
            ]
            seats += [(m, PresidiumRole.MEMBER) for m in members]
            for deputy, role in seats:
                PresidiumMembership.objects.get_or_create(
                    session=session, deputy=deputy, defaults={"role": role}
                )
        latest = self.qh_sessions[-1]
        for order, title in enumerate(
            [
                "听取和审议镇人民政府工作报告",
                "审查和批准财政预算执行情况及预算草案",
                "听取和审议镇人大主席团工作报告",
                "票决年度民生实事项目",
            ],
            start=1,
        ):
            AgendaItem.objects.get_or_create(session=latest, order=order, defaults={"title": title})
        self.chair = chair

    def _departments_and_officials(self) -> None:
        self.qh_departments = {}
        for name, short, kind in QH_DEPARTMENTS:
            dept, _ = Department.objects.get_or_create(
                congress=self.c_qinghe, name=name, defaults={"short_name": short, "kind": kind}
            )
            self.qh_departments[short] = dept
        for name, kind in DISTRICT_DEPARTMENTS:
            Department.objects.get_or_create(
                congress=self.c_district, name=name, defaults={"kind": kind}
            )
        self.fl_department = Department.objects.get_or_create(
            congress=self.c_fenglin,
            name="枫林镇城乡建设办公室",
            defaults={"kind": DepartmentKind.TOWN_OFFICE},
        )[0]
        Department.objects.get_or_create(
            congress=self.c_fenglin,
            name="枫林镇社会事务办公室",
            defaults={"kind": DepartmentKind.TOWN_OFFICE},
        )
        for name, post, portfolio in DEPUTY_MAYORS:
            Official.objects.get_or_create(
                congress=self.c_qinghe, name=name, post=post, defaults={"portfolio": portfolio}
            )

    # --- accounts ----------------------------------------------------------------------
    ACCOUNTS = [
        # username, display name, role, congress attr, department short name, description
        ("qh_staff", "周文静", Role.STAFF, "c_qinghe", None, "清河镇人大办工作人员"),
        ("qh_leader", None, Role.LEADER, "c_qinghe", None, "清河镇人大主席（也是代表）"),
        ("qh_admin", "韩志强", Role.ADMIN, "c_qinghe", None, "清河镇系统管理员"),
        ("qh_auditor", "袁思远", Role.AUDITOR, "c_qinghe", None, "清河镇审计员（只读日志）"),
        ("qh_handler_build", "彭俊杰", Role.HANDLER, "c_qinghe", "建设办", "城乡建设办公室承办人"),
        ("qh_handler_social", "蒋雨萱", Role.HANDLER, "c_qinghe", "社事办", "社会事务办公室承办人"),
        ("qh_station", "潘海燕", Role.STATION_MANAGER, "c_qinghe", None, "联络站站长"),
        ("fl_staff", "叶晓东", Role.STAFF, "c_fenglin", None, "枫林镇人大办工作人员（另一个镇）"),
        ("district_admin", "蔡明", Role.ADMIN, "c_district", None, "临溪区系统管理员（管辖各镇）"),
        ("district_staff", "卢佳慧", Role.STAFF, "c_district", None, "临溪区人大常委会工作人员"),
    ]

    def _user(self, username: str, name: str, home: Congress | None) -> Any:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(
                username=username, name=name, home_congress_id=home.pk if home else None
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _accounts(self) -> None:
        self.account_rows = []
        for username, name, role, congress_attr, dept_short, description in self.ACCOUNTS:
            congress = getattr(self, congress_attr)
            display = name or self.chair.name
            user = self._user(username, display, congress)
            department = self.qh_departments[dept_short] if dept_short else None
            RoleGrant.objects.get_or_create(
                user=user, role=role, congress=congress, department=department
            )
            self.account_rows.append((username, description))
        # The chair's account is also a deputy's account.
        leader = get_user_model().objects.get(username="qh_leader")
        if self.chair.user_id is None:
            self.chair.user = leader
            self.chair.save(update_fields=["user"])
        # A deputy who sits in the town and the district congress.
        deputy_user = self._user("qh_deputy", self.qh_deputies[3].name, self.c_qinghe)
        if self.qh_deputies[3].user_id is None:
            self.qh_deputies[3].user = deputy_user
            self.qh_deputies[3].save(update_fields=["user"])
        self.account_rows.append(("qh_deputy", "清河镇人大代表，兼区人大代表"))
        self._user("resident", "居民赵先生", None)
        self.account_rows.append(("resident", "公众（居民）账号"))
        root = get_user_model().objects.filter(username="sysadmin").first()
        if root is None:
            get_user_model().objects.create_superuser(
                "sysadmin", "sysadmin@example.invalid", DEMO_PASSWORD, name="平台运维"
            )
        self.account_rows.append(("sysadmin", "平台超级管理员（运维）"))

    def print_accounts(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for username, description in self.account_rows:
            self.stdout.write(f"  {username:<20} {description}")
