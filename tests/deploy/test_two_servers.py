"""Two app servers (issue 18, item 10): two gunicorn instances, each with two workers,
against the same PostgreSQL database and Redis, as a load balancer would spread one
installation over two machines. Nothing may live in one server's (or one worker's) memory:

- a session started on one server continues on the other (and back);
- a rate limit counts across both servers;
- view counts stay exact under concurrent hits through both;
- a poll closes correctly with ballots arriving through both, one ballot per code.
"""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from tests.deploy.conftest import Client, login_staff, manage, production_env, query

pytestmark = pytest.mark.postgresql

TRACK_LIMIT = 6
VIEWS = 40
VOTERS = 12

_OPEN_POLL = """
import json
from renda.ballots import services
from renda.ballots.models import Method, Scale
from renda.congress.models import Congress
from renda.core.models import User
staff = User.objects.get(username="qh_staff")
town = Congress.objects.get(name="清河镇人民代表大会")
poll = services.create_poll(congress=town, title="两台服务器表决", method=Method.APPROVAL,
    scale=Scale.APPROVAL, subjects=["村道硬化"], allow_abstain=True, acting_user=staff,
    electorate_kind="invited", codes_planned=%d)
opening = services.open_poll(poll, electorate=[], codes=%d, acting_user=staff)
item = poll.subjects.get().pk
print("POLL", json.dumps({"poll": poll.pk, "item": item, "codes": opening.codes,
      "shares": opening.shares[: opening.threshold]}))
"""

_CLOSE_POLL = """
import json
from renda.ballots import services
from renda.ballots.models import Poll
from renda.core.models import User
poll = Poll.objects.get(pk=%d)
poll = services.close_poll(poll, acting_user=User.objects.get(username="qh_staff"),
    shares=json.loads(%r))
print("CLOSED", json.dumps({"status": poll.status, "tally": services.tally(poll)}))
"""


def _parallel(work, count: int) -> list[BaseException]:  # noqa: ANN001
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001  (asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_two_app_servers_share_sessions_limits_counts_and_polls(
    deploy_template, deploy_db, redis_db, processes, tmp_path
):
    started = time.monotonic()
    redis_db(15)
    # One installation: the same settings (SECRET_KEY, key ring) on both servers.
    env = production_env(
        tmp_path,
        deploy_db,
        15,
        STATIC_ROOT=str(deploy_template.static),
        RENDA_TRACK_LIMIT=str(TRACK_LIMIT),
        RENDA_CODE_LIMIT="1000",
        RENDA_PORTAL_VIEW_BATCH="1000",  # nothing flushed inline: all pending in Redis
    )
    one = processes.gunicorn("app1", env, workers=2)
    two = processes.gunicorn("app2", env, workers=2)
    servers = [one, two]

    # A session started on one server continues on the other, and back.
    office = Client(one)
    login_staff(office, deploy_template.totp_key)
    office.base = two
    page = office.get("/cases/")
    assert page.status == 200, page.headers.get("location")
    office.base = one
    assert office.get("/inbox/").status == 200
    assert Client(two).get("/cases/").status == 302  # a stranger is sent to the login

    # A rate limit counts across both: wrong tracking lookups, alternating servers.
    statuses = []
    for n in range(TRACK_LIMIT + 2):
        visitor = Client(servers[n % 2])
        visitor.get("/opinions/track/")
        response = visitor.post_form(
            "/opinions/track/", {"ticket": f"MY2099-{n:06d}", "code": "000000"}
        )
        statuses.append(response.status)
    assert statuses == [404] * TRACK_LIMIT + [429] * 2

    # View counts: VIEWS readers at once, half through each server, counted exactly.
    ((article, initial),) = query(
        deploy_db,
        "SELECT a.id, a.view_count FROM portal_article a JOIN portal_site s ON s.id = a.site_id "
        "WHERE a.status = 'published' AND s.is_active ORDER BY a.id LIMIT 1",
    )

    def read(i: int) -> None:
        reader = Client(servers[i % 2], agent=f"Mozilla/5.0 (reader {i})")
        assert reader.get(f"/portal/article/{article}/").status == 200

    assert _parallel(read, VIEWS) == []
    again = Client(two, agent="Mozilla/5.0 (reader 0)").get(f"/portal/article/{article}/")
    assert again.status == 200  # the same reader within the window: not counted again
    moved = manage(
        env, "shell", "-c", "from renda.portal import viewcount; print('MOVED', viewcount.flush())"
    )
    assert "MOVED" in moved
    ((count,),) = query(
        deploy_db, "SELECT view_count FROM portal_article WHERE id = %s", (article,)
    )
    assert count == initial + VIEWS

    # A poll: ballots through both servers at once; one code tried on both at once.
    out = manage(env, "shell", "-c", _OPEN_POLL % (VOTERS, VOTERS))
    poll = json.loads(re.search(r"^POLL (.*)$", out, re.M).group(1))  # type: ignore[union-attr]
    choices = ["yes"] * 7 + ["no"] * (VOTERS - 7)
    receipts: list[str] = []

    def vote(i: int) -> None:
        code, choice = poll["codes"][i % VOTERS], choices[i % VOTERS]
        voter = Client(servers[(i + i // VOTERS) % 2])  # the repeat: the other server
        voter.get("/vote/code/")
        data = {"code": code, "poll": poll["poll"], f"s{poll['item']}": choice}
        review = voter.post_form("/vote/code/ballot/", {**data, "step": "review"})
        assert review.status in (200, 404), review.text[:500]
        cast = voter.post_form("/vote/code/ballot/", {**data, "step": "cast"})
        if cast.status == 200 and "receipt-code" in cast.text:
            receipts.append(code)

    # Every voter once, and the first voter's code a second time through the other server.
    assert _parallel(vote, VOTERS + 1) == []
    assert sorted(receipts) == sorted(poll["codes"])  # the repeated code cast once

    out = manage(env, "shell", "-c", _CLOSE_POLL % (poll["poll"], json.dumps(poll["shares"])))
    closed = json.loads(re.search(r"^CLOSED (.*)$", out, re.M).group(1))  # type: ignore[union-attr]
    assert closed["status"] == "closed", closed
    assert closed["tally"]["ballots"] == VOTERS
    assert closed["tally"]["counts"][str(poll["item"])] == {"yes": 7, "no": VOTERS - 7}
    # Closed is closed on both servers: a further code is refused everywhere.
    for base in servers:
        late = Client(base)
        late.get("/vote/code/")
        assert late.post_form("/vote/code/", {"code": poll["codes"][0]}).status == 404
    print(f"two servers: {time.monotonic() - started:.1f} s")
