"""Demo data of the service records (called by `seed_demo`): the default points table of
each town and of the district, in force from the start of their current term, and the
public 代表风采 page of the demo deputy and two more 清河镇 deputies (their opt-in)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from renda.congress.models import Congress, CongressLevel, Deputy
from renda.records.models import PublicProfile
from renda.records.services import ensure_default_table, town_deputies


def seed(stdout: Any = None) -> None:
    users = get_user_model().objects
    operator = users.filter(username="sysadmin").first()
    congresses = Congress.objects.filter(
        level__in=[CongressLevel.TOWN, CongressLevel.COUNTY], is_active=True
    )
    for congress in congresses:
        term = congress.terms.filter(is_current=True).first()
        if term is not None:
            ensure_default_table(congress, effective_from=term.start_date, acting_user=operator)
    qinghe = Congress.objects.filter(name="清河镇人民代表大会").first()
    if qinghe is None or PublicProfile.objects.filter(congress=qinghe).exists():
        return
    me = Deputy.objects.filter(user__username="qh_deputy").first()
    others = list(town_deputies(qinghe).exclude(pk=getattr(me, "pk", None))[:2])
    for deputy in [d for d in [me, *others] if d is not None]:
        PublicProfile.objects.create(
            deputy=deputy,
            congress=qinghe,
            is_public=True,
            show_photo=True,
            show_occupation=True,
            show_phone=deputy is me,
            show_counts=True,
        )
    if stdout is not None:
        stdout.write("records: points tables and public deputy pages")
