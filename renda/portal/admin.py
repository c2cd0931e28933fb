"""Portal configuration in the back office: sites (header, footer, workflow roles), their
channel trees and link bars. Articles are written in the portal's own pages
(/portal/office/), which run the review workflow."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from renda.congress.admin import ScopedAdmin, ScopedInline
from renda.congress.models import Congress, Role
from renda.portal import chrome
from renda.portal.models import Channel, Site, SiteLink, Tag

WORKFLOW_ROLES = {Role.STAFF, Role.LEADER, Role.ADMIN}
_PORTAL_CHOICES = (Site, Channel)


class _PortalScope:
    view_perm = "portal.view"
    change_perm = "portal.configure"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN201
        model = db_field.remote_field.model
        if model in _PORTAL_CHOICES:
            kwargs["queryset"] = model.objects.visible_to(request.user, "portal.configure")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class SiteLinkInline(_PortalScope, ScopedInline):
    model = SiteLink
    fields = ["label", "url", "placement", "position", "is_active"]
    # Government sites are served over https: an address typed without a scheme gets it.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


def _higher_congress_ids(congress_ids: Iterable[int]) -> set[int]:
    """The congresses above `congress_ids` (their higher congress, its own, and so on)."""
    parents = dict(Congress.objects.values_list("pk", "parent_id"))
    out: set[int] = set()
    for congress_id in congress_ids:
        parent = parents.get(congress_id)
        while parent is not None and parent not in out:
            out.add(parent)
            parent = parents.get(parent)
    return out


class SiteAdminForm(forms.ModelForm):
    """A site's parent is the site of a higher congress (a town's sub-site hangs off the
    district's site). The parents offered are those sites, and the site's current parent
    even when the user may not configure it: a town's office that cannot see the district
    site must not detach its site by saving the form unchanged. A site is never offered as
    its own parent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields.get("parent")
        if parent is None:
            return
        if self.instance.congress_id:
            own = [self.instance.congress_id]
        else:
            congress = cast(forms.ModelChoiceField | None, self.fields.get("congress"))
            congresses = congress.queryset if congress is not None else None
            own = list(congresses.values_list("pk", flat=True)) if congresses is not None else []
        choices = Site.objects.filter(congress_id__in=_higher_congress_ids(own))
        if self.instance.parent_id:
            choices = choices | Site.objects.filter(pk=self.instance.parent_id)
        if self.instance.pk:
            choices = choices.exclude(pk=self.instance.pk)
        cast(forms.ModelChoiceField, parent).queryset = choices.distinct().order_by(
            "position", "id"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent = data.get("parent")
        congress_id = data["congress"].pk if data.get("congress") else self.instance.congress_id
        if parent is not None and parent.pk == self.instance.pk:
            self.add_error("parent", ValidationError(_("A site cannot be its own parent.")))
        elif (
            parent is not None
            and congress_id is not None
            and parent.pk != self.instance.parent_id
            and parent.congress_id not in _higher_congress_ids([congress_id])
        ):
            self.add_error(
                "parent",
                ValidationError(_("The parent site must be the site of a higher congress.")),
            )
        for name in ("author_roles", "reviewer_roles", "approver_roles"):
            roles = {r.strip() for r in (data.get(name) or "").split(",") if r.strip()}
            if not roles or roles - WORKFLOW_ROLES:
                self.add_error(
                    name, ValidationError(_("Use the role codes staff, leader and admin."))
                )
        return data


@admin.register(Site)
class SiteAdmin(_PortalScope, ScopedAdmin):
    form = SiteAdminForm
    list_display = ["name", "slug", "congress", "parent", "is_active"]
    inlines = [SiteLinkInline]
    fields = [
        "congress",
        "parent",
        "name",
        "slug",
        "header_title",
        "footer_text",
        "author_roles",
        "reviewer_roles",
        "approver_roles",
        "require_approval",
        "position",
        "is_active",
    ]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:  # noqa: ANN001
        super().save_model(request, obj, form, change)
        chrome.forget([obj.pk, *(obj.subsites.values_list("pk", flat=True))])


@admin.register(Channel)
class ChannelAdmin(_PortalScope, ScopedAdmin):
    list_display = ["name", "site", "parent", "kind", "position", "show_on_home", "is_active"]
    list_filter = ["site"]
    fields = ["site", "parent", "name", "slug", "kind", "position", "show_on_home", "is_active"]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:  # noqa: ANN001
        super().save_model(request, obj, form, change)
        chrome.forget([obj.site_id, *(obj.site.subsites.values_list("pk", flat=True))])


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        from renda.congress import policy

        return policy.can(request.user, "portal.configure")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
