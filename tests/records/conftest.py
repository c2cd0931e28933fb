"""The records tests' world: the demo district (清河镇 with a year of records) and a few
handles on it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from renda.congress.models import Congress, Deputy


@pytest.fixture
def qh(demo):  # noqa: ANN001, ANN201
    users = get_user_model().objects
    qinghe = Congress.objects.get(name="清河镇人民代表大会")
    fenglin = Congress.objects.get(name="枫林镇人民代表大会")
    me = Deputy.objects.get(user__username="qh_deputy")
    return SimpleNamespace(
        congress=qinghe,
        fenglin=fenglin,
        me=me,
        staff=users.get(username="qh_staff"),
        leader=users.get(username="qh_leader"),
        admin=users.get(username="qh_admin"),
        fl_staff=users.get(username="fl_staff"),
        station=users.get(username="qh_station"),
    )
