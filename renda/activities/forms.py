"""Forms of the activity pages. Choices are always this congress's rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renda.activities.models import (
    Activity,
    ActivityKind,
    MeetingReport,
    PlanItem,
    PlanItemKind,
    PresidiumMeeting,
    ReportKind,
    Role,
    ScheduleItem,
    WorkPlan,
)
from renda.activities.services import eligible_deputies
from renda.cases.models import Category, EvaluationResult
from renda.congress.models import Congress, CongressLevel, Department, Deputy
from renda.core.widgets import DateInput, DateTimeInput
from renda.stations.models import Station

DATE = DateInput()
DATETIME = DateTimeInput()


class ActivityForm(forms.Form):
    # A livelihood project's inspection is recorded from the project's page (it links there).
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in ActivityKind.choices if c[0] != ActivityKind.PROJECT_INSPECTION],
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a law check: the law and the articles checked."),
    )
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Deputy.objects.none(), required=False
    )
    lecturer = forms.CharField(label=_("Lecturer"), max_length=100, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE, required=False)
    hours = forms.DecimalField(
        label=_("Hours credited"), min_value=0, max_value=200, decimal_places=1, initial=0
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    materials = forms.CharField(
        label=_("Materials (documents, video links)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = eligible_deputies(congress)  # type: ignore[attr-defined]


class InviteForm(forms.Form):
    deputies = forms.ModelMultipleChoiceField(
        label=_("Deputies"), queryset=Deputy.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, required=False)

    def __init__(
        self, *args: Any, activity: Activity, station_id: int | None, level: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputies"].queryset = eligible_deputies(  # type: ignore[attr-defined]
            activity.congress, station_id=station_id, level=level
        )


class DeputyFilterForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("All levels")), *CongressLevel.choices],
        required=False,
    )

    def __init__(self, *args: Any, congress: Congress, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(  # type: ignore[attr-defined]
            congress=congress
        ).order_by("name")


class StopForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Time"), widget=DATETIME)
    place = forms.CharField(label=_("Site"), max_length=200)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class NoteForm(forms.Form):
    stop = forms.ModelChoiceField(
        label=_("Site"), queryset=ScheduleItem.objects.none(), required=False
    )
    text = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stop"].queryset = activity.schedule.all()  # type: ignore[attr-defined]


class FindingForm(forms.Form):
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3}))
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(), required=False
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    due = forms.DateField(label=_("Reply due"), widget=DATE, required=False)

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            congress_id=activity.congress_id, is_active=True
        ).order_by("name")
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            congress_id=activity.congress_id, is_active=True
        ).order_by("name")


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        label=_("Present"), queryset=Deputy.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = Deputy.objects.filter(  # type: ignore[attr-defined]
            id__in=activity.invitations.values("deputy_id")
        ).order_by("name")


class ReportForm(forms.Form):
    text = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 8}))
    document = forms.FileField(label=_("Report document"), required=False)


class CountsForm(forms.Form):
    sessions_held = forms.IntegerField(label=_("Sessions held"), min_value=0)
    people_reached = forms.IntegerField(label=_("People reached"), min_value=0)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class RateForm(forms.Form):
    result = forms.ChoiceField(label=_("Your rating"), choices=EvaluationResult.choices)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckinForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=200, widget=forms.HiddenInput)


class PlanItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanItemKind.choices)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    month = forms.IntegerField(label=_("Planned month"), min_value=1, max_value=12)
    lead = forms.ModelChoiceField(label=_("Lead"), queryset=Deputy.objects.none(), required=False)

    def __init__(self, *args: Any, plan: WorkPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Deputy.objects.filter(
            presidium_seats__session__term__congress_id=plan.congress_id,
            presidium_seats__session__term__is_current=True,
        )
        self.fields["lead"].queryset = (  # type: ignore[attr-defined]
            members.distinct().order_by("name")
        )


class LinkForm(forms.Form):
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.none())

    def __init__(self, *args: Any, item: PlanItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = Activity.objects.filter(  # type: ignore[attr-defined]
            congress_id=item.plan.congress_id, starts_on__year=item.plan.year
        ).order_by("starts_on")


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class MeetingReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    reporter = forms.CharField(label=_("Reporter"), max_length=100, required=False)
    document = forms.FileField(
        label=_("Report document"),
        required=False,
        help_text=_("The report's text (PDF, Word, image); checked by its content."),
    )


class ReportDocumentForm(forms.Form):
    report = forms.ModelChoiceField(label=_("Report heard"), queryset=MeetingReport.objects.none())
    document = forms.FileField(
        label=_("Report document"),
        help_text=_("The report's text (PDF, Word, image); checked by its content."),
    )

    def __init__(self, *args: Any, meeting: PresidiumMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["report"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = meeting.reports.all()


class MeetingAttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        label=_("Members present"),
        queryset=Deputy.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, meeting: PresidiumMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Deputy.objects.filter(
            presidium_seats__session__term__congress_id=meeting.congress_id,
            presidium_seats__session__term__is_current=True,
        )
        self.fields["present"].queryset = (  # type: ignore[attr-defined]
            members.distinct().order_by("name")
        )


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 8}))
    decisions = forms.CharField(
        label=_("Decisions and resolutions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AmendmentForm(forms.Form):
    text = forms.CharField(label=_("Amendment"), widget=forms.Textarea(attrs={"rows": 3}))


class BudgetLineForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=_("Quarter"), min_value=1, max_value=4)
    name = forms.CharField(label=_("Budget line"), max_length=200)
    budget = forms.DecimalField(label=_("Budget (10k yuan)"), max_digits=14, decimal_places=2)
    executed = forms.DecimalField(
        label=_("Executed to date (10k yuan)"), max_digits=14, decimal_places=2
    )


class OpinionForm(forms.Form):
    report = forms.ModelChoiceField(label=_("Report"), queryset=MeetingReport.objects.none())
    text = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 4}))
    department = forms.ModelChoiceField(
        label=_("Answering department"), queryset=Department.objects.none(), required=False
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    due = forms.DateField(label=_("Reply due"), widget=DATE, required=False)

    def __init__(self, *args: Any, meeting: PresidiumMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = meeting.reports.all()  # type: ignore[attr-defined]
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            congress_id=meeting.congress_id, is_active=True
        ).order_by("name")
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            congress_id=meeting.congress_id, is_active=True
        ).order_by("name")


class NominationForm(forms.Form):
    name = forms.CharField(label=_("Nominee"), max_length=40)
    post = forms.CharField(label=_("Post"), max_length=100)
    nominating_body = forms.CharField(label=_("Nominating body"), max_length=100)


class NominationDocumentsForm(forms.Form):
    resume = forms.FileField(label=_("Résumé"), required=False)
    statement = forms.FileField(label=_("Statement (任前表态发言)"), required=False)


class ReviewMeetingForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label=_("Review meeting"), queryset=PresidiumMeeting.objects.none()
    )

    def __init__(self, *args: Any, nomination: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = PresidiumMeeting.objects.filter(  # type: ignore[attr-defined]
            congress_id=nomination.congress_id
        ).order_by("-held_on")


class OpenVoteForm(forms.Form):
    paper = forms.BooleanField(
        label=_("The members vote on paper ballots"),
        required=False,
        help_text=_(
            "Two tellers then enter the ballots on the poll's paper page before the count."
        ),
    )


class RemarkForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Deputy.objects.none())
    text = forms.CharField(label=_("Question or opinion"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, nomination: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Deputy.objects.filter(
            presidium_seats__session__term__congress_id=nomination.congress_id,
            presidium_seats__session__term__is_current=True,
        )
        self.fields["member"].queryset = (  # type: ignore[attr-defined]
            members.distinct().order_by("name")
        )
