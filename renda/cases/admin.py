"""Back-office configuration of the case engine: categories, deadlines, reply templates.
Cases themselves change only through the services (the office and department pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from renda.cases.models import CaseRules, Category, ReplyTemplate
from renda.congress.admin import ScopedAdmin


@admin.register(Category)
class CategoryAdmin(ScopedAdmin):
    list_display = [
        "name",
        "code",
        "congress",
        "parent",
        "default_department",
        "order",
        "is_active",
    ]
    list_filter = ["is_active", ("congress", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = ["congress", "parent", "default_department"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.visible_to(request.user, self.change_perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CaseRules)
class CaseRulesAdmin(ScopedAdmin):
    list_display = [
        "congress",
        "opinion_reply_working_days",
        "suggestion_reply_months",
        "suggestion_max_months",
        "return_window_days",
        "evaluation_working_days",
        "remind_days_before",
    ]
    list_select_related = ["congress"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["congress"] if obj is not None else []


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(ScopedAdmin):
    list_display = ["title", "congress", "is_active"]
    list_filter = ["is_active", ("congress", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["congress"]
