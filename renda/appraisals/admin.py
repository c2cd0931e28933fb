"""Back-office configuration of the appraisals: the congress's result rule and deadlines.
Meetings themselves change only through the services (the office's pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from renda.appraisals.models import AppraisalRules
from renda.congress.admin import ScopedAdmin


@admin.register(AppraisalRules)
class AppraisalRulesAdmin(ScopedAdmin):
    list_display = [
        "congress",
        "base",
        "threshold_num",
        "threshold_den",
        "rectification_days",
        "rereview_days",
    ]
    list_select_related = ["congress"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["congress"] if obj is not None else []
