"""The baseline of `make bench`: the cheapest useful write through the same server and
middleware. Mounted only when RENDA_BENCH=1 (never in a deployment)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from renda.core.models import ActionLog


@csrf_exempt
@require_POST
def insert_one_row(request: HttpRequest) -> HttpResponse:
    ActionLog.objects.create(action="bench.insert")
    return HttpResponse(status=204)
