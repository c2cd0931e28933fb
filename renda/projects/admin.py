"""Back office: each congress configures its project rules (DOMAIN.md §5 defaults)."""

from __future__ import annotations

from django.contrib import admin

from renda.congress.admin import ScopedAdmin
from renda.projects.models import ProjectRules


@admin.register(ProjectRules)
class ProjectRulesAdmin(ScopedAdmin):
    list_display = [
        "congress",
        "vote_base",
        "threshold_num",
        "threshold_den",
        "threshold_strict",
        "rating_base",
        "survey_enabled",
    ]
    list_select_related = ["congress"]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ANN201
        return ["congress"] if obj is not None else []
