"""Forms of the public-opinion front door and of the case actions."""

from __future__ import annotations

import uuid
from typing import Any, cast

from captcha.fields import CaptchaField
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.cases.models import (
    CaseSource,
    Category,
    EvaluationResult,
    ReplyClass,
    ReplyTemplate,
)
from renda.congress.models import Congress, Department
from renda.core.models import Region, RegionLevel
from renda.core.validators import validate_cn_mobile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by its bytes in the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def villages_of(congress: Congress):  # noqa: ANN201
    if congress.region is None:
        return Region.objects.none()
    return (
        Region.objects.subtree_of(congress.region)
        .filter(level=RegionLevel.VILLAGE, is_active=True)
        .select_related("area")
    )


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
    captcha = CaptchaField(label=_("Type the characters in the picture"))


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


class TrackForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket number"), max_length=24)
    code = forms.CharField(
        label=_("Check code"), max_length=16, widget=forms.PasswordInput(render_value=True)
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


class DepartmentsField(forms.ModelMultipleChoiceField):
    pass


class AssignForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How"),
        choices=[
            ("lead", _("One lead unit, optional co-handlers")),
            ("split", _("Several split units")),
        ],
        initial="lead",
        widget=forms.RadioSelect,
    )
    lead = forms.ModelChoiceField(
        label=_("Lead unit"), queryset=Department.objects.none(), required=False
    )
    co_handlers = forms.ModelMultipleChoiceField(
        label=_("Co-handlers"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    splits = forms.ModelMultipleChoiceField(
        label=_("Split units"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    due = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the congress's default deadline."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, congress_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(congress_id=congress_id, is_active=True)
        for name in ("lead", "co_handlers", "splits"):
            self.fields[name].queryset = departments  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "split":
            if len(data.get("splits") or []) < 2:
                raise forms.ValidationError(_("Choose at least two split units."))
        elif not data.get("lead"):
            raise forms.ValidationError(_("Choose the lead unit."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("Progress"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    public = forms.BooleanField(label=_("Show this step to the submitter"), required=False)
    attachments = MultipleFileField(label=_("Material (optional)"))


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Merge into case number"), max_length=24)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class PriorityForm(forms.Form):
    leader: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Supervising leader"),
        queryset=None,  # type: ignore[arg-type]
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, leaders: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders  # type: ignore[attr-defined]


class ExtensionRequestForm(forms.Form):
    until = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_until(self):  # noqa: ANN201
        until = self.cleaned_data["until"]
        if until <= timezone.localdate():
            raise forms.ValidationError(_("The new due date must be in the future."))
        return until


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReplyForm(forms.Form):
    reply_class = forms.ChoiceField(
        label=_("Reply class"), choices=ReplyClass.choices, widget=forms.RadioSelect
    )
    template = forms.ModelChoiceField(
        label=_("Start from a template"), queryset=ReplyTemplate.objects.none(), required=False
    )
    text = forms.CharField(
        label=_("Reply"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )
    public_text = forms.CharField(
        label=_("Reply shown to the public (optional)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Leave empty to show the reply as it is."),
    )
    attachments = MultipleFileField(label=_("Signed reply document (optional)"))

    def __init__(self, *args: Any, congress_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReplyTemplate.objects.filter(  # type: ignore[attr-defined]
            congress_id=congress_id, is_active=True
        )


class StaffEvaluationForm(forms.Form):
    """A rating taken by phone or in person and recorded by the office."""

    result = forms.ChoiceField(
        label=_("Result"), choices=EvaluationResult.choices, widget=forms.RadioSelect
    )
    attitude = forms.ChoiceField(
        label=_("Handling attitude (optional)"),
        required=False,
        choices=[("", "—"), *EvaluationResult.choices],
    )
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)
