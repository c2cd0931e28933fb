"""An outside system lives on the REST API alone: over HTTP to a running server (no test
client, no ORM once the accounts and tokens exist), a deputy's client discovers a session
and a category, files a suggestion and follows it to its rated reply; the office accepts and
assigns it and the department signs and replies through the same API; the office reads the
year's figures."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from renda.api.models import ApiToken


class Client:
    """A bearer-token client with nothing but urllib."""

    def __init__(self, base: str, token: str) -> None:
        self.base = f"{base}/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310  (the test's own server)
            f"{self.base}{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def get(self, path: str) -> Any:
        status, body = self.call("GET", path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str, body: Any, expect: int = 200) -> Any:
        status, answer = self.call("POST", path, body)
        assert status == expect, (path, status, answer)
        return answer


@pytest.mark.django_db(transaction=True)
def test_an_outside_client_files_a_suggestion_and_follows_it_to_its_rated_reply(
    live_server, cases_world
):
    world = cases_world
    # Setup: the three systems' tokens. From here on, only HTTP.
    deputy = Client(live_server.url, ApiToken.issue(user=world.deputy_user, name="app")[1])
    office = Client(live_server.url, ApiToken.issue(user=world.staff, name="oa")[1])
    department = Client(live_server.url, ApiToken.issue(user=world.handler_a, name="oa")[1])

    # The deputy's app discovers who it is, the congress, a session and a category.
    assert "deputy" in deputy.get("/me")["roles"]
    (congress,) = deputy.get("/congresses")["items"]
    sessions = deputy.get(f"/sessions?congress={congress['id']}&current_term=true")["items"]
    session = sessions[0]
    categories = deputy.get(f"/categories?congress={congress['id']}&active=true")["items"]
    category = next(c for c in categories if c["code"] == "road")

    # It files the suggestion.
    filed = deputy.post(
        "/suggestions",
        {
            "congress": congress["id"],
            "session": session["id"],
            "category": category["id"],
            "title": "关于修缮东塘村主干道路的建议",
            "content": "东塘村主干道路面破损严重，雨天积水，群众出行不便，建议尽快修缮。",
            "submit": True,
        },
        expect=201,
    )
    suggestion = filed["id"]
    assert filed["status"] == "submitted"
    assert filed["session"]["id"] == session["id"]
    case = filed["case"]
    assert case["serial"] and case["status"] == "submitted"

    # The office accepts it and assigns it to the category's usual department.
    assert (
        office.post(f"/suggestions/{suggestion}/review", {"decision": "accept"})["case"]["status"]
        == "triaged"
    )
    departments = office.get(f"/departments?congress={congress['id']}&active=true")["items"]
    lead = next(d for d in departments if d["id"] == category["default_department"]["id"])
    assigned = office.post(f"/cases/{case['id']}/assign", {"lead": lead["id"]})
    assert assigned["status"] == "assigned"

    # The department finds it in its inbox, signs and replies.
    inbox = department.get("/cases?view=handling")["items"]
    assert [c["id"] for c in inbox] == [case["id"]]
    detail = department.get(f"/cases/{case['id']}")
    (assignment,) = detail["assignments"]
    department.post(f"/assignments/{assignment['id']}/sign", {})
    replied = department.post(
        f"/assignments/{assignment['id']}/reply",
        {"reply_class": "A", "text": "已完成东塘村主干道路面修缮，排水沟同步疏通。"},
    )
    assert replied["status"] == "replied"

    # The deputy's app follows the suggestion to the reply and rates it.
    followed = deputy.get(f"/suggestions/{suggestion}")
    assert followed["case"]["status"] == "replied"
    assert [r["reply_class"] for r in followed["replies"]] == ["A"]
    assert followed["replies"][0]["department"] == lead["name"]
    rated = deputy.post(
        f"/suggestions/{suggestion}/evaluate",
        {"result": "satisfied", "attitude": "satisfied", "comment": "办理及时"},
    )
    assert rated["case"]["status"] == "closed"
    assert rated["case"]["evaluation_result"] == "satisfied"
    assert [e["result"] for e in rated["evaluations"]] == ["satisfied"]
    timeline = office.get(f"/cases/{case['id']}/timeline")
    assert [e["action"] for e in timeline][-1] == "evaluated"

    # The office reads the year's figures: this year, this session.
    (this_year,) = office.get(f"/figures?congress={congress['id']}")["by_year"]
    year = int(this_year["label"])
    figures = office.get(f"/figures?congress={congress['id']}&year={year}&kind=suggestion")
    total = figures["total"]
    assert (total["received"], total["assigned"], total["replied"], total["closed"]) == (1, 1, 1, 1)
    assert (total["satisfied"], total["satisfaction_rate"], total["solved_rate"]) == (
        1,
        100.0,
        100.0,
    )
    assert total["on_time_rate"] == 100.0
    by_session = office.get(f"/figures?session={session['id']}")["by_session"]
    assert [(row["label"], row["received"]) for row in by_session] == [(session["name"], 1)]
    # The deputy is not the office: the figures are refused, in the API's error shape.
    status, body = deputy.call("GET", f"/figures?year={year}")
    assert status == 403 and body["detail"]
