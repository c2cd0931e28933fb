"""The presidium office's pages for deputies' activities: the list, a new activity, its
page with schedule, participants, notes, findings and report, the invitations (deputies
of every level, by station and level), the check-in code and the figures. Office staff act
(`activity.manage`); leaders read (`activity.view`). Another congress's activity is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.activities import figures as activity_figures
from renda.activities import forms as f
from renda.activities import services, tables
from renda.activities.figures import year_figures
from renda.activities.models import (
    Activity,
    ActivityKind,
    PlanItem,
    ReportKind,
    WorkPlan,
)
from renda.congress import policy
from renda.congress.models import Congress, CongressLevel
from renda.core import exports, publishing
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, form_of, run_action
from renda.core.errors import DomainError
from renda.core.exports import attachment
from renda.stations.views.public import qr_svg


def _congresses(user: Any, perm: str = "activity.view") -> list[Congress]:
    if policy.is_superuser(user):
        return list(Congress.objects.filter(is_active=True).order_by("name"))
    return list(Congress.objects.filter(pk__in=policy.congress_ids(user, perm)).order_by("name"))


def _congress(request: HttpRequest, congresses: list[Congress]) -> Congress:
    if not congresses:
        raise Http404
    wanted = request.GET.get("congress") or ""
    return next((c for c in congresses if str(c.pk) == wanted), congresses[0])


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year") or ""
    return (
        int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year
    )


@login_required
def office(request: HttpRequest) -> HttpResponseBase:
    congresses = _congresses(request.user)
    congress = _congress(request, congresses)
    year = _year(request)
    kind = request.GET.get("kind") or ""
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "activities.list")
    activities = tables.activity_rows(request.user, request.GET)
    return render(
        request,
        "activities/staff/office.html",
        {
            "congress": congress,
            "congresses": congresses,
            "year": year,
            "kind": kind,
            "kinds": ActivityKind.choices,
            "activities": activities[:500],
            "table": tables.ACTIVITIES,
            "export_query": exports.export_query(request),
            "can_manage": policy.can(request.user, "activity.manage", congress),
        },
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    congress = _congress(request, _congresses(request.user, "activity.manage"))
    post = request.method == "POST"
    form = f.ActivityForm(request.POST if post else None, congress=congress)
    if post and form.is_valid():
        try:
            activity = services.create_activity(
                congress=congress, acting_user=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The activity is planned."))
            return HttpResponseRedirect(reverse("activities:detail", args=[activity.pk]))
    return render(
        request,
        "activities/staff/form.html",
        {"form": form, "congress": congress, "title": _("New activity")},
        status=400 if post else 200,
    )


def _activity(request: HttpRequest, pk: int, perm: str = "activity.view") -> Activity:
    return get_visible_or_404(
        Activity.objects.select_related("congress", "organiser"), request.user, pk, perm
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    invitations = activity.invitations.select_related("deputy").order_by("role", "deputy__name")
    notes = activity.notes.select_related("stop", "written_by").prefetch_related("photos")
    findings = activity.findings.select_related("case", "department")
    return render(
        request,
        "activities/staff/detail.html",
        {
            "activity": activity,
            "schedule": activity.schedule.all(),
            "invitations": invitations,
            "notes": notes,
            "findings": findings,
            "can_manage": policy.can(request.user, "activity.manage", activity),
            "actions": ACTIONS,
            "portal_draft": publishing.drafted(activity),
        },
    )


def portal_outcome(drafted: Any) -> tuple[int, Any]:
    """The message after "publish to the portal (draft)": made now, or made before."""
    if drafted.created:
        return messages.SUCCESS, _(
            "The portal draft “%(title)s” is made; the portal's review follows."
        ) % {"title": drafted.title}
    return messages.INFO, _("The portal draft “%(title)s” was already made.") % {
        "title": drafted.title
    }


def _with_activity(form_class: type[Any]) -> Any:
    return lambda data, files, activity: form_class(data, files, activity=activity)


ACTIONS: dict[str, Action] = {
    "announce": Action(
        title=gettext_lazy("Announce and send the invitations"),
        form=None,
        run=lambda a, u, d: services.announce(a, acting_user=u),
        perm="activity.manage",
        success=gettext_lazy("Announced; the invited deputies are told in the app and by SMS."),
    ),
    "stop": Action(
        title=gettext_lazy("Add a site to the schedule"),
        form=form_of(f.StopForm),
        run=lambda a, u, d: services.add_stop(a, acting_user=u, **d),
        perm="activity.manage",
    ),
    "note": Action(
        title=gettext_lazy("Record a site visit"),
        form=_with_activity(f.NoteForm),
        run=lambda a, u, d: services.add_note(
            a, text=d["text"], photos=d["photos"], stop=d["stop"], acting_user=u
        ),
        perm="activity.manage",
        multipart=True,
    ),
    "finding": Action(
        title=gettext_lazy("File a finding to a department"),
        form=_with_activity(f.FindingForm),
        run=lambda a, u, d: services.file_finding(a, acting_user=u, **d),
        perm="activity.manage",
        success=gettext_lazy("The finding is a case assigned to the department."),
    ),
    "attendance": Action(
        title=gettext_lazy("Mark attendance"),
        form=_with_activity(f.AttendanceForm),
        run=lambda a, u, d: services.mark_attendance(a, present=list(d["present"]), acting_user=u),
        perm="activity.manage",
    ),
    "held": Action(
        title=gettext_lazy("Mark as held"),
        form=None,
        run=lambda a, u, d: services.mark_held(a, acting_user=u),
        perm="activity.manage",
        intro=gettext_lazy("Invited deputies not marked present are recorded as absent."),
    ),
    "report": Action(
        title=gettext_lazy("File the report and close"),
        form=form_of(f.ReportForm),
        run=lambda a, u, d: services.file_report(
            a, text=d["text"], document=d["document"], acting_user=u
        ),
        perm="activity.manage",
        multipart=True,
    ),
    "counts": Action(
        title=gettext_lazy("Record the campaign's counts"),
        form=form_of(f.CountsForm),
        run=lambda a, u, d: services.record_counts(a, acting_user=u, **d),
        perm="activity.manage",
    ),
    "portal": Action(
        title=gettext_lazy("Publish to the portal (draft)"),
        form=None,
        run=lambda a, u, d: services.publish_to_portal(a, acting_user=u),
        perm="activity.manage",
        intro=gettext_lazy(
            "The report becomes an article draft on the congress's portal site, once; the "
            "portal's review and approval then apply."
        ),
        outcome=portal_outcome,
    ),
    "cancel": Action(
        title=gettext_lazy("Cancel the activity"),
        form=form_of(f.ReasonForm),
        run=lambda a, u, d: services.cancel(a, acting_user=u, reason=d["reason"]),
        perm="activity.manage",
        danger=True,
    ),
}


@login_required
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    activity = _activity(request, pk)
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise Http404
    if not policy.can(request.user, chosen.perm, activity):
        raise PermissionDenied
    back = reverse("activities:detail", args=[activity.pk])
    return run_action(request, activity, chosen, back=back, heading=activity.topic)


@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the participants among the deputies of every level of the town, narrowed by
    station and by level (GET filters), then invite them (POST)."""
    activity = _activity(request, pk)
    if not policy.can(request.user, "activity.manage", activity):
        raise PermissionDenied
    filters = f.DeputyFilterForm(request.GET or None, congress=activity.congress)
    station_id, level = None, ""
    if filters.is_valid():
        station = filters.cleaned_data["station"]
        station_id, level = (station.pk if station else None), filters.cleaned_data["level"]
    post = request.method == "POST"
    form = f.InviteForm(
        request.POST if post else None, activity=activity, station_id=station_id, level=level
    )
    if post and form.is_valid():
        try:
            created = services.invite(
                activity,
                list(form.cleaned_data["deputies"]),
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(count)s deputies invited.") % {"count": len(created)})
            return HttpResponseRedirect(reverse("activities:detail", args=[activity.pk]))
    invited = set(activity.invitations.values_list("deputy_id", flat=True))
    return render(
        request,
        "activities/staff/invite.html",
        {"activity": activity, "filters": filters, "form": form, "invited": invited},
        status=400 if post else 200,
    )


@login_required
def code(request: HttpRequest, pk: int) -> HttpResponse:
    """The training's check-in code as a QR code for the room's screen."""
    activity = _activity(request, pk)
    try:
        value = services.checkin_code(activity, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("activities:detail", args=[activity.pk]))
    url = request.build_absolute_uri(reverse("activities:checkin") + f"?code={value}")
    return render(
        request,
        "activities/staff/code.html",
        {
            "activity": activity,
            "qr": qr_svg(url, scale=5),
            "url": url,
            "minutes": services.checkin_minutes(activity.congress_id),
        },
    )


@login_required
def figures_page(request: HttpRequest) -> HttpResponseBase:
    congresses = _congresses(request.user)
    congress = _congress(request, congresses)
    year = _year(request)
    export = {"budget": "activities.budget", "figures": "activities.figures"}.get(
        request.GET.get("sheet", "figures"), "activities.figures"
    )
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, export)
    figures = year_figures(congress.pk, year)
    budget = activity_figures.budget_execution(congress.pk, year)
    levels = dict(CongressLevel.choices)
    return render(
        request,
        "activities/staff/figures.html",
        {
            "congress": congress,
            "congresses": congresses,
            "year": year,
            "figures": figures,
            "budget": budget,
            "budget_table": tables.BUDGET,
            "charts": activity_figures.charts(figures, budget),
            "export_query": exports.export_query(request),
            "held_rows": [(label, figures["held"][k]) for k, label in ActivityKind.choices],
            "report_rows": [
                (label, figures["meetings"]["reports"][k]) for k, label in ReportKind.choices
            ],
            "level_rows": [(levels[k], n) for k, n in figures["deputies"]["by_level"].items() if n],
            "can_manage": policy.can(request.user, "activity.manage", congress),
        },
    )


# --- the year's work plan ---------------------------------------------------------------


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    congresses = _congresses(request.user)
    congress = _congress(request, congresses)
    year = _year(request)
    can_manage = policy.can(request.user, "activity.manage", congress)
    found = WorkPlan.objects.filter(congress=congress, year=year).first()
    if found is None and can_manage and request.method == "POST":
        found = services.plan_for(congress, year, acting_user=request.user)
        return HttpResponseRedirect(_plan_url(found))
    form = None
    if found is not None and can_manage:
        post = request.method == "POST" and "topic" in request.POST
        form = f.PlanItemForm(request.POST if post else None, plan=found)
        if post and form.is_valid():
            try:
                services.add_item(found, acting_user=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The item is added to the plan."))
                return HttpResponseRedirect(_plan_url(found))
    if request.GET.get("format") == "docx" and found is not None:
        return attachment(
            services.plan_docx(found),
            f"work-plan-{found.year}.docx",
            action="activity.plan_export",
            obj=found,
        )
    return render(
        request,
        "activities/staff/plan.html",
        {
            "congress": congress,
            "congresses": congresses,
            "year": year,
            "plan": found,
            "items": services.plan_items(found) if found is not None else [],
            "form": form,
            "can_manage": can_manage,
            "portal_draft": publishing.drafted(found) if found is not None else None,
        },
    )


def _plan_url(plan: WorkPlan) -> str:
    return reverse("activities:plan") + f"?congress={plan.congress_id}&year={plan.year}"


PLAN_ACTIONS: dict[str, Action] = {
    "link": Action(
        title=gettext_lazy("Link an activity that carries out this item"),
        form=lambda data, files, item: f.LinkForm(data, files, item=item),
        run=lambda i, u, d: services.link_activity(i, d["activity"], acting_user=u),
        perm="activity.manage",
    ),
    "carry": Action(
        title=gettext_lazy("Carry over into next year's plan"),
        form=None,
        run=lambda i, u, d: services.carry_over(i, acting_user=u),
        perm="activity.manage",
    ),
}


@login_required
def plan_item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    item = get_visible_or_404(
        PlanItem.objects.select_related("plan"), request.user, pk, "activity.view"
    )
    chosen = PLAN_ACTIONS.get(action)
    if chosen is None:
        raise Http404
    if not policy.can(request.user, chosen.perm, item.plan):
        raise PermissionDenied
    return run_action(request, item, chosen, back=_plan_url(item.plan), heading=item.topic)


@login_required
def plan_publish(request: HttpRequest, pk: int, state: str) -> HttpResponse:
    found = get_visible_or_404(WorkPlan, request.user, pk, "activity.view")
    if state not in ("publish", "draft", "portal"):
        raise Http404
    if not policy.can(request.user, "activity.manage", found):
        raise PermissionDenied
    if state == "portal":
        action = Action(
            title=gettext_lazy("Publish to the portal (draft)"),
            form=None,
            run=lambda p, u, d: services.publish_to_portal(p, acting_user=u),
            perm="activity.manage",
            intro=gettext_lazy(
                "The published plan becomes an article draft on the congress's portal site, "
                "once; the portal's review and approval then apply."
            ),
            outcome=portal_outcome,
        )
    else:
        action = Action(
            title=gettext_lazy("Publish the plan")
            if state == "publish"
            else gettext_lazy("Take the plan back to draft"),
            form=None,
            run=lambda p, u, d: services.set_published(
                p, published=state == "publish", acting_user=u
            ),
            perm="activity.manage",
        )
    return run_action(request, found, action, back=_plan_url(found), heading=found.title)
