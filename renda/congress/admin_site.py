"""The back office (Django admin), open to the back-office roles of the policy module."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from renda.congress import policy


class RendaAdminSite(admin.AdminSite):
    site_header = _("Renda · back office")
    site_title = _("Renda back office")
    index_title = _("Reference data and accounts")
    enable_nav_sidebar = True

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and policy.is_back_office(user))

    def login(self, request: HttpRequest, extra_context=None):
        """One login page for the whole platform (with lockout and the second factor)."""
        target = request.GET.get("next") or reverse("admin:index")
        if request.user.is_authenticated and not self.has_permission(request):
            return HttpResponseRedirect(reverse("congress:workspace"))
        return HttpResponseRedirect(f"{reverse('core:login')}?{urlencode({'next': target})}")
