from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.core.widgets import DateInput
from renda.reports.models import AnnualReport, ExternalPublication


class PickForm(forms.Form):
    congress: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Congress"),
        queryset=None,  # type: ignore[arg-type]
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, congresses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["congress"].queryset = congresses  # type: ignore[attr-defined]


class TextsForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["summary", "shortcomings", "next_tasks"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "shortcomings": forms.Textarea(attrs={"rows": 4}),
            "next_tasks": forms.Textarea(attrs={"rows": 4}),
        }


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Word document (.docx)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TemplateForm(forms.Form):
    file = forms.FileField(label=_("Template (.docx)"))


class PublicationForm(forms.ModelForm):
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = ExternalPublication
        fields = ["outlet", "title", "published_on", "link"]
        widgets = {"published_on": DateInput()}
