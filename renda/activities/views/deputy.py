"""A deputy's pages, made for a phone: my activities, one activity's page (schedule, sites,
notes and photos, findings and the departments' replies, the report), answering an
invitation, checking in with the training's code, and the organiser's rating of a reply.
A deputy sees the activities they are invited to; the office sees its congress's."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from renda.activities import forms as f
from renda.activities import services
from renda.activities.models import Activity, Finding, Invitation, VisitPhoto
from renda.cases.models import CaseStatus
from renda.congress import policy
from renda.congress.models import Deputy
from renda.core import ratelimit, uploads
from renda.core.errors import DomainError
from renda.core.masking import mask_name
from renda.core.requestcontext import client_ip
from renda.stations.services import deputy_of

_CHECKIN_SCOPE = "activity-checkin"


def _visible(request: HttpRequest) -> QuerySet[Activity]:
    """The office's activities of its congresses, and the activities the signed-in
    deputy is invited to."""
    office = Activity.objects.visible_to(request.user, "activity.view")
    deputy = deputy_of(request.user)
    if deputy is None:
        return office
    mine = Activity.objects.filter(invitations__deputy=deputy)
    return Activity.objects.filter(pk__in=office.values("pk")) | Activity.objects.filter(
        pk__in=mine.values("pk")
    )


def _activity(request: HttpRequest, pk: int) -> Activity:
    found = _visible(request).select_related("congress", "organiser").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _me(request: HttpRequest) -> Deputy:
    deputy = deputy_of(request.user)
    if deputy is None:
        raise Http404
    return deputy


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    deputy = _me(request)
    year = timezone.localdate().year
    invitations = (
        Invitation.objects.filter(deputy=deputy)
        .select_related("activity")
        .order_by("-activity__starts_on", "-id")[:200]
    )
    return render(
        request,
        "activities/deputy/mine.html",
        {
            "invitations": invitations,
            "participations": services.participations(deputy, year),
            "year": year,
        },
    )


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    deputy = deputy_of(request.user)
    invitation = activity.invitations.filter(deputy=deputy).first() if deputy is not None else None
    findings = activity.findings.select_related("case", "department")
    return render(
        request,
        "activities/deputy/page.html",
        {
            "activity": activity,
            "invitation": invitation,
            "schedule": activity.schedule.all(),
            "notes": activity.notes.select_related("stop").prefetch_related("photos"),
            "findings": findings,
            "participants": activity.invitations.select_related("deputy").order_by(
                "role", "deputy__name"
            ),
            "is_organiser": deputy is not None and activity.organiser_id == deputy.pk,
            "replied": CaseStatus.REPLIED,
            "is_office": policy.can(request.user, "activity.view", activity),
        },
    )


@login_required
@require_POST
def answer(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    activity = _activity(request, pk)
    if answer not in ("yes", "no"):
        raise Http404
    try:
        services.answer(
            activity, deputy=_me(request), attend=answer == "yes", acting_user=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you, your answer is recorded."))
    return HttpResponseRedirect(reverse("activities:page", args=[activity.pk]))


_CONFIRM_SCOPE = "activity-confirm"


@never_cache
def confirm(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The invitation SMS's link: the deputy opens it on the phone without signing in and
    confirms or declines with one tap. The keyed token in the address is the key (it names
    one invitation); a forged or altered link gets one answer (404), and such refusals
    count against a limit per address (429 past it)."""
    reservation = ratelimit.reserve(
        _CONFIRM_SCOPE,
        [client_ip(request) or ""],
        settings.RENDA_CODE_LIMIT,
        settings.RENDA_CODE_WINDOW_SECONDS,
    )
    if not reservation.allowed:
        return render(
            request,
            "activities/deputy/confirm.html",
            {"error": _("Too many attempts. Try again in a few minutes.")},
            status=429,
        )
    invitation = services.invitation_by_token(pk, token)
    if invitation is None:
        return render(
            request,
            "activities/deputy/confirm.html",
            {"error": _("This link is not valid. Use the link in your invitation message.")},
            status=404,
        )
    reservation.refund()
    error = ""
    status = 200
    if request.method == "POST":
        choice = request.POST.get("answer")
        if choice not in ("yes", "no"):
            error, status = _("Choose to confirm or decline."), 400
        else:
            try:
                invitation = services.answer_by_link(invitation, attend=choice == "yes")
            except DomainError as exc:
                error, status = str(exc), 400
            else:
                messages.success(request, _("Thank you, your answer is recorded."))
                return HttpResponseRedirect(request.path)
    activity = invitation.activity
    return render(
        request,
        "activities/deputy/confirm.html",
        {
            "invitation": invitation,
            "activity": activity,
            "name": mask_name(invitation.deputy.name),
            "schedule": activity.schedule.all(),
            "open": activity.status in ("planned", "announced"),
            "error": error,
        },
        status=status,
    )


@never_cache
@login_required
def checkin(request: HttpRequest) -> HttpResponse:
    """The deputy scanned the code shown in the room: one tap confirms attendance. A
    forged, foreign or expired code, or one for an activity the deputy is not invited to,
    gets one answer; refusals count against a limit per address and per account."""
    code = request.POST.get("code") or request.GET.get("code") or ""
    form = f.CheckinForm(request.POST if request.method == "POST" else None, initial={"code": code})
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        reservation = ratelimit.reserve(
            _CHECKIN_SCOPE,
            [client_ip(request) or "", f"user:{request.user.pk}"],
            settings.RENDA_CODE_LIMIT,
            settings.RENDA_CODE_WINDOW_SECONDS,
        )
        if not reservation.allowed:
            error, status = _("Too many attempts. Try again in a few minutes."), 429
        else:
            try:
                invitation = services.check_in(request.user, form.cleaned_data["code"])
            except DomainError:
                error, status = (
                    _(
                        "This check-in code is not valid or has expired; scan the code shown in the room now."
                    ),
                    400,
                )
            else:
                reservation.refund()
                messages.success(
                    request,
                    _("Checked in at “%(topic)s”.") % {"topic": invitation.activity.topic},
                )
                return HttpResponseRedirect(
                    reverse("activities:page", args=[invitation.activity_id])
                )
    return render(
        request, "activities/deputy/checkin.html", {"form": form, "error": error}, status=status
    )


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser rates a department's reply to a finding (through the engine)."""
    finding = (
        Finding.objects.filter(pk=pk, activity__in=_visible(request))
        .select_related("activity", "case", "department")
        .first()
    )
    if finding is None:
        raise Http404
    back = reverse("activities:page", args=[finding.activity_id])
    post = request.method == "POST"
    form = f.RateForm(request.POST if post else None)
    if post and form.is_valid():
        try:
            services.rate_reply(
                finding,
                result=form.cleaned_data["result"],
                comment=form.cleaned_data["comment"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your rating is recorded."))
            return HttpResponseRedirect(back)
    reply = finding.case.replies.order_by("-id").first()
    return render(
        request,
        "activities/deputy/rate.html",
        {"finding": finding, "form": form, "back": back, "reply": reply},
        status=400 if post else 200,
    )


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = VisitPhoto.objects.filter(pk=pk, note__activity__in=_visible(request)).first()
    if found is None:
        raise Http404
    return uploads.serve(found.image, content_type=found.content_type, inline=True)


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponseBase:
    activity = _activity(request, pk)
    if not activity.report:
        raise Http404
    return uploads.serve(
        activity.report, content_type=activity.report_type, filename=activity.report_name
    )
