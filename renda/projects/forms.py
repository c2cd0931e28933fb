"""Forms of the livelihood-project pages. They check shape; the services check the rules."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from renda.cases.models import Category
from renda.congress.models import Department, Deputy, DeputyMembership, Session
from renda.core.captcha import captcha_field
from renda.core.models import Region, RegionLevel
from renda.core.validators import validate_cn_mobile
from renda.core.widgets import DateInput
from renda.projects.models import (
    BatchKind,
    ChangeKind,
    ExclusionReason,
    Idea,
    IdeaSource,
    IdeaStatus,
    Milestone,
    Project,
    VoteBatch,
)

DATE = DateInput()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _field(form: forms.Form, name: str) -> Any:
    """A choice field of the form, to narrow its choices (typed loosely for the stubs)."""
    return form.fields[name]


def _villages(congress: Any) -> Any:
    if congress.region is None:
        return Region.objects.none()
    return Region.objects.subtree_of(congress.region).filter(level=RegionLevel.VILLAGE)


def _deputies(congress: Any) -> Any:
    return Deputy.objects.filter(
        id__in=DeputyMembership.objects.active_on().filter(congress=congress).values("deputy_id")
    ).order_by("name")


def _departments(congress: Any) -> Any:
    return Department.objects.filter(congress=congress, is_active=True).order_by("name")


def _sessions(congress: Any) -> Any:
    return (
        Session.objects.filter(term__congress=congress)
        .select_related("term")
        .order_by("-start_date")
    )


class ProposeForm(forms.Form):
    """The portal's proposal form (residents)."""

    title = forms.CharField(label=_("Project in a few words"), max_length=100)
    description = forms.CharField(
        label=_("What should be done, where, and why"), widget=forms.Textarea, max_length=5000
    )
    village = forms.ModelChoiceField(
        label=_("Village / community"), queryset=Region.objects.none(), required=False
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        max_length=11,
        required=False,
        validators=[validate_cn_mobile],
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, congress: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "village").queryset = _villages(congress)
        if not self.is_bound:
            self.initial["token"] = secrets.token_urlsafe(16)


class StaffIdeaForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[c for c in IdeaSource.choices if c[0] not in (IdeaSource.OPINION,)],
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, max_length=5000)
    village = forms.ModelChoiceField(
        label=_("Village / community"), queryset=Region.objects.none(), required=False
    )
    source_deputy = forms.ModelChoiceField(
        label=_("Proposed by deputy"), queryset=Deputy.objects.none(), required=False
    )
    source_department = forms.ModelChoiceField(
        label=_("Proposed by department"), queryset=Department.objects.none(), required=False
    )
    source_reference = forms.CharField(
        label=_("Source reference"),
        max_length=100,
        required=False,
        help_text=_("E.g. the station reception record or the questionnaire number."),
    )
    proposer_name = forms.CharField(label=_("Proposer's name"), max_length=40, required=False)
    proposer_phone = forms.CharField(
        label=_("Proposer's mobile phone"),
        max_length=11,
        required=False,
        validators=[validate_cn_mobile],
    )

    def __init__(self, *args: Any, congress: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "village").queryset = _villages(congress)
        _field(self, "source_deputy").queryset = _deputies(congress)
        _field(self, "source_department").queryset = _departments(congress)


class FromCaseForm(forms.Form):
    title = forms.CharField(label=_("Title of the idea"), max_length=100, required=False)


class ScreenForm(forms.Form):
    feasibility_note = forms.CharField(label=_("Feasibility"), widget=forms.Textarea)
    estimated_funds = forms.DecimalField(
        label=_("Estimated funds (10,000 yuan)"), max_digits=12, decimal_places=2, min_value=0
    )
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none()
    )
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned completion"), widget=DATE)
    legality_note = forms.CharField(label=_("Legality review"), widget=forms.Textarea)

    def __init__(self, *args: Any, idea: Idea, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "department").queryset = _departments(idea.congress)


class ExcludeForm(forms.Form):
    exclusion_reason = forms.ChoiceField(
        label=_("Exclusion reason"), choices=ExclusionReason.choices
    )
    exclusion_note = forms.CharField(label=_("Explanation"), widget=forms.Textarea, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


class ConfirmForm(forms.Form):
    """A confirmation without fields."""


class CommentHideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: abusive language, someone's personal data, advertising."),
    )


class BatchForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in BatchKind.choices if c[0] != BatchKind.FURTHER]
    )
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=200)
    ideas = forms.ModelMultipleChoiceField(
        label=_("Candidates"),
        queryset=Idea.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Screened, feasible ideas of the pool; more candidates than places."),
    )
    materials = forms.CharField(
        label=_("Materials for deputies"), widget=forms.Textarea, required=False
    )

    def __init__(self, *args: Any, congress: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "session").queryset = _sessions(congress)
        _field(self, "ideas").queryset = Idea.objects.filter(
            congress=congress, status=IdeaStatus.FEASIBLE
        ).order_by("serial")


class PublishForm(forms.Form):
    until = forms.DateField(label=_("Comments until"), widget=DATE, required=False)


class OpenVoteForm(forms.Form):
    absent = forms.ModelMultipleChoiceField(
        label=_("Deputies absent"),
        queryset=Deputy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, batch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "absent").queryset = _deputies(batch.congress)


class CommentForm(forms.Form):
    candidate = forms.TypedChoiceField(
        label=_("On the project"), coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(label=_("Your comment"), widget=forms.Textarea, max_length=2000)
    name = forms.CharField(label=_("Your name (optional)"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        max_length=11,
        required=False,
        validators=[validate_cn_mobile],
    )

    def __init__(self, *args: Any, batch: VoteBatch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "candidate").choices = [("", _("The list as a whole"))] + [
            (c.pk, c.idea.title) for c in batch.candidates.select_related("idea")
        ]


class CaptchaForm(forms.Form):
    captcha = captcha_field()


class BallotForm(forms.Form):
    """One choice per item; the field names carry the candidate (or project) id."""

    def __init__(self, *args: Any, items: list[tuple[int, str]], choices: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for pk, title in items:
            self.fields[f"item_{pk}"] = forms.ChoiceField(
                label=title, choices=choices, widget=forms.RadioSelect
            )

    def marks(self) -> dict[int, str]:
        return {
            int(name.removeprefix("item_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_")
        }


class PlanForm(forms.Form):
    targets = forms.CharField(label=_("Targets"), widget=forms.Textarea)
    milestones = forms.CharField(
        label=_("Milestones"),
        widget=forms.Textarea,
        help_text=_(
            "One per line: title | weight (%) | due date (YYYY-MM-DD); weights add up to 100."
        ),
    )

    def clean_milestones(self) -> list[tuple[str, int, dt.date]]:
        rows = []
        for line in self.cleaned_data["milestones"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            try:
                title, weight, due = parts
                rows.append((title, int(weight), dt.date.fromisoformat(due)))
            except ValueError:
                raise ValidationError(
                    _("Write each milestone as: title | weight | YYYY-MM-DD.")
                ) from None
        return rows


class ProgressForm(forms.Form):
    milestone = forms.ModelChoiceField(label=_("Milestone"), queryset=Milestone.objects.none())
    percent = forms.IntegerField(label=_("Milestone done (%)"))
    text = forms.CharField(label=_("Progress report"), widget=forms.Textarea(attrs={"rows": 5}))
    reason = forms.CharField(
        label=_("Reason (if the progress goes back)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    spent = forms.DecimalField(
        label=_("Funds spent so far (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    photos = MultipleFileField(label=_("Photos"))

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = _field(self, "milestone")
        field.queryset = project.milestones.order_by("order")
        field.label_from_instance = lambda m: (
            _("%(title)s (now %(percent)s%%)")
            % {
                "title": m.title,
                "percent": m.percent,
            }
        )


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ChangeKind.choices)
    decision_session = forms.ModelChoiceField(
        label=_("Deciding session"), queryset=Session.objects.none(), required=False
    )
    decision_reference = forms.CharField(
        label=_("Decision document"), max_length=200, required=False
    )
    decision_date = forms.DateField(label=_("Decision date"), widget=DATE, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)
    title = forms.CharField(label=_("New title"), max_length=100, required=False)
    scope = forms.CharField(label=_("New scope"), widget=forms.Textarea, required=False)
    funds = forms.DecimalField(
        label=_("New funds (10,000 yuan)"), max_digits=12, decimal_places=2, required=False
    )
    deadline = forms.DateField(label=_("New deadline"), widget=DATE, required=False)
    department = forms.ModelChoiceField(
        label=_("New responsible department"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "decision_session").queryset = _sessions(project.congress)
        _field(self, "department").queryset = _departments(project.congress)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("title", "scope", "funds", "deadline", "department")
            if data.get(name) not in (None, "")
        }


class GroupForm(forms.Form):
    leader = forms.ModelChoiceField(label=_("Group leader"), queryset=Deputy.objects.none())
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=Deputy.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "leader").queryset = _deputies(project.congress)
        _field(self, "members").queryset = _deputies(project.congress)


class InspectionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.CharField(label=_("Place"), max_length=200)
    participants = forms.ModelMultipleChoiceField(
        label=_("Deputies taking part"),
        queryset=Deputy.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("Report"), widget=forms.Textarea)
    findings = forms.CharField(
        label=_("Findings"),
        widget=forms.Textarea,
        required=False,
        help_text=_(
            "One finding per line; each goes at once to the project's department as a case."
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category of the findings"), queryset=Category.objects.none(), required=False
    )
    due = forms.DateField(label=_("Reply due"), widget=DATE, required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "participants").queryset = _deputies(project.congress)
        _field(self, "category").queryset = Category.objects.filter(
            congress=project.congress, is_active=True
        )


class FindingCaseForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    due = forms.DateField(label=_("Reply due"), widget=DATE, required=False)

    def __init__(self, *args: Any, congress: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "category").queryset = Category.objects.filter(
            congress=congress, is_active=True
        )


class SupervisionPlanForm(forms.Form):
    text = forms.CharField(label=_("Plan"), widget=forms.Textarea)
    adopted_on = forms.DateField(label=_("Adopted on"), widget=DATE)


class RatingForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("Session"), queryset=Session.objects.none(), required=False
    )

    def __init__(self, *args: Any, congress: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _field(self, "session").queryset = _sessions(congress)


class SurveyPhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone"), max_length=11, validators=[validate_cn_mobile])


class SurveyAnswerForm(BallotForm):
    code = forms.CharField(label=_("Verification code"), max_length=6)
