"""Back-office pages of the case engine: the office's triage inbox and case page, the
department's inbox and case page, and the figures. Thin views: a form, a service call,
a message, a redirect; every case is fetched through the policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from renda.cases import figures, services
from renda.cases import forms as cf
from renda.cases.models import (
    ANSWERING_ROLES,
    Assignment,
    AssignmentStatus,
    Attachment,
    Case,
    CaseKind,
    CaseSource,
    CaseStatus,
    Category,
    ExtensionRequest,
    ExtensionStatus,
    FollowUp,
)
from renda.cases.queries import (
    case_context,
    department_assignments,
    digits,
    filter_inbox,
    raised_by,
    similar_open_cases,
    with_list_data,
)
from renda.congress import policy
from renda.congress.models import Congress, Department, Role
from renda.core.actions import Action, form_of, run_action
from renda.core.errors import DomainError
from renda.core.models import User
from renda.opinions import forms as f

PAGE_SIZE = 50


def _staff_case(request: HttpRequest, pk: int, perm: str = "case.supervise") -> Case:
    case = (
        Case.objects.visible_to(request.user, perm)
        .filter(pk=pk)
        .select_related(
            "congress", "category", "village", "merged_into", "escalated_to", "priority_leader"
        )
        .first()
    )
    if case is None:
        raise Http404
    return case


def _department_assignment(request: HttpRequest, case_pk: int) -> Assignment:
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


def _staff_congresses(user: Any) -> QuerySet[Congress]:
    return Congress.objects.filter(pk__in=policy.congress_ids(user, "case.supervise")).order_by(
        "name"
    )


# --- the office --------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    congresses = _staff_congresses(request.user)
    if not congresses and not policy.is_superuser(request.user):
        raise Http404
    qs = Case.objects.visible_to(request.user, "case.supervise")
    qs = with_list_data(filter_inbox(qs, request.GET)).order_by("due_date", "-submitted_at", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    congress_ids = list(congresses.values_list("pk", flat=True))
    context = {
        "page": page,
        "params": request.GET,
        "categories": Category.objects.filter(congress_id__in=congress_ids).order_by("order"),
        "departments": Department.objects.filter(congress_id__in=congress_ids, is_active=True),
        "villages": [v for c in congresses.select_related("region") for v in f.villages_of(c)],
        "sources": CaseSource.choices,
        "views": [
            ("open", _("All open")),
            ("new", _("New and returned")),
            ("handling", _("Being handled")),
            ("due_soon", _("Due within 3 days")),
            ("overdue", _("Overdue")),
            ("replied", _("Awaiting evaluation")),
            ("priority", _("Priority supervision")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ],
        "can_manage": policy.can(request.user, "case.manage"),
        "today": timezone.localdate(),
    }
    return render(request, "opinions/staff/inbox.html", context)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked cases to one lead unit with the same due date."""
    ids = [int(i) for i in request.POST.getlist("case") if i.isdigit()]
    cases = list(
        Case.objects.visible_to(request.user, "case.manage")
        .filter(pk__in=ids)
        .select_related("congress")
    )
    lead = Department.objects.filter(
        pk=digits(request.POST.get("lead")) or 0, is_active=True
    ).first()
    if not cases or lead is None:
        messages.error(request, _("Tick the cases and choose the lead unit."))
        return HttpResponseRedirect(reverse("opinions:staff_inbox"))
    due_field = forms.DateField(required=False)
    try:
        due = due_field.clean(request.POST.get("due") or None)
    except forms.ValidationError:
        messages.error(request, _("The due date is not a valid date."))
        return HttpResponseRedirect(reverse("opinions:staff_inbox"))
    done, failed = 0, []
    for case in cases:
        try:
            services.assign_case(case, lead=lead, due=due, acting_user=request.user)
            done += 1
        except DomainError as exc:
            failed.append(f"{case.serial}: {exc}")
    if done:
        messages.success(
            request, _("%(count)s cases assigned to %(unit)s.") % {"count": done, "unit": lead}
        )
    for line in failed:
        messages.error(request, line)
    return HttpResponseRedirect(reverse("opinions:staff_inbox"))


@login_required
def new_case(request: HttpRequest, congress_id: int) -> HttpResponse:
    """An opinion entered for someone else: by the office (phone, letter), by a station
    manager at a reception, or by a deputy after a voter visit. The person who entered it
    gets the ticket and check code to hand over."""
    congress = Congress.objects.filter(pk=congress_id, is_active=True).first()
    user = request.user
    is_deputy = congress is not None and congress.pk in policy.access(user).deputy_congress_ids
    if congress is None or not (policy.can(user, "case.enter", congress) or is_deputy):
        raise Http404
    deputy = getattr(user, "deputy", None) if is_deputy else None
    form = f.StaffEntryForm(request.POST or None, request.FILES or None, congress=congress)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, code = services.submit_case(
                congress=congress,
                category=data["category"],
                title=data["title"],
                content=data["content"],
                village=data["village"],
                address=data["address"],
                source=data["source"],
                submitter_name=data["name"],
                submitter_phone=data["phone"],
                source_deputy=deputy,
                entered_by=user,
                files=data["photos"],
                submission_token=data["token"],
            )
        except services.DuplicateSubmission as dup:
            if policy.can(user, "case.supervise", dup.case):
                return HttpResponseRedirect(reverse("opinions:staff_case", args=[dup.case.pk]))
            return HttpResponseRedirect(
                reverse("opinions:receipt", args=[dup.case.submission_token])
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case %(serial)s registered.") % {"serial": case.serial})
            # The receipt (ticket and check code) is for the visitor, whoever entered it.
            receipts = request.session.get("opinion_receipts", {})
            receipts[case.submission_token] = {"serial": case.serial, "code": code}
            request.session["opinion_receipts"] = dict(list(receipts.items())[-10:])
            return HttpResponseRedirect(reverse("opinions:receipt", args=[case.submission_token]))
    return render(request, "opinions/staff/new_case.html", {"form": form, "congress": congress})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _staff_case(request, pk)
    context = case_context(case)
    context["duplicates"] = (
        similar_open_cases(
            case.congress,
            f"{case.title} {case.content}",
            village_id=case.village_id,
            category_id=case.category_id,
            exclude_id=case.pk,
        )
        if case.is_open
        else []
    )
    context["can_manage"] = policy.can(request.user, "case.manage", case)
    context["assign_form"] = cf.AssignForm(congress_id=case.congress_id)
    return render(request, "opinions/staff/case.html", context)


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = Attachment.objects.filter(pk=pk).select_related("case").first()
    if item is None:
        raise Http404
    staff_or_department = Case.objects.visible_to(request.user).filter(pk=item.case_id).exists()
    if not staff_or_department and not raised_by(request.user, item.case):
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name)


# --- case actions: one GET confirmation and one POST each ------------------------------------


def _leaders(case: Case) -> QuerySet[User]:
    return User.objects.filter(
        id__in=[u.pk for u in policy.users_with_role(Role.LEADER, case.congress_id)]
    )


def _merge(case: Case, user: Any, data: dict[str, Any]) -> Any:
    into = Case.objects.filter(
        congress_id=case.congress_id, serial=data["into"].strip().upper()
    ).first()
    if into is None:
        raise DomainError(_("No case of this congress has that number."))
    return services.merge_cases(case, into=into, acting_user=user, note=data["note"])


def _decide(case: Case, user: Any, data: dict[str, Any]) -> Any:
    pending = ExtensionRequest.objects.filter(
        assignment__case=case, status=ExtensionStatus.PENDING
    ).first()
    if pending is None:
        raise DomainError(_("No extension request is waiting."))
    return services.decide_extension(
        pending, approve=data["approve"], note=data["note"], acting_user=user
    )


STAFF_ACTIONS: dict[str, Action] = {
    "triage": Action(
        gettext_lazy("Accept for handling"),
        form_of(cf.NoteForm),
        lambda c, u, d: services.triage_case(c, acting_user=u, note=d["note"]),
        perm="case.manage",
    ),
    "assign": Action(
        gettext_lazy("Assign"),
        lambda data, files, case: cf.AssignForm(data, congress_id=case.congress_id),
        lambda c, u, d: services.assign_case(
            c,
            acting_user=u,
            lead=d["lead"] if d["mode"] == "lead" else None,
            co_handlers=list(d["co_handlers"]) if d["mode"] == "lead" else [],
            splits=list(d["splits"]) if d["mode"] == "split" else [],
            due=d["due"],
            note=d["note"],
        ),
        perm="case.manage",
    ),
    "merge": Action(
        gettext_lazy("Merge into another case"), form_of(cf.MergeForm), _merge, perm="case.manage"
    ),
    "escalate": Action(
        gettext_lazy("Escalate to the higher congress"),
        form_of(cf.NoteForm),
        lambda c, u, d: services.escalate_case(c, acting_user=u, note=d["note"]),
        perm="case.manage",
    ),
    "priority": Action(
        gettext_lazy("Priority supervision"),
        lambda data, files, case: cf.PriorityForm(data, leaders=_leaders(case)),
        lambda c, u, d: services.set_priority(c, leader=d["leader"], note=d["note"], acting_user=u),
        perm="case.manage",
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw"),
        form_of(cf.ReasonForm),
        lambda c, u, d: services.withdraw_case(c, reason=d["reason"], acting_user=u),
        perm="case.manage",
    ),
    "redirect": Action(
        gettext_lazy("Redirect (litigation, petition)"),
        form_of(cf.ReasonForm),
        lambda c, u, d: services.redirect_case(c, reason=d["reason"], acting_user=u),
        perm="case.manage",
    ),
    "extension": Action(
        gettext_lazy("Decide the extension request"),
        form_of(cf.ExtensionDecisionForm),
        _decide,
        perm="case.manage",
    ),
    "evaluate": Action(
        gettext_lazy("Record the submitter's rating"),
        form_of(cf.StaffEvaluationForm),
        lambda c, u, d: services.evaluate_case(
            c, result=d["result"], attitude=d["attitude"], comment=d["comment"], acting_user=u
        ),
        perm="case.manage",
    ),
    "close": Action(
        gettext_lazy("Close without evaluation"),
        form_of(cf.NoteForm),
        lambda c, u, d: services.close_unevaluated(c, acting_user=u),
        perm="case.manage",
    ),
}


@login_required
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = STAFF_ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _staff_case(request, pk)
    if not policy.can(request.user, spec.perm, case):
        raise Http404
    if action == "triage" and case.kind != CaseKind.OPINION:
        raise Http404  # a suggestion is accepted on its own page (motions are decided first)
    back = reverse("opinions:staff_case", args=[case.pk])
    return run_action(request, case, spec, back=back, heading=f"{case.serial} {case.title}")


@login_required
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    case = Case.objects.visible_to(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404
    context: dict[str, Any] = {"case": case}
    if request.method == "POST":
        try:
            context["name"], context["phone"] = services.reveal_contact(
                case, acting_user=request.user
            )
        except DomainError as exc:
            raise Http404 from exc
    return render(request, "opinions/staff/reveal.html", context)


# --- the department ------------------------------------------------------------------------


@login_required
def department_inbox(request: HttpRequest) -> HttpResponse:
    departments = policy.department_ids(request.user)
    if not departments:
        raise Http404
    qs = department_assignments(departments, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    views = [
        ("todo", _("To do")),
        ("unsigned", _("Awaiting signature")),
        ("overdue", _("Overdue")),
        ("done", _("Replied or returned")),
        ("all", _("All")),
    ]
    return render(
        request,
        "opinions/staff/department_inbox.html",
        {
            "page": page,
            "params": request.GET,
            "views": views,
            "departments": Department.objects.filter(pk__in=departments),
            "today": timezone.localdate(),
        },
    )


@login_required
def department_case(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _department_assignment(request, pk)
    case = assignment.case
    context = case_context(case)
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
    return render(request, "opinions/staff/department_case.html", context)


DEPARTMENT_ACTIONS: dict[str, Action] = {
    "sign": Action(
        gettext_lazy("Sign for the case"),
        form_of(cf.NoteForm),
        lambda a, u, d: services.sign_assignment(a, acting_user=u),
    ),
    "return": Action(
        gettext_lazy("Return the case (outside our remit)"),
        form_of(cf.ReasonForm),
        lambda a, u, d: services.return_assignment(a, reason=d["reason"], acting_user=u),
    ),
    "progress": Action(
        gettext_lazy("Record progress"),
        form_of(cf.ProgressForm),
        lambda a, u, d: services.add_progress(
            a.case, note=d["note"], public=d["public"], files=d["attachments"], acting_user=u
        ),
        multipart=True,
    ),
    "extension": Action(
        gettext_lazy("Ask for an extension"),
        form_of(cf.ExtensionRequestForm),
        lambda a, u, d: services.request_extension(
            a, until=d["until"], reason=d["reason"], acting_user=u
        ),
    ),
    "reply": Action(
        gettext_lazy("Reply"),
        lambda data, files, a: cf.ReplyForm(data, files, congress_id=a.case.congress_id),
        lambda a, u, d: services.reply_case(
            a,
            reply_class=d["reply_class"],
            text=d["text"],
            public_text=d["public_text"],
            files=d["attachments"],
            acting_user=u,
        ),
        multipart=True,
    ),
    "views": Action(
        gettext_lazy("Send our views to the lead unit"),
        form_of(cf.CoViewForm),
        lambda a, u, d: services.send_co_view(a, text=d["text"], acting_user=u),
    ),
    "contact": Action(
        gettext_lazy("Record a contact with the submitter"),
        form_of(cf.ContactForm),
        lambda a, u, d: services.record_contact(
            a.case,
            stage=d["stage"],
            mode=d["mode"],
            met_on=d["met_on"],
            note=d["note"],
            participants=d["participants"],
            acting_user=u,
        ),
    ),
    "follow_up": Action(
        gettext_lazy("Record a follow-up"),
        form_of(cf.FollowUpForm),
        lambda a, u, d: services.record_follow_up(
            a.case,
            note=d["note"],
            solved=d["solved"],
            next_recheck=d["next_recheck"],
            acting_user=u,
        ),
    ),
}


@login_required
def department_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = DEPARTMENT_ACTIONS.get(action)
    if spec is None:
        raise Http404
    assignment = _department_assignment(request, pk)
    back = reverse("opinions:department_case", args=[pk])
    templates = []
    if action == "reply":
        from renda.cases.models import ReplyTemplate

        templates = list(
            ReplyTemplate.objects.filter(congress_id=assignment.case.congress_id, is_active=True)
        )
    case = assignment.case
    return run_action(
        request,
        assignment,
        spec,
        back=back,
        heading=f"{case.serial} {case.title}",
        context={"case": case, "templates": templates},
    )


# --- figures -----------------------------------------------------------------------------------


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    congresses = _staff_congresses(request.user)
    if not congresses:
        raise Http404
    form = figures.FiguresFilter(request.GET or None, congresses=congresses)
    data = form.cleaned_data if form.is_valid() else {}
    qs = figures.filtered_cases(Case.objects.visible_to(request.user, "case.supervise"), data)
    context = {
        "form": form,
        "total": figures.totals(qs),
        "groups": {
            key: figures.grouped(qs, key)
            for key in ("category", "department", "village", "source", "month")
        },
        "group_labels": figures.GROUP_LABELS,
    }
    return render(request, "opinions/staff/figures.html", context)
