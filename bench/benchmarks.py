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
