"""Back office of the station network: stations with their staff (the posted information,
villages covered, opening days), and each congress's station rules. Seating, rules,
rosters and receptions change through the services (the office's station pages)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from renda.congress import policy
from renda.congress.admin import ScopedAdmin, ScopedInline
from renda.congress.models import CongressLevel, Role
from renda.core.errors import DomainError
from renda.core.models import Area, Region, RegionLevel
from renda.core.widgets import DateInput
from renda.stations import services
from renda.stations.models import Station, StationGradeLevel, StationRules, StationStaff


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
            "opened_on",
            "closed_on",
        ]
        widgets = {"opened_on": DateInput(), "closed_on": DateInput()}

    grade = forms.ChoiceField(label=_lazy("grade"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["grade"])
        field.choices = self.grade_choices()

    def grade_choices(self) -> list[tuple[str, Any]]:
        """The active grades of the congresses on offer (the station's own grade kept even
        when it was deactivated since), grouped by congress when there are several."""
        congress_field = self.fields.get("congress")
        queryset = getattr(congress_field, "queryset", None)
        # Stations belong to towns' congresses: only theirs get grades offered (and made).
        congresses = list(queryset.filter(level=CongressLevel.TOWN) if queryset is not None else [])
        if self.instance.pk and self.instance.congress not in congresses:
            congresses.append(self.instance.congress)
        current = self.instance.grade if self.instance.pk else None
        groups: list[tuple[str, Any]] = []
        for congress in congresses:
            options = [
                (g.code, g.name)
                for g in services.grades(congress.pk)
                if g.is_active or (congress.pk == self.instance.congress_id and g.code == current)
            ]
            groups.append((str(congress), options))
        if len(groups) == 1:
            return groups[0][1]
        # Same code in several congresses: one option per code, the names of each.
        seen: dict[str, list[str]] = {}
        for _congress, options in groups:
            for code, name in options:
                names = seen.setdefault(code, [])
                if name not in names:
                    names.append(name)
        return [(code, " / ".join(names)) for code, names in seen.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        congress = data.get("congress") or getattr(self.instance, "congress", None)
        if congress is None:
            return data
        if data.get("grade"):
            same = self.instance.pk and self.instance.congress_id == congress.pk
            try:
                services.check_grade(
                    congress.pk, data["grade"], current=self.instance.grade if same else None
                )
            except DomainError as exc:
                self.add_error("grade", str(exc))
        self._close_or_reopen(data)
        probe = Station(
            congress=congress,
            kind=data.get("kind") or "",
            parent=data.get("parent"),
            area=data.get("area"),
            open_weekdays=data.get("open_weekdays") or "",
            is_active=bool(data.get("is_active")),
            opened_on=data.get("opened_on"),
            closed_on=data.get("closed_on"),
        )
        try:
            if probe.kind:
                services.check_station(probe)
            else:
                services.check_dates(probe)
        except DomainError as exc:
            raise ValidationError(str(exc)) from exc
        town = congress.region
        villages = data.get("villages") or []
        if town is None or any(
            v.level != RegionLevel.VILLAGE or not v.path.startswith(town.path) for v in villages
        ):
            raise ValidationError(_("Choose villages and communities of this town."))
        return data

    def _close_or_reopen(self, data: dict[str, Any]) -> None:
        """A station made inactive closes today unless a closing day is given; one made
        active again is reopened (its old closing day dropped). An old inactive station
        without a closing day keeps none: its day is not known."""
        was_active = self.instance.pk is None or self.instance.is_active
        active = bool(data.get("is_active"))
        if not active and data.get("closed_on") is None and was_active:
            data["closed_on"] = timezone.localdate()
        if active and not was_active and data.get("closed_on") == self.instance.closed_on:
            data["closed_on"] = None


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
    list_display = [
        "name",
        "code",
        "kind",
        "grade",
        "parent",
        "congress",
        "is_active",
        "opened_on",
        "closed_on",
    ]
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


class StationGradeLevelForm(forms.ModelForm):
    class Meta:
        model = StationGradeLevel
        fields = ["congress", "code", "name", "order", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        congress = data.get("congress")
        if congress is not None:
            # A congress's defaults exist before its first own grade, so that the code
            # check (unique per congress) sees them.
            services.grades(congress.pk)
        return data


@admin.register(StationGradeLevel)
class StationGradeLevelAdmin(ScopedAdmin):
    """A congress's station grades: renamed, reordered, added, deactivated (never deleted;
    the code is fixed once saved since stations store it)."""

    change_perm = "station.manage"
    list_display = ["name", "code", "order", "is_active", "congress"]
    list_filter = ["is_active"]
    list_select_related = ["congress"]
    fields = ["congress", "code", "name", "order", "is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["congress", "code"] if obj is not None else []

    def get_queryset(self, request: HttpRequest):
        # The defaults of the user's congresses exist before the list is shown.
        for congress_id in policy.congress_ids(request.user, self.change_perm):
            services.grades(congress_id)
        return super().get_queryset(request)

    form = StationGradeLevelForm
