"""The office's pages: every deputy's record of a year with filters, ranking and the .xlsx
export; one deputy's record with the points explained entry by entry, the draft service
report (.docx) and its attachment to a performance review; the points table's versions.
Office staff and leaders read (`record.view`); the office and the administrator change the
points table (`record.manage`). Another congress's deputy is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from renda.congress import policy
from renda.congress.models import CongressLevel, Constituency
from renda.core.actions import Action, run_action
from renda.core.errors import DomainError
from renda.core.exports import attachment
from renda.records import forms as f
from renda.records import services
from renda.records.models import PointsTable
from renda.records.views.common import (
    chosen,
    congress_or_404,
    congresses,
    deputy_of_town_or_404,
    year,
)
from renda.stations.models import Station


def _filters(request: HttpRequest) -> dict:
    def number(name: str) -> int | None:
        value = request.GET.get(name) or ""
        return int(value) if value.isdigit() else None

    level = request.GET.get("level") or ""
    return {
        "level": level if level in CongressLevel.values else "",
        "station_id": number("station"),
        "constituency_id": number("constituency"),
    }


@login_required
@require_GET
def office(request: HttpRequest) -> HttpResponse:
    options = congresses(request.user)
    congress = chosen(request, options)
    the_year = year(request)
    filters = _filters(request)
    rows = services.office_rows(congress, the_year, **filters)
    return render(
        request,
        "records/staff/office.html",
        {
            "congress": congress,
            "congresses": options,
            "year": the_year,
            "rows": rows,
            "filters": filters,
            "levels": CongressLevel.choices,
            "stations": Station.objects.filter(congress=congress, is_active=True).order_by("code"),
            "constituencies": Constituency.objects.filter(congress=congress),
            "query": request.GET.urlencode(),
            "can_manage": policy.can(request.user, "record.manage", congress),
        },
    )


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    congress = chosen(request, congresses(request.user))
    the_year = year(request)
    rows = services.office_rows(congress, the_year, **_filters(request))
    return attachment(
        services.xlsx(congress, the_year, rows),
        f"service-records-{the_year}.xlsx",
        action="records.exported",
        obj=congress,
    )


def _record(request: HttpRequest, congress_id: int, pk: int) -> services.Record:
    congress = congress_or_404(request.user, congress_id)
    deputy = deputy_of_town_or_404(congress, pk)
    return services.record(deputy, congress, year(request))


@login_required
@require_GET
def deputy_record(request: HttpRequest, congress_id: int, pk: int) -> HttpResponse:
    rec = _record(request, congress_id, pk)
    can_attach = policy.can(request.user, "appraisal.manage", rec.congress)
    return render(
        request,
        "records/staff/record.html",
        {
            "rec": rec,
            "congress": rec.congress,
            "year": rec.year,
            "open_entries": services.open_reporter_entries(rec) if can_attach else [],
        },
    )


@login_required
@require_GET
def report_docx(request: HttpRequest, congress_id: int, pk: int) -> HttpResponse:
    rec = _record(request, congress_id, pk)
    return attachment(
        services.docx(rec),
        f"service-report-{rec.year}-{rec.deputy.pk}.docx",
        action="records.report_downloaded",
        obj=rec.congress,
        note=f"deputy {rec.deputy.pk}",
    )


@login_required
def attach_report(request: HttpRequest, congress_id: int, pk: int) -> HttpResponse:
    """One click: the draft of the year goes to the chosen reporter entry of the deputy
    (the appraisals' `add_document` checks the meeting still takes documents)."""
    rec = _record(request, congress_id, pk)
    if not policy.can(request.user, "appraisal.manage", rec.congress):
        raise PermissionDenied
    entries = services.open_reporter_entries(rec)
    action = Action(
        title=_("Attach the draft service report to a performance review"),
        form=lambda data, files, _target: f.ReporterForm(data, files, queryset=entries),
        run=lambda target, user, data: services.attach_to_reporter(
            target, data["reporter"], acting_user=user
        ),
        perm="appraisal.manage",
        success=_("The draft is attached as the reporter's report document."),
        intro=_(
            "The draft of %(year)s is generated from the record and added to the documents "
            "of the reporter entry you choose."
        )
        % {"year": rec.year},
        then=lambda _request, document: reverse("appraisals:reporter", args=[document.reporter_id]),
    )
    back = reverse("records:deputy", args=[rec.congress.pk, rec.deputy.pk]) + f"?year={rec.year}"
    return run_action(request, rec, action, back=back, heading=rec.deputy.name)


# --- the points table ---------------------------------------------------------------------

# Who reads the points tables: the record's readers and those who change the table.
TABLE_PERMS = ("record.view", "record.manage")


@login_required
@require_GET
def tables(request: HttpRequest) -> HttpResponse:
    options = congresses(request.user, *TABLE_PERMS)
    congress = chosen(request, options)
    return render(
        request,
        "records/staff/tables.html",
        {
            "congress": congress,
            "congresses": options,
            "tables": PointsTable.objects.filter(congress=congress).order_by("-effective_from"),
            "can_manage": policy.can(request.user, "record.manage", congress),
        },
    )


@login_required
def new_table(request: HttpRequest) -> HttpResponse:
    congress = chosen(request, congresses(request.user, "record.manage"))
    post = request.method == "POST"
    form = f.TableForm(request.POST if post else None)
    if post and form.is_valid():
        try:
            table = services.create_table(
                congress,
                name=form.cleaned_data["name"],
                effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The new points table is saved."))
            return HttpResponseRedirect(reverse("records:table", args=[table.pk]))
    return render(
        request,
        "records/staff/table_new.html",
        {"form": form, "congress": congress},
        status=400 if post else 200,
    )


@login_required
def table(request: HttpRequest, pk: int) -> HttpResponse:
    readable = [c.pk for c in congresses(request.user, *TABLE_PERMS)]
    table = get_object_or_404(
        PointsTable.objects.filter(congress_id__in=readable).select_related("congress"), pk=pk
    )
    can_manage = policy.can(request.user, "record.manage", table.congress)
    post = request.method == "POST"
    if post and not can_manage:
        raise PermissionDenied
    form = f.RulesForm(request.POST if post else None, table=table)
    if post and form.is_valid():
        try:
            changed = services.update_rules(table, values=form.values(), acting_user=request.user)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(n)s rule(s) changed.") % {"n": changed})
            return HttpResponseRedirect(reverse("records:table", args=[table.pk]))
    return render(
        request,
        "records/staff/table.html",
        {"table": table, "form": form, "can_manage": can_manage, "congress": table.congress},
        status=400 if post else 200,
    )
