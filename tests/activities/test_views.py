"""The activities' pages: the permission matrix across roles and towns (another town's
activity is a 404), the deputy's phone page and answers, the check-in page (one answer for
a bad code, rate-limited), the organiser's rating page, and lists in a constant number of
queries with 10 and 1,000 activities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from renda.activities import services
from renda.activities.models import Activity, ActivityKind, InvitationStatus, Participation
from renda.cases import services as cases
from renda.cases.models import CaseStatus
from tests.fixtures.activities import announced


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


# persona → (office list, office page, act page, deputy page)
MATRIX = {
    "staff": (200, 200, 200, 200),
    "leader": (200, 200, 403, 200),
    "deputy": (404, 404, 404, 200),  # the organiser, invited: the phone page only
    "handler": (404, 404, 404, 404),
    "station_manager": (404, 404, 404, 404),
    "admin": (404, 404, 404, 404),
    "auditor": (404, 404, 404, 404),
    "other_town_staff": (200, 404, 404, 404),
    "district_admin": (404, 404, 404, 404),
    "citizen": (404, 404, 404, 404),
    "superuser": (200, 200, 200, 200),
}


@pytest.mark.parametrize("persona", sorted(MATRIX))
def test_permission_matrix(acts, personas, persona):
    activity = announced(acts)
    client = client_for(personas[persona])
    urls = (
        reverse("activities:office"),
        reverse("activities:detail", args=[activity.pk]),
        reverse("activities:act", args=[activity.pk, "stop"]),
        reverse("activities:page", args=[activity.pk]),
    )
    got = tuple(client.get(url).status_code for url in urls)
    assert got == MATRIX[persona]


def test_other_towns_staff_cannot_act_or_see_findings_photos(acts):
    activity = announced(acts)
    client = client_for(acts.other_staff)
    response = client.post(
        reverse("activities:act", args=[activity.pk, "held"]),
    )
    assert response.status_code == 404
    assert client.get(reverse("activities:invite", args=[activity.pk])).status_code == 404
    assert client.get(reverse("activities:code", args=[activity.pk])).status_code == 404
    activity.refresh_from_db()
    assert activity.status == "announced"


def test_staff_plans_invites_and_announces_through_the_pages(acts):
    client = client_for(acts.staff)
    response = client.post(
        reverse("activities:new") + f"?congress={acts.c_a.pk}",
        {
            "kind": ActivityKind.SURVEY,
            "topic": "农村养老服务专题调研",
            "starts_on": acts.today.isoformat(),
            "organiser": acts.deputy_a.pk,
            "hours": "0",
        },
    )
    activity = Activity.objects.get(topic="农村养老服务专题调研")
    assert response.status_code == 302
    page = client.get(reverse("activities:invite", args=[activity.pk]) + "?level=city")
    assert "钱市代表" in page.content.decode() and "孙镇代表" not in page.content.decode()
    response = client.post(
        reverse("activities:invite", args=[activity.pk]),
        {"deputies": [acts.city_deputy.pk, acts.town_deputy2.pk], "role": "participant"},
    )
    assert response.status_code == 302
    response = client.post(reverse("activities:act", args=[activity.pk, "announce"]))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == "announced" and activity.invitations.count() == 3


def test_finding_without_department_is_a_form_error(acts):
    activity = announced(acts)
    response = client_for(acts.staff).post(
        reverse("activities:act", args=[activity.pk, "finding"]),
        {"text": "路灯不亮", "category": acts.cat_a.pk},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["请指定负责办理该问题的部门。"]
    assert not activity.findings.exists()


def test_deputy_answers_on_the_phone_page(acts):
    activity = announced(acts)
    client = client_for(acts.city_deputy.user)
    page = client.get(reverse("activities:page", args=[activity.pk]))
    answer_url = reverse("activities:answer", args=[activity.pk, "yes"])
    assert page.status_code == 200 and answer_url in page.content.decode()
    client.post(reverse("activities:answer", args=[activity.pk, "yes"]))
    assert activity.invitations.get(deputy=acts.city_deputy).status == InvitationStatus.CONFIRMED
    mine = client.get(reverse("activities:mine"))
    assert activity.topic in mine.content.decode()


def test_checkin_page_scans_and_credits(acts):
    activity = announced(acts, kind=ActivityKind.TRAINING, hours=3, topic="代表履职培训班")
    code = services.checkin_code(activity, acting_user=acts.staff)
    client = client_for(acts.city_deputy.user)
    assert client.get(reverse("activities:checkin") + f"?code={code}").status_code == 200
    response = client.post(reverse("activities:checkin"), {"code": code})
    assert response.status_code == 302
    assert Participation.objects.get(deputy=acts.city_deputy).hours == 3


def test_bad_codes_get_one_answer_and_are_rate_limited(acts, settings):
    settings.RENDA_CODE_LIMIT = 3
    activity = announced(acts, kind=ActivityKind.TRAINING, hours=3)
    good = services.checkin_code(activity, acting_user=acts.staff)
    client = client_for(acts.city_deputy.user)
    answers = set()
    for bad in ("forged", good[:-3] + ("xyz" if good.endswith("abc") else "abc"), "1.2:xyz:abc"):
        response = client.post(reverse("activities:checkin"), {"code": bad})
        assert response.status_code == 400
        answers.add(str(response.context["error"]))
    assert len(answers) == 1
    limited = client.post(reverse("activities:checkin"), {"code": good})
    assert limited.status_code == 429
    assert not Participation.objects.exists()


def test_organiser_rates_the_reply_on_the_rating_page(acts):
    activity = announced(acts)
    finding = services.file_finding(
        activity,
        text="河道垃圾未清理",
        department=acts.dept_a1,
        category=acts.cat_a,
        due=acts.today + dt.timedelta(days=20),
        acting_user=acts.staff,
    )
    lead = finding.case.assignments.get()
    cases.sign_assignment(lead, acting_user=acts.handler_a)
    cases.reply_case(lead, reply_class="A", text="已清理完毕", acting_user=acts.handler_a)
    organiser = client_for(acts.deputy_user)
    page = organiser.get(reverse("activities:page", args=[activity.pk]))
    assert reverse("activities:rate", args=[finding.pk]) in page.content.decode()
    other = client_for(acts.city_deputy.user)
    refused = other.post(reverse("activities:rate", args=[finding.pk]), {"result": "satisfied"})
    assert refused.status_code == 400
    response = organiser.post(
        reverse("activities:rate", args=[finding.pk]), {"result": "satisfied"}
    )
    assert response.status_code == 302
    finding.case.refresh_from_db()
    assert finding.case.status == CaseStatus.CLOSED
    assert (
        client_for(acts.other_staff).get(reverse("activities:rate", args=[finding.pk])).status_code
        == 404
    )


def test_figures_page(acts):
    activity = announced(acts, kind=ActivityKind.TRAINING, hours=2)
    services.mark_attendance(activity, present=[acts.city_deputy], acting_user=acts.staff)
    services.mark_held(activity, acting_user=acts.staff)
    response = client_for(acts.leader).get(reverse("activities:figures"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["held"][ActivityKind.TRAINING] == 1
    assert figures["training"]["hours"] == 2 and figures["deputies"]["total"] == 1
    assert figures["deputies"]["by_level"]["city"] == 1


def _many(acts, n: int) -> None:  # noqa: ANN001
    rows = [
        Activity(
            congress=acts.c_a,
            kind=ActivityKind.SURVEY,
            topic=f"调研{i}",
            starts_on=acts.today,
            ends_on=acts.today,
            organiser=acts.deputy_a,
            created_by=acts.staff,
        )
        for i in range(n)
    ]
    Activity.objects.bulk_create(rows)


def _counts(clients, urls) -> list[int]:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = []
    for client, url in zip(clients, urls, strict=True):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        found.append(len(queries))
    return found


def test_lists_in_constant_queries_with_10_and_1000_activities(acts):
    staff, deputy = client_for(acts.staff), client_for(acts.deputy_user)
    clients = [staff, staff, deputy]
    urls = [reverse("activities:office"), reverse("activities:figures"), reverse("activities:mine")]
    for i in range(3):  # the deputy takes part in some
        activity = announced(acts, topic=f"视察{i}")
        services.mark_attendance(activity, present=[acts.deputy_a], acting_user=acts.staff)
    _many(acts, 10)
    _counts(clients, urls)  # warm up: first-request work (sessions, caches) is not the list's
    small = _counts(clients, urls)
    _many(acts, 990)
    large = _counts(clients, urls)
    assert small == large
    # The figures page: one query per figure, whatever the rows (the budget execution and
    # its chart: the band's rules and the lines, 2 of them).
    assert max(large) <= 22


def test_every_office_page_renders_for_staff(acts):
    activity = announced(acts, kind=ActivityKind.TRAINING, hours=2)
    services.add_note(activity, text="课堂记录", acting_user=acts.staff)
    client = client_for(acts.staff)
    for action in ("stop", "note", "attendance", "held", "counts", "cancel", "report"):
        url = reverse("activities:act", args=[activity.pk, action])
        assert client.get(url).status_code == 200, action
    for url in (
        reverse("activities:detail", args=[activity.pk]),
        reverse("activities:invite", args=[activity.pk]),
        reverse("activities:code", args=[activity.pk]),
        reverse("activities:new"),
        reverse("activities:page", args=[activity.pk]),
    ):
        assert client.get(url).status_code == 200, url
    inspection = announced(acts)
    assert client.get(reverse("activities:act", args=[inspection.pk, "finding"])).status_code == 200
    assert client.get(reverse("activities:act", args=[inspection.pk, "nope"])).status_code == 404
