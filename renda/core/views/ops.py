"""Operations endpoints: readiness (/readyz) and the Prometheus metrics (/metrics)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renda.core import health, metrics


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, Redis and the workers' heartbeat are fine; 503 otherwise,
    with the state of each (no detail beyond ok/stale/unreachable)."""
    ok, report = health.readiness()
    return JsonResponse(report, status=200 if ok else 503)


def _allowed(request: HttpRequest) -> bool:
    token = settings.RENDA_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    networks = settings.RENDA_METRICS_ALLOW_IPS
    if networks:
        # The connecting address itself, never a forwarded header: Prometheus scrapes the
        # app server directly and the proxy refuses /metrics (deploy/nginx/renda.conf).
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return False


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The metrics, for a scraper holding the token or at an allowed address. Without
    either setting the endpoint does not exist (404)."""
    if not (settings.RENDA_METRICS_TOKEN or settings.RENDA_METRICS_ALLOW_IPS):
        raise Http404
    if not _allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)
