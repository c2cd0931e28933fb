"""The REST API (/api/v1/): token authentication, the web UI's scope and rights, the
services' rules as 400s, masking, figures and a fixed number of queries per list."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from renda.api.models import ApiToken
from renda.cases import services
from renda.cases.models import Assignment, AssignmentStatus, Case, CaseStatus
from renda.core.models import ActionLog
from tests.fixtures.api import BASE, Api
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")


def _zh(message: str) -> str:
    """The message as the API gives it: the platform's language is Chinese."""
    with translation.override("zh-hans"):
        return gettext(message)


def _assign(world: Any, case: Case, department: Any = None) -> Assignment:
    services.assign_case(case, lead=department or world.dept_a1, acting_user=world.staff)
    return case.assignments.filter(status=AssignmentStatus.ASSIGNED).get()


def _state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (
        case.status,
        list(case.assignments.order_by("id").values_list("status", flat=True)),
        case.replies.count(),
        case.evaluations.count(),
        case.events.count(),
        ActionLog.objects.count(),
    )


# --- authentication and the document --------------------------------------------------------


def test_a_token_is_required(world, client):
    case = submit(world).case
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eA=="}):
        response = client.get(f"{BASE}/cases/{case.pk}", headers=headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["detail"]
    # A logged-in browser session is not an API credential.
    client.force_login(world.staff)
    assert client.get(f"{BASE}/cases").status_code == 401
    # A deactivated token, or the token of a deactivated user, is refused.
    token, secret = ApiToken.issue(user=world.staff, name="old")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{BASE}/me", headers=headers).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(is_active=False)
    assert client.get(f"{BASE}/me", headers=headers).status_code == 401
    token2, secret2 = ApiToken.issue(user=world.leader, name="x")
    world.leader.is_active = False
    world.leader.save(update_fields=["is_active"])
    assert (
        client.get(f"{BASE}/me", headers={"Authorization": f"Bearer {secret2}"}).status_code == 401
    )


def test_openapi_document_lists_the_paths(client):
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/timeline",
        "/api/v1/cases/{case_id}/assign",
        "/api/v1/cases/{case_id}/evaluate",
        "/api/v1/cases/{case_id}/progress",
        "/api/v1/assignments/{assignment_id}/sign",
        "/api/v1/assignments/{assignment_id}/return",
        "/api/v1/assignments/{assignment_id}/reply",
        "/api/v1/assignments/{assignment_id}/extension",
        "/api/v1/figures",
        "/api/v1/me",
    ):
        assert path in paths
    assert response.json()["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"


def test_the_docs_page_is_served_by_the_app_behind_login_without_a_cdn(world, client):
    """Swagger UI from django-ninja's own static files, for signed-in users only."""
    response = client.get(f"{BASE}/docs")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))
    client.force_login(world.handler_a)
    response = client.get(f"{BASE}/docs")
    assert response.status_code == 200
    page = response.content.decode()
    # Every asset the page loads is one of the app's static files, none from elsewhere.
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert assets
    for url in assets:
        assert url.startswith(settings.STATIC_URL), url
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url
    assert not re.search(r"https?://", page)
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets)
    # The page reads the document of the API, from the app; no outside validator.
    assert '"url": "/api/v1/openapi.json"' in page
    assert '"validatorUrl": null' in page


def test_me(world):
    response = Api(world.handler_a).get("/me")
    assert response.status_code == 200
    assert response.json() == {"username": "handler_a1", "name": "handler_a1", "roles": ["handler"]}


def test_csrf_does_not_apply_to_bearer_requests(world):
    case = submit(world).case
    staff = Api(world.staff, Client(enforce_csrf_checks=True))
    response = staff.post(f"/cases/{case.pk}/assign", {"lead": world.dept_a1.pk})
    assert response.status_code == 200
    assert response.json()["status"] == CaseStatus.ASSIGNED


# --- scope ---------------------------------------------------------------------------------------


def test_staff_read_their_towns_cases_and_nothing_else(world):
    a = submit(world).case
    b = submit(world, congress=world.c_b, category=world.cat_b, village=world.village_b).case
    staff_a, staff_b = Api(world.staff), Api(world.other_staff)

    listing = staff_a.get("/cases").json()
    assert listing["count"] == 1 and [i["id"] for i in listing["items"]] == [a.pk]
    item = listing["items"][0]
    assert item["serial"] == a.serial and item["status"] == "submitted"
    assert item["category"] == {"id": world.cat_a.pk, "name": "交通"}
    assert item["village"] == {"id": world.village_a.pk, "name": "东塘村"}
    assert item["departments"] == [] and item["status_label"] == _zh("Submitted")
    assert staff_a.get(f"/cases/{a.pk}").json()["content"] == a.content
    assert staff_a.get(f"/cases/{a.pk}/timeline").status_code == 200

    assert [i["id"] for i in staff_b.get("/cases").json()["items"]] == [b.pk]
    assignment = _assign(world, a)
    before = _state(a)
    for path in (f"/cases/{a.pk}", f"/cases/{a.pk}/timeline"):
        assert staff_b.get(path).status_code == 404
    for path, body in (
        (f"/cases/{a.pk}/assign", {"lead": world.dept_b1.pk}),
        (f"/cases/{a.pk}/evaluate", {"result": "satisfied"}),
        (f"/cases/{a.pk}/progress", {"note": "x"}),
        (f"/assignments/{assignment.pk}/sign", {}),
        (f"/assignments/{assignment.pk}/return", {"reason": "x"}),
        (f"/assignments/{assignment.pk}/reply", {"reply_class": "A", "text": "x"}),
        (f"/assignments/{assignment.pk}/extension", {"until": "2099-01-01", "reason": "x"}),
    ):
        response = staff_b.post(path, body)
        assert response.status_code == 404, path
        assert "detail" in response.json()
    assert _state(a) == before
    # Unknown ids are the same 404.
    assert staff_a.get("/cases/999999").status_code == 404
    assert staff_a.post("/assignments/999999/sign").status_code == 404


def test_a_handler_sees_only_their_departments_cases(world):
    mine = submit(world).case
    other = submit(world, content="学校门口缺少红绿灯，孩子上学过马路危险").case
    unassigned = submit(world, content="村里垃圾清运不及时，夏天气味很大").case
    assignment = _assign(world, mine, world.dept_a1)
    other_assignment = _assign(world, other, world.dept_a2)
    handler = Api(world.handler_a)

    listing = handler.get("/cases", view="all").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == mine.pk
    assert listing["items"][0]["departments"] == [world.dept_a1.name]
    assert handler.get(f"/cases/{mine.pk}").status_code == 200
    assert handler.get(f"/cases/{mine.pk}/timeline").status_code == 200
    for case in (other, unassigned):
        assert handler.get(f"/cases/{case.pk}").status_code == 404
        assert handler.get(f"/cases/{case.pk}/timeline").status_code == 404
    assert handler.post(f"/assignments/{other_assignment.pk}/sign").status_code == 404
    other_assignment.refresh_from_db()
    assert other_assignment.status == AssignmentStatus.ASSIGNED
    # Visible, but assigning is the office's: the service refuses (400, nothing changed).
    before = _state(mine)
    response = handler.post(f"/cases/{mine.pk}/assign", {"lead": world.dept_a2.pk})
    assert response.status_code == 400
    assert response.json()["detail"] == _zh("Only the presidium office can do this.")
    assert _state(mine) == before
    assert handler.post(f"/assignments/{assignment.pk}/sign").status_code == 200


# --- the whole loop ---------------------------------------------------------------------------


def test_the_full_flow_through_the_api(world):
    case = submit(world).case
    staff, handler = Api(world.staff), Api(world.handler_a)

    response = staff.post(
        f"/cases/{case.pk}/assign",
        {"lead": world.dept_a1.pk, "co_handlers": [world.dept_a2.pk], "note": "请尽快处理"},
    )
    assert response.status_code == 200
    detail = response.json()
    assert detail["status"] == "assigned" and detail["departments"] == [world.dept_a1.name]
    roles = {a["department"]["id"]: a["role"] for a in detail["assignments"]}
    assert roles == {world.dept_a1.pk: "lead", world.dept_a2.pk: "co"}
    lead_id = next(a["id"] for a in detail["assignments"] if a["role"] == "lead")

    response = handler.post(f"/assignments/{lead_id}/sign")
    assert response.status_code == 200 and response.json()["status"] == "signed"

    response = handler.post(f"/cases/{case.pk}/progress", {"note": "已联系供电所", "public": True})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"

    response = handler.post(
        f"/assignments/{lead_id}/reply", {"reply_class": "A", "text": "路灯已修复"}
    )
    assert response.status_code == 200
    detail = response.json()
    assert detail["status"] == "replied" and detail["reply_class"] == "A"
    assert detail["replies"] == [
        {
            "round": 1,
            "department": world.dept_a1.name,
            "reply_class": "A",
            "text": "路灯已修复",
            "public_text": "路灯已修复",
            "replied_at": detail["replies"][0]["replied_at"],
            "on_time": True,
        }
    ]

    response = staff.post(
        f"/cases/{case.pk}/evaluate", {"result": "satisfied", "attitude": "satisfied"}
    )
    assert response.status_code == 200
    detail = response.json()
    assert detail["status"] == "closed" and detail["evaluation_result"] == "satisfied"
    assert [(e["round"], e["result"]) for e in detail["evaluations"]] == [(1, "satisfied")]
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None

    timeline = staff.get(f"/cases/{case.pk}/timeline").json()
    assert [e["action"] for e in timeline] == [
        "submitted",
        "assigned",
        "signed",
        "progress",
        "replied",
        "evaluated",
    ]
    assert timeline[2]["department"] == world.dept_a1.name
    assert timeline[2]["actor"] == str(world.handler_a)
    assert timeline[-1]["to_status"] == "closed" and timeline[-1]["from_status"] == "replied"
    assert timeline[1]["label"] == _zh("Assigned to the department")
    logged = list(
        ActionLog.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert logged == [
        ("case.submitted", None),
        ("case.assigned", "staff_a"),
        ("case.signed", "handler_a1"),
        ("case.progress", "handler_a1"),
        ("case.replied", "handler_a1"),
        ("case.evaluated", "staff_a"),
    ]


def test_return_and_extension_through_the_api(world):
    case = submit(world).case
    handler = Api(world.handler_a)
    assignment = _assign(world, case)
    response = handler.post(f"/assignments/{assignment.pk}/return", {"reason": "不属于本单位职责"})
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["departments"] == []  # nobody answers a returned case
    returned = response.json()["assignments"][0]
    assert returned["status"] == "returned" and returned["return_reason"] == "不属于本单位职责"

    assignment = _assign(world, case)
    response = handler.post(f"/assignments/{assignment.pk}/sign")
    assert response.json()["departments"] == [world.dept_a1.name]
    assert [a["status"] for a in response.json()["assignments"]] == ["signed", "returned"]
    until = assignment.due_date + dt.timedelta(days=3)
    response = handler.post(
        f"/assignments/{assignment.pk}/extension", {"until": until.isoformat(), "reason": "采购"}
    )
    assert response.status_code == 200
    assert assignment.extensions.get().requested_due == until
    # A second request while the first waits is refused.
    response = handler.post(
        f"/assignments/{assignment.pk}/extension", {"until": until.isoformat(), "reason": "采购"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == _zh(
        "An extension request for this case is already waiting for a decision."
    )


# --- bad input ----------------------------------------------------------------------------------


def test_bad_input_is_a_400_and_changes_nothing(world):
    case = submit(world).case
    staff, handler = Api(world.staff), Api(world.handler_a)

    def refused(response: Any, message: str) -> None:
        assert response.status_code == 400, response.content
        assert response.json() == {"detail": message}

    # Assign to a department of another congress, or to an unknown one.
    before = _state(case)
    refused(
        staff.post(f"/cases/{case.pk}/assign", {"lead": world.dept_b1.pk}),
        _("No department of this congress has the id %(ids)s.") % {"ids": world.dept_b1.pk},
    )
    refused(
        staff.post(f"/cases/{case.pk}/assign", {"lead": world.dept_a1.pk, "splits": [999999]}),
        _("No department of this congress has the id %(ids)s.") % {"ids": 999999},
    )
    refused(
        staff.post(f"/cases/{case.pk}/assign", {}),
        _zh("Choose either one lead unit (with optional co-handlers) or several split units."),
    )
    refused(
        staff.post(
            f"/cases/{case.pk}/assign",
            {"lead": world.dept_a1.pk, "due": (timezone.localdate() - dt.timedelta(days=1))},
        ),
        _zh("The due date cannot be in the past."),
    )
    # Evaluate before any reply.
    refused(
        staff.post(f"/cases/{case.pk}/evaluate", {"result": "satisfied"}),
        _zh("Only an answered case can be rated."),
    )
    assert _state(case) == before

    assignment_id = staff.post(f"/cases/{case.pk}/assign", {"lead": world.dept_a1.pk}).json()[
        "assignments"
    ][0]["id"]
    assert handler.post(f"/assignments/{assignment_id}/sign").status_code == 200
    before = _state(case)
    # Reply without a class (omitted or empty), or without text.
    refused(
        handler.post(f"/assignments/{assignment_id}/reply", {"text": "已修复"}),
        _zh("Choose the reply class (A, B, C or D)."),
    )
    refused(
        handler.post(f"/assignments/{assignment_id}/reply", {"reply_class": "", "text": "已修复"}),
        _zh("Choose the reply class (A, B, C or D)."),
    )
    # Return after signing.
    refused(
        handler.post(f"/assignments/{assignment_id}/return", {"reason": "不归我们管"}),
        _zh("Only a case that has not been signed for can be returned."),
    )
    # Evaluate before the reply, with an unknown result.
    refused(
        staff.post(f"/cases/{case.pk}/evaluate", {"result": "great"}),
        _zh("Choose satisfied, basically satisfied or unsatisfied."),
    )
    refused(
        staff.post(f"/cases/{case.pk}/evaluate", {"result": "satisfied"}),
        _zh("Only an answered case can be rated."),
    )
    assert _state(case) == before
    assert case.status == CaseStatus.SIGNED and not case.replies.exists()
    # Malformed bodies are ninja's validation errors.
    response = handler.post(f"/assignments/{assignment_id}/extension", {"until": "tomorrow"})
    assert response.status_code == 400
    assert _state(case) == before


# --- personal data ------------------------------------------------------------------------------


def test_the_submitters_name_and_phone_never_appear_in_clear(world):
    case = submit(world, submitter_phone="13812345678", submitter_name="赵先生").case
    staff = Api(world.staff)
    response = staff.get(f"/cases/{case.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "13812345678" not in body and "赵先生" not in body
    assert response.json()["submitter"] == {"name": "赵*生", "phone": "138****5678"}
    for path in ("/cases", f"/cases/{case.pk}/timeline"):
        body = staff.get(path).content.decode()
        assert "13812345678" not in body and "赵先生" not in body
    assignment = _assign(world, case)
    body = Api(world.handler_a).post(f"/assignments/{assignment.pk}/sign").content.decode()
    assert "13812345678" not in body and "赵先生" not in body


# --- figures --------------------------------------------------------------------------------------


def test_figures_match_a_hand_count(world):
    closed = submit(world).case
    assigned = submit(world, content="学校门口缺少红绿灯，孩子上学过马路危险").case
    submit(world, content="村里垃圾清运不及时，夏天气味很大")
    submit(world, congress=world.c_b, category=world.cat_b, village=world.village_b)  # town B
    lead = _assign(world, closed)
    services.sign_assignment(lead, acting_user=world.handler_a)
    services.reply_case(lead, reply_class="A", text="已修复", acting_user=world.handler_a)
    services.evaluate_case(closed, result="satisfied", acting_user=world.staff)
    _assign(world, assigned, world.dept_a2)

    response = Api(world.staff).get("/figures")
    assert response.status_code == 200
    data = response.json()
    total = data["total"]
    assert (total["received"], total["assigned"], total["closed"]) == (3, 2, 1)
    assert (total["replied"], total["evaluated"], total["satisfied"], total["class_a"]) == (
        1,
        1,
        1,
        1,
    )
    assert total["closure_rate"] == 50.0
    assert total["on_time_rate"] == 50.0
    assert total["satisfaction_rate"] == 100.0 and total["solved_rate"] == 100.0
    departments = {row["label"]: (row["received"], row["closed"]) for row in data["by_department"]}
    assert departments == {world.dept_a1.name: (1, 1), world.dept_a2.name: (1, 0)}
    assert [(r["label"], r["received"]) for r in data["by_category"]] == [("交通", 3)]
    assert [(r["label"], r["received"]) for r in data["by_village"]] == [("东塘村", 3)]
    assert [r["received"] for r in data["by_source"]] == [3]
    assert [r["label"] for r in data["by_month"]] == [timezone.localdate().strftime("%Y-%m")]

    leader = Api(world.leader)
    assert leader.get("/figures", congress=world.c_a.pk).json()["total"]["received"] == 3
    assert leader.get("/figures", kind="suggestion").json()["total"]["received"] == 0
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert leader.get("/figures", start=tomorrow.isoformat()).json()["total"]["received"] == 0
    # Another town's congress is not in scope.
    assert leader.get("/figures", congress=world.c_b.pk).status_code == 404
    assert Api(world.other_staff).get("/figures").json()["total"]["received"] == 1


def test_figures_are_refused_to_a_handler(world):
    response = Api(world.handler_a).get("/figures")
    assert response.status_code == 403
    assert response.json()["detail"] == _(
        "Only the presidium office and its leaders can see the figures."
    )


# --- the list ---------------------------------------------------------------------------------


def test_list_filters_and_pagination(world):
    cases = [submit(world, content=f"第{n}号意见：东塘村路面破损需要修补") for n in range(5)]
    special = submit(world, content="学校门口缺少红绿灯", category=world.cat_a2).case
    _assign(world, cases[0].case)
    staff = Api(world.staff)

    page = staff.get("/cases", limit=2, offset=1).json()
    assert page["count"] == 6 and len(page["items"]) == 2
    everything = [i["id"] for i in staff.get("/cases").json()["items"]]
    assert [i["id"] for i in page["items"]] == everything[1:3]
    assert everything[0] == special.pk  # newest first
    assert staff.get("/cases", category=world.cat_a2.pk).json()["count"] == 1
    assert staff.get("/cases", q="红绿灯").json()["items"][0]["id"] == special.pk
    assert staff.get("/cases", view="handling").json()["count"] == 1
    assert staff.get("/cases", view="new").json()["count"] == 5
    assert staff.get("/cases", department=world.dept_a1.pk).json()["count"] == 1
    assert staff.get("/cases", village=world.village_b.pk).json()["count"] == 0
    assert staff.get("/cases", source="hotline").json()["count"] == 0
    assert staff.get("/cases", kind="opinion").json()["count"] == 6
    assert staff.get("/cases", limit=201).status_code == 400
    assert staff.get("/cases", limit=0).status_code == 400
    assert staff.get("/cases", view="everything").status_code == 400


def _add_cases(world: Any, count: int) -> None:
    for n in range(count):
        case = submit(world, content=f"第{n}号意见：东塘村路面破损需要修补").case
        if n % 3 == 0:
            services.assign_case(
                case, splits=[world.dept_a1, world.dept_a2], acting_user=world.staff
            )


@pytest.mark.parametrize("persona", ["staff", "handler_a"])
def test_the_list_takes_the_same_number_of_queries_for_10_and_60_cases(world, persona):
    api = Api(getattr(world, persona))

    def queries() -> int:
        # First a warm-up: the first call records the credential's last use (once a minute).
        api.get("/cases", view="all", limit=200)
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/cases", view="all", limit=200)
        assert response.status_code == 200
        return len(captured)

    _add_cases(world, 10)
    small = queries()
    _add_cases(world, 50)
    large = queries()
    assert api.get("/cases", view="all", limit=200).json()["count"] == (
        60 if persona == "staff" else 4 + 17  # every third case is assigned
    )
    assert small == large


def test_messages_are_chinese_by_default(world):
    api = Api(world.handler_a)
    assert api.get("/figures").json()["detail"] == "只有人大办和主席团领导可以查看统计数据。"


# --- input edges (issue 13, finding 5) ---------------------------------------------------------

INT64_MAX = 2**63 - 1


def _invalid(response: Any, *fields: str) -> dict[str, Any]:
    """A 400 naming the fields at fault, in the documented shape, the value not echoed."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    for error in body["errors"]:
        assert set(error) == {"loc", "msg", "type"}
    places = [".".join(str(p) for p in e["loc"]) for e in body["errors"]]
    for field in fields:
        assert any(place.endswith(f".{field}") for place in places), (field, places)
    return body


def test_integers_beyond_64_bits_are_refused_in_filters_and_paths(world):
    case = submit(world).case
    staff = Api(world.staff)
    _invalid(staff.get("/cases", offset=INT64_MAX + 1), "offset")
    _invalid(staff.get("/cases", offset=-1), "offset")
    for name in ("category", "village", "department"):
        _invalid(staff.get("/cases", **{name: 2**64}), name)
        _invalid(staff.get("/cases", **{name: 0}), name)
    _invalid(staff.get("/figures", congress=INT64_MAX + 1), "congress")
    _invalid(staff.get(f"/cases/{INT64_MAX + 1}"), "case_id")
    _invalid(staff.get(f"/cases/{10**30}/timeline"), "case_id")
    _invalid(staff.post(f"/assignments/{INT64_MAX + 1}/sign"), "assignment_id")
    # The largest values are valid, and simply find nothing.
    page = staff.get("/cases", offset=INT64_MAX, view="all")
    assert page.status_code == 200 and page.json() == {"count": 1, "items": []}
    assert staff.get("/cases", category=INT64_MAX).json()["count"] == 0
    assert staff.get(f"/cases/{INT64_MAX}").status_code == 404
    assert staff.get(f"/cases/{case.pk}").status_code == 200


def test_department_ids_beyond_64_bits_are_refused_and_nothing_changes(world):
    case = submit(world).case
    staff = Api(world.staff)
    before = _state(case)
    for body, field in (
        ({"lead": world.dept_a1.pk, "co_handlers": [INT64_MAX + 1]}, "co_handlers.0"),
        ({"lead": world.dept_a1.pk, "co_handlers": [world.dept_a2.pk, 2**70]}, "co_handlers.1"),
        ({"splits": [world.dept_a1.pk, 10**19]}, "splits.1"),
        ({"lead": 2**63}, "lead"),
    ):
        _invalid(staff.post(f"/cases/{case.pk}/assign", body), field)
    assert _state(case) == before
    # An id within range that is no department of the congress is the service's 400.
    response = staff.post(
        f"/cases/{case.pk}/assign", {"lead": world.dept_a1.pk, "co_handlers": [INT64_MAX]}
    )
    assert response.status_code == 400
    assert _state(case) == before


def test_dates_outside_the_range_are_refused(world):
    case = submit(world).case
    staff = Api(world.staff)
    before = _state(case)
    for due in ("9999-12-31", "0001-01-01", "2101-01-01"):
        _invalid(
            staff.post(f"/cases/{case.pk}/assign", {"lead": world.dept_a1.pk, "due": due}), "due"
        )
    assert _state(case) == before
    for params in ({"start": "0001-01-01"}, {"end": "9999-12-31"}, {"start": "1899-12-31"}):
        _invalid(staff.get("/figures", **params), *params)
    assert (
        staff.get("/figures", start="1900-01-01", end="2100-12-31").json()["total"]["received"] == 1
    )
    assignment_id = staff.post(f"/cases/{case.pk}/assign", {"lead": world.dept_a1.pk}).json()[
        "assignments"
    ][0]["id"]
    handler = Api(world.handler_a)
    assert handler.post(f"/assignments/{assignment_id}/sign").status_code == 200
    before = _state(case)
    _invalid(
        handler.post(f"/assignments/{assignment_id}/extension", {"until": "9999-12-31"}), "until"
    )
    assert _state(case) == before


def _raw_post(api: Api, path: str, body: str) -> Any:
    return api.client.post(
        f"{BASE}{path}", body, content_type="application/json", headers=api.headers
    )


def test_text_that_cannot_be_stored_is_refused(world):
    case = submit(world, content="东塘村路灯坏了，晚上出行不安全").case
    staff = Api(world.staff)
    before = _state(case)
    # A lone surrogate, as JSON may escape it: not encodable as UTF-8.
    for body in ('{"note": "a\\ud800b"}', '{"note": "\\udfff"}', '{"note": "a\\u0000b"}'):
        body_json = _invalid(_raw_post(staff, f"/cases/{case.pk}/progress", body), "note")
        assert "\\ud800" not in json.dumps(body_json)  # the value is not echoed back
    _invalid(
        staff.post(f"/cases/{case.pk}/assign", {"lead": world.dept_a1.pk, "note": "\x00"}), "note"
    )
    assert _state(case) == before
    # A NUL character in the search text (PostgreSQL cannot compare it either).
    _invalid(staff.get("/cases", q="路灯\x00"), "q")
    assert staff.get("/cases", q="路灯").json()["count"] == 1
    # A surrogate pair (a character outside the BMP) is ordinary text.
    body = '{"lead": ' + str(world.dept_a1.pk) + ', "note": "\\ud83d\\ude00 已联系"}'
    response = _raw_post(staff, f"/cases/{case.pk}/assign", body)
    assert response.status_code == 200, response.content
    assert case.events.filter(note__contains="😀 已联系").exists()


def test_an_unreadable_request_is_a_400(world):
    case = submit(world).case
    staff = Api(world.staff)
    before = _state(case)
    for body in ("{", "not json", '{"note": "\xff"}'.encode("latin-1")):
        response = _raw_post(staff, f"/cases/{case.pk}/progress", body)
        assert response.status_code == 400, response.content
        assert response.json() == {"detail": _zh("The request body is not valid JSON.")}
    assert _state(case) == before
    # More query fields than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS), a broken
    # multipart body: Django's HTML page before, the API's JSON now.
    unreadable = {"detail": _zh("The request could not be read: it is malformed or too large.")}
    response = staff.client.get(f"{BASE}/cases?" + "q=1&" * 1500, headers=staff.headers)
    assert response.status_code == 400 and response.json() == unreadable
    response = staff.client.post(
        f"{BASE}/cases/{case.pk}/progress",
        b"--x\r\nbroken",
        content_type="multipart/form-data",
        headers=staff.headers,
    )
    assert response.status_code == 400 and set(response.json()) == {"detail"}
    assert _state(case) == before


def test_unknown_paths_are_json_404s(world, client):
    staff = Api(world.staff)
    for path in ("/nothing", "/cases/1/nothing", "/suggestions/abc", "/suggestions/1/x/y"):
        for response in (staff.get(path), client.get(f"{BASE}{path}"), staff.post(path)):
            assert response.status_code == 404, (path, response.content)
            assert response["Content-Type"].startswith("application/json")
            assert set(response.json()) == {"detail"}


def test_the_openapi_document_declares_every_answer(client):
    document = client.get(f"{BASE}/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert {"ErrorOut", "ValidationErrorOut", "FieldError"} <= set(schemas)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)  # every operation needs a token
            if operation.get("parameters") or operation.get("requestBody"):
                assert "400" in codes, (method, path)
            for code, answer in operation["responses"].items():
                assert answer.get("content"), (method, path, code)
    # Integers are bounded to 64 bits in the document itself.
    offset = next(
        p for p in document["paths"]["/api/v1/cases"]["get"]["parameters"] if p["name"] == "offset"
    )
    assert offset["schema"]["maximum"] == INT64_MAX
    ledger = document["paths"]["/api/v1/suggestions/ledger.xlsx"]["get"]["responses"]
    assert set(ledger["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }


def test_the_docs_page_renders_in_a_browser_from_the_app_alone(browser, live_server, world):
    """Swagger UI draws the API from the app's own files under the app's CSP: every request
    goes to the app, nothing is refused, the operations are listed."""
    page = browser.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"{response.status} {response.url}")
        ),
    )
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "staff_a")
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.click("#login-submit")
    # Only the docs page is judged here (the sign-in pages ask for a file that answers 404,
    # presumably the browser's /favicon.ico: not this page's).
    problems.clear()
    page.goto(f"{live_server.url}{BASE}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock")
    assert "Renda API" in page.inner_text(".swagger-ui .info .title")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/sessions" in paths and "/api/v1/polls/{poll_id}/result" in paths
    assert requests and all(url.startswith(live_server.url) for url in requests), requests
    assert not problems, problems
