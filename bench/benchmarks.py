"""The benchmarks. Each measures a figure and its baseline in the same run, same server."""

from __future__ import annotations

from collections.abc import Callable

from bench.harness import get, load, report, running_server

REGISTRY: dict[str, Callable[[], None]] = {}


def benchmark(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        REGISTRY[name] = fn
        return fn

    return register


@benchmark("healthz")
def healthz() -> None:
    """The health check (one database round trip through the whole middleware stack)
    against a static file served by whitenoise from the same server."""
    with running_server() as server:
        load(server.port, get("/healthz"), seconds=1)  # warm-up
        static = load(server.port, get("/static/renda/css/renda.css"))
        health = load(server.port, get("/healthz"))
    report("healthz", health, "req/s", "static file", static)


def _opinion_client(port: int):  # noqa: ANN202
    """A keep-alive client that fetched the public form once (CSRF cookie) and then posts
    new opinions, each with its own submission token, as a browser would."""
    import http.client
    import re
    import uuid
    from urllib.parse import urlencode

    state: dict[int, tuple[str, str, str]] = {}

    def prime(conn: http.client.HTTPConnection) -> tuple[str, str, str]:
        conn.request("GET", "/opinions/")
        page = conn.getresponse().read().decode()
        congress_path = re.search(r'href="(/opinions/\d+/new/)"', page).group(1)  # type: ignore[union-attr]
        conn.request("GET", congress_path)
        response = conn.getresponse()
        form = response.read().decode()
        cookie = response.getheader("Set-Cookie", "")
        csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
        category = re.search(r'<option value="(\d+)"', form).group(1)  # type: ignore[union-attr]
        return congress_path, csrf, category

    def request(conn: http.client.HTTPConnection, n: int) -> int:
        key = id(conn)
        if key not in state:
            state[key] = prime(conn)
        path, csrf, category = state[key]
        body = urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "category": category,
                "token": uuid.uuid4().hex,
                "content": f"基准测试意见第{n}号：村口道路路灯损坏，晚上出行不便，希望尽快修复。",
                "phone": "",
                "name": "",
            }
        )
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
                "Referer": f"http://127.0.0.1{path}",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status

    return request


def _post_empty(path: str):  # noqa: ANN202
    def request(conn, _n: int) -> int:  # noqa: ANN001
        conn.request("POST", path, body=b"")
        response = conn.getresponse()
        response.read()
        return response.status

    return request


@benchmark("opinion_submit")
def opinion_submit() -> None:
    """Public opinion submissions per second through the real form handler (CSRF, form
    validation, serial number, case row, timeline, audit log, notifications, session
    receipt) under gunicorn with 8 concurrent loopback clients, against an endpoint that
    inserts one row through the same server, measured in the same run."""
    env = {"RENDA_BENCH": "1", "RENDA_RATE_LIMITS": "0"}
    with running_server(workers=2, extra_env=env) as server:
        server.manage("seed_demo", "--quiet-accounts")
        load(server.port, _post_empty("/bench/insert/"), seconds=1)  # warm-up
        baseline = load(server.port, _post_empty("/bench/insert/"), seconds=8)
        submit = load(server.port, _opinion_client(server.port), seconds=8)
    report("opinion_submit", submit, "submissions/s", "one-row insert", baseline)


# --- ballot_cast ---------------------------------------------------------------------------

BALLOT_VOTERS = 500


def _postgres_url(bench: str = "ballot_cast", url: str = "") -> str | None:
    """The PostgreSQL database of the concurrent benchmarks: `url` if given, else
    BENCH_DATABASE_URL when it is one, else BENCH_POSTGRES_URL (default: a local
    `renda_bench`), created if missing. None, with the reason printed, when no PostgreSQL
    answers."""
    import os
    from urllib.parse import urlsplit

    url = url or os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/renda_bench")
    try:
        import psycopg
    except ImportError:
        print(f"bench {bench}: skipped (psycopg is not installed)", flush=True)
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if f'"{name}" does not exist' not in str(exc):
            print(f"bench {bench}: skipped (PostgreSQL unavailable: {exc})".strip(), flush=True)
            return None
        # Like createdb: ask the server's maintenance database to create ours.
        try:
            with psycopg.connect(
                parts._replace(path="/postgres").geturl(), autocommit=True, connect_timeout=3
            ) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')  # noqa: S608 - our own setting
        except psycopg.Error as exc2:
            print(f"bench {bench}: skipped (cannot create {name}: {exc2})", flush=True)
            return None
    return url


def _receipt(path: str, status: int, content: bytes, _location: str) -> bool:
    """A ballot's answer (a page with its receipt code), or the baseline's 204."""
    return status < 300 and (b"receipt-code" in content or path == "/bench/insert/")


def _burst(
    port: int,
    requests: list[tuple[str, bytes, dict[str, str]]],
    ok: Callable[[str, int, bytes, str], bool] = _receipt,
) -> tuple[float, list[float]]:
    """Send every request at the same moment, one connection each; returns the rate of
    completed requests per second and each request's latency. An answer that `ok(path,
    status, body, Location)` refuses aborts."""
    import http.client
    import threading
    import time

    barrier = threading.Barrier(len(requests) + 1)
    latencies: list[float] = [0.0] * len(requests)
    failures: list[str] = []

    def send(i: int) -> None:
        path, body, headers = requests[i]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        barrier.wait()
        started = time.monotonic()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            if not ok(path, response.status, content, response.getheader("Location", "")):
                failures.append(f"HTTP {response.status}")
        except OSError as exc:
            failures.append(repr(exc))
        latencies[i] = time.monotonic() - started
        conn.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return len(requests) / elapsed, latencies


@benchmark("ballot_cast")
def ballot_cast() -> None:
    """N = 500 signed-in voters cast a three-item rating ballot at the same moment through
    the real ballot page (session, CSRF, form, the poll's row lock, participation, the
    sealed ballot) under gunicorn on PostgreSQL; ballots per second and the 95th-percentile
    latency, against 500 simultaneous one-row inserts through the same server. Afterwards
    exactly N sealed ballots and N participations must be stored, and closing the poll with
    its key shares must open exactly N ballots (its time is reported)."""
    import json
    import secrets
    from urllib.parse import urlencode

    url = _postgres_url()
    if url is None:
        return
    env = {"RENDA_BENCH": "1", "RENDA_RATE_LIMITS": "0", "DATABASE_URL": url}
    n = BALLOT_VOTERS
    with running_server(workers=4, extra_env=env) as server:
        setup = json.loads(
            server.manage("shell", "-c", f"from bench.ballot_setup import prepare; prepare({n})")
            .strip()
            .splitlines()[-1]
        )
        poll, subjects, shares = setup["poll"], setup["subjects"], setup["shares"]
        grades = ["satisfied", "basic", "unsatisfied"]
        csrf = secrets.token_hex(16)  # an unmasked 32-character token, as the cookie holds
        path = f"/vote/{poll}/"
        casts = []
        for i, session in enumerate(setup["sessions"]):
            fields = {f"s{sid}": grades[(i + j) % 3] for j, sid in enumerate(subjects)}
            body = urlencode({"csrfmiddlewaretoken": csrf, "step": "cast", **fields}).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}; sessionid={session}",
            }
            casts.append((path, body, headers))
        _burst(server.port, [("/bench/insert/", b"", {})] * 20)  # warm-up
        # The baseline before and after the ballots, averaged: the machine's load drifts.
        before, _ = _burst(server.port, [("/bench/insert/", b"", {})] * n)
        rate, latencies = _burst(server.port, casts)
        after, _ = _burst(server.port, [("/bench/insert/", b"", {})] * n)
        baseline = (before + after) / 2
        check = f"from bench.ballot_setup import stored; stored({poll}, {shares!r})"
        counts = json.loads(server.manage("shell", "-c", check).strip().splitlines()[-1])
    close_ms = counts.pop("close_ms")
    if counts != {"sealed": n, "ballots": n, "participations": n}:
        raise SystemExit(
            f"bench ballot_cast: FAILED: stored {counts['sealed']} sealed ballots and "
            f"{counts['participations']} participations, opened {counts['ballots']} ballots "
            f"for {n} voters"
        )
    p95 = sorted(latencies)[int(0.95 * len(latencies)) - 1] * 1000
    report(
        "ballot_cast",
        rate,
        f"ballots/s, p95 {p95:.0f} ms, N={n}, close {close_ms} ms",
        "one-row insert",
        baseline,
    )


# --- activity_checkin ----------------------------------------------------------------------

CHECKIN_DEPUTIES = 200


@benchmark("activity_checkin")
def activity_checkin() -> None:
    """N = 200 signed-in deputies invited to a training scan its check-in code at the same
    moment through the real check-in page (session, CSRF, form, the rate limiter's
    reservation, the signed code, the invitation's row lock, the workflow move, the
    participation event with its hours, the audit log) under gunicorn on PostgreSQL;
    check-ins per second and the 95th-percentile latency, against 200 simultaneous one-row
    inserts through the same server. Then every deputy scans again at once (a second scan
    credits nothing). Afterwards exactly N attendances by code and N participation events
    (one per deputy, each with the training's hours, each audited once) must be stored."""
    import json
    import secrets
    from decimal import Decimal
    from urllib.parse import urlencode

    from bench.activity_setup import HOURS

    url = _postgres_url("activity_checkin")
    if url is None:
        return
    env = {"RENDA_BENCH": "1", "RENDA_RATE_LIMITS": "0", "DATABASE_URL": url}
    n = CHECKIN_DEPUTIES
    with running_server(workers=4, extra_env=env) as server:
        setup = json.loads(
            server.manage("shell", "-c", f"from bench.activity_setup import prepare; prepare({n})")
            .strip()
            .splitlines()[-1]
        )
        activity, code = setup["activity"], setup["code"]
        csrf = secrets.token_hex(16)  # an unmasked 32-character token, as the cookie holds
        path = "/activities/checkin/"
        body = urlencode({"csrfmiddlewaretoken": csrf, "code": code}).encode()
        scans = [
            (
                path,
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={csrf}; sessionid={session}",
                },
            )
            for session in setup["sessions"]
        ]
        page = f"/activities/{activity}/"

        def checked_in(where: str, status: int, _content: bytes, location: str) -> bool:
            if where == "/bench/insert/":
                return status == 204
            return status == 302 and location.endswith(page)

        _burst(server.port, [("/bench/insert/", b"", {})] * 20, checked_in)  # warm-up
        # The baseline before and after the scans, averaged: the machine's load drifts.
        before, _ = _burst(server.port, [("/bench/insert/", b"", {})] * n, checked_in)
        rate, latencies = _burst(server.port, scans, checked_in)
        after, _ = _burst(server.port, [("/bench/insert/", b"", {})] * n, checked_in)
        _burst(server.port, scans, checked_in)  # everyone scans again
        baseline = (before + after) / 2
        check = f"from bench.activity_setup import stored; stored({activity})"
        counts = json.loads(server.manage("shell", "-c", check).strip().splitlines()[-1])
    expected = {
        "attended": n,
        "participations": n,
        "deputies": n,
        "duplicates": 0,
        "hours": HOURS * n,
        "wrong_hours": 0,
        "audited": n,
    }
    if {**counts, "hours": Decimal(counts["hours"])} != expected:
        raise SystemExit(
            f"bench activity_checkin: FAILED: stored {counts} for {n} deputies, expected {expected}"
        )
    p95 = sorted(latencies)[int(0.95 * len(latencies)) - 1] * 1000
    report(
        "activity_checkin",
        rate,
        f"check-ins/s, p95 {p95:.0f} ms, N={n}",
        "one-row insert",
        baseline,
    )


def _first_article(server) -> int:  # noqa: ANN001
    out = server.manage(
        "shell",
        "-c",
        "from renda.portal.models import Article; "
        "print(Article.objects.public().filter(site__parent__isnull=True).order_by('-published_at').first().pk)",
    )
    return int(out.strip().splitlines()[-1])


def _article_client(path: str):  # noqa: ANN202
    """Each request is a different reader (own User-Agent), so every one is counted."""

    def request(conn, n: int) -> int:  # noqa: ANN001
        conn.request("GET", path, headers={"User-Agent": f"Mozilla/5.0 bench-reader/{n}"})
        response = conn.getresponse()
        response.read()
        return response.status

    return request


@benchmark("article_page")
def article_page() -> None:
    """A portal article page (site frame, breadcrumb, previous/next, the view counted in
    the cache and flushed in batches) under gunicorn with 8 concurrent loopback clients,
    against /healthz in the same run."""
    with running_server(workers=2) as server:
        server.manage("seed_demo", "--quiet-accounts")
        path = f"/portal/article/{_first_article(server)}/"
        load(server.port, _article_client(path), seconds=1)  # warm-up
        health = load(server.port, get("/healthz"), seconds=5)
        page = load(server.port, _article_client(path), seconds=5)
    report("article_page", page, "req/s", "/healthz", health)


SEARCH_QUERIES = [
    "代表建议", "古街保护", "民生实事项目", "河道整治", "联络站 接待", "人大常委会 审议",
    "养老服务", "食品安全", "代表风采", "述职评议", "供水", "乡村振兴",
]  # fmt: skip


def _search_client():  # noqa: ANN202
    from urllib.parse import quote

    def request(conn, n: int) -> int:  # noqa: ANN001
        query = quote(SEARCH_QUERIES[n % len(SEARCH_QUERIES)])
        conn.request("GET", f"/portal/search/?q={query}")
        response = conn.getresponse()
        response.read()
        return response.status

    return request


@benchmark("search")
def search_queries() -> None:
    """Portal search (jieba segmentation, BM25 over the inverted index, snippets) over
    10,000 articles, against the article page in the same run."""
    with running_server(workers=2) as server:
        server.manage("seed_demo", "--quiet-accounts")
        server.manage("portal_bench_data", "--articles", "10000")
        path = f"/portal/article/{_first_article(server)}/"
        load(server.port, _search_client(), seconds=1)  # warm-up
        page = load(server.port, _article_client(path), seconds=5)
        queries = load(server.port, _search_client(), seconds=8)
    report("search", queries, "queries/s", "article page", page)


REPORT_TOWNS, REPORT_CASES_PER_TOWN, REPORT_DEPUTIES_PER_TOWN = 20, 5000, 250


@benchmark("annual_report")
def annual_report() -> None:
    """The presidium's annual work report: the year's figures (each with last year's) and
    the .docx draft, for one town with a full year of records (the demo's 清河镇) and for a
    district of 20 towns with 100,000 cases and 5,000 deputies (`generate_province`), against
    the case engine's figures page alone over the same district's cases, in the same process
    (best of three each). Seconds; the ratio is the district's report to that page."""
    import json

    with running_server(workers=1) as server:
        server.manage("seed_demo", "--quiet-accounts")
        out = server.manage(
            "shell",
            "-c",
            "from bench.report_setup import measure; "
            f"measure({REPORT_TOWNS}, {REPORT_CASES_PER_TOWN}, {REPORT_DEPUTIES_PER_TOWN})",
        )
    result = json.loads(out.strip().splitlines()[-1])
    report(
        "annual_report",
        result["district"],
        f"s for the district ({result['towns']} towns, {result['cases']} cases, "
        f"{result['deputies']} deputies, {result['queries']} queries); "
        f"one town {result['town']:.2f} s",
        "case figures page",
        result["baseline"],
    )


SCALE_PAGES = {
    "inbox": "office inbox",
    "case_page": "case page",
    "case_figures": "case figures page",
    "suggestion_figures": "suggestion figures page",
    "suggestion_ledger": "suggestion ledger export",
    "search": "inbox search by serial",
    "district_rollup": "district roll-up",
    "report_towns": "annual report, towns side by side",
}


@benchmark("scale")
def scale() -> None:
    """The office's pages on a generated district of BENCH_SCALE cases (10k — the default —,
    100k or 1m; `generate_province`, docs/scale.md), read by the district's presidium office
    (every town's cases): the inbox, a case page, the case and suggestion figures pages, the
    suggestion ledger export, a search in the inbox, the district roll-up and the annual
    report's towns page, each in milliseconds (best of three) with its SQL queries, against
    the same page of a reference district of 1,000 cases in the same database and run. On
    PostgreSQL (BENCH_SCALE_URL, else the benchmarks' PostgreSQL); the datasets are made on
    the first run and reused after, so a bigger size wants its own database."""
    import json
    import os

    size = os.environ.get("BENCH_SCALE", "10k").lower()
    url = _postgres_url("scale", os.environ.get("BENCH_SCALE_URL", ""))
    if url is None:
        return
    env = {"DATABASE_URL": url}
    with running_server(workers=1, extra_env=env) as server:
        out = server.manage(
            "shell", "-c", f"from bench.scale_setup import measure; measure({size!r})"
        )
    result = json.loads(out.strip().splitlines()[-1])
    for page, label in SCALE_PAGES.items():
        row = result["pages"][page]
        report(
            f"scale_{page}",
            row["seconds"] * 1000,
            f"ms, {row['queries']} queries, {label} over {result['cases']:,} cases "
            f"(reference: {row['reference_queries']} queries)",
            f"{result['reference_cases']:,} cases",
            row["reference_seconds"] * 1000,
        )
