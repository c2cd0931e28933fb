"""Shared helpers for case-engine tests: categories and a submitted opinion."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from renda.cases import services
from renda.cases.models import CaseSource, Category


@pytest.fixture
def cases_world(world):  # noqa: ANN001, ANN201
    cat_a = Category.objects.create(
        congress=world.c_a, code="road", name="交通", default_department=world.dept_a1
    )
    cat_a2 = Category.objects.create(congress=world.c_a, code="edu", name="教育")
    cat_b = Category.objects.create(congress=world.c_b, code="road", name="交通")
    cat_district = Category.objects.create(congress=world.c_district, code="road", name="交通")
    world.cat_a, world.cat_a2, world.cat_b, world.cat_district = cat_a, cat_a2, cat_b, cat_district
    return world


def submit(
    world, *, congress=None, category=None, content="东塘村村口路灯坏了三个月，晚上出行不安全", **kw
):  # noqa: ANN001, ANN003, ANN201
    case, code = services.submit_case(
        congress=congress or world.c_a,
        category=category or world.cat_a,
        content=content,
        source=kw.pop("source", CaseSource.WEB),
        village=kw.pop("village", world.village_a),
        submitter_name=kw.pop("submitter_name", "赵先生"),
        submitter_phone=kw.pop("submitter_phone", "13812345678"),
        **kw,
    )
    return SimpleNamespace(case=case, code=code)
