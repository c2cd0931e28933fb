"""A deputy's pages (mobile first): my shifts and my calendar feed, checking in with the
station's code, the matters I forward (make one my suggestion draft), my contacts."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from renda.congress import policy
from renda.congress.models import Congress, Deputy
from renda.core.actions import Action, run_action
from renda.core.errors import DomainError
from renda.stations import forms as f
from renda.stations import rules as r
from renda.stations import services
from renda.stations.models import (
    ContactLog,
    Disposition,
    DutyAssignment,
    DutyStatus,
    ReceptionMatter,
    ShiftStatus,
    StationCase,
    StationMember,
)


def _me(request: HttpRequest) -> Deputy:
    deputy = services.deputy_of(request.user)
    if deputy is None:
        raise Http404
    return deputy


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    deputy = _me(request)
    today = timezone.localdate()
    duties = (
        DutyAssignment.objects.filter(deputy=deputy, shift__date__gte=today - dt.timedelta(days=90))
        .select_related("shift__station")
        .order_by("shift__date", "shift__start_time")
    )
    feed = request.build_absolute_uri(
        reverse("stations:ics", args=[deputy.pk, services.calendar_token(deputy)])
    )
    seat = (
        StationMember.objects.filter(deputy=deputy, until__isnull=True)
        .select_related("station")
        .order_by("id")
        .first()
    )
    return render(
        request,
        "stations/deputy/mine.html",
        {
            "deputy": deputy,
            "duties": duties,
            "feed": feed,
            "matters": ReceptionMatter.objects.filter(deputy=deputy)
            .select_related("reception__station", "category", "case")
            .order_by("-reception__date", "-id")[:50],
            "logs": ContactLog.objects.filter(deputy=deputy)
            .select_related("pairing", "case")
            .order_by("-date", "-id")[:30],
            "today": today,
            "pending": Disposition.PENDING,
            # Offered when the suggestions door is installed (it registers the handler).
            "can_suggest": services.matter_handler(Disposition.SUGGESTION) is not None,
            "seat": seat,
            "qr_cases": StationCase.objects.filter(deputy=deputy)
            .select_related("case__category")
            .order_by("-case__submitted_at")[:30],
        },
    )


@login_required
def make_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """The forwarding deputy makes a matter their suggestion draft. Stations do not import
    the suggestions app: the action runs the handler it registered for the disposition
    (`services.register_matter_handler`), and leads to the page of the draft it created."""
    deputy = _me(request)
    handler = services.matter_handler(Disposition.SUGGESTION)
    if handler is None:
        raise Http404
    matter = get_object_or_404(
        ReceptionMatter.objects.select_related("reception__station"), pk=pk, deputy=deputy
    )
    action = Action(
        _("Make it my suggestion"),
        None,
        lambda m, user, _data: handler.run(m, acting_user=user),
        success=_("A suggestion draft was created; finish and submit it."),
        then=lambda _request, created: handler.url(created),
    )
    return run_action(
        request,
        matter,
        action,
        back=reverse("stations:mine"),
        heading=_("My duty"),
        template="stations/staff/action.html",
        context={"content": matter.content},
    )


@login_required
def log_contact(request: HttpRequest) -> HttpResponse:
    deputy = _me(request)
    # The town of the deputy's station seat (a district deputy has no town membership).
    seat = (
        StationMember.objects.filter(deputy=deputy, until__isnull=True)
        .select_related("congress__region")
        .order_by("id")
        .first()
    )
    congress_ids = policy.access(request.user).deputy_congress_ids
    congress = (
        seat.congress
        if seat
        else Congress.objects.filter(pk__in=congress_ids, level="town").order_by("id").first()
    )
    if congress is None:
        raise Http404
    action = Action(
        _("Log a contact"),
        lambda data, files, c: f.ContactLogForm(data, files, congress=c, deputy=deputy),
        lambda c, user, data: services.log_contact(c, deputy=deputy, acting_user=user, **data),
        success=_("The contact was logged."),
    )
    return run_action(
        request, congress, action, back=reverse("stations:mine"), heading=_("My duty")
    )


@login_required
def checkin(request: HttpRequest) -> HttpResponse:
    """The deputy scanned the code shown at the station: one tap confirms attendance."""
    code = request.POST.get("code") or request.GET.get("code") or ""
    form = f.CheckinForm(request.POST if request.method == "POST" else None, initial={"code": code})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            duty = services.check_in_by_code(request.user, form.cleaned_data["code"])
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Checked in at %(station)s. Thank you for your service today.")
                % {"station": duty.shift.station},
            )
            return HttpResponseRedirect(reverse("stations:mine"))
    return render(
        request,
        "stations/deputy/checkin.html",
        {"form": form, "error": error},
        status=400 if error else 200,
    )


@require_GET
def ics(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """A deputy's shifts as an iCalendar feed; the secret token in the address is the only
    key (calendar apps cannot log in), so a wrong token is a plain 404."""
    deputy = get_object_or_404(Deputy, pk=pk)
    if not services.calendar_token_matches(deputy, token):
        raise Http404
    since = timezone.localdate() - dt.timedelta(days=90)
    duties = (
        DutyAssignment.objects.filter(deputy=deputy, shift__date__gte=since)
        .exclude(status=DutyStatus.REPLACED)
        .select_related("shift__station")
        .order_by("shift__date")
    )
    host = request.get_host().split(":")[0]
    events = [
        {
            "uid": f"duty-{d.pk}@{host}",
            "day": d.shift.date,
            "start": d.shift.start_time,
            "end": d.shift.end_time,
            "summary": _("Reception duty at %(station)s") % {"station": d.shift.station.name},
            "location": d.shift.station.address,
            "description": d.shift.note,
            "cancelled": d.shift.status == ShiftStatus.CANCELLED,
        }
        for d in duties
    ]
    body = r.ics(_("%(name)s's duty shifts") % {"name": deputy.name}, events, timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="duty.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
