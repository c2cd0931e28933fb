"""Concurrent submissions on PostgreSQL: serial numbers are never shared or skipped, and a
form sent twice at the same moment creates one case."""

from __future__ import annotations

import pytest

from renda.cases import services
from renda.cases.models import Case, CaseSource
from tests.fixtures.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgresql
def test_concurrent_submissions_get_consecutive_serials(cases_world):
    world = cases_world

    def work(index: int) -> None:
        for n in range(5):
            services.submit_case(
                congress=world.c_a,
                category=world.cat_a,
                content=f"并发提交测试 {index}-{n}",
                source=CaseSource.WEB,
            )

    assert run_in_threads(8, work) == []
    numbers = sorted(Case.objects.filter(congress=world.c_a).values_list("number", flat=True))
    assert numbers == list(range(1, 41))


@pytest.mark.postgresql
def test_the_same_form_sent_twice_at_once_creates_one_case(cases_world):
    world = cases_world
    outcomes: list[str] = []

    def work(_index: int) -> None:
        try:
            services.submit_case(
                congress=world.c_a,
                category=world.cat_a,
                content="同一表单重复提交",
                source=CaseSource.WEB,
                submission_token="a" * 32,
            )
            outcomes.append("created")
        except services.DuplicateSubmission:
            outcomes.append("duplicate")

    assert run_in_threads(6, work) == []
    assert Case.objects.filter(submission_token="a" * 32).count() == 1
    assert sorted(outcomes) == ["created"] + ["duplicate"] * 5
    # The numbers the losers drew were rolled back: the next case is number 2.
    case, _code = services.submit_case(
        congress=world.c_a, category=world.cat_a, content="下一件", source="web"
    )
    assert case.number == 2
