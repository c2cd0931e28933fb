"""Forms of the records pages: a new version of the points table, the rules of a version
(one row of fields per kind), the reporter entry a draft report goes to, and the deputy's
public-page choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.core.widgets import DateInput
from renda.records.kinds import Bonus, Kind, Period
from renda.records.models import PointsTable, PublicProfile
from renda.records.services.tables import RULE_FIELDS


class TableForm(forms.ModelForm):
    class Meta:
        model = PointsTable
        fields = ["name", "effective_from", "note"]
        widgets = {"effective_from": DateInput()}


class RulesForm(forms.Form):
    """Fields `<kind>__<field>` for every kind of entry."""

    def __init__(self, *args: Any, table: PointsTable, **kwargs: Any) -> None:
        rules = {r.kind: r for r in table.rules.all()}
        initial = {
            f"{kind}__{name}": getattr(rules[kind], name) for kind in rules for name in RULE_FIELDS
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[f"{kind}__points"] = forms.IntegerField(
                label=_("points per entry"), min_value=-100, max_value=100, initial=0
            )
            self.fields[f"{kind}__cap"] = forms.IntegerField(
                label=_("cap per year"), min_value=0, max_value=1000, required=False
            )
            self.fields[f"{kind}__bonus_when"] = forms.ChoiceField(
                label=_("bonus when"), choices=Bonus.choices, required=False
            )
            self.fields[f"{kind}__bonus"] = forms.IntegerField(
                label=_("bonus points"), min_value=-100, max_value=100, initial=0
            )
            self.fields[f"{kind}__target"] = forms.IntegerField(
                label=_("target"), min_value=0, max_value=1000, initial=0
            )
            self.fields[f"{kind}__target_period"] = forms.ChoiceField(
                label=_("target period"), choices=Period.choices, initial=Period.YEAR
            )

    def rows(self) -> list[tuple[str, list[Any]]]:
        return [
            (str(kind.label), [self[f"{kind}__{name}"] for name in RULE_FIELDS]) for kind in Kind
        ]

    def values(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for kind in Kind:
            out[kind] = {name: self.cleaned_data[f"{kind}__{name}"] for name in RULE_FIELDS}
            out[kind]["bonus_when"] = out[kind]["bonus_when"] or ""
        return out


class ReporterForm(forms.Form):
    reporter: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Reporter entry of the performance review"), queryset=None, empty_label=None
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reporter"]
        field.queryset = queryset  # type: ignore[attr-defined]
        field.label_from_instance = lambda r: f"{r.meeting.held_on:%Y-%m-%d} {r.meeting.title}"  # type: ignore[attr-defined]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = PublicProfile
        fields = ["is_public", "show_photo", "show_occupation", "show_phone", "show_counts"]
