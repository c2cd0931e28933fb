"""The public 代表风采 pages of a town: the deputies who chose to appear, each with only what
they opted in to (photo, workplace, masked mobile number, the counts of their record of the
year), their constituency and station. Nothing is shown of a deputy who did not opt in."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from renda.congress.models import Congress, DeputyMembership
from renda.core import uploads
from renda.core.masking import mask_phone
from renda.records import services
from renda.records.kinds import Kind
from renda.records.models import PublicProfile
from renda.stations import queries as station_queries

# The counts a public page may show (never deductions, never points).
PUBLIC_KINDS = (
    Kind.DUTY_HELD,
    Kind.RECEPTION,
    Kind.SUGGESTION_LED,
    Kind.MOTION_LED,
    Kind.INSPECTION,
    Kind.TRAINING,
    Kind.CONSTITUENCY_VISIT,
)


def _town(congress_id: int) -> Congress:
    return get_object_or_404(Congress.objects.filter(is_active=True), pk=congress_id)


def _profiles(congress: Congress):  # noqa: ANN202
    deputies = services.town_deputies(congress)
    return (
        PublicProfile.objects.filter(congress=congress, is_public=True, deputy__in=deputies)
        .select_related("deputy")
        .order_by("deputy__name", "deputy_id")
    )


def _profile(congress: Congress, pk: int) -> PublicProfile:
    found = _profiles(congress).filter(deputy_id=pk).first()
    if found is None:
        raise Http404
    return found


@require_GET
def towns(request: HttpRequest) -> HttpResponse:
    """The congresses with at least one deputy's public page."""
    ids = PublicProfile.objects.filter(is_public=True).values("congress_id")
    found = Congress.objects.filter(pk__in=ids, is_active=True).order_by("name")
    return render(request, "records/public/towns.html", {"towns": found})


@require_GET
def index(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _town(congress_id)
    return render(
        request,
        "records/public/index.html",
        {"congress": congress, "profiles": _profiles(congress)},
    )


@require_GET
def page(request: HttpRequest, congress_id: int, pk: int) -> HttpResponse:
    congress = _town(congress_id)
    profile = _profile(congress, pk)
    deputy = profile.deputy
    membership = (
        DeputyMembership.objects.active_on()
        .filter(deputy=deputy, congress=congress)
        .select_related("constituency")
        .first()
    )
    seat = station_queries.current_seat(deputy, congress.pk)
    counts = []
    year = timezone.localdate().year
    if profile.show_counts:
        rec = services.record(deputy, congress, year)
        counts = [(Kind(k).label, rec.count(k)) for k in PUBLIC_KINDS]
    return render(
        request,
        "records/public/page.html",
        {
            "congress": congress,
            "profile": profile,
            "deputy": deputy,
            "constituency": membership.constituency if membership else None,
            "station": seat.station if seat else None,
            "phone": mask_phone(deputy.phone) if profile.show_phone else "",
            "counts": counts,
            "year": year,
            "has_photo": profile.show_photo and bool(deputy.photo),
        },
    )


@require_GET
def photo(request: HttpRequest, congress_id: int, pk: int) -> HttpResponseBase:
    profile = _profile(_town(congress_id), pk)
    if not (profile.show_photo and profile.deputy.photo):
        raise Http404
    return uploads.serve(profile.deputy.photo, filename="photo", inline=True)
