"""The XSS corpus (issue 13): every payload of tests/core/xss_payloads.py goes through every
text field a user can fill, stored the way users store it (the platform's own forms,
through Django's test client), and every page that shows those values is then rendered in
headless Chromium with a dialog handler, a marker that records calls, and a listener of
Content-Security-Policy violations. Nothing may run: 0 executions, 0 dialogs, 0 violations,
no event-handler attribute or `javascript:` link carrying a payload, no server error.

The front doors fall into three worlds (cases; portal and projects; stations, appraisals and
polls), each the demo district plus its payloads, written, crawled and rendered in one test
with one browser: pytest-xdist runs them side by side. The counts (payloads × fields stored,
pages rendered, payload occurrences rendered) are printed with `-s`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections import Counter, defaultdict, deque
from typing import Any
from urllib.parse import parse_qs, quote

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.core.xss_payloads import PAYLOADS
from tests.fixtures.formfiller import FormFiller

MARK = re.compile(r"lert\((\d+)\)|__xss\((\d+)\)")

# Recorded in every page (and frame) before any of its own script: the marker, the dialog
# functions, and the CSP violations. Each report goes straight to the test (a binding), so
# nothing is lost when a payload navigates away.
INIT_SCRIPT = """
(() => {
  const report = (kind, detail) => { try { window.__xssReport(kind, String(detail)); } catch (e) {} };
  window.__xss = (n) => report("marker", n);
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    const original = window[name];
    window[name] = function (...args) { report(name, args.join(" ")); return original.apply(this, args); };
  }
  document.addEventListener("securitypolicyviolation", (e) => {
    report("csp", e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
  }, true);
})();
"""

# Scanned in each rendered page: what an injected payload would leave in the DOM even where
# the CSP stopped it from running.
DOM_SCAN = r"""
() => {
  const found = [];
  const marker = /lert\(\d+\)|__xss\(\d+\)/;
  const urlAttrs = ["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc", "poster"];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value;
      if (name.startsWith("on") && marker.test(value)) found.push(`${el.tagName} ${name}=${value}`);
      if (name.startsWith("hx-") && marker.test(value)) found.push(`${el.tagName} ${name}=${value}`);
      if (urlAttrs.includes(name)) {
        const url = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "").toLowerCase();
        if (url.startsWith("javascript:") || url.startsWith("data:text/html") || url.startsWith("vbscript:")) {
          found.push(`${el.tagName} ${name}=${value}`);
        }
        if (name === "srcdoc" && marker.test(value)) found.push(`${el.tagName} srcdoc`);
      }
    }
    if (el.tagName === "SCRIPT" && !el.src && marker.test(el.textContent)) found.push("inline script " + el.textContent.slice(0, 80));
    if (el.tagName === "META" && /refresh/i.test(el.getAttribute("http-equiv") || "")) found.push("meta refresh");
    if (el.tagName === "BASE") found.push("base " + el.getAttribute("href"));
  }
  const values = Array.from(document.querySelectorAll("input, textarea")).map((e) => e.value).join("\n");
  return {found, text: document.body ? document.body.innerText + "\n" + values : ""};
}
"""

# Links the page crawl does not follow: exports and files (not HTML), feeds, log-out.
NOT_PAGES = re.compile(
    r"logout|\.xlsx|\.docx|\.ics|\.svg|\.txt|\.csv|\.pdf|/rss/|/cover/|/files/|/photo/|"
    r"/admin/|/i18n/|/api/|/open311/|export|sheet\.|/print/|qr|/attachments/\d+/$|"
    r"/documents/\d+/$|/captcha/"
)
SHAPE_LIMIT = 6  # pages of one kind (one URL pattern) visited per role
PAGE_LIMIT = 200  # pages per role

N = len(PAYLOADS)


def _clients(usernames: list[str]) -> dict[str, Client]:
    users = get_user_model().objects.in_bulk(usernames, field_name="username")
    clients = {}
    for name in usernames:
        client = Client(raise_request_exception=True)
        client.force_login(users[name])
        clients[name] = client
    return clients


class Tally:
    """Payload × field coverage: which payload was stored in which field."""

    def __init__(self) -> None:
        self.stored: dict[str, set[int]] = defaultdict(set)
        self.refused: Counter[str] = Counter()
        self.failed: list[str] = []

    def add(self, label: str, index: int, filled: Any) -> None:
        if filled.errors is not None:  # the form was not accepted
            self.failed.append(f"{label}: {filled.url} {filled.status} {filled.errors}"[:300])
        for name in filled.stored:
            self.stored[f"{label}.{name}"].add(index)
        for name in filled.refused:
            self.refused[f"{label}.{name}"] += 1

    def direct(self, label: str, index: int) -> None:
        self.stored[label].add(index)


def _write_opinions(demo: Any, tally: Tally, clients: dict[str, Client]) -> list[tuple[str, str]]:
    """Residents send opinions; the office assigns them, the department signs, reports
    progress and replies, and each resident rates the reply with a comment."""
    from renda.cases.models import Case
    from renda.congress.models import RoleGrant

    public = FormFiller(Client(raise_request_exception=True))
    office = FormFiller(clients["qh_staff"])
    handler = FormFiller(clients["qh_handler_build"])
    department = RoleGrant.objects.filter(user__username="qh_handler_build").first()
    receipts = []
    for i, (_name, payload) in enumerate(PAYLOADS):
        filled = public.submit(f"/opinions/{demo.pk}/new/", payload)
        tally.add("opinion", i, filled)
        assert filled.location, (payload, filled.errors)
        receipt = lxml.html.fromstring(public.client.get(filled.location).content)
        ticket = receipt.get_element_by_id("ticket").text_content().strip()
        code = receipt.get_element_by_id("check-code").text_content().strip()
        receipts.append((ticket, code))
        case = Case.objects.get(serial=ticket)
        filled = office.submit(
            f"/cases/{case.pk}/assign/",
            payload,
            fixed={"mode": "lead", "lead": str(department.department_id)},
        )
        tally.add("case.assign", i, filled)
        for action in ("sign", "progress", "contact", "reply"):
            filled = handler.submit(f"/department/cases/{case.pk}/{action}/", payload, fresh=True)
            tally.add(f"case.{action}", i, filled)
        response = public.client.post(
            "/opinions/track/",
            {"ticket": ticket, "code": code, "result": "satisfied", "comment": payload},
        )
        assert response.status_code == 200 and response.context["thanks"], ticket
        tally.direct("opinion.rating.comment", i)
    return receipts


def _write_suggestions(demo: Any, tally: Tally, clients: dict[str, Client]) -> None:
    """Deputies write suggestions; the office accepts them and holds an assignment meeting."""
    from renda.suggestions.models import Suggestion

    deputy = FormFiller(clients["qh_deputy"])
    office = FormFiller(clients["qh_staff"])
    for i, (_name, payload) in enumerate(PAYLOADS):
        before = set(Suggestion.objects.values_list("pk", flat=True))
        filled = deputy.submit(f"/suggestions/new/{demo.pk}/", payload, fixed={"submit": "1"})
        tally.add("suggestion", i, filled)
        (new,) = set(Suggestion.objects.values_list("pk", flat=True)) - before
        tally.add(
            "suggestion.accept", i, office.submit(f"/office/suggestions/{new}/accept/", payload)
        )
        tally.add("suggestion.meeting", i, office.submit("/office/meetings/", payload))


def _write_user_names(demo: Any, tally: Tally, clients: dict[str, Client]) -> None:
    """The accounts' display names are set in the Django admin: set here with the ORM, as
    the admin stores them, before the accounts act (timelines and top bars show them)."""
    users = get_user_model().objects.in_bulk(ROLES, field_name="username")
    for k, username in enumerate(ROLES):
        for i in range(k, N, len(ROLES)):
            if len(PAYLOADS[i][1]) <= 60:
                users[username].name = PAYLOADS[i][1]
                users[username].save(update_fields=["name"])
                tally.direct("user.name", i)
                break


def _write_congress_data(demo: Any, tally: Tally, clients: dict[str, Client]) -> None:
    """Departments, categories and deputies are kept in the Django admin (many fields and
    inlines): created here with the ORM, as the admin would store them."""
    from renda.cases.models import Category
    from renda.congress.models import (
        Department,
        DepartmentKind,
        Deputy,
        DeputyMembership,
        Gender,
        Term,
    )

    term = Term.objects.get(congress=demo, is_current=True)
    for i, (_name, payload) in enumerate(PAYLOADS):
        Department.objects.create(
            congress=demo, name=payload, short_name=payload[:40], kind=DepartmentKind.TOWN_OFFICE
        )
        tally.direct("congress.department.name", i)
        Category.objects.create(congress=demo, code=f"xss-{i}", name=payload[:60])
        tally.direct("congress.category.name", i)
        deputy = Deputy.objects.create(
            name=payload[:40], gender=Gender.MALE, occupation=payload, phone=f"139{i:08d}"
        )
        DeputyMembership.objects.create(deputy=deputy, term=term, start_date=term.start_date)
        tally.direct("congress.deputy.name", i)
        tally.direct("congress.deputy.occupation", i)


def _write_portal(demo: Any, tally: Tally, clients: dict[str, Client]) -> list[int]:
    """Articles written in the rich-text editor's form (the body sanitised on the way in),
    then sent for review, reviewed with a note and published through the article actions."""
    from renda.portal.models import Article, Site

    site = Site.objects.filter(congress=demo).order_by("pk").first()
    admin = FormFiller(clients["sysadmin"])
    # Four eyes: the writer neither reviews nor approves; the town's leader does both.
    leader = FormFiller(_clients(["qh_leader"])["qh_leader"])
    created = []
    for i, (_name, payload) in enumerate(PAYLOADS):
        filled = admin.submit(f"/portal/office/new/{site.pk}/", payload, fixed={"publish_at": ""})
        tally.add("portal.article", i, filled)
        article = Article.objects.filter(site=site).order_by("-pk").first()
        created.append(article.pk)
        admin.client.post(f"/portal/office/{article.pk}/submit/")
        tally.add(
            "portal.review", i, leader.submit(f"/portal/office/{article.pk}/review/", payload)
        )
        article.refresh_from_db()
        if article.status != "published":
            leader.client.post(f"/portal/office/{article.pk}/approve/", {"publish_at": ""})
    return created


def _write_projects(demo: Any, tally: Tally, clients: dict[str, Client]) -> None:
    """Residents propose projects; the office records ideas and screens them, records
    progress and inspections; the screened ideas go on a candidate list on which residents
    comment through the portal's form."""
    from renda.congress.models import Session
    from renda.projects import services
    from renda.projects.models import Idea, Project

    public = FormFiller(Client(raise_request_exception=True))
    office = FormFiller(clients["qh_staff"])
    projects = list(
        Project.objects.filter(congress=demo, status="in_progress", milestones__isnull=False)
        .distinct()
        .order_by("pk")
    )
    screened = []
    for i, (_name, payload) in enumerate(PAYLOADS):
        tally.add("project.proposal", i, public.submit(f"/projects/{demo.pk}/propose/", payload))
        tally.add(
            "project.idea", i, office.submit(f"/office/projects/ideas/new/{demo.pk}/", payload)
        )
        idea = Idea.objects.filter(congress=demo).order_by("-pk").first()
        filled = office.submit(f"/office/projects/ideas/{idea.pk}/screen/", payload)
        tally.add("project.screening", i, filled)
        if filled.stored:
            screened.append(idea)
        project = projects[i % len(projects)]
        tally.add(
            "project.progress",
            i,
            office.submit(
                f"/office/projects/list/{project.pk}/progress/", payload, fixed={"percent": "50"}
            ),
        )
        tally.add(
            "project.inspection",
            i,
            office.submit(f"/office/projects/list/{project.pk}/inspection/", payload),
        )
    # The candidate list is made with the service the batch form calls (its idea picker is
    # a long checkbox list); its title and materials carry a payload.
    staff = get_user_model().objects.get(username="qh_staff")
    session = Session.objects.filter(term__congress=demo, term__is_current=True).latest("ordinal")
    batch = services.create_batch(
        session=session,
        title=PAYLOADS[0][1],
        places=len(screened) - 1,
        ideas=screened,
        acting_user=staff,
        materials="\n".join(p for _n, p in PAYLOADS),
    )
    services.publish_candidates(batch, acting_user=staff)
    tally.direct("project.batch.title", 0)
    for i in range(N):
        tally.direct("project.batch.materials", i)
    for i, (_name, payload) in enumerate(PAYLOADS):
        tally.add("project.comment", i, public.submit(f"/projects/batch/{batch.pk}/", payload))


def _write_appraisals(demo: Any, tally: Tally, clients: dict[str, Client]) -> None:
    """Appraisal meetings, the officials who report at them, and the questions asked."""
    from renda.appraisals.models import Reporter, ReviewMeeting

    office = FormFiller(clients["qh_staff"])
    for i, (_name, payload) in enumerate(PAYLOADS):
        tally.add("appraisal.meeting", i, office.submit("/office/appraisals/", payload))
        meeting = ReviewMeeting.objects.filter(congress=demo).order_by("-pk").first()
        filled = office.submit(
            f"/office/appraisals/{meeting.pk}/",
            payload,
            action=f"/office/appraisals/{meeting.pk}/reporter/",
        )
        tally.add("appraisal.reporter", i, filled)
        reporter = Reporter.objects.filter(meeting=meeting).order_by("-pk").first()
        if reporter is None:
            continue
        tally.add(
            "appraisal.question",
            i,
            office.submit(f"/office/appraisals/reporters/{reporter.pk}/question/", payload),
        )


def _write_polls(demo: Any, tally: Tally, clients: dict[str, Client]) -> None:
    """Polls with their title, explanation and subjects (candidates, items)."""
    office = FormFiller(clients["qh_staff"])
    for i, (_name, payload) in enumerate(PAYLOADS):
        filled = office.submit(
            f"/office/polls/new/{demo.pk}/",
            payload,
            fixed={"subjects": f"{payload}\n第二项"},
        )
        tally.add("poll", i, filled)
        if filled.stored:
            tally.direct("poll.subjects", i)


def _write_stations(demo: Any, tally: Tally, clients: dict[str, Client]) -> None:
    """Visits received at the stations, deputies' contact logs (entered by the office and by
    the deputy) and the industry points."""
    from renda.stations.models import Station

    office = FormFiller(clients["qh_staff"])
    deputy = FormFiller(clients["qh_deputy"])
    stations = list(Station.objects.filter(congress=demo).order_by("pk"))
    for i, (_name, payload) in enumerate(PAYLOADS):
        station = stations[i % len(stations)]
        tally.add(
            "station.reception",
            i,
            office.submit(f"/office/stations/{station.pk}/reception/", payload),
        )
        visit = {"kind": "constituency", "pairing": ""}
        tally.add(
            "station.contact", i, office.submit("/office/contacts/log/", payload, fixed=visit)
        )
        tally.add(
            "station.deputy_contact",
            i,
            deputy.submit("/stations/mine/contact/", payload, fixed=visit),
        )
        tally.add("station.industry", i, office.submit("/office/industry/", payload))
    # Duty shifts with a note: each on its own day (a deputy is on one shift at a time),
    # skipping the days the station is closed.
    station, day = stations[0], timezone.localdate()
    for i, (_name, payload) in enumerate(PAYLOADS):
        for _try in range(10):
            day += dt.timedelta(days=1)
            filled = office.submit(
                f"/office/stations/{station.pk}/shift/", payload, fixed={"date": day.isoformat()}
            )
            if filled.stored:
                break
        tally.add("station.shift", i, filled)


def _crawl(client: Client, starts: list[str]) -> tuple[list[str], int]:
    """The HTML pages that show a payload (by its marker), found from `starts` by following
    the links of the start pages and of every page that shows one."""
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    queue = deque(starts)
    found: list[str] = []
    fetched = 0
    while queue and fetched < PAGE_LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        # One kind of page: its path with the numbers left out, and the names of its query
        # parameters (a list filtered by one status or another is one kind).
        path, _sep, query = url.partition("?")
        shape = re.sub(r"\d+", "N", path) + "?" + ",".join(sorted(parse_qs(query)))
        if url not in starts and shapes[shape] >= SHAPE_LIMIT:
            continue
        shapes[shape] += 1
        response = client.get(url)
        fetched += 1
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        shows = bool(MARK.search(response.content.decode("utf-8", "replace")))
        if shows:
            found.append(url)
        if not shows and url not in starts:
            continue
        # Links next to a payload (its row, its list item) first: they lead to the pages
        # of the objects that carry one.
        for link in lxml.html.fromstring(response.content).xpath("//a[@href]"):
            href = str(link.get("href")).split("#")[0]
            if not href.startswith("/") or href.startswith("//") or NOT_PAGES.search(href):
                continue
            if href in seen:
                continue
            row = link.getparent()
            while row is not None and row.tag not in ("tr", "li", "article", "section"):
                row = row.getparent()
            near = (row if row is not None else link).text_content()
            if MARK.search(near):
                queue.appendleft(href)
            else:
                queue.append(href)
    return found, fetched


class Browser:
    """One Chromium context per role, every page checked the same way."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser = browser
        self.base = base
        self.events: list[tuple[str, str, str]] = []
        self.findings: list[str] = []
        self.pages = 0
        self.rendered = 0
        self.url = ""

    def context(self, client: Client | None) -> Any:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        context.expose_binding(
            "__xssReport", lambda source, kind, detail: self.events.append((self.url, kind, detail))
        )
        context.add_init_script(INIT_SCRIPT)
        if client is not None and "sessionid" in client.cookies:
            context.add_cookies(
                [
                    {
                        "name": "sessionid",
                        "value": client.cookies["sessionid"].value,
                        "url": self.base,
                    }
                ]
            )
        context.set_default_timeout(15000)
        return context

    def page(self, context: Any) -> Any:
        page = context.new_page()
        page.on("dialog", self._dialog)
        return page

    def _dialog(self, dialog: Any) -> None:
        self.events.append((self.url, "dialog", dialog.message))
        dialog.dismiss()

    def visit(self, page: Any, url: str) -> None:
        self.url = url
        response = page.goto(self.base + url, wait_until="load")
        assert response is not None and response.status < 500, (url, response and response.status)
        scan = page.evaluate(DOM_SCAN)
        self.pages += 1
        self.rendered += len(MARK.findall(scan["text"]))
        self.findings += [f"{url}: {item}" for item in scan["found"]]


ROLES = ["qh_staff", "qh_handler_build", "qh_station", "qh_deputy", "sysadmin"]
PUBLIC_STARTS = ["/", "/portal/", "/opinions/", "/stations/", "/projects/", "/public/appraisals/"]
OFFICE_STARTS = [
    "/workspace/",
    "/inbox/",
    "/cases/",
    "/department/",
    "/vote/",
    "/suggestions/mine/",
]

# Each group of front doors is one world: written, crawled and rendered in one test, so
# that pytest-xdist runs the groups side by side.
GROUPS = {
    "cases": (
        [_write_user_names, _write_opinions, _write_suggestions, _write_congress_data],
        {
            None: [*PUBLIC_STARTS, "/public/suggestions/"],
            "qh_staff": [
                "/cases/",
                "/office/suggestions/",
                "/office/meetings/",
                "/workspace/",
                # The office's case search shows the query back: every fourth payload.
                *[f"/cases/?q={quote(p)}" for _n, p in PAYLOADS[::4]],
            ],
            "qh_handler_build": ["/department/", "/inbox/"],
            "qh_deputy": ["/suggestions/mine/", "/stations/mine/", "/inbox/"],
        },
    ),
    "portal-projects": (
        [_write_portal, _write_projects],
        {
            None: [
                "/portal/",
                "/projects/",
                *[f"/portal/search/?q={quote(p)}" for _n, p in PAYLOADS],
            ],
            "sysadmin": ["/portal/office/"],
            "qh_staff": ["/office/projects/", "/office/projects/list/", "/workspace/"],
        },
    ),
    "stations-appraisals-polls": (
        [_write_stations, _write_appraisals, _write_polls],
        {
            None: ["/stations/", "/public/appraisals/"],
            "qh_staff": [
                "/office/stations/",
                "/office/receptions/",
                "/office/contacts/",
                "/office/industry/",
                "/office/roster/",
                "/office/appraisals/",
                "/office/polls/",
            ],
            "qh_deputy": ["/stations/mine/", "/vote/"],
        },
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("group", list(GROUPS))
def test_no_payload_runs_on_any_page(group, demo, browser, live_server, settings):
    settings.RENDA_RATE_LIMITS = False
    writers, starts = GROUPS[group]
    started = time.monotonic()
    clients = _clients(ROLES)
    tally = Tally()
    for writer in writers:
        writer(demo, tally, clients)
    written = time.monotonic()

    plan: dict[str | None, list[str]] = {}
    fetched = 0
    for role, urls in starts.items():
        client = clients[role] if role else Client(raise_request_exception=True)
        plan[role], count = _crawl(client, urls)
        fetched += count
    crawled = time.monotonic()

    chromium = Browser(browser, live_server.url)
    for role, urls in plan.items():
        context = chromium.context(clients[role] if role else None)
        page = chromium.page(context)
        for url in urls:
            chromium.visit(page, url)
        context.close()
    done = time.monotonic()

    fields = sorted(tally.stored)
    pairs = sum(len(v) for v in tally.stored.values())
    print(
        f"\nxss corpus [{group}]: {N} payloads, {len(fields)} fields, {pairs} payload×field "
        f"values stored; {fetched} pages crawled, {chromium.pages} pages rendered in Chromium, "
        f"{chromium.rendered} payload occurrences rendered; {len(chromium.events)} events, "
        f"{len(chromium.findings)} DOM findings; write {written - started:.1f}s "
        f"crawl {crawled - written:.1f}s browser {done - crawled:.1f}s",
        file=sys.stderr,
    )
    for name in fields:
        print(f"  {name}: {len(tally.stored[name])}", file=sys.stderr)
    print(f"  refused: {dict(tally.refused)}", file=sys.stderr)
    for line in tally.failed:
        print(f"  failed: {line}", file=sys.stderr)
    assert tally.failed == []
    assert chromium.events == []
    assert chromium.findings == []
    assert chromium.pages > 0


@pytest.mark.django_db(transaction=True)
def test_an_article_sent_back_with_an_error_does_not_run_its_body_in_the_editor(
    browser, live_server, world
):
    """Found by the corpus: the article form, sent back with an error (no title), showed the
    body as typed, and the rich-text editor loaded it as HTML, running an <img onerror>."""
    from renda.portal.models import Channel, Site

    site = Site.objects.create(congress=world.c_a, slug="qinghe", name="清河镇人大")
    Channel.objects.create(site=site, slug="news", name="人大动态")
    client = Client()
    client.force_login(world.staff)
    chromium = Browser(browser, live_server.url)
    context = chromium.context(client)
    page = chromium.page(context)
    page.goto(f"{live_server.url}/portal/office/new/{site.pk}/")
    editor = ".prose-editor[data-ready] .ProseMirror[contenteditable=true]"
    page.wait_for_selector(editor)
    # What a hand-made request (or the editor's HTML dialog) sends as the body.
    page.eval_on_selector(
        "textarea[name=body]",
        "(t) => { t.value = '<p>正文</p><img src=x onerror=alert(1)><svg onload=alert(2)>'; }",
    )
    chromium.url = "new article, sent back"
    with page.expect_navigation():
        page.click("#save-article")  # no title: the form comes back
    page.wait_for_load_state("load")
    assert page.locator(".has-error #id_title").count() == 1
    page.wait_for_selector(editor)
    page.wait_for_timeout(200)
    assert chromium.events == []
    # The editor holds the body as it would be stored: the picture without its handler.
    assert page.input_value("textarea[name=body]") == '<p>正文</p><img src="x">'
    shown = page.inner_html(editor)
    assert "正文" in shown and "onerror" not in shown and "onload" not in shown
    context.close()
