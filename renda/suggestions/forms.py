"""Forms of the deputies' suggestion pages and of the presidium office's actions.

Forms check the shape of the input and narrow every choice to the congress in question;
the rules themselves (who may, in which state) are the services' (renda.suggestions.services,
renda.cases.services)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from renda.cases.forms import AssignForm, MultipleFileField, ReasonForm
from renda.cases.models import (
    Case,
    CaseKind,
    CaseStatus,
    Category,
    EvaluationResult,
)
from renda.congress.models import Congress, Deputy, DeputyMembership, Session, Term
from renda.core.widgets import DateInput
from renda.suggestions.models import AssignmentMeeting, MotionDecision

# A submitted suggestion becomes a case, whose content the engine keeps to 5000 characters.
MAX_CONTENT = 5000


def eligible_cosigners(term: Term, *, exclude: list[int]) -> QuerySet[Deputy]:
    """Every deputy with an active membership in the term, with their deputy group's name.
    Those with an online account confirm on their own page; the others answer in writing
    and the office records it (`services.record_cosigner_answer`)."""
    memberships = DeputyMembership.objects.active_on().filter(term=term)
    group = DeputyMembership.objects.filter(deputy=OuterRef("pk"), term=term).values("group__name")[
        :1
    ]
    return (
        Deputy.objects.filter(pk__in=memberships.values("deputy_id"))
        .exclude(pk__in=exclude)
        .annotate(group_name=Subquery(group))
        .order_by("name", "id")
    )


class CosignerField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parts = [obj.name]
        if getattr(obj, "group_name", None):
            parts.append(obj.group_name)
        if obj.user_id is None:
            parts.append(str(_("answers in writing")))
        return " · ".join(parts)


class SessionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(_("Session %(ordinal)s (%(date)s)")) % {
            "ordinal": obj.ordinal,
            "date": obj.start_date,
        }


class DraftForm(forms.Form):
    """A suggestion's own fields: the new-suggestion form and the edit action."""

    session = SessionField(
        label=_("Session"),
        queryset=Session.objects.none(),
        required=False,
        empty_label=_("Between sessions"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        empty_label=_("— choose a category —"),
    )
    title = forms.CharField(
        label=_("Title"), max_length=100, help_text=_("One matter per suggestion.")
    )
    content = forms.CharField(
        label=_("Content"),
        max_length=MAX_CONTENT,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("The situation, the problem and what you suggest."),
    )
    is_motion = forms.BooleanField(
        label=_("Raise as a motion: needs at least 5 deputies"),
        required=False,
        help_text=_(
            "You and the co-signers who confirm count together; with fewer than 5 it is "
            "handled as a suggestion."
        ),
    )
    attachments = MultipleFileField(label=_("Attachments (optional, up to 5)"))

    def __init__(self, *args: Any, congress: Congress, term: Term, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.congress, self.term = congress, term
        cast(forms.ModelChoiceField, self.fields["session"]).queryset = Session.objects.filter(
            term=term
        ).select_related("term")
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(
            congress=congress, is_active=True
        ).order_by("order", "name")


class NewSuggestionForm(DraftForm):
    cosigners = CosignerField(
        label=_("Co-signers"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Deputies of this congress asked to co-sign; each confirms on their own page, or "
            "in writing through the presidium office if they have no online account."
        ),
    )

    def __init__(self, *args: Any, lead: Deputy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["cosigners"]).queryset = eligible_cosigners(
            self.term, exclude=[lead.pk]
        )


class InviteForm(forms.Form):
    cosigners = CosignerField(
        label=_("Co-signers"),
        queryset=Deputy.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, suggestion: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited = list(suggestion.cosigners.values_list("deputy_id", flat=True))
        cast(forms.ModelChoiceField, self.fields["cosigners"]).queryset = eligible_cosigners(
            suggestion.term, exclude=[suggestion.lead_id, *invited]
        )


class ConfirmForm(forms.Form):
    """Nothing to fill in: the confirmation page of a one-click action."""


class EvaluationForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Your rating of the reply"),
        choices=EvaluationResult.choices,
        widget=forms.RadioSelect,
    )
    attitude = forms.ChoiceField(
        label=_("The department's handling attitude (optional)"),
        required=False,
        choices=[("", "—"), *EvaluationResult.choices],
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- the presidium office --------------------------------------------------------------------


class RejectForm(ReasonForm):
    convert = forms.BooleanField(
        label=_("Handle it as a public opinion instead"),
        required=False,
        help_text=_("A new public-opinion case is created and linked to this suggestion."),
    )


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Merge into suggestion number"),
        max_length=24,
        help_text=_("The case number of the suggestion that answers for both, e.g. JY20-1-003."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MotionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (MotionDecision.AGENDA.value, MotionDecision.AGENDA.label),
            (MotionDecision.AS_SUGGESTION.value, MotionDecision.AS_SUGGESTION.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MeetingForm(forms.Form):
    congress = forms.ModelChoiceField(label=_("Congress"), queryset=Congress.objects.none())
    title = forms.CharField(label=_("Title"), max_length=100)
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, congresses: QuerySet[Congress], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["congress"])
        field.queryset = congresses
        if len(congresses) == 1:
            field.initial = congresses[0].pk
            field.widget = forms.HiddenInput()


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.serial} {obj.title}"


class MeetingItemForm(AssignForm):
    """One accepted suggestion on the meeting's list, with its units and due date."""

    case = CaseChoiceField(label=_("Accepted suggestion"), queryset=Case.objects.none())
    field_order = ["case", "mode", "lead", "co_handlers", "splits", "due"]

    def __init__(self, *args: Any, meeting: AssignmentMeeting, **kwargs: Any) -> None:
        super().__init__(*args, congress_id=meeting.congress_id, **kwargs)
        del self.fields["note"]
        cast(forms.ModelChoiceField, self.fields["case"]).queryset = (
            Case.objects.filter(
                congress_id=meeting.congress_id, kind=CaseKind.SUGGESTION, status=CaseStatus.TRIAGED
            )
            .exclude(meeting_items__meeting=meeting)
            .order_by("serial")
        )


class MeetingItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.case.serial} {obj.case.title}"


class RemoveItemForm(forms.Form):
    item = MeetingItemChoiceField(label=_("Suggestion to take off the list"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, meeting: AssignmentMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["item"]).queryset = meeting.items.select_related(
            "case"
        )
