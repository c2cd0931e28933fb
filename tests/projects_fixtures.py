"""A town's year of livelihood projects, replayed through the services: the shared story of
tests/test_projects_year.py, the web and browser tests (DOMAIN.md §5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from renda.cases import services as cases
from renda.cases.models import CaseSource
from renda.congress.models import Deputy, DeputyMembership, Gender, Session
from renda.projects import services
from renda.projects.models import ExclusionReason, IdeaSource, VoteBatch
from tests.ballots_helpers import shares_of

# Yes votes of the twelve candidates of batch 1 among 15 deputies (more than half: ≥ 8).
# Nine clearly above; the 10th and 11th tie at 9 for the last place; the 12th fails.
BATCH1_YES = [14, 14, 13, 13, 12, 12, 11, 11, 10, 9, 9, 5]
# Batch 2: the two tied candidates for the one place left.
BATCH2_YES = [12, 6]
# Year-end rating per project: (satisfied, basic, unsatisfied) of 15 ballots.
RATINGS = [(10, 3, 2)] * 8 + [(5, 6, 4), (2, 3, 10)]


def make_deputies(world, count: int = 14) -> list[Deputy]:
    """Fourteen more deputies of 清河镇 with accounts: with 王建国, fifteen deputies."""
    users = get_user_model()
    deputies = []
    for i in range(count):
        user = users.objects.create_user(
            username=f"qh_dep_{i:02d}", password="pw-for-tests-1", name=f"代表{i:02d}"
        )
        deputy = Deputy.objects.create(
            name=f"代表{i:02d}", gender=Gender.FEMALE, phone=f"1390001{i:04d}", user=user
        )
        DeputyMembership.objects.create(
            deputy=deputy, term=world.term_a, start_date=world.term_a.start_date
        )
        deputies.append(deputy)
    return [world.deputy_a, *deputies]


def _ballots(yes_counts: list[int], voters: int) -> list[list[str]]:
    """Voter i's marks: 'yes' for the first `yes` voters of each candidate, then
    alternately 'no' and 'abstain'."""
    return [
        ["yes" if i < yes else ("no" if (i - yes) % 2 == 0 else "abstain") for yes in yes_counts]
        for i in range(voters)
    ]


def vote(batch, deputies, yes_counts: list[int]) -> None:
    candidates = list(batch.candidates.order_by("order", "id"))
    for deputy, marks in zip(deputies, _ballots(yes_counts, len(deputies)), strict=True):
        services.cast_vote(
            batch,
            voter=deputy.user,
            choices={c.pk: m for c, m in zip(candidates, marks, strict=True)},
        )


IDEAS = [
    # (source, title)
    (IdeaSource.RESIDENT, "东塘村村道硬化"),
    (IdeaSource.RESIDENT, "镇区公厕改造"),
    (IdeaSource.RESIDENT, "老旧小区加装路灯"),
    (IdeaSource.RESIDENT, "农贸市场雨棚改造"),
    (IdeaSource.OPINION, "中心小学门口交通安全设施"),
    (IdeaSource.OPINION, "河道清淤护岸"),
    (IdeaSource.STATION, "居家养老服务站"),
    (IdeaSource.DEPUTY, "农村饮水管网改造"),
    (IdeaSource.DEPUTY, "文化广场健身器材"),
    (IdeaSource.DEPUTY, "卫生院发热门诊改造"),
    (IdeaSource.DEPUTY, "幼儿园扩班"),
    (IdeaSource.DEPARTMENT, "垃圾分类收集点"),
    (IdeaSource.DEPARTMENT, "新建镇政府办公楼"),
    (IdeaSource.DEPARTMENT, "向商户收取管理费修建停车场"),
]
EXCLUDED = {
    "新建镇政府办公楼": ExclusionReason.OFFICE,
    "向商户收取管理费修建停车场": ExclusionReason.BURDEN,
}


@pytest.fixture
def year(cases_world):  # noqa: ANN001, ANN201
    """Collected, screened and the candidate list of batch 1 (12 candidates, 10 places)."""
    world = cases_world
    today = timezone.localdate()
    y = today.year
    first = Session.objects.create(
        term=world.term_a,
        ordinal=2,
        start_date=dt.date(y, 1, 10),
        end_date=dt.date(y, 1, 11),
    )
    mid = Session.objects.create(
        term=world.term_a, ordinal=3, start_date=dt.date(y, 6, 20), end_date=dt.date(y, 6, 20)
    )
    deputies = make_deputies(world)
    staff = world.staff
    ideas = []
    for index, (source, title) in enumerate(IDEAS):
        text = f"{title}：群众反映强烈，建议列入年度民生实事项目。"
        if source == IdeaSource.RESIDENT:
            idea = services.propose_idea(
                congress=world.c_a,
                title=title,
                description=text,
                source=source,
                village=world.village_a,
                proposer_name="钱女士",
                proposer_phone=f"1370000000{index}",
            )
        elif source == IdeaSource.OPINION:
            case, _code = cases.submit_case(
                congress=world.c_a,
                category=world.cat_a,
                content=text,
                title=title,
                source=CaseSource.WEB,
                village=world.village_a,
            )
            idea = services.idea_from_case(case, acting_user=staff)
        elif source == IdeaSource.STATION:
            idea = services.propose_idea(
                congress=world.c_a,
                title=title,
                description=text,
                source=source,
                acting_user=staff,
                source_reference="reception:2026-0412",
            )
        elif source == IdeaSource.DEPUTY:
            idea = services.propose_idea(
                congress=world.c_a,
                title=title,
                description=text,
                source=source,
                acting_user=staff,
                source_deputy=deputies[index % len(deputies)],
            )
        else:
            idea = services.propose_idea(
                congress=world.c_a,
                title=title,
                description=text,
                source=source,
                acting_user=staff,
                source_department=world.dept_a2,
            )
        ideas.append(idea)
    feasible = []
    for index, idea in enumerate(ideas):
        if idea.title in EXCLUDED:
            services.screen_idea(
                idea,
                acting_user=staff,
                feasible=False,
                exclusion_reason=EXCLUDED[idea.title],
                exclusion_note="不符合民生实事项目条件",
            )
            continue
        # Project 1 (the first selected) is built by the construction office (handler_a's).
        services.screen_idea(
            idea,
            acting_user=staff,
            feasible=True,
            feasibility_note="技术可行，群众受益面广",
            estimated_funds=Decimal(100 + 10 * index),
            department=world.dept_a1 if index % 2 == 0 else world.dept_a2,
            planned_start=dt.date(y, 1, 1),
            # One project has a deadline already past, to be completed late.
            planned_end=today - dt.timedelta(days=1) if index == 3 else dt.date(y, 12, 31),
            legality_note="经司法所合法性审查，无违法情形",
        )
        feasible.append(idea)
    batch = services.create_batch(
        session=first,
        title=f"{y}年民生实事项目票决",
        places=10,
        ideas=feasible,
        acting_user=staff,
        materials="候选项目基本情况、预算和实施计划",
    )
    return SimpleNamespace(
        world=world,
        y=y,
        today=today,
        first=first,
        mid=mid,
        deputies=deputies,
        ideas=ideas,
        feasible=feasible,
        batch=batch,
    )


def run_votes(year):  # noqa: ANN001, ANN201
    staff = year.world.staff
    batch1 = VoteBatch.objects.get(pk=year.batch.pk)
    if batch1.status == "draft":
        batch1 = services.publish_candidates(batch1, acting_user=staff)
    services.open_vote(batch1, acting_user=staff)
    batch1.refresh_from_db()
    vote(batch1, year.deputies, BATCH1_YES)
    services.count_vote(batch1, acting_user=staff, shares=shares_of(batch1))
    services.announce_result(batch1, acting_user=staff)
    batch2 = VoteBatch.objects.get(further_of=batch1)
    services.open_vote(batch2, acting_user=staff)
    batch2.refresh_from_db()
    vote(batch2, year.deputies, BATCH2_YES)
    services.count_vote(batch2, acting_user=staff, shares=shares_of(batch2))
    services.announce_result(batch2, acting_user=staff)
    batch1.refresh_from_db()
    batch2.refresh_from_db()
    return batch1, batch2
