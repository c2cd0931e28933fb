"""The public pages' display modes (大字版 large text, 高对比度 high contrast): a cookie that
plain links set (no JavaScript), read by the server, which puts the classes on <body>. Every
public face uses it: the portal and the service pages (opinions, stations, projects...)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

COOKIE = "portal_display"
MODES = ("large", "contrast")


def modes(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(COOKIE, "")
    return [m for m in raw.split(".") if m in MODES]


def css_class(request: HttpRequest) -> str:
    return " ".join(f"mode-{m}" for m in modes(request))


def switch(request: HttpRequest, default_next: str) -> HttpResponseRedirect:
    """`?mode=large`, `?mode=contrast` (a second click turns it off), `?mode=standard`; back to
    `next` when it is a page of this site."""
    current = set(modes(request))
    mode = request.GET.get("mode", "")
    if mode == "standard":
        current = set()
    elif mode in MODES:
        current ^= {mode}
    target = request.GET.get("next") or default_next
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default_next
    response = HttpResponseRedirect(target)
    if current:
        response.set_cookie(
            COOKIE,
            ".".join(sorted(current)),
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
