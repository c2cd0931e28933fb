"""The demo: the records of 清河镇 have entries from the modules and points explained."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from renda.congress.models import Congress, Deputy
from renda.records import services
from renda.records.models import PointsTable

pytestmark = pytest.mark.django_db


def test_demo_deputy_has_a_scored_record(demo):
    qinghe = Congress.objects.get(name="清河镇人民代表大会")
    me = Deputy.objects.get(user__username="qh_deputy")
    assert PointsTable.objects.filter(congress=qinghe).exists()
    rec = services.record(me, qinghe, timezone.localdate().year)
    kinds = {e.kind for e in rec.entries}
    print(sorted(kinds), rec.total)
    assert rec.entries and rec.total > 0
    assert all(e.explanation for e in rec.entries)


def test_demo_pages_answer(demo):
    qinghe = Congress.objects.get(name="清河镇人民代表大会")
    me = Deputy.objects.get(user__username="qh_deputy")
    staff = Client()
    staff.force_login(
        Deputy.objects.model._meta.apps.get_model("core", "User").objects.get(username="qh_staff")
    )
    response = staff.get("/office/records/")
    assert response.status_code == 200
    assert me.name in response.content.decode()
    response = staff.get(f"/office/records/{qinghe.pk}/deputies/{me.pk}/")
    assert response.status_code == 200
    deputy = Client()
    deputy.force_login(me.user)
    assert deputy.get("/records/mine/").status_code == 200
    assert Client().get(f"/public/deputies/{qinghe.pk}/{me.pk}/").status_code == 200
