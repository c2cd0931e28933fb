"""The presidium office's pages for livelihood projects: the reserve pool, screening, vote
batches, projects with their plan, progress, changes and supervision, the year-end rating
and the figures. Office staff act (`project.manage`); leaders read (`project.view`). Thin
views: a form, a service call, a message, a redirect (one GET confirmation + one POST)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from renda.activities.models import Finding as ActivityFinding
from renda.activities.models import Invitation, InvitationStatus
from renda.ballots.forms import SharesForm
from renda.ballots.models import PollStatus
from renda.ballots.views.staff import handout_page, run_opening_action
from renda.cases.models import Case, CaseKind
from renda.congress import policy
from renda.congress.models import Congress
from renda.core import exports
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, form_of, run_action
from renda.core.errors import DomainError
from renda.projects import figures as project_figures
from renda.projects import forms as f
from renda.projects import services, tables
from renda.projects.figures import year_figures
from renda.projects.models import (
    REPORT,
    BatchStatus,
    Comment,
    Finding,
    Idea,
    IdeaSource,
    IdeaStatus,
    Project,
    SupervisionPlan,
    VoteBatch,
    YearRating,
)

PAGE_SIZE = 50


def _congresses(user: Any, perm: str = "project.view") -> QuerySet[Congress]:
    if policy.is_superuser(user):
        return Congress.objects.filter(is_active=True).order_by("name")
    return Congress.objects.filter(pk__in=policy.readable_congress_ids(user, perm)).order_by("name")


def _require_office(request: HttpRequest) -> list[Congress]:
    congresses = list(_congresses(request.user))
    if not congresses:
        raise Http404
    return congresses


def _congress(request: HttpRequest, congresses: list[Congress]) -> Congress:
    wanted = request.GET.get("congress") or ""
    for congress in congresses:
        if str(congress.pk) == wanted:
            return congress
    return congresses[0]


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year") or ""
    return (
        int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year
    )


def _can_manage(request: HttpRequest, obj: Any) -> bool:
    return policy.can(request.user, "project.manage", obj)


def _idea(request: HttpRequest, pk: int) -> Idea:
    related = ("congress", "village", "source_case", "source_deputy", "source_department")
    return get_visible_or_404(
        Idea.objects.select_related(*related, "department"), request.user, pk, "project.view"
    )


def _batch(request: HttpRequest, pk: int) -> VoteBatch:
    return get_visible_or_404(
        VoteBatch.objects.select_related("congress", "session__term", "poll", "further_of"),
        request.user,
        pk,
        "project.view",
    )


def _project(request: HttpRequest, pk: int, perm: str = "project.view") -> Project:
    return get_visible_or_404(
        Project.objects.select_related("congress", "department", "batch__session__term", "idea"),
        request.user,
        pk,
        perm,
    )


def _forbid_unless_manager(request: HttpRequest, obj: Any) -> None:
    if not _can_manage(request, obj):
        raise PermissionDenied


# --- the reserve pool ---------------------------------------------------------------------------


@login_required
@require_GET
def office(request: HttpRequest) -> HttpResponseBase:
    """The reserve pool (项目储备库): every idea, across years, filtered."""
    congresses = _require_office(request)
    congress = _congress(request, congresses)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "projects.ideas")
    status = request.GET.get("status") or ""
    source = request.GET.get("source") or ""
    year = request.GET.get("year") or ""
    qs = tables.idea_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        Idea.objects.filter(congress=congress)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return render(
        request,
        "projects/staff/office.html",
        {
            "congress": congress,
            "congresses": congresses,
            "page": page,
            "statuses": IdeaStatus.choices,
            "sources": IdeaSource.choices,
            "status_counts": [(c, label, counts.get(c, 0)) for c, label in IdeaStatus.choices],
            "params": request.GET.dict(),
            "filters": {"status": status, "source": source, "year": year},
            "can_manage": _can_manage(request, congress),
            "table": tables.IDEAS,
            "export_query": exports.export_query(request),
        },
    )


@login_required
def idea_new(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = get_visible_or_404(
        Congress.objects.filter(is_active=True), request.user, congress_id, "project.view"
    )
    _forbid_unless_manager(request, congress)
    form = f.StaffIdeaForm(request.POST or None, congress=congress)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            idea = services.propose_idea(
                congress=congress,
                title=data["title"],
                description=data["description"],
                source=data["source"],
                acting_user=request.user,
                village=data["village"],
                proposer_name=data["proposer_name"],
                proposer_phone=data["proposer_phone"],
                source_reference=data["source_reference"],
                source_deputy=data["source_deputy"],
                source_department=data["source_department"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The idea %(serial)s is in the pool.") % {"serial": idea.serial}
            )
            return HttpResponseRedirect(reverse("projects:idea", args=[idea.pk]))
    return render(
        request,
        "projects/staff/form.html",
        {
            "form": form,
            "title": _("New project idea"),
            "back": reverse("projects:office"),
            "heading": _("Reserve pool"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = _idea(request, pk)
    return render(
        request,
        "projects/staff/idea.html",
        {
            "idea": idea,
            "events": idea.events.select_related("actor"),
            "candidacies": idea.candidacies.select_related("batch"),
            "project": Project.objects.filter(idea=idea).first(),
            "can_manage": _can_manage(request, idea),
            "actions": IDEA_ACTIONS,
        },
    )


def _screen(idea: Idea, user: Any, data: dict[str, Any]) -> Any:
    return services.screen_idea(idea, acting_user=user, feasible=True, **data)


def _exclude(idea: Idea, user: Any, data: dict[str, Any]) -> Any:
    return services.screen_idea(idea, acting_user=user, feasible=False, **data)


IDEA_ACTIONS: dict[str, Action] = {
    "screen": Action(
        gettext_lazy("Screened: feasible"),
        lambda data, files, idea: f.ScreenForm(data, files, idea=idea),
        _screen,
        perm="project.manage",
        success=gettext_lazy("The idea is screened as feasible."),
    ),
    "exclude": Action(
        gettext_lazy("Exclude"),
        form_of(f.ExcludeForm),
        _exclude,
        perm="project.manage",
        success=gettext_lazy("The idea is excluded."),
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw"),
        form_of(f.ReasonForm),
        lambda idea, user, data: services.withdraw_idea(idea, acting_user=user, **data),
        perm="project.manage",
    ),
}


@login_required
def idea_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    idea = _idea(request, pk)
    spec = IDEA_ACTIONS.get(action)
    if spec is None:
        raise Http404
    _forbid_unless_manager(request, idea)
    return run_action(
        request,
        idea,
        spec,
        back=reverse("projects:idea", args=[idea.pk]),
        heading=str(idea),
    )


@login_required
def idea_from_case(request: HttpRequest, case_pk: int) -> HttpResponse:
    """ "Propose as project idea" on an opinion case (GET confirmation, POST action)."""
    case = get_visible_or_404(
        Case.objects.select_related("congress"),
        request.user,
        case_pk,
        "case.supervise",
        kind=CaseKind.OPINION,
    )
    _forbid_unless_manager(request, case.congress)
    existing = Idea.objects.filter(source_case=case).first()
    if existing is not None:
        messages.info(request, _("This case is already in the project pool."))
        return HttpResponseRedirect(reverse("projects:idea", args=[existing.pk]))
    action = Action(
        gettext_lazy("Propose as a project idea"),
        lambda data, files, _case: f.FromCaseForm(data, files, initial={"title": case.title}),
        lambda c, user, data: services.idea_from_case(c, acting_user=user, title=data["title"]),
        perm="project.manage",
        success=gettext_lazy("The case is in the project pool as an idea."),
    )
    return run_action(
        request,
        case,
        action,
        back=reverse("projects:office") + f"?congress={case.congress_id}",
        heading=str(case),
    )


# --- vote batches ----------------------------------------------------------------------------------


@login_required
def batches(request: HttpRequest) -> HttpResponseBase:
    congresses = _require_office(request)
    congress = _congress(request, congresses)
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return exports.respond(request, "projects.batches")
    can_manage = _can_manage(request, congress)
    form = f.BatchForm(request.POST or None, congress=congress) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = services.create_batch(
                    session=data["session"],
                    title=data["title"],
                    places=data["places"],
                    ideas=list(data["ideas"]),
                    acting_user=request.user,
                    kind=data["kind"],
                    materials=data["materials"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The batch is prepared."))
                return HttpResponseRedirect(reverse("projects:batch", args=[batch.pk]))
    qs = tables.batch_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/staff/batches.html",
        {
            "congress": congress,
            "congresses": congresses,
            "page": page,
            "form": form,
            "table": tables.BATCHES,
            "export_query": exports.export_query(request),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    candidates = batch.candidates.select_related("idea__department").order_by("order", "id")
    if batch.status in (BatchStatus.COUNTED, BatchStatus.ANNOUNCED):
        candidates = candidates.order_by("rank", "order")
    return render(
        request,
        "projects/staff/batch.html",
        {
            "batch": batch,
            "candidates": services.with_results(batch, candidates),
            "comments": Comment.objects.filter(batch=batch).select_related("candidate__idea")[:200],
            "further": batch.further_batches.all(),
            "can_manage": _can_manage(request, batch),
            "participation": batch.poll.participations.count() if batch.poll else 0,
        },
    )


def _open(batch: VoteBatch, user: Any, data: dict[str, Any]) -> Any:
    return services.open_vote(batch, acting_user=user, absent=[d.pk for d in data["absent"]])


BATCH_ACTIONS: dict[str, Action] = {
    "publish": Action(
        gettext_lazy("Publish the candidates for comment"),
        form_of(f.PublishForm),
        lambda b, user, data: services.publish_candidates(b, acting_user=user, until=data["until"]),
        perm="project.manage",
        success=gettext_lazy("The candidate list is on the portal for comment."),
    ),
    "open": Action(
        gettext_lazy("Open the vote"),
        lambda data, files, batch: f.OpenVoteForm(data, files, batch=batch),
        _open,
        perm="project.manage",
        success=gettext_lazy("The vote is open."),
    ),
    "count": Action(
        gettext_lazy("Count the result"),
        # An open poll is closed here: the key holders' shares open the engine's box.
        lambda data, files, b: (
            SharesForm(data, poll=b.poll)
            if b.poll is not None and b.poll.status == PollStatus.OPEN
            else f.ConfirmForm(data)
        ),
        lambda b, user, data: services.count_vote(
            b, acting_user=user, shares=data.get("shares", [])
        ),
        perm="project.manage",
        success=gettext_lazy("The vote is counted."),
    ),
    "announce": Action(
        gettext_lazy("Publish the announcement"),
        form_of(f.ConfirmForm),
        lambda b, user, data: services.announce_result(b, acting_user=user),
        perm="project.manage",
        success=gettext_lazy("The announcement is published."),
    ),
    "void": Action(
        gettext_lazy("Call off the batch"),
        form_of(f.ReasonForm),
        lambda b, user, data: services.void_batch(b, acting_user=user, reason=data["reason"]),
        perm="project.manage",
    ),
}


@login_required
def batch_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    batch = _batch(request, pk)
    spec = BATCH_ACTIONS.get(action)
    if spec is None:
        raise Http404
    _forbid_unless_manager(request, batch)
    if action == "open":  # answers with the engine's hand-out page of the key shares
        return run_opening_action(
            request,
            batch,
            spec,
            back=reverse("projects:batch", args=[batch.pk]),
            heading=batch.title,
            poll_of=lambda b: b.poll,
        )
    return run_action(
        request,
        batch,
        spec,
        back=reverse("projects:batch", args=[batch.pk]),
        heading=batch.title,
    )


COMMENT_ACTIONS: dict[str, Action] = {
    "hide": Action(
        gettext_lazy("Hide the comment from the public page"),
        form_of(f.CommentHideForm),
        lambda c, user, data: services.hide_comment(c, reason=data["reason"], acting_user=user),
        perm="project.manage",
        success=gettext_lazy("The comment is hidden from the public page."),
        danger=True,
        intro=gettext_lazy(
            "The comment is not deleted: the office still reads it, marked hidden, and may "
            "show it again. The reason is recorded."
        ),
    ),
    "show": Action(
        gettext_lazy("Show the comment on the public page again"),
        None,
        lambda c, user, _data: services.show_comment(c, acting_user=user),
        perm="project.manage",
        success=gettext_lazy("The comment is on the public page again."),
    ),
}


@login_required
def comment_action(request: HttpRequest, pk: int, comment_pk: int, action: str) -> HttpResponse:
    """Moderate a resident's comment on a batch: the office of the batch's congress only
    (its readers get a 403, another town a 404)."""
    batch = _batch(request, pk)
    spec = COMMENT_ACTIONS.get(action)
    comment = batch.comments.select_related("candidate__idea").filter(pk=comment_pk).first()
    if spec is None or comment is None:
        raise Http404
    _forbid_unless_manager(request, batch)
    return run_action(
        request,
        comment,
        spec,
        back=reverse("projects:batch", args=[batch.pk]) + "#comments",
        heading=batch.title,
        template="projects/staff/comment_action.html",
        context={"comment": comment},
    )


# --- projects ----------------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponseBase:
    congresses = _require_office(request)
    congress = _congress(request, congresses)
    year = _year(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "projects.list")
    projects = tables.project_rows(request.user, request.GET)
    plan = SupervisionPlan.objects.filter(congress=congress, year=year).first()
    return render(
        request,
        "projects/staff/projects.html",
        {
            "congress": congress,
            "congresses": congresses,
            "year": year,
            "projects": projects,
            "table": tables.PROJECTS,
            "export_query": exports.export_query(request),
            "plan": plan,
            "rating": YearRating.objects.filter(congress=congress, year=year)
            .select_related("poll")
            .first(),
            "can_manage": _can_manage(request, congress),
        },
    )


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    # The inspections are activities (kind "project inspection"): who took part, the
    # findings filed as cases and the report come from there; a finding recorded before
    # and not yet sent is offered to be sent.
    inspections = project.inspections.select_related("activity").prefetch_related(
        Prefetch(
            "activity__invitations",
            queryset=Invitation.objects.filter(status=InvitationStatus.ATTENDED)
            .select_related("deputy")
            .order_by("role", "deputy__name"),
            to_attr="took_part",
        ),
        Prefetch(
            "activity__findings",
            queryset=ActivityFinding.objects.select_related("case", "department"),
            to_attr="filed",
        ),
        Prefetch("activity__schedule", to_attr="sites"),
        Prefetch(
            "findings",
            queryset=Finding.objects.filter(filed_as__isnull=True, case__isnull=True),
            to_attr="unfiled",
        ),
    )
    group = getattr(project, "group", None) if hasattr(project, "group") else None
    return render(
        request,
        "projects/staff/project.html",
        {
            "project": project,
            "milestones": project.milestones.all(),
            "updates": project.updates.select_related("milestone", "author").prefetch_related(
                "photos"
            ),
            "changes": project.changes.select_related("decision_session__term"),
            "group": group,
            "members": group.members.all() if group else [],
            "inspections": inspections,
            "can_manage": _can_manage(request, project),
            "can_read_activities": policy.can(request.user, "activity.view", project.congress),
            "may_report": services.may_report(request.user, project),
        },
    )


def _plan(project: Project, user: Any, data: dict[str, Any]) -> Any:
    return services.set_plan(
        project, acting_user=user, targets=data["targets"], milestones=data["milestones"]
    )


def _progress(project: Project, user: Any, data: dict[str, Any]) -> Any:
    return services.report_progress(
        project,
        milestone=data["milestone"],
        percent=data["percent"],
        text=data["text"],
        reason=data["reason"],
        spent=data["spent"],
        photos=data["photos"],
        acting_user=user,
    )


def _change(project: Project, user: Any, data: dict[str, Any]) -> Any:
    form_changes = {
        name: data[name]
        for name in ("title", "scope", "funds", "deadline", "department")
        if data.get(name) not in (None, "")
    }
    return services.change_project(
        project,
        kind=data["kind"],
        acting_user=user,
        decision_session=data["decision_session"],
        decision_reference=data["decision_reference"],
        decision_date=data["decision_date"],
        reason=data["reason"],
        changes=form_changes,
    )


def _inspection(project: Project, user: Any, data: dict[str, Any]) -> Any:
    return services.record_inspection(
        project,
        held_on=data["held_on"],
        place=data["place"],
        participants=list(data["participants"]),
        summary=data["summary"],
        findings=data["findings"].splitlines(),
        category=data["category"],
        due=data["due"],
        acting_user=user,
    )


def _initial_plan(project: Project) -> dict[str, Any]:
    lines = [
        f"{m.title} | {m.weight} | {m.due_date.isoformat()}"
        for m in project.milestones.order_by("order")
    ]
    return {"targets": project.targets, "milestones": "\n".join(lines)}


PROJECT_ACTIONS: dict[str, Action] = {
    "plan": Action(
        gettext_lazy("Implementation plan"),
        lambda data, files, p: f.PlanForm(data, files, initial=_initial_plan(p)),
        _plan,
        perm="project.manage",
        success=gettext_lazy("The plan is saved."),
    ),
    "start": Action(
        gettext_lazy("Start the project"),
        form_of(f.ConfirmForm),
        lambda p, user, data: services.start_project(p, acting_user=user),
        perm="project.manage",
    ),
    "progress": Action(
        gettext_lazy("Report progress"),
        lambda data, files, p: f.ProgressForm(data, files, project=p),
        _progress,
        perm=REPORT,
        multipart=True,
        success=gettext_lazy("The progress is recorded."),
    ),
    "complete": Action(
        gettext_lazy("Completed"),
        lambda data, files, p: f.CompleteForm(
            data, files, initial={"completed_on": timezone.localdate()}
        ),
        lambda p, user, data: services.complete_project(
            p, acting_user=user, completed_on=data["completed_on"]
        ),
        perm="project.manage",
    ),
    "change": Action(
        gettext_lazy("Change, suspend or terminate (session decision)"),
        lambda data, files, p: f.ChangeForm(data, files, project=p),
        _change,
        perm="project.manage",
        success=gettext_lazy("The change is recorded with its decision."),
    ),
    "group": Action(
        gettext_lazy("Supervision group"),
        lambda data, files, p: f.GroupForm(data, files, project=p),
        lambda p, user, data: services.set_supervision_group(
            p, leader=data["leader"], members=list(data["members"]), acting_user=user
        ),
        perm="project.manage",
    ),
    "inspection": Action(
        gettext_lazy("Record an inspection"),
        lambda data, files, p: f.InspectionForm(data, files, project=p),
        _inspection,
        perm="project.manage",
        success=gettext_lazy("The inspection is recorded."),
    ),
}


@login_required
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = PROJECT_ACTIONS.get(action)
    if spec is None:
        raise Http404
    if spec.perm == REPORT:
        # The responsible department reports progress too (its handlers see this page only).
        project = _project(request, pk, REPORT)
        if not services.may_report(request.user, project):
            raise PermissionDenied
    else:
        project = _project(request, pk)
        _forbid_unless_manager(request, project)
    return run_action(
        request,
        project,
        spec,
        back=reverse("projects:project", args=[project.pk])
        if policy.can(request.user, "project.view", project)
        else reverse("projects:department"),
        heading=project.title,
    )


@login_required
@require_GET
def department_projects(request: HttpRequest) -> HttpResponseBase:
    """The responsible department's projects: report progress on them."""
    if not policy.department_ids(request.user):
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "projects.department")
    return render(
        request,
        "projects/staff/department.html",
        {
            "projects": tables.department_project_rows(request.user, request.GET),
            "table": tables.DEPARTMENT_PROJECTS,
            "export_query": exports.export_query(request),
        },
    )


@login_required
def finding_case(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_visible_or_404(
        Finding.objects.select_related(
            "inspection__project__congress", "inspection__project__department"
        ),
        request.user,
        pk,
        "project.view",
    )
    project = finding.inspection.project
    _forbid_unless_manager(request, project)
    action = Action(
        gettext_lazy("Send the finding to the department as a case"),
        lambda data, files, _f: f.FindingCaseForm(data, files, congress=project.congress),
        lambda fd, user, data: services.finding_to_case(
            fd, category=data["category"], due=data["due"], acting_user=user
        ),
        perm="project.manage",
        success=gettext_lazy("The finding is a case assigned to the department."),
    )
    return run_action(
        request,
        finding,
        action,
        back=reverse("projects:project", args=[project.pk]),
        heading=project.title,
    )


@login_required
def supervision_plan(request: HttpRequest) -> HttpResponse:
    congresses = _require_office(request)
    congress = _congress(request, congresses)
    year = _year(request)
    _forbid_unless_manager(request, congress)
    plan = SupervisionPlan.objects.filter(congress=congress, year=year).first()
    projects = list(Project.objects.filter(congress=congress, year=year))
    action = Action(
        gettext_lazy("Annual supervision plan"),
        lambda data, files, _c: f.SupervisionPlanForm(
            data,
            files,
            initial={"text": plan.text, "adopted_on": plan.adopted_on} if plan else None,
        ),
        lambda c, user, data: services.adopt_supervision_plan(
            congress=c, year=year, projects=projects, acting_user=user, **data
        ),
        perm="project.manage",
    )
    back = reverse("projects:projects") + f"?congress={congress.pk}&year={year}"
    return run_action(request, congress, action, back=back, heading=str(year))


# --- the year-end rating --------------------------------------------------------------------------


@login_required
def rating(request: HttpRequest) -> HttpResponseBase:
    congresses = _require_office(request)
    congress = _congress(request, congresses)
    year = _year(request)
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return exports.respond(request, "projects.rating")
    current = YearRating.objects.filter(congress=congress, year=year).select_related("poll").first()
    can_manage = _can_manage(request, congress)
    form = f.RatingForm(request.POST or None, congress=congress) if can_manage else None
    if request.method == "POST":
        _forbid_unless_manager(request, congress)
        step = request.POST.get("step") or ""
        try:
            if step == "create" and form is not None and form.is_valid():
                services.create_year_rating(
                    congress=congress,
                    year=year,
                    session=form.cleaned_data["session"],
                    acting_user=request.user,
                )
            elif current is not None and step == "open":
                opening = services.open_rating(current, acting_user=request.user)
                current.refresh_from_db()
                if current.poll is not None:  # the engine's hand-out page, once
                    back = reverse("projects:rating") + f"?congress={congress.pk}&year={year}"
                    return handout_page(request, current.poll, opening, back=back)
            elif current is not None and step == "close":
                shares = SharesForm(request.POST, poll=current.poll) if current.poll else None
                services.close_rating(
                    current,
                    acting_user=request.user,
                    shares=shares.cleaned_data["shares"] if shares and shares.is_valid() else [],
                )
            elif current is not None and step in ("survey_on", "survey_off"):
                services.set_survey_open(
                    current, open_=step == "survey_on", acting_user=request.user
                )
            else:
                raise DomainError(_("Nothing to do."))
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Done."))
        return HttpResponseRedirect(
            reverse("projects:rating") + f"?congress={congress.pk}&year={year}"
        )
    return render(
        request,
        "projects/staff/rating.html",
        {
            "congress": congress,
            "congresses": congresses,
            "year": year,
            "rating": current,
            "projects": tables.rating_rows(request.user, request.GET),
            "table": tables.RATING,
            "export_query": exports.export_query(request),
            "form": form,
            "can_manage": can_manage,
            "responses": current.responses.count() if current else 0,
            "shares_form": SharesForm(poll=current.poll)
            if current is not None and current.poll is not None
            else None,
        },
    )


@login_required
@require_GET
def figures_page(request: HttpRequest) -> HttpResponseBase:
    congresses = _require_office(request)
    congress = _congress(request, congresses)
    year = _year(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "projects.figures")
    figures = year_figures(congress.pk, year)
    sources = [
        (label, figures["ideas_by_source"].get(code, 0)) for code, label in IdeaSource.choices
    ]
    return render(
        request,
        "projects/staff/figures.html",
        {
            "congress": congress,
            "congresses": congresses,
            "year": year,
            "figures": figures,
            "sources": sources,
            "charts": project_figures.charts(figures, sources),
            "export_query": exports.export_query(request),
        },
    )
