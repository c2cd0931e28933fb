"""The office's and the station managers' pages: the network and its coverage, a station's
page, seating deputies, rosters and duty actions, receptions and their matters, dual
contact, industry contact points, figures. Reading needs `station.view`; the network and the
rosters are the office's (`station.manage`); a manager runs the stations that list them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from renda.cases.models import Evaluation, Reply
from renda.congress import policy
from renda.congress.models import Congress
from renda.core.errors import DomainError
from renda.core.masking import mask_phone
from renda.stations import figures as fig
from renda.stations import forms as f
from renda.stations import services
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
    ids = policy.congress_ids(request.user, perm)
    if getattr(request.user, "is_superuser", False):
        ids = set(Congress.objects.filter(stations__isnull=False).values_list("id", flat=True))
    wanted = request.GET.get("congress", "")
    qs = Congress.objects.filter(pk__in=ids, level="town", is_active=True).select_related("region")
    congress = qs.filter(pk=int(wanted)).first() if wanted.isdigit() else qs.order_by("id").first()
    if congress is None:
        raise Http404
    return congress


def _station(request: HttpRequest, pk: int) -> Station:
    station = (
        Station.objects.visible_to(request.user, "station.view")
        .select_related("congress__region", "parent", "area")
        .filter(pk=pk)
        .first()
    )
    if station is None:
        raise Http404
    return station


def _require_manage(request: HttpRequest, congress_id: int) -> None:
    if not services.may_manage(request.user, congress_id):
        raise PermissionDenied


def _require_run(request: HttpRequest, station: Station) -> None:
    if not services.may_run(request.user, station):
        raise PermissionDenied


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    start, end = quarter_of(timezone.localdate())
    try:
        start = (
            dt.date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else start
        )
        end = dt.date.fromisoformat(request.GET.get("to", "")) if request.GET.get("to") else end
    except ValueError:
        pass
    return start, end


def _confirm(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    back: str,
    heading: str,
    intro: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "stations/staff/confirm.html",
        {"form": form, "title": title, "back": back, "heading": heading, "intro": intro},
        status=status,
    )


# --- the network -----------------------------------------------------------------------


@login_required
@require_GET
def network(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    stations = (
        Station.objects.filter(congress=congress)
        .select_related("parent", "area")
        .annotate(
            n_villages=Count("villages", distinct=True),
            n_members=Count("members", filter=Q(members__until__isnull=True), distinct=True),
        )
        .order_by("kind", "code")
    )
    kind = request.GET.get("kind", "")
    if kind in StationKind.values:
        stations = stations.filter(kind=kind)
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
        },
    )


@login_required
@require_GET
def coverage_report(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    return render(
        request,
        "stations/staff/coverage.html",
        {
            "congress": congress,
            "coverage": services.coverage(congress),
            "unassigned": list(services.unassigned_deputies(congress)),
            "can_manage": services.may_manage(request.user, congress.pk),
        },
    )


@login_required
def assign_all(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    _require_manage(request, congress.pk)
    form = f.EmptyForm(request.POST if request.method == "POST" else None)
    back = reverse("stations:coverage")
    if request.method == "POST":
        try:
            seated = services.assign_unassigned(congress, acting_user=request.user)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(n)s deputies were assigned.") % {"n": seated})
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Assign every unassigned deputy"),
        back=back,
        heading=_("Coverage and seating"),
        intro=_(
            "Each goes to the area station of the area they live in, or to the central "
            "station when they only work in the town."
        ),
        status=400 if request.method == "POST" else 200,
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
    form = f.AssignForm(
        request.POST if request.method == "POST" else None, congress=station.congress
    )
    back = reverse("stations:station", args=[station.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_deputy(
                station,
                form.cleaned_data["deputy"],
                since=form.cleaned_data["since"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The deputy was assigned to the station."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Assign a deputy to %(station)s") % {"station": station},
        back=back,
        heading=station.name,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def add_shift(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    _require_manage(request, station.congress_id)
    form = f.ShiftForm(
        request.POST if request.method == "POST" else None, congress=station.congress
    )
    back = reverse("stations:station", args=[station.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_shift(
                station,
                date=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                deputies=list(data["deputies"]),
                note=data["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The shift was added."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Add a shift"),
        back=back,
        heading=station.name,
        status=400 if request.method == "POST" else 200,
    )


# --- rosters ---------------------------------------------------------------------------


@login_required
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    start, end = _period(request)
    shifts = DutyShift.objects.filter(congress=congress, date__range=(start, end))
    station_id = request.GET.get("station", "")
    if station_id.isdigit():
        shifts = shifts.filter(station_id=int(station_id))
    shifts = shifts.select_related("station").prefetch_related(
        Prefetch(
            "duties",
            queryset=DutyAssignment.objects.select_related("deputy").order_by("deputy__name"),
        )
    )
    page = Paginator(shifts.order_by("date", "start_time", "station__code"), PAGE_SIZE).get_page(
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
            },
            "station_id": station_id,
            "can_manage": services.may_manage(request.user, congress.pk),
            "managed": set(Station.objects.managed_by(request.user).values_list("id", flat=True)),
            "today": timezone.localdate(),
        },
    )


@login_required
def generate(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    _require_manage(request, congress.pk)
    start, end = quarter_of(timezone.localdate())
    form = f.GenerateForm(
        request.POST if request.method == "POST" else None, initial={"start": start, "end": end}
    )
    back = reverse("stations:roster")
    if request.method == "POST" and form.is_valid():
        try:
            result = services.generate_roster(
                congress,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(shifts)s shifts created, %(duties)s duties filled by rotation.") % result,
            )
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Generate the roster"),
        back=back,
        heading=_("Duty roster"),
        intro=_(
            "Shifts are created from each station's reception-day rules (closed days and "
            "public holidays skipped) and filled by rotation. Existing shifts stay as they are."
        ),
        status=400 if request.method == "POST" else 200,
    )


DUTY_ACTIONS = {
    "confirm": (_("Confirm attendance"), f.EmptyForm),
    "missed": (_("Record a missed shift"), f.EmptyForm),
    "substitute": (_("Substitute another deputy"), f.SubstituteForm),
    "swap": (_("Swap with another duty"), f.SwapForm),
}


@login_required
def duty_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    duty = (
        DutyAssignment.objects.visible_to(request.user, "station.view")
        .select_related("shift__station__congress", "deputy")
        .filter(pk=pk)
        .first()
    )
    if duty is None or action not in DUTY_ACTIONS:
        raise Http404
    _require_run(request, duty.shift.station)
    title, form_class = DUTY_ACTIONS[action]
    kwargs: dict[str, Any] = {}
    if form_class is f.SubstituteForm:
        kwargs["congress"] = duty.shift.station.congress
    if form_class is f.SwapForm:
        kwargs["duty"] = duty
    form = form_class(request.POST if request.method == "POST" else None, **kwargs)
    back = reverse("stations:roster") + f"?station={duty.shift.station_id}"
    if request.method == "POST" and form.is_valid():
        try:
            if action == "confirm":
                services.confirm_attendance(duty, acting_user=request.user)
            elif action == "missed":
                services.mark_missed(duty, acting_user=request.user)
            elif action == "substitute":
                services.substitute(
                    duty, deputy=form.cleaned_data["deputy"], acting_user=request.user
                )
            else:
                services.swap(duty, form.cleaned_data["other"], acting_user=request.user)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=f"{title}: {duty.deputy.name}",
        back=back,
        heading=str(duty.shift),
        status=400 if request.method == "POST" else 200,
    )


# --- receptions ------------------------------------------------------------------------


@login_required
def new_reception(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    _require_run(request, station)
    form = f.ReceptionForm(request.POST if request.method == "POST" else None, station=station)
    back = reverse("stations:station", args=[station.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        shift = (
            DutyShift.objects.filter(station=station, date=data["date"])
            .order_by("start_time")
            .first()
        )
        try:
            reception = services.record_reception(
                station,
                date=data["date"],
                shift=shift,
                deputies=list(data["deputies"]),
                visitor_name=data["visitor_name"],
                visitor_phone=data["visitor_phone"],
                visitor_village=data["visitor_village"],
                visitor_count=data["visitor_count"],
                matters=[(data["category"], data["content"])],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The reception was recorded."))
            return HttpResponseRedirect(reverse("stations:reception", args=[reception.pk]))
    return _confirm(
        request,
        form,
        title=_("Record a reception"),
        back=back,
        heading=station.name,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def receptions(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    qs = (
        Reception.objects.filter(congress=congress)
        .select_related("station", "shift")
        .annotate(n_matters=Count("matters"))
        .order_by("-date", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "stations/staff/receptions.html",
        {"congress": congress, "page": page, "params": {"congress": congress.pk}},
    )


def _reception(request: HttpRequest, pk: int) -> Reception:
    reception = (
        Reception.objects.visible_to(request.user, "station.view")
        .select_related("station__congress", "shift", "visitor_village", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if reception is None:
        raise Http404
    return reception


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
    form = f.MatterForm(
        request.POST or None, congress=reception.station.congress, deputies=reception.deputies.all()
    )
    back = reverse("stations:reception", args=[reception.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.add_matter(reception, acting_user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Add a matter"),
        back=back,
        heading=str(reception),
        status=400 if request.method == "POST" else 200,
    )


MATTER_ACTIONS = {
    "answer": (_("Answered on the spot"), f.AnswerForm),
    "case": (_("Make it an opinion case"), f.EmptyForm),
    "escalate": (_("Escalate to the higher congress"), f.EscalateForm),
    "redirect": (_("Redirect elsewhere"), f.ReasonForm),
}


@login_required
def matter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    matter = (
        ReceptionMatter.objects.visible_to(request.user, "station.view")
        .select_related("reception__station__congress")
        .filter(pk=pk)
        .first()
    )
    if matter is None or action not in MATTER_ACTIONS:
        raise Http404
    station = matter.reception.station
    _require_run(request, station)
    title, form_class = MATTER_ACTIONS[action]
    kwargs = {"congress": station.congress} if form_class is f.EscalateForm else {}
    form = form_class(request.POST if request.method == "POST" else None, **kwargs)
    back = reverse("stations:reception", args=[matter.reception_id])
    if request.method == "POST" and form.is_valid():
        code = None
        try:
            if action == "answer":
                services.answer_matter(
                    matter, answer=form.cleaned_data["answer"], acting_user=request.user
                )
            elif action == "redirect":
                services.redirect_matter(
                    matter, reason=form.cleaned_data["reason"], acting_user=request.user
                )
            elif action == "case":
                matter, code = services.matter_to_case(matter, acting_user=request.user)
            else:
                matter, code = services.escalate_matter(
                    matter, deputy=form.cleaned_data["deputy"], acting_user=request.user
                )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            if code and matter.case is not None:
                # The receipt (ticket and check code) is for the visitor: shown once.
                receipts = request.session.get("opinion_receipts", {})
                token = f"station-{matter.case.pk}"
                receipts[token] = {"serial": matter.case.serial, "code": code}
                request.session["opinion_receipts"] = dict(list(receipts.items())[-10:])
                messages.success(
                    request,
                    _("Case %(serial)s registered; hand the visitor the ticket and check code.")
                    % {"serial": matter.case.serial},
                )
                return HttpResponseRedirect(reverse("opinions:receipt", args=[token]))
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=title,
        back=back,
        heading=str(matter.reception),
        intro=matter.content,
        status=400 if request.method == "POST" else 200,
    )


# --- dual contact, industry points, figures --------------------------------------------


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
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
    logs = (
        ContactLog.objects.filter(congress=congress)
        .select_related("deputy", "pairing", "case", "constituency")
        .order_by("-date", "-id")
    )
    return render(
        request,
        "stations/staff/contacts.html",
        {
            "congress": congress,
            "pairings": fig.contacts_against_targets(congress, year),
            "page": Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page")),
            "params": {"congress": congress.pk},
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
    form = f.ContactLogForm(
        request.POST if request.method == "POST" else None, congress=congress, deputy=None
    )
    back = reverse("stations:contacts")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.log_contact(congress, acting_user=request.user, **data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The contact was logged."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Log a contact"),
        back=back,
        heading=_("Dual contact"),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def contact_case(request: HttpRequest, pk: int) -> HttpResponse:
    log = (
        ContactLog.objects.visible_to(request.user, "station.view")
        .select_related("congress")
        .filter(pk=pk)
        .first()
    )
    if log is None:
        raise Http404
    _require_manage(request, log.congress_id)
    form = f.IssueCaseForm(
        request.POST if request.method == "POST" else None, congress=log.congress
    )
    back = reverse("stations:contacts")
    if request.method == "POST" and form.is_valid():
        try:
            log, _code = services.contact_issue_to_case(
                log, category=form.cleaned_data["category"], acting_user=request.user
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            serial = log.case.serial if log.case else ""
            messages.success(request, _("Case %(serial)s registered.") % {"serial": serial})
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Forward the issues as a case"),
        back=back,
        heading=_("Dual contact"),
        intro=log.issues,
        status=400 if request.method == "POST" else 200,
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
def figures(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    start, end = _period(request)
    return render(
        request,
        "stations/staff/figures.html",
        {
            "congress": congress,
            "start": start,
            "end": end,
            "coverage": services.coverage(congress),
            "by_deputy": fig.duty_by_deputy(congress, start, end),
            "by_station": fig.duty_by_station(congress, start, end),
            "matters": fig.matters_by_disposition(congress, start, end),
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
    form = f.RuleForm(request.POST if request.method == "POST" else None)
    back = reverse("stations:station", args=[station.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_rule(
                station,
                kind=data["kind"],
                weekday=data["weekday"],
                month_day=data["month_day"],
                weeks=data["weeks"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                deputies_per_shift=data["deputies_per_shift"],
                skip_holidays=data["skip_holidays"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The reception-day rule was added."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Add a reception-day rule"),
        back=back,
        heading=station.name,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def cancel_shift(request: HttpRequest, pk: int) -> HttpResponse:
    shift = (
        DutyShift.objects.visible_to(request.user, "station.view")
        .select_related("station")
        .filter(pk=pk)
        .first()
    )
    if shift is None:
        raise Http404
    _require_manage(request, shift.congress_id)
    form = f.ReasonForm(request.POST if request.method == "POST" else None)
    back = reverse("stations:station", args=[shift.station_id])
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_shift(
                shift, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The shift was cancelled; its deputies were told."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Cancel the shift"),
        back=back,
        heading=str(shift),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def workplace(request: HttpRequest) -> HttpResponse:
    congress = _congress(request)
    _require_manage(request, congress.pk)
    form = f.WorkplaceForm(request.POST if request.method == "POST" else None, congress=congress)
    back = reverse("stations:coverage")
    if request.method == "POST" and form.is_valid() and congress.region is not None:
        try:
            services.record_workplace(
                form.cleaned_data["deputy"],
                town=congress.region,
                employer=form.cleaned_data["employer"],
                congress=congress,
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The workplace was recorded."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Record a deputy's workplace in the town"),
        back=back,
        heading=_("Coverage and seating"),
        status=400 if request.method == "POST" else 200,
    )


def _point(request: HttpRequest, pk: int) -> IndustryPoint:
    point = (
        IndustryPoint.objects.visible_to(request.user, "station.view")
        .select_related("congress")
        .filter(pk=pk)
        .first()
    )
    if point is None:
        raise Http404
    _require_manage(request, point.congress_id)
    return point


@login_required
def link_firm(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    form = f.FirmForm(request.POST if request.method == "POST" else None, point=point)
    back = reverse("stations:industry")
    if request.method == "POST" and form.is_valid():
        try:
            services.link_firm(
                point,
                name=form.cleaned_data["name"],
                deputy=form.cleaned_data["deputy"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Link a firm"),
        back=back,
        heading=point.name,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def industry_activity(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    form = f.ActivityForm(request.POST if request.method == "POST" else None, point=point)
    back = reverse("stations:industry")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_industry_activity(
                point,
                date=data["date"],
                title=data["title"],
                deputies=list(data["deputies"]),
                issues=data["issues"],
                category=data["category"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Record an activity"),
        back=back,
        heading=point.name,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def deactivate_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = (
        DutyRule.objects.visible_to(request.user, "station.view")
        .select_related("station")
        .filter(pk=pk)
        .first()
    )
    if rule is None:
        raise Http404
    _require_manage(request, rule.station.congress_id)
    form = f.EmptyForm(request.POST if request.method == "POST" else None)
    back = reverse("stations:station", args=[rule.station_id])
    if request.method == "POST":
        try:
            services.deactivate_rule(rule, acting_user=request.user)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The rule no longer produces shifts."))
            return HttpResponseRedirect(back)
    return _confirm(
        request,
        form,
        title=_("Stop this reception day: %(rule)s") % {"rule": rule},
        back=back,
        heading=rule.station.name,
        intro=_("Shifts already generated stay; cancel them one by one if needed."),
        status=400 if request.method == "POST" else 200,
    )
