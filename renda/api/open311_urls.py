"""Open311 GeoReport v2 endpoints, each with a .json and a .xml variant (renda.api.open311)."""

from django.urls import URLPattern, re_path

from renda.api import open311

app_name = "open311"

_FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list[URLPattern] = [
    re_path(rf"^discovery{_FMT}", open311.discovery, name="discovery"),
    re_path(rf"^services{_FMT}", open311.service_list, name="services"),
    re_path(
        rf"^services/(?P<service_code>[-\w]+){_FMT}",
        open311.service_definition,
        name="service_definition",
    ),
    re_path(rf"^requests{_FMT}", open311.service_requests, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[-\w]+){_FMT}",
        open311.service_request,
        name="request",
    ),
    re_path(rf"^tokens/(?P<token>[-\w]+){_FMT}", open311.token_status, name="token"),
    re_path(
        rf"^servicerequestupdates{_FMT}",
        open311.service_request_updates,
        name="updates",
    ),
    # Last: every other path under the prefix (an unknown resource, a segment the patterns
    # above refuse, another format) answers in the Open311 error format, not an HTML page.
    re_path(r"^(?P<path>.*)$", open311.unknown_path, name="unknown"),
]
