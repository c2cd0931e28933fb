"""Forms of the office's appraisal pages. Choices are narrowed to the meeting's congress."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.appraisals.models import (
    Electorate,
    FloorQuestion,
    MeetingKind,
    Reporter,
    ReviewMeeting,
)
from renda.appraisals.services import eligible_deputies
from renda.ballots.models import Scale
from renda.congress.models import Congress, Deputy, DeputyMembership, Official, Session
from renda.core.validators import validate_document
from renda.core.widgets import DateInput

DATE = DateInput()


class MeetingForm(forms.Form):
    congress = forms.ModelChoiceField(label=_("Congress"), queryset=Congress.objects.none())
    session = forms.ModelChoiceField(
        label=_("Session (optional)"), queryset=Session.objects.none(), required=False
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Who reports"), choices=MeetingKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200)
    scale = forms.ChoiceField(
        label=_("Rating scale"),
        choices=[("", _("Default for the kind"))]
        + [(s.value, s.label) for s in (Scale.SATISFACTION, Scale.COMPETENCE)],
        required=False,
    )
    allow_abstain = forms.BooleanField(label=_("Abstention allowed"), required=False)
    allow_unknown = forms.BooleanField(label=_("'Do not know' allowed"), required=False)
    electorate = forms.ChoiceField(
        label=_("Who votes"),
        choices=[("", _("Default for the kind"))] + list(Electorate.choices),
        required=False,
    )
    invited_count = forms.IntegerField(
        label=_("Voter representatives invited"),
        min_value=0,
        max_value=5000,
        initial=0,
        required=False,
        help_text=_("One single-use voter code is printed for each (at least 50 by custom)."),
    )
    paper_ballots = forms.BooleanField(
        label=_("Paper ballots counted by two tellers"), required=False, initial=True
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, congresses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["congress"]).queryset = congresses
        cast(forms.ModelChoiceField, self.fields["session"]).queryset = (
            Session.objects.filter(term__congress__in=congresses)
            .select_related("term__congress")
            .order_by("-start_date")
        )
        if congresses.count() == 1:
            self.fields["congress"].initial = congresses.first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        session, congress = data.get("session"), data.get("congress")
        if session is not None and congress is not None and session.term.congress_id != congress.pk:
            self.add_error("session", _("The session belongs to another congress."))
        return data


class EditMeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    session = forms.ModelChoiceField(
        label=_("Session (optional)"), queryset=Session.objects.none(), required=False
    )
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200)
    allow_abstain = forms.BooleanField(label=_("Abstention allowed"), required=False)
    allow_unknown = forms.BooleanField(label=_("'Do not know' allowed"), required=False)
    invited_count = forms.IntegerField(
        label=_("Voter representatives invited"), min_value=0, max_value=5000, required=False
    )
    paper_ballots = forms.BooleanField(
        label=_("Paper ballots counted by two tellers"), required=False
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, meeting: ReviewMeeting, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": meeting.title,
                "session": meeting.session_id,
                "held_on": meeting.held_on,
                "place": meeting.place,
                "allow_abstain": meeting.allow_abstain,
                "allow_unknown": meeting.allow_unknown,
                "invited_count": meeting.invited_count,
                "paper_ballots": meeting.paper_ballots,
                "note": meeting.note,
            },
        )
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["session"]).queryset = Session.objects.filter(
            term__congress_id=meeting.congress_id
        ).order_by("-start_date")
        if meeting.electorate != Electorate.INVITED:
            del self.fields["invited_count"]


class EditReporterForm(forms.Form):
    reporter = forms.ModelChoiceField(label=_("Reporter"), queryset=Reporter.objects.none())
    report_title = forms.CharField(label=_("Title of the report"), max_length=200)
    order = forms.IntegerField(label=_("Order of speaking"), min_value=1, max_value=999)

    def __init__(self, *args: Any, meeting: ReviewMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["reporter"]).queryset = meeting.reporters.all()


class ConfirmForm(forms.Form):
    """Nothing to fill in: the confirmation page of a one-click action."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ReporterForm(forms.Form):
    official = forms.ModelChoiceField(
        label=_("Official"), queryset=Official.objects.none(), required=False
    )
    deputy = forms.ModelChoiceField(
        label=_("Deputy"), queryset=Deputy.objects.none(), required=False
    )
    report_title = forms.CharField(label=_("Title of the report"), max_length=200)
    order = forms.IntegerField(
        label=_("Order of speaking"), min_value=1, max_value=999, required=False
    )

    def __init__(self, *args: Any, meeting: ReviewMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = Reporter.objects.filter(meeting=meeting)
        if meeting.kind == MeetingKind.OFFICIALS:
            cast(
                forms.ModelChoiceField, self.fields["official"]
            ).queryset = Official.objects.filter(
                congress_id=meeting.congress_id, is_active=True
            ).exclude(pk__in=taken.exclude(official=None).values("official_id"))
            self.fields["official"].required = True
            del self.fields["deputy"]
        else:
            # Deputies of this congress, or living in its region and seated in a higher one.
            seated = DeputyMembership.objects.active_on(meeting.held_on).values("deputy_id")
            cast(forms.ModelChoiceField, self.fields["deputy"]).queryset = (
                Deputy.objects.filter(pk__in=seated)
                .filter(
                    Q(memberships__congress_id=meeting.congress_id)
                    | Q(
                        residence__path__startswith=meeting.congress.region.path
                        if meeting.congress.region
                        else "-"
                    )
                )
                .exclude(pk__in=taken.exclude(deputy=None).values("deputy_id"))
                .distinct()
                .order_by("name", "id")
            )
            self.fields["deputy"].required = True
            del self.fields["official"]


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Report document (PDF, Word, image)"), validators=[validate_document]
    )


class QuestionForm(forms.Form):
    deputy = forms.ModelChoiceField(
        label=_("Deputy who asked"), queryset=Deputy.objects.none(), required=False
    )
    asked_by = forms.CharField(label=_("Or the name of who asked"), max_length=60, required=False)
    question = forms.CharField(
        label=_("Question or comment"), widget=forms.Textarea(attrs={"rows": 3})
    )
    answer = forms.CharField(
        label=_("Answer (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, reporter: Reporter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["deputy"]).queryset = eligible_deputies(
            reporter.meeting
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("deputy") and not (data.get("asked_by") or "").strip():
            raise forms.ValidationError(_("Say who asked."))
        return data


class AnswerForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Question"), queryset=FloorQuestion.objects.none())
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, reporter: Reporter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["item"]).queryset = reporter.questions.all()


class RemoveReporterForm(forms.Form):
    reporter = forms.ModelChoiceField(label=_("Reporter"), queryset=Reporter.objects.none())

    def __init__(self, *args: Any, meeting: ReviewMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["reporter"]).queryset = meeting.reporters.all()


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        label=_("Deputies present"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, meeting: ReviewMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["present"]).queryset = eligible_deputies(meeting)
        if not self.is_bound:
            self.fields["present"].initial = list(
                meeting.attendance.values_list("deputy_id", flat=True)
            )


class RereviewForm(forms.Form):
    held_on = forms.DateField(
        label=_("Date of the re-review"),
        widget=DATE,
        required=False,
        help_text=_("Empty: the last day allowed by the rules."),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class SubmitRectificationForm(forms.Form):
    report = forms.FileField(
        label=_("Rectification report (PDF, Word, image)"), validators=[validate_document]
    )
    summary = forms.CharField(
        label=_("Summary of the measures"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class AcceptRectificationForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReturnRectificationForm(forms.Form):
    note = forms.CharField(label=_("What is missing"), widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(label=_("New due date"), widget=DATE)

    def clean_due_on(self) -> Any:
        due = self.cleaned_data["due_on"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The new due date cannot be in the past."))
        return due
