"""Login with lockout (django-axes) and the TOTP second factor (django-otp)."""

from __future__ import annotations

from typing import Any, cast

import segno
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.core import audit
from renda.core.models import User


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("congress:workspace")


@sensitive_post_parameters("token")
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login for users with a confirmed device."""
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return HttpResponseRedirect(resolve_url("core:otp_setup"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in devices:
            # verify_token applies django-otp's throttling after repeated failures.
            if device.verify_is_allowed()[0] and device.verify_token(token):
                otp_login(request, device)
                audit.record("auth.otp_verified", cast(User, request.user))
                return HttpResponseRedirect(_next_url(request))
        audit.record("auth.otp_failed", cast(User, request.user))
        form.add_error(
            "token", _("The code is not correct or has expired. Try again with a new code.")
        )
    return render(request, "core/otp_verify.html", {"form": form, "next": _next_url(request)})


@sensitive_post_parameters("token")
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: scan the code, confirm with one token."""
    if (
        TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists()
        and not cast(Any, request.user).is_verified()
    ):
        return HttpResponseRedirect(resolve_url("core:otp_verify"))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=_("Authenticator app"), confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error(
                "token", _("Too many wrong codes. Wait a few seconds, then enter a new code.")
            )
        elif device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record("auth.otp_enrolled", cast(User, request.user))
            return HttpResponseRedirect(_next_url(request))
        else:
            form.add_error(
                "token", _("The code is not correct. Check the time on your phone and try again.")
            )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "core/otp_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret, "next": _next_url(request)},
    )
