"""The deputy's own pages (phone first): their record and points of a year, explained
entry by entry, the draft service report, and what of theirs the public page shows.
A deputy sees only their own record: nothing here takes another deputy's id."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from renda.congress import policy
from renda.congress.models import Congress, Deputy
from renda.core.errors import DomainError
from renda.core.exports import attachment
from renda.records import forms as f
from renda.records import services
from renda.records.views.common import chosen, year
from renda.stations import queries as station_queries
from renda.stations import services as stations


def _me(request: HttpRequest) -> tuple[Deputy, list[Congress]]:
    deputy = stations.deputy_of(request.user)
    if deputy is None:
        raise Http404
    ids = policy.access(request.user).deputy_congress_ids | station_queries.seat_congress_ids(
        deputy
    )
    options = list(Congress.objects.filter(pk__in=ids, is_active=True).order_by("name"))
    if not options:
        raise Http404
    return deputy, options


def _my_record(request: HttpRequest) -> tuple[services.Record, list[Congress]]:
    deputy, options = _me(request)
    return services.record(deputy, chosen(request, options), year(request)), options


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    rec, options = _my_record(request)
    return render(
        request,
        "records/deputy/mine.html",
        {"rec": rec, "congresses": options, "congress": rec.congress, "year": rec.year},
    )


@login_required
@require_GET
def my_report(request: HttpRequest) -> HttpResponse:
    rec, _options = _my_record(request)
    return attachment(
        services.docx(rec),
        f"service-report-{rec.year}.docx",
        action="records.report_downloaded",
        obj=rec.congress,
        note=f"deputy {rec.deputy.pk}",
    )


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    deputy, options = _me(request)
    congress = chosen(request, options)
    current: Any = services.profile(deputy, congress)
    post = request.method == "POST"
    form = f.ProfileForm(request.POST if post else None, instance=current)
    if post and form.is_valid():
        try:
            services.set_profile(
                deputy, congress, values=form.cleaned_data, acting_user=request.user
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your choices for the public page are saved."))
            return HttpResponseRedirect(reverse("records:mine") + f"?congress={congress.pk}")
    return render(
        request,
        "records/deputy/profile.html",
        {"form": form, "congress": congress, "congresses": options, "deputy": deputy},
        status=400 if post else 200,
    )
