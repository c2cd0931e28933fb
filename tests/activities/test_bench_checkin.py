"""The activity_checkin benchmark's own setup and check (bench/activity_setup.py), on a
small N: the deputies it prepares can check in with its code through the real page, and
its check counts each attendance, participation event, hour and audit record once."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bench import activity_setup
from renda.activities.models import Activity, ActivityKind, ActivityStatus

pytestmark = pytest.mark.django_db


def _json(capsys) -> dict:  # noqa: ANN001
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_prepared_deputies_check_in_once_each_and_the_check_counts_them(client, capsys):
    activity_setup.prepare(3)
    setup = _json(capsys)
    activity = Activity.objects.get(pk=setup["activity"])
    assert activity.kind == ActivityKind.TRAINING and activity.status == ActivityStatus.ANNOUNCED
    assert activity.invitations.count() == 3 and len(set(setup["sessions"])) == 3

    activity_setup.stored(activity.pk)
    assert _json(capsys) == {
        "attended": 0,
        "participations": 0,
        "deputies": 0,
        "duplicates": 0,
        "hours": "0",
        "wrong_hours": 0,
        "audited": 0,
    }

    for _round in range(2):  # a second scan credits nothing more
        for session in setup["sessions"]:
            client.cookies["sessionid"] = session
            response = client.post("/activities/checkin/", {"code": setup["code"]})
            assert response.status_code == 302
            assert response["Location"].endswith(f"/activities/{activity.pk}/")

    activity_setup.stored(activity.pk)
    counts = _json(capsys)
    assert Decimal(counts.pop("hours")) == activity_setup.HOURS * 3
    assert counts == {
        "attended": 3,
        "participations": 3,
        "deputies": 3,
        "duplicates": 0,
        "wrong_hours": 0,
        "audited": 3,
    }


def test_a_forged_code_checks_nobody_in(client, capsys):
    activity_setup.prepare(1)
    setup = _json(capsys)
    client.cookies["sessionid"] = setup["sessions"][0]
    response = client.post(
        "/activities/checkin/",
        {"code": setup["code"][:-2] + ("yy" if setup["code"].endswith("xx") else "xx")},
    )
    assert response.status_code == 400
    activity_setup.stored(setup["activity"])
    assert _json(capsys)["attended"] == 0
