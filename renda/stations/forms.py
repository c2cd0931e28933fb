from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.cases.models import Category
from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.core.models import Region, RegionLevel
from renda.core.widgets import DateInput, TimeInput
from renda.stations import services
from renda.stations.models import (
    WEEKDAY_CHOICES,
    ContactKind,
    ContactPairing,
    DutyAssignment,
    DutyStatus,
    PairingKind,
    RuleKind,
    ShiftStatus,
    Station,
)


def _deputy_field(congress: Congress, label: Any, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=services.deputies_of_town(congress).order_by("name", "id"),
        label=label,
        required=required,
    )


def _villages(congress: Congress):
    town = congress.region
    if town is None:
        return Region.objects.none()
    return Region.objects.subtree_of(town).filter(level=RegionLevel.VILLAGE, is_active=True)


def _categories(congress: Congress):
    return Category.objects.filter(congress=congress, is_active=True).order_by("order", "name")


class AssignForm(forms.Form):
    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"] = _deputy_field(congress, _("Deputy"))
        self.fields["since"] = forms.DateField(
            label=_("Since"), initial=timezone.localdate, widget=DateInput
        )


class GenerateForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)


class ShiftForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    start_time = forms.TimeField(label=_("Start time"), initial=dt.time(9), widget=TimeInput)
    end_time = forms.TimeField(label=_("End time"), initial=dt.time(11, 30), widget=TimeInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputies"] = forms.ModelMultipleChoiceField(
            queryset=services.deputies_of_town(congress).order_by("name", "id"),
            label=_("Deputies on duty"),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer given"), widget=forms.Textarea(attrs={"rows": 3}))


class SubstituteForm(forms.Form):
    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"] = _deputy_field(congress, _("Substitute"))


class SwapForm(forms.Form):
    def __init__(self, *args: Any, duty: DutyAssignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"] = forms.ModelChoiceField(
            queryset=DutyAssignment.objects.filter(
                congress_id=duty.congress_id,
                status=DutyStatus.SCHEDULED,
                shift__status=ShiftStatus.SCHEDULED,
                shift__date__gte=timezone.localdate(),
            )
            .exclude(deputy_id=duty.deputy_id)
            .select_related("deputy", "shift__station")
            .order_by("shift__date", "shift__start_time", "id"),
            label=_("Swap with"),
        )


class EscalateForm(forms.Form):
    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"] = _deputy_field(congress, _("Through the deputy"))
        self.fields["deputy"].help_text = _(
            "A deputy who also sits in the higher congress carries the matter there."
        )


class ReceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput)
    visitor_name = forms.CharField(label=_("Visitor's name"), max_length=40, required=False)
    visitor_phone = forms.CharField(
        label=_("Visitor's mobile phone"), max_length=11, required=False
    )
    visitor_count = forms.IntegerField(label=_("Number of visitors"), min_value=1, initial=1)
    content = forms.CharField(
        label=_("Matter raised"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(self, *args: Any, station: Station, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        congress = station.congress
        self.fields["deputies"] = forms.ModelMultipleChoiceField(
            queryset=services.deputies_of_town(congress).order_by("name", "id"),
            label=_("Deputies who received"),
            help_text=_("The first one forwards the matter."),
        )
        self.fields["visitor_village"] = forms.ModelChoiceField(
            queryset=_villages(congress), label=_("Visitor's village / community"), required=False
        )
        self.fields["category"] = forms.ModelChoiceField(
            queryset=_categories(congress), label=_("Category")
        )
        self.order_fields(
            [
                "date",
                "deputies",
                "visitor_name",
                "visitor_phone",
                "visitor_village",
                "visitor_count",
                "category",
                "content",
            ]
        )


class MatterForm(forms.Form):
    content = forms.CharField(
        label=_("Matter raised"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(self, *args: Any, congress: Congress, deputies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = forms.ModelChoiceField(
            queryset=_categories(congress), label=_("Category")
        )
        self.fields["deputy"] = forms.ModelChoiceField(
            queryset=deputies, label=_("Deputy who forwards it")
        )
        self.order_fields(["category", "deputy", "content"])


class PairingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PairingKind.choices)
    household = forms.CharField(label=_("Voter household"), max_length=100, required=False)
    target_per_year = forms.IntegerField(
        label=_("Target contacts per year"),
        min_value=1,
        required=False,
        help_text=_("Empty: the congress's default."),
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"] = _deputy_field(congress, _("Deputy (contact keeper)"))
        self.fields["contact_deputy"] = _deputy_field(congress, _("Paired deputy"), False)
        self.fields["village"] = forms.ModelChoiceField(
            queryset=_villages(congress), label=_("Village / community"), required=False
        )
        self.order_fields(
            ["kind", "deputy", "contact_deputy", "household", "village", "target_per_year"]
        )


class ContactLogForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput)
    voters_met = forms.IntegerField(label=_("Voters met"), min_value=1, initial=1)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    issues = forms.CharField(
        label=_("Issues raised"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, congress: Congress, deputy: Deputy | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        pairings = ContactPairing.objects.filter(congress=congress, is_active=True).select_related(
            "deputy", "contact_deputy"
        )
        if deputy is not None:
            pairings = pairings.filter(deputy=deputy)
        else:
            self.fields["deputy"] = _deputy_field(congress, _("Deputy"))
        self.fields["pairing"] = forms.ModelChoiceField(
            queryset=pairings, label=_("Pairing"), required=False
        )
        self.order_fields(["deputy", "kind", "pairing", "date", "voters_met", "summary", "issues"])


class IssueCaseForm(forms.Form):
    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = forms.ModelChoiceField(
            queryset=_categories(congress), label=_("Category")
        )


class IndustryPointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    host = forms.CharField(label=_("Host firm or industry chain"), max_length=200)
    sector = forms.CharField(label=_("Sector"), max_length=60)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputies"] = forms.ModelMultipleChoiceField(
            queryset=services.deputies_of_town(congress).order_by("name", "id"),
            label=_("Deputies"),
        )


class CheckinForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput)


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Rule"), choices=RuleKind.choices)
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=[("", "—"), *WEEKDAY_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    month_day = forms.IntegerField(
        label=_("Day of the month"), min_value=1, max_value=31, required=False
    )
    weeks = forms.CharField(
        label=_("Weeks of the month"),
        max_length=10,
        required=False,
        help_text=_("Comma-separated, e.g. 1,3 for the first and third."),
    )
    start_time = forms.TimeField(label=_("Start time"), initial=dt.time(9), widget=TimeInput)
    end_time = forms.TimeField(label=_("End time"), initial=dt.time(11, 30), widget=TimeInput)
    deputies_per_shift = forms.IntegerField(
        label=_("Deputies per shift"),
        min_value=1,
        required=False,
        help_text=_("Empty: the congress's default."),
    )
    skip_holidays = forms.BooleanField(
        label=_("Skip public holidays"), initial=True, required=False
    )


class WorkplaceForm(forms.Form):
    employer = forms.CharField(label=_("Employer"), max_length=200)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Deputies of this congress and of the congresses above it: a district or city
        # deputy living in another town may work here.
        chain: list[int] = []
        higher: Congress | None = congress
        while higher is not None:
            chain.append(higher.pk)
            higher = higher.parent
        self.fields["deputy"] = forms.ModelChoiceField(
            queryset=Deputy.objects.filter(
                id__in=DeputyMembership.objects.active_on()
                .filter(congress_id__in=chain)
                .values("deputy_id")
            ).order_by("name", "id"),
            label=_("Deputy"),
        )
        self.order_fields(["deputy", "employer"])


class FirmForm(forms.Form):
    name = forms.CharField(label=_("Firm"), max_length=200)

    def __init__(self, *args: Any, point: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"] = forms.ModelChoiceField(
            queryset=point.deputies.all(), label=_("Deputy in contact")
        )


class ActivityForm(forms.Form):
    date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=DateInput)
    title = forms.CharField(label=_("Activity"), max_length=200)
    issues = forms.CharField(
        label=_("Issues raised"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, point: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputies"] = forms.ModelMultipleChoiceField(
            queryset=point.deputies.all(), label=_("Participants")
        )
        self.fields["category"] = forms.ModelChoiceField(
            queryset=_categories(point.congress),
            label=_("Forward the issues as a case in category"),
            required=False,
        )
        self.order_fields(["date", "title", "deputies", "issues", "category"])
