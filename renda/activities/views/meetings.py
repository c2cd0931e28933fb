"""The presidium's meetings in the office: the list, a new meeting, its page (reports,
attendance, minutes and decisions, amendments, the budget execution table with its flags
and a bar per line, deliberation opinions and their cases) and its actions. Office staff act
(`activity.manage`); leaders read. Another congress's meeting is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from renda.activities import figures as activity_figures
from renda.activities import forms as f
from renda.activities import services, tables
from renda.activities.models import ActivityRules, MeetingReport, PresidiumMeeting
from renda.activities.views.staff import _congress, _congresses, _year, portal_outcome
from renda.cases import services as cases
from renda.congress import policy
from renda.core import exports, publishing, uploads
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, form_of, run_action
from renda.core.errors import DomainError


@login_required
def meetings(request: HttpRequest) -> HttpResponseBase:
    congresses = _congresses(request.user)
    congress = _congress(request, congresses)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "activities.presidium_meetings")
    year = _year(request)
    rows = tables.presidium_meeting_rows(request.user, request.GET)
    return render(
        request,
        "activities/staff/meetings.html",
        {
            "congress": congress,
            "congresses": congresses,
            "year": year,
            "meetings": rows,
            "can_manage": policy.can(request.user, "activity.manage", congress),
            "table": tables.PRESIDIUM_MEETINGS,
            "export_query": exports.export_query(request),
        },
    )


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    congress = _congress(request, _congresses(request.user, "activity.manage"))
    post = request.method == "POST"
    form = f.MeetingForm(request.POST if post else None)
    if post and form.is_valid():
        try:
            meeting = services.create_meeting(
                congress=congress, acting_user=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(reverse("activities:meeting", args=[meeting.pk]))
    return render(
        request,
        "activities/staff/form.html",
        {"form": form, "congress": congress, "title": _("New presidium meeting")},
        status=400 if post else 200,
    )


def _meeting(request: HttpRequest, pk: int) -> PresidiumMeeting:
    return get_visible_or_404(
        PresidiumMeeting.objects.select_related("congress"), request.user, pk, "activity.view"
    )


@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    found = _meeting(request, pk)
    budget = services.budget_table(found)
    rules = ActivityRules.for_congress(found.congress_id)
    return render(
        request,
        "activities/staff/meeting.html",
        {
            "meeting": found,
            "reports": found.reports.all(),
            "present": found.present.order_by("name"),
            "budget": budget,
            "budget_chart": activity_figures.budget_chart(
                activity_figures.budget_rows(budget),
                rules.budget_low_percent,
                rules.budget_high_percent,
            )
            if budget
            else None,
            "opinions": found.opinions.select_related("case", "report"),
            "amendments": found.amendments.select_related("written_by"),
            "can_manage": policy.can(request.user, "activity.manage", found),
            "portal_draft": publishing.drafted(found),
        },
    )


@login_required
@require_GET
def report_document(request: HttpRequest, pk: int) -> Any:
    """A report heard's document, for those who read the meeting (another congress's is a
    404), served with its verified type (`core.uploads.serve`)."""
    found = get_visible_or_404(
        MeetingReport.objects.select_related("meeting"), request.user, pk, "activity.view"
    )
    if not found.document:
        raise Http404
    return uploads.serve(
        found.document,
        content_type=found.document_type,
        filename=found.document_name or found.title,
    )


def _budget_outcome(result: Any) -> tuple[int, Any]:
    _line, warning = result
    return (messages.WARNING, warning) if warning else (messages.SUCCESS, _("Done."))


def _with_meeting(form_class: type[Any]) -> Any:
    return lambda data, files, m: form_class(data, files, meeting=m)


MEETING_ACTIONS: dict[str, Action] = {
    "report": Action(
        title=gettext_lazy("Add a report heard"),
        form=form_of(f.MeetingReportForm),
        run=lambda m, u, d: services.add_report(m, acting_user=u, **d),
        perm="activity.manage",
        multipart=True,
    ),
    "attendance": Action(
        title=gettext_lazy("Members present"),
        form=_with_meeting(f.MeetingAttendanceForm),
        run=lambda m, u, d: services.set_attendance(m, present=list(d["present"]), acting_user=u),
        perm="activity.manage",
    ),
    "minutes": Action(
        title=gettext_lazy("Minutes and decisions"),
        form=lambda data, files, m: f.MinutesForm(
            data, files, initial={"minutes": m.minutes, "decisions": m.decisions}
        ),
        run=lambda m, u, d: services.write_minutes(m, acting_user=u, **d),
        perm="activity.manage",
    ),
    "budget": Action(
        title=gettext_lazy("Add a budget execution line"),
        form=form_of(f.BudgetLineForm),
        run=lambda m, u, d: services.add_budget_line(m, acting_user=u, **d),
        perm="activity.manage",
        outcome=_budget_outcome,
    ),
    "opinion": Action(
        title=gettext_lazy("Send a deliberation opinion"),
        form=_with_meeting(f.OpinionForm),
        run=lambda m, u, d: services.send_opinion(
            d["report"],
            text=d["text"],
            department=d["department"],
            category=d["category"],
            due=d["due"],
            acting_user=u,
        ),
        perm="activity.manage",
        success=gettext_lazy("The opinion is a case assigned to the government."),
    ),
    "document": Action(
        title=gettext_lazy("Attach a report's document"),
        form=_with_meeting(f.ReportDocumentForm),
        run=lambda m, u, d: services.attach_report_document(
            d["report"], document=d["document"], acting_user=u
        ),
        perm="activity.manage",
        multipart=True,
    ),
    "portal": Action(
        title=gettext_lazy("Publish to the portal (draft)"),
        form=None,
        run=lambda m, u, d: services.publish_to_portal(m, acting_user=u),
        perm="activity.manage",
        intro=gettext_lazy(
            "The decisions and resolutions become an article draft on the congress's portal "
            "site, once; the portal's review and approval then apply."
        ),
        outcome=portal_outcome,
    ),
    "close": Action(
        title=gettext_lazy("Close the meeting (minutes final)"),
        form=None,
        run=lambda m, u, d: services.close_meeting(m, acting_user=u),
        perm="activity.manage",
    ),
    "amend": Action(
        title=gettext_lazy("Record an amendment to the minutes"),
        form=form_of(f.AmendmentForm),
        run=lambda m, u, d: services.amend_minutes(m, text=d["text"], acting_user=u),
        perm="activity.manage",
    ),
}


@login_required
def meeting_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    found = _meeting(request, pk)
    chosen = MEETING_ACTIONS.get(action)
    if chosen is None:
        raise Http404
    if not policy.can(request.user, chosen.perm, found):
        raise PermissionDenied
    back = reverse("activities:meeting", args=[found.pk])
    return run_action(request, found, chosen, back=back, heading=found.title)


@login_required
def opinion_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The presidium's rating of the government's reply (recorded by the office)."""
    found = _meeting(request, pk)
    opinion = found.opinions.filter(pk=request.GET.get("opinion") or 0).first()
    if opinion is None:
        raise Http404
    if not policy.can(request.user, "activity.manage", found):
        raise PermissionDenied
    action = Action(
        title=gettext_lazy("The presidium's rating of the reply"),
        form=form_of(f.RateForm),
        run=lambda o, u, d: cases.evaluate_case(
            o.case, result=d["result"], comment=d["comment"], acting_user=u
        ),
        perm="activity.manage",
    )
    back = reverse("activities:meeting", args=[found.pk])
    return run_action(request, opinion, action, back=back, heading=found.title)
