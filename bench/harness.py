"""Start the production app server on a scratch database and drive it from loopback."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout


@contextmanager
def running_server(workers: int = 2, extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    """gunicorn, as `make run` starts it, on a fresh SQLite file (or BENCH_DATABASE_URL)."""
    with tempfile.TemporaryDirectory(prefix="renda-bench-") as tmp:
        env = {
            **os.environ,
            "RENDA_VAR_DIR": tmp,
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"),
            "RENDA_DEMO": "1",
            **(extra_env or {}),
        }
        port = free_port()
        server = Server(port=port, env=env)
        server.manage("migrate", "--noinput")
        server.manage("collectstatic", "--noinput")
        log = open(Path(tmp) / "gunicorn.log", "w")
        proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "renda.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("the app server did not start")
            yield server
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()


Request = Callable[[http.client.HTTPConnection, int], int]


def load(port: int, request: Request, *, clients: int = 8, seconds: float = 5.0) -> float:
    """Requests per second that `clients` concurrent keep-alive clients complete. Each
    request function returns the HTTP status; anything but 2xx/3xx aborts the run."""
    stop = time.monotonic() + seconds
    counts = [0] * clients
    failures: list[str] = []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = 0
        while time.monotonic() < stop and not failures:
            status = request(conn, index * 1_000_000 + n)
            if status >= 400:
                failures.append(f"HTTP {status}")
                return
            n += 1
        counts[index] = n
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if failures:
        raise RuntimeError(f"benchmark requests failed: {failures[0]}")
    return sum(counts) / elapsed


def get(path: str) -> Request:
    def request(conn: http.client.HTTPConnection, _n: int) -> int:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status

    return request


def report(name: str, figure: float, unit: str, baseline_name: str, baseline: float) -> None:
    ratio = figure / baseline if baseline else float("nan")
    print(f"bench {name}: {figure:.1f} {unit} (ratio {ratio:.2f} vs {baseline_name})", flush=True)
