"""The departments' pages of the case engine: the inbox of their assignments and a case
page acting on their own assignment (`DEPARTMENT_ACTIONS`). A department sees the cases it
was given, not those reassigned away from it; anything else is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import tables
from renda.cases.models import (
    ANSWERING_ROLES,
    Assignment,
    AssignmentStatus,
    CaseStatus,
    FollowUp,
    ReplyTemplate,
)
from renda.cases.queries import case_context
from renda.cases.views.actions import DEPARTMENT_ACTIONS
from renda.congress import policy
from renda.congress.models import Department
from renda.core import exports
from renda.core.actions import run_action

PAGE_SIZE = 50


def department_assignment(request: HttpRequest, case_pk: int) -> Assignment:
    """The user's department's (latest) assignment on the case; anything else is a 404."""
    assignment = (
        Assignment.objects.filter(
            case_id=case_pk, department_id__in=policy.department_ids(request.user)
        )
        .exclude(status=AssignmentStatus.SUPERSEDED)
        .select_related("case__congress", "case__category", "case__village", "department")
        .order_by("-assigned_at")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


@login_required
def inbox(request: HttpRequest) -> HttpResponseBase:
    departments = policy.department_ids(request.user)
    if not departments:
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "cases.department_inbox")
    qs = tables.department_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    views = [
        ("todo", _("To do")),
        ("unsigned", _("Awaiting signature")),
        ("to_reply", _("Signed for, to reply")),
        ("due_soon", _("Due within 3 working days")),
        ("overdue", _("Overdue")),
        ("done", _("Replied or returned")),
        ("all", _("All")),
    ]
    return render(
        request,
        "cases/department/inbox.html",
        {
            "page": page,
            "params": request.GET,
            "views": views,
            "departments": Department.objects.filter(pk__in=departments),
            "today": timezone.localdate(),
            "table": tables.DEPARTMENT_INBOX,
            "export_query": exports.export_query(request),
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = department_assignment(request, pk)
    case = assignment.case
    context = case_context(case, request.user)
    context.update(
        assignment=assignment,
        contacts=case.contacts.select_related("department"),
        follow_up=FollowUp.objects.filter(case=case).first(),
        is_answering=assignment.role in ANSWERING_ROLES,
        can_reply=assignment.status == AssignmentStatus.SIGNED
        and assignment.role in ANSWERING_ROLES
        and case.status
        in (CaseStatus.ASSIGNED, CaseStatus.SIGNED, CaseStatus.IN_PROGRESS, CaseStatus.REHANDLING),
    )
    return render(request, "cases/department/case.html", context)


@login_required
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = DEPARTMENT_ACTIONS.get(action)
    if spec is None:
        raise Http404
    assignment = department_assignment(request, pk)
    case = assignment.case
    templates = (
        list(ReplyTemplate.objects.filter(congress_id=case.congress_id, is_active=True))
        if action == "reply"
        else []
    )
    return run_action(
        request,
        assignment,
        spec,
        back=reverse("cases:department_case", args=[pk]),
        heading=f"{case.serial} {case.title}",
        context={"case": case, "templates": templates},
    )
