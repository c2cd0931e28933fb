"""The presidium office's pages of the case engine: the inbox with its filters and bulk
assignment, the case page with one GET confirmation and one POST per action
(`OFFICE_ACTIONS`), the logged reveal of contact details, attachments, and the figures.
Thin views: a form, a service call, a message, a redirect; every case is fetched through
the policy (another congress's case is a 404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renda.cases import figures, services, tables
from renda.cases import forms as cf
from renda.cases.models import Attachment, Case, CaseKind, CaseSource, Category
from renda.cases.queries import (
    DISTRICT_VIEWS,
    case_context,
    digits,
    district_counts,
    raised_by,
    similar_open_cases,
    villages_of_all,
)
from renda.cases.views.actions import OFFICE_ACTIONS
from renda.congress import policy
from renda.congress.models import Congress, Department
from renda.core import exports, uploads
from renda.core.access import get_visible_or_404
from renda.core.actions import run_action
from renda.core.errors import DomainError

PAGE_SIZE = 50


def office_case(request: HttpRequest, pk: int, perm: str = "case.supervise") -> Case:
    """A case of a congress the user supervises (or whose actions they take), else 404."""
    return get_visible_or_404(
        Case.objects.select_related(
            "congress", "category", "village", "merged_into", "escalated_to", "priority_leader"
        ),
        request.user,
        pk,
        perm,
    )


def _office_congresses(user: Any) -> QuerySet[Congress]:
    return Congress.objects.filter(
        pk__in=policy.readable_congress_ids(user, "case.supervise")
    ).order_by("name")


@login_required
def inbox(request: HttpRequest) -> HttpResponseBase:
    congresses = _office_congresses(request.user)
    if not congresses and not policy.is_superuser(request.user):
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "cases.inbox")
    qs = tables.inbox_rows(request.user, request.GET)
    towns = policy.district_town_ids(request.user)
    scope = request.GET.get("scope", "") if towns else ""
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    congress_ids = list(congresses.values_list("pk", flat=True))
    context = {
        "page": page,
        "params": request.GET,
        "categories": Category.objects.filter(congress_id__in=congress_ids).order_by("order"),
        "departments": Department.objects.filter(congress_id__in=congress_ids, is_active=True),
        "villages": villages_of_all(congresses.select_related("region")),
        "sources": CaseSource.choices,
        "views": [
            ("open", _("All open")),
            ("new", _("New and returned")),
            ("unassigned", _("New, to assign")),
            ("returned", _("Returned by the department")),
            ("handling", _("Being handled")),
            ("due_soon", _("Due within 3 working days")),
            ("overdue", _("Overdue")),
            ("replied", _("Awaiting evaluation")),
            ("priority", _("Priority supervision")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ],
        "scopes": [
            ("own", _("Our congress's matters")),
            ("towns", _("The towns' cases (read only)")),
            ("", _("Both")),
        ]
        if towns
        else [],
        "scope": scope,
        "can_manage": policy.can(request.user, "case.manage"),
        # Only the cases the user may act on get a tick box (a district reads its towns').
        "manage_ids": policy.congress_ids(request.user, "case.manage"),
        "manage_all": policy.is_superuser(request.user),
        "today": timezone.localdate(),
        "table": tables.INBOX,
        "export_query": exports.export_query(request),
    }
    return render(request, "cases/office/inbox.html", context)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked cases to one lead unit with the same due date."""
    back = HttpResponseRedirect(reverse("cases:office_inbox"))
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
        return back
    due_field = forms.DateField(required=False)
    try:
        due = due_field.clean(request.POST.get("due") or None)
    except forms.ValidationError:
        messages.error(request, _("The due date is not a valid date."))
        return back
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
    return back


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = office_case(request, pk)
    context = case_context(case, request.user)
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
    # A district following a town's case reads it only: no action, no contact reveal.
    context["read_only"] = policy.read_only_in(request.user, case.congress_id, "case.supervise")
    context["case_links"] = services.case_page_links(case)
    context["assign_form"] = cf.AssignForm(congress_id=case.congress_id)
    return render(request, "cases/office/case.html", context)


@login_required
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = OFFICE_ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = office_case(request, pk)
    if not policy.can(request.user, spec.perm, case):
        raise Http404
    if action == "triage" and case.kind != CaseKind.OPINION:
        raise Http404  # a suggestion is accepted on its own page (motions are decided first)
    back = reverse("cases:office_case", args=[case.pk])
    return run_action(request, case, spec, back=back, heading=f"{case.serial} {case.title}")


@login_required
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_visible_or_404(Case, request.user, pk)
    if not services.may_reveal_contact(request.user, case):
        raise Http404  # a district reading its towns' cases: no reveal offered either
    context: dict[str, Any] = {"case": case}
    if request.method == "POST":
        try:
            context["name"], context["phone"] = services.reveal_contact(
                case, acting_user=request.user
            )
        except DomainError as exc:
            raise Http404 from exc
    return render(request, "cases/office/reveal.html", context)


@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A case's file, for the office, the departments on the case, and those who raised it
    (a deputy reads the signed reply to their suggestion)."""
    item = Attachment.objects.filter(pk=pk).select_related("case").first()
    if item is None:
        raise Http404
    staff_or_department = Case.objects.visible_to(request.user).filter(pk=item.case_id).exists()
    if not staff_or_department and not raised_by(request.user, item.case):
        raise Http404
    return uploads.serve(item.file, content_type=item.content_type, filename=item.original_name)


@login_required
def figures_page(request: HttpRequest) -> HttpResponseBase:
    if not tables.figure_congresses(request.user):
        raise Http404
    if request.GET.get("format") == "xlsx":
        # The same rows as the page (one computation: `tables.figure_groups`), as a sheet.
        return exports.respond(request, "cases.figures")
    form = tables.figure_filter(request.user, request.GET)
    total, groups = tables.figure_groups(request.user, request.GET)
    charts = figures.charts(total, groups)
    context = {
        "form": form,
        "total": total,
        "classes_chart": charts["classes"],
        "columns": [label for _key, label in figures.COLUMNS],
        "tables": [
            (
                key,
                figures.GROUP_LABELS[key],
                [(row["id"], row["label"], figures.cells(row)) for row in shown],
                charts.get(key),
                of,
            )
            for key, (shown, of) in ((k, figures.page_rows(rows)) for k, rows in groups.items())
        ],
        "page_rows": figures.PAGE_ROWS,
        "export_query": exports.export_query(request),
    }
    return render(request, "cases/office/figures.html", context)


@login_required
def district(request: HttpRequest) -> HttpResponse:
    """三级联动: the district office's view over its towns, read-only: each town's figures
    side by side, ranked by overdue cases (fewest first) then by open cases, each figure
    linking to the inbox filtered to that town and view (the same count)."""
    town_ids = policy.district_town_ids(request.user)
    if not town_ids:
        raise Http404
    towns = {c.pk: c for c in Congress.objects.filter(pk__in=town_ids, is_active=True)}
    counts = district_counts(request.user, set(towns))
    rows: list[dict[str, Any]] = sorted(
        ({"congress": towns[cid], **figures_of} for cid, figures_of in counts.items()),
        key=lambda r: (r["overdue"], r["open"], towns[r["congress"].pk].name),
    )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return render(
        request,
        "district.html",
        {"rows": rows, "views": DISTRICT_VIEWS, "today": timezone.localdate()},
    )
