"""Back office for machine credentials: see and revoke. Keys and tokens are created with
`manage.py create_open311_key` / `create_api_token`, which show the secret once."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from renda.api.models import ApiToken, Open311Key
from renda.congress import policy
from renda.congress.admin import ScopedAdmin, visible_users


@admin.register(Open311Key)
class Open311KeyAdmin(ScopedAdmin):
    view_perm = "accounts.manage"
    change_perm = "accounts.manage"
    list_display = ["name", "prefix", "congress", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active", ("congress", admin.RelatedOnlyFieldListFilter)]
    fields = ["name", "congress", "prefix", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["congress", "prefix", "created_at", "last_used_at"]
    list_select_related = ["congress"]

    def get_queryset(self, request: HttpRequest):
        return Open311Key.objects.visible_to(request.user, self.view_perm).select_related(
            "congress"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    view_perm = "accounts.manage"
    change_perm = "accounts.manage"
    list_display = ["name", "prefix", "user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    fields = ["name", "user", "prefix", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest):
        return ApiToken.objects.filter(user__in=visible_users(request.user)).select_related("user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not policy.can(request.user, self.change_perm):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)
