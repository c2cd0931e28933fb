"""Forms of the case engine's actions, shared by every front door (public opinions,
deputies' suggestions): one form per service of renda.cases.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.cases.models import (
    ANSWERING_ROLES,
    Assignment,
    AssignmentStatus,
    CaseKind,
    ContactMode,
    ContactStage,
    EvaluationResult,
    ReplyClass,
    ReplyTemplate,
)
from renda.congress.models import Department

DATE = {"type": "date"}


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


class SuperviseForm(forms.Form):
    note = forms.CharField(
        label=_("Supervision note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    site_check = forms.BooleanField(label=_("This was a site check"), required=False)


class ContactForm(forms.Form):
    """见面: recorded by the office on behalf of the handling department."""

    stage = forms.ChoiceField(label=_("Stage"), choices=ContactStage.choices)
    mode = forms.ChoiceField(label=_("Way of contact"), choices=ContactMode.choices)
    met_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE))
    participants = forms.CharField(label=_("Participants"), max_length=300, required=False)
    note = forms.CharField(
        label=_("What was discussed"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_met_on(self):  # noqa: ANN201
        met_on = self.cleaned_data["met_on"]
        if met_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return met_on


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label=_("Follow-up note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    solved = forms.BooleanField(label=_("The matter is now solved"), required=False)
    next_recheck = forms.DateField(
        label=_("Next re-check date"),
        required=False,
        widget=forms.DateInput(attrs=DATE),
        help_text=_("Empty: the congress's usual interval."),
    )


class CoViewForm(forms.Form):
    text = forms.CharField(
        label=_("Our views for the lead unit"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class PaperReplyForm(forms.Form):
    """A reply the department gave on paper, recorded by the office with its real date."""

    assignment = forms.ModelChoiceField(
        label=_("Department"), queryset=Assignment.objects.none(), empty_label=None
    )
    reply_class = forms.ChoiceField(
        label=_("Reply class"), choices=ReplyClass.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Reply"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )
    replied_on = forms.DateField(
        label=_("Date of the reply"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Why it is recorded by the office"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the department sent its signed reply on paper."),
    )

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        field.queryset = (  # type: ignore[attr-defined]
            Assignment.objects.filter(
                case=case,
                role__in=ANSWERING_ROLES,
                status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED],
            ).select_related("department")
        )
        field.label_from_instance = lambda a: a.department.name  # type: ignore[attr-defined]


class LedgerUploadForm(forms.Form):
    congress: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Congress"),
        queryset=None,  # type: ignore[arg-type]
        empty_label=None,
    )
    kind = forms.ChoiceField(label=_("Ledger of"), choices=CaseKind.choices)
    file = forms.FileField(label=_("Ledger (.xlsx)"))

    def __init__(self, *args: Any, congresses: Any, kinds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["congress"].queryset = congresses  # type: ignore[attr-defined]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
