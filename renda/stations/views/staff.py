"""The office's and the station managers' pages: the network and its coverage, a station's
page, seating deputies, rosters and duty actions, receptions and their matters, dual
contact, industry contact points, figures. Reading needs `station.view`; the network and the
rosters are the office's (`station.manage`); a manager runs the stations that list them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from renda.cases import services as cases
from renda.cases.models import Evaluation, Reply
from renda.congress import policy
from renda.congress.models import Congress
from renda.core import exports
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, run_action
from renda.core.errors import DomainError
from renda.core.masking import mask_phone
from renda.stations import figures as fig
from renda.stations import forms as f
from renda.stations import services, tables
from renda.stations.demo import quarter_of
from renda.stations.models import (
    ContactLog,
    DutyAssignment,
    DutyRule,
    DutyShift,
    IndustryPoint,
    Reception,
    ReceptionMatter,
    Station,
    StationKind,
    StationMember,
    StationRules,
)

PAGE_SIZE = 50


def _congress(request: HttpRequest, perm: str = "station.view") -> Congress:
    return tables.congress_for(request.user, request.GET, perm)


def _station(request: HttpRequest, pk: int) -> Station:
    return get_visible_or_404(
        Station.objects.select_related("congress__region", "parent", "area"),
        request.user,
        pk,
        "station.view",
    )


def _require_manage(request: HttpRequest, congress_id: int) -> None:
    if not services.may_manage(request.user, congress_id):
        raise PermissionDenied


def _require_run(request: HttpRequest, station: Station) -> None:
    if not services.may_run(request.user, station):
        raise PermissionDenied


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    return tables.period(request.GET)


def _done(text: str) -> tuple[int, str]:
    """A success message that names what the action produced (`Action.outcome`)."""
    return messages.SUCCESS, text


def _act(
    request: HttpRequest,
    target: Any,
    action: Action,
    *,
    back: str,
    heading: str,
    content: str = "",
) -> HttpResponse:
    """Confirm, then act (`renda.core.actions`); `content` is the visitor's or the
    deputy's own words shown above the form (a matter, the issues of a contact)."""
    return run_action(
        request,
        target,
        action,
        back=back,
        heading=heading,
        template="stations/staff/action.html",
        context={"content": content},
    )


# --- the network -----------------------------------------------------------------------


@login_required
@require_GET
def network(request: HttpRequest) -> HttpResponseBase:
    congress = _congress(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "stations.network")
    stations = tables.network_rows(request.user, request.GET)
    kind = request.GET.get("kind", "")
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    services.name_grades(page.object_list, congress.pk)
    return render(
        request,
        "stations/staff/network.html",
        {
            "congress": congress,
            "page": page,
            "coverage": services.coverage(congress),
            "kinds": StationKind.choices,
            "kind": kind,
            "params": {"kind": kind, "congress": congress.pk},
            "can_manage": services.may_manage(request.user, congress.pk),
            "table": tables.NETWORK,
            "export_query": exports.export_query(request),
        },
    )


@login_required
@require_GET
def coverage_report(request: HttpRequest) -> HttpResponseBase:
    congress = _congress(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "stations.unassigned")
    return render(
        request,
        "stations/staff/coverage.html",
        {
            "congress": congress,
            "coverage": services.coverage(congress),
            "unassigned": list(services.unassigned_deputies(congress)),
            "can_manage": services.may_manage(request.user, congress.pk),
            "table": tables.UNASSIGNED,
            "export_query": exports.export_query(request),
        },
    )


@login_required
def assign_all(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    _require_manage(request, congress.pk)
    action = Action(
        _("Assign every unassigned deputy"),
        None,
        lambda c, user, _data: services.assign_unassigned(c, acting_user=user),
        outcome=lambda seated: _done(_("%(n)s deputies were assigned.") % {"n": seated}),
        intro=_(
            "Each goes to the area station of the area they live in, or to the central "
            "station when they only work in the town."
        ),
    )
    return _act(
        request,
        congress,
        action,
        back=reverse("stations:coverage"),
        heading=_("Coverage and seating"),
    )


@login_required
@require_GET
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    services.name_grades([station], station.congress_id)
    today = timezone.localdate()
    can_run = services.may_run(request.user, station)
    shifts = (
        DutyShift.objects.filter(station=station, date__gte=today - dt.timedelta(days=45))
        .order_by("date", "start_time")
        .prefetch_related(
            Prefetch("duties", queryset=DutyAssignment.objects.select_related("deputy"))
        )[:20]
    )
    context = {
        "station": station,
        "congress": station.congress,
        "staff": station.staff.filter(is_active=True),
        "members": StationMember.objects.filter(station=station, until__isnull=True)
        .select_related("deputy")
        .order_by("deputy__name"),
        "rules": station.rules.filter(is_active=True).select_related("station"),
        "villages": station.villages.all(),
        "shifts": shifts,
        "receptions": Reception.objects.filter(station=station)
        .annotate(n_matters=Count("matters"))
        .order_by("-date", "-id")[:10],
        "can_run": can_run,
        "can_manage": services.may_manage(request.user, station.congress_id),
        "today": today,
    }
    if can_run:
        from renda.stations.views.public import qr_svg

        code = services.checkin_code(station)
        url = request.build_absolute_uri(reverse("stations:checkin") + f"?code={code}")
        context["checkin_qr"] = qr_svg(url, scale=4)
        context["checkin_minutes"] = StationRules.for_congress(
            station.congress_id
        ).checkin_code_minutes
    return render(request, "stations/staff/station.html", context)


@login_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    _require_manage(request, station.congress_id)
    action = Action(
        _("Assign a deputy to %(station)s") % {"station": station},
        lambda data, files, st: f.AssignForm(data, files, congress=st.congress),
        lambda st, user, data: services.assign_deputy(
            st, data["deputy"], since=data["since"], acting_user=user
        ),
        success=_("The deputy was assigned to the station."),
    )
    back = reverse("stations:station", args=[station.pk])
    return _act(request, station, action, back=back, heading=station.name)


@login_required
def add_shift(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    _require_manage(request, station.congress_id)
    action = Action(
        _("Add a shift"),
        lambda data, files, st: f.ShiftForm(data, files, congress=st.congress),
        lambda st, user, data: services.add_shift(
            st,
            date=data["date"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            deputies=list(data["deputies"]),
            note=data["note"],
            acting_user=user,
        ),
        success=_("The shift was added."),
    )
    back = reverse("stations:station", args=[station.pk])
    return _act(request, station, action, back=back, heading=station.name)


# --- rosters ---------------------------------------------------------------------------


@login_required
@require_GET
def roster(request: HttpRequest) -> HttpResponse | HttpResponseBase:
    congress = _congress(request)
    start, end = _period(request)
    unrecorded = request.GET.get("unrecorded") == "1"
    station_id = request.GET.get("station", "")
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "stations.roster")
    page = Paginator(tables.roster_rows(request.user, request.GET), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    stations = Station.objects.filter(congress=congress, rules__isnull=False).distinct()
    return render(
        request,
        "stations/staff/roster.html",
        {
            "congress": congress,
            "page": page,
            "start": start,
            "end": end,
            "stations": stations.order_by("code"),
            "params": {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "station": station_id,
                "congress": congress.pk,
                **({"unrecorded": "1"} if unrecorded else {}),
            },
            "station_id": station_id,
            "can_manage": services.may_manage(request.user, congress.pk),
            "managed": set(Station.objects.managed_by(request.user).values_list("id", flat=True)),
            "today": timezone.localdate(),
            "table": tables.ROSTER,
            "export_query": exports.export_query(request),
        },
    )


@login_required
def generate(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    _require_manage(request, congress.pk)
    start, end = quarter_of(timezone.localdate())
    action = Action(
        _("Generate the roster"),
        lambda data, files, _c: f.GenerateForm(data, files, initial={"start": start, "end": end}),
        lambda c, user, data: services.generate_roster(
            c, start=data["start"], end=data["end"], acting_user=user
        ),
        outcome=lambda result: _done(
            _("%(shifts)s shifts created, %(duties)s duties filled by rotation.") % result
        ),
        intro=_(
            "Shifts are created from each station's reception-day rules (closed days and "
            "public holidays skipped) and filled by rotation. Existing shifts stay as they are."
        ),
    )
    return _act(
        request, congress, action, back=reverse("stations:roster"), heading=_("Duty roster")
    )


DUTY_ACTIONS: dict[str, Action] = {
    "confirm": Action(
        gettext_lazy("Confirm attendance"),
        None,
        lambda duty, user, _data: services.confirm_attendance(duty, acting_user=user),
        success=gettext_lazy("Saved."),
    ),
    "missed": Action(
        gettext_lazy("Record a missed shift"),
        None,
        lambda duty, user, _data: services.mark_missed(duty, acting_user=user),
        success=gettext_lazy("Saved."),
    ),
    "substitute": Action(
        gettext_lazy("Substitute another deputy"),
        lambda data, files, duty: f.SubstituteForm(
            data, files, congress=duty.shift.station.congress
        ),
        lambda duty, user, data: services.substitute(duty, deputy=data["deputy"], acting_user=user),
        success=gettext_lazy("Saved."),
    ),
    "swap": Action(
        gettext_lazy("Swap with another duty"),
        lambda data, files, duty: f.SwapForm(data, files, duty=duty),
        lambda duty, user, data: services.swap(duty, data["other"], acting_user=user),
        success=gettext_lazy("Saved."),
    ),
}


@login_required
def duty_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = DUTY_ACTIONS.get(action)
    if spec is None:
        raise Http404
    duty = get_visible_or_404(
        DutyAssignment.objects.select_related("shift__station__congress", "deputy"),
        request.user,
        pk,
        "station.view",
    )
    _require_run(request, duty.shift.station)
    return _act(
        request,
        duty,
        replace(spec, title=f"{spec.title}: {duty.deputy.name}"),
        back=reverse("stations:roster") + f"?station={duty.shift.station_id}",
        heading=str(duty.shift),
    )


# --- receptions ------------------------------------------------------------------------


def _record_reception(station: Station, user: Any, data: dict[str, Any]) -> Reception:
    shift = DutyShift.objects.filter(station=station, date=data["date"]).order_by("start_time")
    return services.record_reception(
        station,
        date=data["date"],
        shift=shift.first(),
        deputies=list(data["deputies"]),
        visitor_name=data["visitor_name"],
        visitor_phone=data["visitor_phone"],
        visitor_village=data["visitor_village"],
        visitor_count=data["visitor_count"],
        matters=[(data["category"], data["content"])],
        acting_user=user,
    )


@login_required
def new_reception(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    _require_run(request, station)
    action = Action(
        _("Record a reception"),
        lambda data, files, st: f.ReceptionForm(data, files, station=st),
        _record_reception,
        success=_("The reception was recorded."),
        then=lambda _request, reception: reverse("stations:reception", args=[reception.pk]),
    )
    back = reverse("stations:station", args=[station.pk])
    return _act(request, station, action, back=back, heading=station.name)


@login_required
@require_GET
def receptions(request: HttpRequest) -> HttpResponse | HttpResponseBase:
    congress = _congress(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "stations.receptions")
    page = Paginator(tables.reception_rows(request.user, request.GET), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stations/staff/receptions.html",
        {
            "congress": congress,
            "page": page,
            "params": {"congress": congress.pk},
            "table": tables.RECEPTIONS,
            "export_query": exports.export_query(request),
        },
    )


def _reception(request: HttpRequest, pk: int) -> Reception:
    return get_visible_or_404(
        Reception.objects.select_related(
            "station__congress", "shift", "visitor_village", "recorded_by"
        ),
        request.user,
        pk,
        "station.view",
    )


@login_required
@require_GET
def reception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reception = _reception(request, pk)
    # The reply and the visitor's rating are read through each matter's case.
    matters = (
        ReceptionMatter.objects.filter(reception=reception)
        .select_related("category", "deputy", "case__congress")
        .prefetch_related(
            Prefetch(
                "case__replies", queryset=Reply.objects.order_by("-id"), to_attr="all_replies"
            ),
            Prefetch(
                "case__evaluations",
                queryset=Evaluation.objects.order_by("-id"),
                to_attr="all_evals",
            ),
        )
    )
    return render(
        request,
        "stations/staff/reception.html",
        {
            "reception": reception,
            "matters": matters,
            "deputies": reception.deputies.all(),
            "can_run": services.may_run(request.user, reception.station),
            "show_contact": policy.can(request.user, "case.reveal_contact", reception),
            "visitor_phone_masked": mask_phone(reception.visitor_phone),
        },
    )


@login_required
def add_matter(request: HttpRequest, pk: int) -> HttpResponse:
    reception = _reception(request, pk)
    _require_run(request, reception.station)
    action = Action(
        _("Add a matter"),
        lambda data, files, rec: f.MatterForm(
            data, files, congress=rec.station.congress, deputies=rec.deputies.all()
        ),
        lambda rec, user, data: services.add_matter(rec, acting_user=user, **data),
        success="",
    )
    back = reverse("stations:reception", args=[reception.pk])
    return _act(request, reception, action, back=back, heading=str(reception))


def _case_registered(result: tuple[ReceptionMatter, str]) -> tuple[int, str]:
    matter, _code = result
    serial = matter.case.serial if matter.case is not None else ""
    return _done(
        _("Case %(serial)s registered; hand the visitor the ticket and check code.")
        % {"serial": serial}
    )


def _to_receipt(request: HttpRequest, result: tuple[ReceptionMatter, str]) -> str:
    """The receipt (ticket and check code) is for the visitor: shown once."""
    matter, code = result
    case = matter.case
    if case is None:  # pragma: no cover - matter_to_case and escalate_matter link the case
        return reverse("stations:reception", args=[matter.reception_id])
    # The door of the case's kind keeps the receipt and shows it (the engine's registry).
    return cases.receipt_url(request, case, code) or reverse(
        "stations:reception", args=[matter.reception_id]
    )


MATTER_ACTIONS: dict[str, Action] = {
    "answer": Action(
        gettext_lazy("Answered on the spot"),
        lambda data, files, _m: f.AnswerForm(data, files),
        lambda m, user, data: services.answer_matter(m, answer=data["answer"], acting_user=user),
        success=gettext_lazy("Saved."),
    ),
    "case": Action(
        gettext_lazy("Make it an opinion case"),
        None,
        lambda m, user, _data: services.matter_to_case(m, acting_user=user),
        outcome=_case_registered,
        then=_to_receipt,
    ),
    "escalate": Action(
        gettext_lazy("Escalate to the higher congress"),
        lambda data, files, m: f.EscalateForm(data, files, congress=m.reception.station.congress),
        lambda m, user, data: services.escalate_matter(m, deputy=data["deputy"], acting_user=user),
        outcome=_case_registered,
        then=_to_receipt,
    ),
    "redirect": Action(
        gettext_lazy("Redirect elsewhere"),
        lambda data, files, _m: f.ReasonForm(data, files),
        lambda m, user, data: services.redirect_matter(m, reason=data["reason"], acting_user=user),
        success=gettext_lazy("Saved."),
    ),
}


@login_required
def matter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = MATTER_ACTIONS.get(action)
    if spec is None:
        raise Http404
    matter = get_visible_or_404(
        ReceptionMatter.objects.select_related("reception__station__congress"),
        request.user,
        pk,
        "station.view",
    )
    _require_run(request, matter.reception.station)
    return _act(
        request,
        matter,
        spec,
        back=reverse("stations:reception", args=[matter.reception_id]),
        heading=str(matter.reception),
        content=matter.content,
    )


# --- dual contact, industry points, figures --------------------------------------------


@login_required
def contacts(request: HttpRequest) -> HttpResponse | HttpResponseBase:
    congress = _congress(request)
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return exports.respond(request, "stations.contacts")
    year = timezone.localdate().year
    can_manage = services.may_manage(request.user, congress.pk)
    form = (
        f.PairingForm(request.POST if request.method == "POST" else None, congress=congress)
        if can_manage
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.create_pairing(congress, acting_user=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The pairing was recorded."))
                return HttpResponseRedirect(reverse("stations:contacts"))
    logs = tables.contact_rows(request.user, request.GET)
    return render(
        request,
        "stations/staff/contacts.html",
        {
            "congress": congress,
            "pairings": fig.contacts_against_targets(congress, year),
            "page": Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page")),
            "params": {"congress": congress.pk},
            "table": tables.CONTACTS,
            "export_query": exports.export_query(request),
            "form": form,
            "year": year,
            "can_manage": can_manage,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def log_contact(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    _require_manage(request, congress.pk)
    action = Action(
        _("Log a contact"),
        lambda data, files, c: f.ContactLogForm(data, files, congress=c, deputy=None),
        lambda c, user, data: services.log_contact(c, acting_user=user, **data),
        success=_("The contact was logged."),
    )
    return _act(
        request, congress, action, back=reverse("stations:contacts"), heading=_("Dual contact")
    )


def _issues_registered(result: tuple[ContactLog, str]) -> tuple[int, str]:
    log, _code = result
    serial = log.case.serial if log.case else ""
    return _done(_("Case %(serial)s registered.") % {"serial": serial})


@login_required
def contact_case(request: HttpRequest, pk: int) -> HttpResponse:
    log = get_visible_or_404(
        ContactLog.objects.select_related("congress"), request.user, pk, "station.view"
    )
    _require_manage(request, log.congress_id)
    action = Action(
        _("Forward the issues as a case"),
        lambda data, files, lg: f.IssueCaseForm(data, files, congress=lg.congress),
        lambda lg, user, data: services.contact_issue_to_case(
            lg, category=data["category"], acting_user=user
        ),
        outcome=_issues_registered,
    )
    return _act(
        request,
        log,
        action,
        back=reverse("stations:contacts"),
        heading=_("Dual contact"),
        content=log.issues,
    )


@login_required
def industry(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    can_manage = services.may_manage(request.user, congress.pk)
    form = (
        f.IndustryPointForm(request.POST if request.method == "POST" else None, congress=congress)
        if can_manage
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.create_industry_point(
                    congress,
                    name=data["name"],
                    host=data["host"],
                    sector=data["sector"],
                    deputies=list(data["deputies"]),
                    acting_user=request.user,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                return HttpResponseRedirect(reverse("stations:industry"))
    points = (
        IndustryPoint.objects.filter(congress=congress)
        .select_related("station")
        .prefetch_related("deputies", "firms__deputy", "activities__case")
        .order_by("name")
    )
    return render(
        request,
        "stations/staff/industry.html",
        {"congress": congress, "points": points, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse | HttpResponseBase:
    congress = _congress(request)
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "stations.figures")
    start, end = _period(request)
    by_station = fig.duty_by_station(congress, start, end)
    matters = fig.matters_by_disposition(congress, start, end)
    return render(
        request,
        "stations/staff/figures.html",
        {
            "congress": congress,
            "start": start,
            "end": end,
            "coverage": services.coverage(congress),
            "by_deputy": fig.duty_by_deputy(congress, start, end),
            "by_station": by_station,
            "matters": matters,
            "charts": fig.charts(by_station, matters),
            "station_table": tables.STATION_FIGURES,
            "export_query": exports.export_query(request),
            "receptions": fig.receptions(congress, start, end),
            "pairings": fig.contacts_against_targets(congress, start.year),
            "visits": fig.visits_by_deputy(congress, start.year),
            "below_minimum": fig.below_yearly_minimum(congress, start.year),
            "minimum": StationRules.for_congress(congress.pk).min_duties_per_year,
        },
    )


# --- rules, shifts, workplaces, industry points --------------------------------------------


@login_required
def add_rule(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    _require_manage(request, station.congress_id)
    action = Action(
        _("Add a reception-day rule"),
        lambda data, files, _st: f.RuleForm(data, files),
        lambda st, user, data: services.add_rule(
            st,
            kind=data["kind"],
            weekday=data["weekday"],
            month_day=data["month_day"],
            weeks=data["weeks"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            deputies_per_shift=data["deputies_per_shift"],
            skip_holidays=data["skip_holidays"],
            acting_user=user,
        ),
        success=_("The reception-day rule was added."),
    )
    back = reverse("stations:station", args=[station.pk])
    return _act(request, station, action, back=back, heading=station.name)


@login_required
def cancel_shift(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_visible_or_404(
        DutyShift.objects.select_related("station"), request.user, pk, "station.view"
    )
    _require_manage(request, shift.congress_id)
    action = Action(
        _("Cancel the shift"),
        lambda data, files, _s: f.ReasonForm(data, files),
        lambda s, user, data: services.cancel_shift(s, reason=data["reason"], acting_user=user),
        success=_("The shift was cancelled; its deputies were told."),
    )
    back = reverse("stations:station", args=[shift.station_id])
    return _act(request, shift, action, back=back, heading=str(shift))


@login_required
def workplace(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    _require_manage(request, congress.pk)
    action = Action(
        _("Record a deputy's workplace in the town"),
        lambda data, files, c: f.WorkplaceForm(data, files, congress=c),
        lambda c, user, data: services.record_workplace(
            data["deputy"],
            town=c.region,
            employer=data["employer"],
            congress=c,
            acting_user=user,
        ),
        success=_("The workplace was recorded."),
    )
    return _act(
        request,
        congress,
        action,
        back=reverse("stations:coverage"),
        heading=_("Coverage and seating"),
    )


def _point(request: HttpRequest, pk: int) -> IndustryPoint:
    point = get_visible_or_404(
        IndustryPoint.objects.select_related("congress"), request.user, pk, "station.view"
    )
    _require_manage(request, point.congress_id)
    return point


@login_required
def link_firm(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    action = Action(
        _("Link a firm"),
        lambda data, files, pt: f.FirmForm(data, files, point=pt),
        lambda pt, user, data: services.link_firm(
            pt, name=data["name"], deputy=data["deputy"], acting_user=user
        ),
        success="",
    )
    return _act(request, point, action, back=reverse("stations:industry"), heading=point.name)


@login_required
def industry_activity(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    action = Action(
        _("Record an activity"),
        lambda data, files, pt: f.ActivityForm(data, files, point=pt),
        lambda pt, user, data: services.record_industry_activity(
            pt,
            date=data["date"],
            title=data["title"],
            deputies=list(data["deputies"]),
            issues=data["issues"],
            category=data["category"],
            acting_user=user,
        ),
        success="",
    )
    return _act(request, point, action, back=reverse("stations:industry"), heading=point.name)


@login_required
def deactivate_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_visible_or_404(
        DutyRule.objects.select_related("station"), request.user, pk, "station.view"
    )
    _require_manage(request, rule.station.congress_id)
    action = Action(
        _("Stop this reception day: %(rule)s") % {"rule": rule},
        None,
        lambda ru, user, _data: services.deactivate_rule(ru, acting_user=user),
        success=_("The rule no longer produces shifts."),
        intro=_("Shifts already generated stay; cancel them one by one if needed."),
    )
    back = reverse("stations:station", args=[rule.station_id])
    return _act(request, rule, action, back=back, heading=rule.station.name)
