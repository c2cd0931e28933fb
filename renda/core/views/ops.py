"""Operations endpoints: readiness (/readyz), the Prometheus metrics (/metrics) and the SMS
providers' pushed delivery reports (/sms/status/<provider>/<token>/)."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from renda.core import health, metrics, sms

log = logging.getLogger("renda.sms")


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


# The answers each provider's callback expects (anything else makes it push again).
_PUSH_OK = {"aliyun": {"code": 0, "msg": "接收成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


@csrf_exempt  # a provider's server posts here; the secret token in the address authenticates
@never_cache
@require_POST
def sms_status(request: HttpRequest, provider: str, token: str) -> JsonResponse:
    """Delivery reports pushed by the configured SMS provider (Alibaba SmsReport HTTP push,
    Tencent status callback), recorded like the polled ones (renda.core.sms.record_push).
    Without RENDA_SMS_CALLBACK_TOKEN, with another token, or for a provider that is not the
    configured backend's, the address does not exist (404)."""
    from django.utils.module_loading import import_string

    expected = settings.RENDA_SMS_CALLBACK_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404
    backend = import_string(settings.RENDA_SMS_BACKEND)
    if provider not in _PUSH_OK or getattr(backend, "provider", "") != provider:
        raise Http404
    if len(request.body) > 1024 * 1024:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        counts = sms.record_push(provider, json.loads(request.body or b"null"))
    except (ValueError, UnicodeDecodeError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if counts:
        log.info("SMS delivery reports pushed by %s: %s", provider, counts)
    return JsonResponse(_PUSH_OK[provider], json_dumps_params={"ensure_ascii": False})
