"""Login with lockout (django-axes, plus a per-address count: renda.core.auth), the TOTP
second factor (django-otp), password change for every signed-in user and password reset
by a code sent to the account's phone."""

from __future__ import annotations

from typing import Any, cast

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.core import audit
from renda.core import auth as accounts
from renda.core.errors import DomainError
from renda.core.models import User


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        error_messages={
            "min_length": gettext_lazy("The code has 6 to 8 digits."),
            "max_length": gettext_lazy("The code has 6 to 8 digits."),
        },
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
    return resolve_url(settings.LOGIN_REDIRECT_URL)  # the workspace (settings: the top layer)


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


# --- password change ---------------------------------------------------------------------


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Every signed-in user, whatever the role. Users who owe the second factor are sent
    to it first (renda.congress.middleware)."""
    user = cast(User, request.user)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.change_password(user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)  # this session stays, the others end
        messages.success(request, _("Your password has been changed."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "core/password_change.html", {"form": form})


# --- password reset by code ----------------------------------------------------------------

_RESET_NAME = "renda_reset_username"


class ResetRequestForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


class ResetCodeForm(SetPasswordMixin, forms.Form):
    username = forms.CharField(
        label=gettext_lazy("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from the message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1=gettext_lazy("New password"), label2=gettext_lazy("New password confirmation")
    )

    def clean(self) -> dict[str, Any] | None:
        # The two entries must match; the policy is checked once the account is known.
        self.validate_passwords("new_password1", "new_password2")
        return super().clean()


def _too_many(request: HttpRequest, template: str, form: forms.Form, exc: DomainError):
    form.add_error(None, str(exc))
    return render(request, template, {"form": form}, status=429)


@sensitive_post_parameters("username")
@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a code. Whatever the user name, the answer is the same page."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            accounts.request_reset(username, request=request)
        except accounts.RateLimitError as exc:
            return _too_many(request, "core/password_reset.html", form, exc)
        request.session[_RESET_NAME] = username
        messages.info(
            request,
            _(
                "If this user name belongs to an account with a mobile number or an e-mail "
                "address on record, a code has been sent there. It is valid for 10 minutes."
            ),
        )
        return redirect("core:password_reset_code")
    return render(request, "core/password_reset.html", {"form": form})


@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
def password_reset_code(request: HttpRequest) -> HttpResponse:
    """Enter the code and a new password. One answer for every wrong case."""
    form = ResetCodeForm(
        request.POST or None, initial={"username": request.session.get(_RESET_NAME, "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.check_reset_code(data["username"], data["code"], request=request)
        except accounts.RateLimitError as exc:
            return _too_many(request, "core/password_reset_code.html", form, exc)
        except DomainError as exc:
            form.add_error("code", str(exc))
        else:
            try:
                accounts.finish_reset(user, new_password=data["new_password1"])
            except ValidationError as exc:
                form.add_error("new_password2", exc)
            except DomainError as exc:
                form.add_error("code", str(exc))
            else:
                request.session.pop(_RESET_NAME, None)
                messages.success(
                    request, _("Your password has been reset. Log in with the new password.")
                )
                return redirect("core:login")
    return render(request, "core/password_reset_code.html", {"form": form})
