"""The district's view over its towns (issue 17 item 2, 三级联动): a district's office
follows every town read-only; no menu link of any demo role leads to a 404; a district user
never acts in a town."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from renda.congress import policy
from renda.congress.models import Congress

DEMO_USERS = [
    "qh_staff",
    "qh_leader",
    "qh_admin",
    "qh_auditor",
    "qh_handler_build",
    "qh_handler_social",
    "qh_station",
    "qh_deputy",
    "fl_staff",
    "district_admin",
    "district_staff",
]
HREF = re.compile(r'<a [^>]*href="(/[^"#]*)"')


def _login(client, username):  # noqa: ANN001, ANN202
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    return user


def _menu_links(body: str) -> list[str]:
    header = body.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]
    return sorted({h.replace("&amp;", "&") for h in HREF.findall(header)})


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_menu_link_of_every_demo_role_answers(demo, client, username):
    _login(client, username)
    body = client.get(reverse("congress:workspace")).content.decode()
    links = _menu_links(body)
    assert links
    for link in links:
        response = client.get(link, follow=True)
        assert response.status_code == 200, (username, link)


OFFICE_PAGES = [
    "/cases/",
    "/cases/figures/",
    "/office/suggestions/",
    "/office/polls/",
    "/office/projects/",
    "/office/appraisals/",
    "/office/stations/",
]


@pytest.mark.parametrize("page", OFFICE_PAGES)
def test_the_district_office_reaches_every_office_page(demo, client, page):
    _login(client, "district_staff")
    assert client.get(page).status_code == 200


def test_the_district_follows_its_towns_read_only(demo, client):
    user = _login(client, "district_staff")
    towns = set(Congress.objects.filter(level="town").values_list("id", flat=True))
    district = Congress.objects.get(level="county")
    assert towns and towns <= policy.readable_congress_ids(user, "case.supervise")
    assert policy.congress_ids(user, "case.supervise") == {district.pk}
    for perm in ("case.manage", "station.manage", "poll.manage", "project.manage"):
        assert not (towns & policy.readable_congress_ids(user, perm))
    assert not any(
        policy.can(user, "case.supervise", c) for c in Congress.objects.filter(level="town")
    )


def test_the_district_sees_every_towns_cases(demo, client):
    from renda.cases.models import Case

    user = _login(client, "district_staff")
    visible = Case.objects.visible_to(user, "case.supervise")
    assert visible.exclude(congress__level="county").exists()
    page = client.get("/cases/?view=all").context["page"]
    assert page.paginator.count == Case.objects.count()


def test_the_district_cannot_act_on_a_towns_case(demo, client):
    from renda.cases.models import Case, CaseEvent

    _login(client, "district_staff")
    case = Case.objects.filter(congress__name="清河镇人民代表大会").order_by("id").first()
    assert client.get(reverse("cases:office_case", args=[case.pk])).status_code == 200
    events = CaseEvent.objects.count()
    for action in ("supervise", "priority", "assign", "triage", "withdraw", "close"):
        response = client.post(
            reverse("cases:office_action", args=[case.pk, action]), {"note": "x", "reason": "x"}
        )
        assert response.status_code in (403, 404), action
    response = client.post(reverse("cases:bulk_assign"), {"case": [case.pk], "lead": 1})
    assert CaseEvent.objects.count() == events
    case.refresh_from_db()
    assert case.status == Case.objects.get(pk=case.pk).status


def test_the_district_is_not_offered_a_towns_submitter_contact(demo, client):
    """Regression (permission crawl): the reveal page of a town's case answered the district
    office with its confirmation form; revealing is an action (`case.reveal_contact`)."""
    from renda.cases.models import Case
    from renda.core.models import ActionLog

    _login(client, "district_staff")
    case = Case.objects.filter(congress__name="清河镇人民代表大会").order_by("id").first()
    url = reverse("cases:reveal_contact", args=[case.pk])
    events = ActionLog.objects.count()
    assert client.get(url).status_code == 404
    response = client.post(url)
    assert response.status_code == 404
    assert case.submitter_phone not in response.content.decode()
    assert ActionLog.objects.count() == events
    _login(client, "qh_staff")
    assert client.get(url).status_code == 200


def test_the_district_page_ranks_its_towns_and_each_figure_is_its_list(demo, client):
    _login(client, "district_staff")
    response = client.get(reverse("cases:district"))
    assert response.status_code == 200
    rows = response.context["rows"]
    towns = set(Congress.objects.filter(level="town").values_list("id", flat=True))
    assert {r["congress"].pk for r in rows} == towns
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["overdue"] for r in rows] == sorted(r["overdue"] for r in rows)
    assert sum(r["overdue"] for r in rows) > 0  # the demo's overdue cases
    for row in rows:
        for view in ("open", "overdue", "due_soon", "new", "replied", "closed"):
            listed = client.get(
                reverse("cases:office_inbox"), {"congress": row["congress"].pk, "view": view}
            )
            assert listed.context["page"].paginator.count == row[view], (row["congress"], view)


def test_a_town_user_has_no_district_page(demo, client):
    _login(client, "qh_staff")
    assert client.get(reverse("cases:district")).status_code == 404


def test_a_towns_case_reads_as_read_only_for_the_district(demo, client):
    from renda.cases.models import Case

    _login(client, "district_staff")
    case = Case.objects.filter(congress__level="town").order_by("id").first()
    body = client.get(reverse("cases:office_case", args=[case.pk])).content.decode()
    assert 'id="read-only"' in body
    assert f"cases/{case.pk}/assign/" not in body
    assert reverse("cases:reveal_contact", args=[case.pk]) not in body


FORM_ACTION = re.compile(
    r'<form [^>]*method="post"[^>]*action="(/[^"]*)"|<form [^>]*action="(/[^"]*)"[^>]*method="post"'
)
SKIP = ("/accounts/logout/", "/i18n/")


def _town_pages(client) -> list[str]:  # noqa: ANN001
    """Every page of a town object linked from the district's office lists."""
    from django.urls import resolve

    pages: set[str] = set()
    for page in OFFICE_PAGES + ["/office/roster/", "/office/receptions/", "/office/contacts/"]:
        body = client.get(page).content.decode()
        for href in HREF.findall(body.split("</header>", 1)[-1]):
            href = href.replace("&amp;", "&")
            try:
                kwargs = resolve(href.split("?")[0]).kwargs
            except Exception:  # noqa: BLE001, S112
                continue
            if "pk" in kwargs:
                pages.add(href)
    return sorted(pages)[:80]


def test_the_district_writes_nothing_into_a_town(demo, client):
    """Every form and action of every town page the district reaches: posted, refused,
    nothing recorded (every change is audited, so an unchanged action log means no write)."""
    from renda.core.models import ActionLog

    _login(client, "district_staff")
    from renda.cases.models import Case

    pages = _town_pages(client)
    assert len(pages) > 5
    town_cases = Case.objects.filter(congress__level="town").values_list("id", flat=True)
    assert any(page.startswith(tuple(f"/cases/{pk}/" for pk in town_cases)) for page in pages)
    assert any(page.startswith("/office/stations/") for page in pages)
    targets: set[str] = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode().split("</header>", 1)[-1]
        for a, b in FORM_ACTION.findall(body):
            targets.add((a or b).replace("&amp;", "&"))
        for href in HREF.findall(body):
            href = href.replace("&amp;", "&")
            if "?" not in href and href.rstrip("/").count("/") >= 3 and href.startswith(page):
                targets.add(href)  # a sub-page of the object: its actions
    towns = set(Congress.objects.filter(level="town").values_list("id", flat=True))
    logged = ActionLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for target in sorted(targets):
        if target.startswith(SKIP):
            continue
        client.post(target, {"note": "x", "reason": "x", "content": "x"})
    written = ActionLog.objects.filter(id__gt=logged)
    # The district's own records may change (its own inbox); a town's never.
    assert not written.filter(congress_id__in=towns).exists(), list(
        written.values_list("action", "object_type", "object_id")
    )
    assert not written.filter(congress_id__isnull=True).exists()


def test_each_towns_pages_open_from_the_district_page(demo, client):
    _login(client, "district_staff")
    body = client.get(reverse("cases:district")).content.decode()
    for town in Congress.objects.filter(level="town"):
        for page in ("/office/stations/", "/office/projects/", "/office/appraisals/"):
            link = f"{page}?congress={town.pk}"
            assert link in body
            response = client.get(link)
            assert response.status_code == 200, link
        network = client.get(f"/office/stations/?congress={town.pk}")
        assert network.context["congress"] == town


def test_the_inbox_offers_no_tick_box_on_a_towns_case(demo, client):
    from renda.cases.models import Case

    _login(client, "district_staff")
    response = client.get("/cases/?view=all")
    body = response.content.decode()
    shown = [c.pk for c in response.context["page"]]
    assert Case.objects.filter(pk__in=shown, congress__level="town").exists()
    for case in Case.objects.filter(pk__in=shown).select_related("congress"):
        ticked = f'name="case" value="{case.pk}"' in body
        assert ticked == (case.congress.level == "county"), case.serial


def test_the_district_inbox_is_its_own_matters_apart_from_the_towns(demo, client):
    """District-level matters (addressed to the district, escalated from a town) are the
    district office's own inbox, where it acts (a tick box per case); the towns' cases are
    a separate read-only list (no tick box)."""
    from renda.cases.models import Case

    _login(client, "district_staff")
    district = Congress.objects.get(level="county")
    own = client.get("/cases/", {"scope": "own", "view": "all"})
    own_ids = {c.pk for c in own.context["page"].object_list}
    assert own_ids and own_ids == set(
        Case.objects.filter(congress=district).values_list("pk", flat=True)
    )
    body = own.content.decode()
    assert all(f'name="case" value="{pk}"' in body for pk in own_ids)
    assert 'id="inbox-scopes"' in body and 'data-scope="own"' in body
    towns = client.get("/cases/", {"scope": "towns", "view": "all"})
    town_rows = towns.context["page"].object_list
    assert town_rows and all(c.congress.level == "town" for c in town_rows)
    assert 'name="case" value=' not in towns.content.decode()
    # A town's staff has no such tabs (nothing to tell apart).
    _login(client, "qh_staff")
    assert 'id="inbox-scopes"' not in client.get("/cases/").content.decode()


def test_the_district_workspace_counts_its_own_inbox_and_the_towns_overdue(demo, client):
    from django.utils import timezone

    from renda.cases.models import HANDLING, OPEN, Case, CaseSource
    from tests.core.test_workspace import _todos

    _login(client, "district_staff")
    district = Congress.objects.get(level="county")
    todos = {t["key"]: t for t in _todos(client)}
    assert {"cases.district", "cases.towns_overdue", "cases.escalated", "cases.overdue"} <= set(
        todos
    )
    today = timezone.localdate()
    towns_overdue = Case.objects.filter(
        congress__level="town", status__in=HANDLING, due_date__lt=today
    ).count()
    assert towns_overdue > 0 and int(todos["cases.towns_overdue"]["count"]) == towns_overdue
    assert (
        int(todos["cases.overdue"]["count"])
        == Case.objects.filter(congress=district, status__in=HANDLING, due_date__lt=today).count()
    )
    assert int(todos["cases.escalated"]["count"]) == (
        Case.objects.filter(
            congress=district, source=CaseSource.ESCALATION, status__in=OPEN
        ).count()
    )
    for todo in todos.values():
        if todo["count"] is None:
            continue
        listed = client.get(todo["url"].replace("&amp;", "&"))
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == int(todo["count"]), todo


def test_the_district_acts_on_its_own_case_from_its_inbox(demo, client):
    from renda.cases.models import Case, CaseStatus
    from renda.congress.models import Department

    _login(client, "district_staff")
    district = Congress.objects.get(level="county")
    new = [CaseStatus.SUBMITTED, CaseStatus.TRIAGED]
    case = Case.objects.filter(congress=district, status__in=new).order_by("id").first()
    if case is None:
        pytest.skip("the demo has no new district case")
    lead = Department.objects.filter(congress=district, is_active=True).first()
    response = client.post(reverse("cases:bulk_assign"), {"case": [case.pk], "lead": lead.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED
