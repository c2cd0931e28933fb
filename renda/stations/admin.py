"""Back office of the station network: stations with their staff (the posted information,
villages covered, opening days), and each congress's station rules. Seating, rules,
rosters and receptions change through the services (the office's station pages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.admin import ScopedAdmin, ScopedInline
from renda.congress.models import Role
from renda.congress.services import DomainError
from renda.core.models import Area, Region, RegionLevel
from renda.stations import services
from renda.stations.models import Station, StationRules, StationStaff


class StationForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = [
            "congress",
            "kind",
            "parent",
            "name",
            "code",
            "grade",
            "area",
            "villages",
            "address",
            "opening_hours",
            "open_weekdays",
            "phone",
            "duties",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        congress = data.get("congress") or getattr(self.instance, "congress", None)
        if congress is None:
            return data
        probe = Station(
            congress=congress,
            kind=data.get("kind") or "",
            parent=data.get("parent"),
            area=data.get("area"),
            open_weekdays=data.get("open_weekdays") or "",
        )
        try:
            if probe.kind:
                services.check_station(probe)
        except DomainError as exc:
            raise ValidationError(str(exc)) from exc
        town = congress.region
        villages = data.get("villages") or []
        if town is None or any(
            v.level != RegionLevel.VILLAGE or not v.path.startswith(town.path) for v in villages
        ):
            raise ValidationError(_("Choose villages and communities of this town."))
        return data


class StationStaffInline(ScopedInline):
    model = StationStaff
    fields = ["role", "name", "phone", "user", "is_active"]
    change_perm = "station.manage"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003
        if db_field.name == "user":
            # Accounts holding a station manager's grant in the user's congresses.
            ids = policy.congress_ids(request.user, self.change_perm)
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(
                    grants__role=Role.STATION_MANAGER, grants__congress_id__in=ids, is_active=True
                )
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _towns(user: Any):
    ids = policy.congress_ids(user, "station.manage")
    return Region.objects.filter(congress__id__in=ids, level=RegionLevel.TOWN)


@admin.register(Station)
class StationAdmin(ScopedAdmin):
    form = StationForm
    change_perm = "station.manage"
    inlines = [StationStaffInline]
    list_display = ["name", "code", "kind", "grade", "parent", "congress", "is_active"]
    list_filter = ["kind", "grade", "is_active"]
    search_fields = ["name", "code", "address"]
    list_select_related = ["parent", "congress"]
    filter_horizontal = ["villages"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003
        if db_field.name == "parent":
            kwargs["queryset"] = Station.objects.visible_to(request.user, self.change_perm)
        if db_field.name == "area":
            kwargs["queryset"] = Area.objects.filter(town__in=_towns(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003
        if db_field.name == "villages":
            towns = list(_towns(request.user))
            qs = Region.objects.filter(level=RegionLevel.VILLAGE)
            if not policy.is_superuser(request.user):
                condition = Q(pk__in=[])
                for town in towns:
                    condition |= Q(path__startswith=town.path)
                qs = qs.filter(condition)
            kwargs["queryset"] = qs
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(StationRules)
class StationRulesAdmin(ScopedAdmin):
    list_display = [
        "congress",
        "announce_days_ahead",
        "min_duties_per_year",
        "deputies_per_shift",
        "checkin_code_minutes",
        "voter_contacts_per_year",
    ]
    list_select_related = ["congress"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["congress"] if obj is not None else []
