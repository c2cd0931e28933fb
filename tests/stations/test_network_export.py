"""The office's network of stations exports its page (renda.core.exports): the type tab's
stations with their grade, villages and sitting members, the page's header row, a Chinese
file name (RFC 5987), an audit entry; another town's stations never."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.core.models import ActionLog
from renda.stations import services as stations
from renda.stations.models import StationKind
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet


def _station(congress, user, kind, name, code):  # noqa: ANN001, ANN202
    return stations.create_station(
        congress=congress,
        kind=kind,
        name=name,
        code=code,
        address="人民路1号",
        open_weekdays="0123456",
        acting_user=user,
    )


@pytest.mark.django_db
def test_the_network_exports_the_pages_stations_within_the_town(world):
    central = _station(world.c_a, world.staff, StationKind.CENTRAL, "清河镇中心联络站", "center")
    stations.assign_deputy(central, world.deputy_a, acting_user=world.staff)
    theirs = _station(
        world.c_b, world.other_staff, StationKind.CENTRAL, "枫林镇中心联络站", "center"
    )
    url = reverse("stations:network")
    client = client_for(world.staff)
    query = {"kind": StationKind.CENTRAL}
    page = client.get(url, query)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    before = ActionLog.objects.filter(action="stations.network_exported").count()
    response = client.get(url, {**query, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert [r[0] for r in rows[1:]] == [s.name for s in page.context["page"]] == [central.name]
    assert rows[1][5] == 1 and rows[1][2]  # one sitting member; the grade's name
    assert (
        ActionLog.objects.filter(
            action="stations.network_exported", congress_id=world.c_a.pk
        ).count()
        == before + 1
    )
    # Asking for the other town by its id: a 404 or this town, never 枫林镇's stations.
    other = client.get(url, {"congress": world.c_b.pk, "format": "xlsx"})
    if other.status_code == 200:
        assert theirs.name not in [r[0] for r in sheet(other)[1:]]
    else:
        assert other.status_code == 404


@pytest.mark.django_db
def test_the_unassigned_deputies_export_within_the_town(world):
    url = reverse("stations:coverage")
    client = client_for(world.staff)
    page = client.get(url)
    names = [d.name for d in page.context["unassigned"]]
    assert names  # the town's deputies sit in no station yet
    response = client.get(url, {"format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page, "unassigned")
    assert [r[0] for r in rows[1:]] == names
    assert (
        ActionLog.objects.filter(
            action="stations.unassigned_exported", congress_id=world.c_a.pk
        ).count()
        == 1
    )
    other = client_for(world.other_staff).get(url, {"format": "xlsx"})
    if other.status_code == 200:
        assert not set(names) & {r[0] for r in sheet(other)[1:]}
