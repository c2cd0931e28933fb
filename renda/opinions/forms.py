"""Forms of the public-opinion front door (the case actions' forms are the engine's,
`renda.cases.forms`)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.cases.forms import MultipleFileField
from renda.cases.models import (
    CaseSource,
    Category,
    EvaluationResult,
)
from renda.cases.queries import villages_of
from renda.congress.models import Congress
from renda.core.captcha import captcha_field
from renda.core.models import Region
from renda.core.validators import validate_cn_mobile


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.area.name} · {obj.name}" if obj.area is not None else obj.name


class OpinionForm(forms.Form):
    """The public form: mobile first, anonymous allowed."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        empty_label=_("— choose a category —"),
    )
    village = VillageChoiceField(
        label=_("Village or community"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("— not specific to one place —"),
    )
    title = forms.CharField(
        label=_("Subject"),
        max_length=100,
        required=False,
        help_text=_("A few words; taken from the content when left empty."),
    )
    content = forms.CharField(
        label=_("Your opinion"),
        max_length=5000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Describe the matter you raise."),
            "min_length": _("Describe the matter in at least %(limit_value)d characters."),
            "max_length": _("Keep the description within %(limit_value)d characters."),
        },
    )
    address = forms.CharField(label=_("Address or place"), max_length=200, required=False)
    photos = MultipleFileField(label=_("Photos or PDF (optional, up to 5)"))
    name = forms.CharField(label=_("Your name (optional)"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        max_length=11,
        required=False,
        validators=[validate_cn_mobile],
        help_text=_("We send the reply by text message. It is never shown publicly."),
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.congress = congress
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(
            congress=congress, is_active=True
        )
        cast(forms.ModelChoiceField, self.fields["village"]).queryset = villages_of(congress)
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4().hex

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        try:
            return uuid.UUID(token).hex
        except ValueError as exc:
            raise forms.ValidationError(_("The form has expired; reload the page.")) from exc


class CaptchaForm(forms.Form):
    captcha = captcha_field()


class StaffEntryForm(OpinionForm):
    """An opinion entered by the office for a visitor, a hotline call or a letter."""

    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (s.value, s.label)
            for s in (
                CaseSource.STATION,
                CaseSource.DEPUTY_VISIT,
                CaseSource.HOTLINE,
                CaseSource.LETTER,
            )
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The office fills this in for someone else: the labels speak of the sender (来件人),
        # not to "you".
        self.fields["content"].label = _("What the sender raises")
        self.fields["content"].error_messages["required"] = _("Enter what the sender raises.")
        self.fields["name"].label = _("Sender's name (optional)")
        self.fields["phone"].label = _("Sender's mobile phone (optional)")
        self.fields["phone"].help_text = _(
            "The sender is told of the reply by text message; the number is never shown publicly."
        )


class TrackForm(forms.Form):
    ticket = forms.CharField(
        label=_("Ticket number"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    # Shown as typed (a one-time code on the receipt, not a password): typing it on a phone
    # without seeing it fails too often.
    code = forms.CharField(
        label=_("Check code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )


class RateForm(TrackForm):
    result = forms.ChoiceField(
        label=_("Your rating"), choices=EvaluationResult.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
