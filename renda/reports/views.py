"""The office's pages of the annual work report: pick a congress and a year; the year's
figures with last year's, each number a link to its records (exportable); the office's
texts, templates, drafts and versions; the external publications; a district's towns side by
side. Thin views: the congress through the policy (another town's is a 404; a district's
office reads its towns and acts in none), services for every change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renda.congress import policy
from renda.congress.models import Congress
from renda.core import exports, uploads
from renda.core.access import get_visible_or_404
from renda.core.errors import DomainError
from renda.reports import documents, evidence, services
from renda.reports import figures as registry
from renda.reports.forms import PickForm, PublicationForm, TemplateForm, TextsForm, UploadForm
from renda.reports.models import AnnualReport, ExternalPublication, ReportTemplate, ReportVersion

PERM = "report.view"
PAGE_SIZE = 100


def _congresses(user: Any) -> Any:
    return Congress.objects.visible_to(user, PERM).filter(is_active=True).order_by("level", "name")


def _congress(request: HttpRequest, pk: int) -> Congress:
    return get_visible_or_404(Congress.objects.filter(is_active=True), request.user, pk, PERM)


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _may_manage(request: HttpRequest, congress: Congress) -> bool:
    return policy.can(request.user, "report.manage", congress)


def _require_manage(request: HttpRequest, congress: Congress) -> None:
    if not _may_manage(request, congress):
        raise Http404


@login_required
def index(request: HttpRequest) -> HttpResponse:
    congresses = _congresses(request.user)
    if not congresses:
        raise Http404
    initial = {"congress": congresses.first(), "year": timezone.localdate().year}
    form = PickForm(request.GET or None, initial=initial, congresses=congresses)
    if form.is_valid():
        return HttpResponseRedirect(
            reverse(
                "reports:year",
                args=[form.cleaned_data["congress"].pk, form.cleaned_data["year"]],
            )
        )
    return render(request, "reports/index.html", {"form": form, "congresses": congresses})


@login_required
def year_page(request: HttpRequest, congress_id: int, year: int) -> HttpResponse:
    congress = _congress(request, congress_id)
    year = _year(year)
    figures = services.year_figures(congress, year)
    report = AnnualReport.objects.filter(congress=congress, year=year).first()
    breakdowns = figures.splits
    manage = _may_manage(request, congress)
    context = {
        "congress": congress,
        "year": year,
        "figures": figures,
        "sections": [
            (key, title, rows, breakdowns.get(key, [])) for key, title, rows in figures.sections()
        ],
        "report": report,
        "versions": report.versions.select_related("created_by") if report else [],
        "can_manage": manage,
        "is_district": services.is_district(congress),
        "template": services.template_in_force(
            congress,
            ReportTemplate.Kind.DISTRICT
            if services.is_district(congress)
            else ReportTemplate.Kind.TOWN,
        ),
        "texts_form": TextsForm(instance=report or AnnualReport()) if manage else None,
        "upload_form": UploadForm() if manage else None,
        "template_form": TemplateForm() if manage else None,
        "placeholders": documents.PLACEHOLDERS,
    }
    return render(request, "reports/year.html", context)


def _apply_filters(figure: registry.Figure, qs: Any, request: HttpRequest) -> Any:
    category = request.GET.get("category", "")
    if "category" in figure.filters and category.isdigit():
        qs = qs.filter(category_id=int(category))
    grade = request.GET.get("grade", "")
    if "grade" in figure.filters and grade:
        qs = qs.filter(grade=grade)
    return qs


@login_required
def evidence_page(request: HttpRequest, congress_id: int, year: int, key: str) -> HttpResponse:
    """The records a figure counts (a rate: its denominator's), with the figure's value."""
    congress = _congress(request, congress_id)
    year = _year(year)
    figure = registry.BY_KEY.get(key)
    if figure is None:
        raise Http404
    qs = _apply_filters(figure, figure.records(congress, year), request).order_by("pk")
    value = figure.compute(congress, year)
    title = f"{congress.name} {year} · {figure.label}"
    headers = [_("No."), _("Record"), _("Date")]
    if request.GET.get("format") == "xlsx":
        rows = [evidence.row(obj) for obj in qs]
        return exports.attachment(
            evidence.xlsx(title, rows, headers),
            f"report-{congress.pk}-{year}-{key}.xlsx",
            action="report.evidence_exported",
            obj=congress,
            actor=request.user,
            note=key,
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params["format"] = "xlsx"
    params.pop("page", None)
    context = {
        "congress": congress,
        "year": year,
        "figure": figure,
        "value": registry.display(value),
        "count": page.paginator.count,
        "is_rate": figure.kind == registry.RATE,
        "is_sum": figure.kind == registry.SUM,
        "rows": [evidence.row(obj) for obj in page.object_list],
        "page": page,
        "params": request.GET,
        "xlsx_query": params.urlencode(),
    }
    return render(request, "reports/evidence.html", context)


@login_required
def district_page(request: HttpRequest, congress_id: int, year: int) -> HttpResponse:
    district = _congress(request, congress_id)
    if not services.is_district(district):
        raise Http404
    year = _year(year)
    rollup = services.district_figures(district, year)
    rows: list[dict[str, Any]] = [
        {
            "figure": f,
            "cells": [(t.congress.pk, registry.display(t.values[f.key])) for t in rollup.towns],
            "total": registry.display(rollup.total.values[f.key]),
            "previous": registry.display(rollup.total.previous[f.key]),
        }
        for f in registry.FIGURES
    ]
    sections = [
        (title, [r for r in rows if r["figure"].section == key]) for key, title in registry.SECTIONS
    ]
    return render(
        request,
        "reports/district.html",
        {
            "congress": district,
            "year": year,
            "towns": [t.congress for t in rollup.towns],
            "sections": sections,
            "can_manage": _may_manage(request, district),
        },
    )


@login_required
@require_POST
def draft(request: HttpRequest, congress_id: int, year: int) -> HttpResponse:
    congress = _congress(request, congress_id)
    _require_manage(request, congress)
    try:
        version = services.draft(congress, _year(year), acting_user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Version %(n)s was drafted from the records.") % {"n": version.number}
        )
    return HttpResponseRedirect(reverse("reports:year", args=[congress.pk, year]))


@login_required
@require_POST
def save_texts(request: HttpRequest, congress_id: int, year: int) -> HttpResponse:
    congress = _congress(request, congress_id)
    _require_manage(request, congress)
    report = services.report_for(congress, _year(year))
    form = TextsForm(request.POST, instance=AnnualReport(congress=congress, year=year))
    if form.is_valid():
        services.save_texts(report, form.cleaned_data, acting_user=request.user)
        messages.success(request, _("The report's texts were saved."))
    else:
        messages.error(request, _("The texts could not be saved."))
    return HttpResponseRedirect(reverse("reports:year", args=[congress.pk, year]))


@login_required
@require_POST
def upload_final(request: HttpRequest, congress_id: int, year: int) -> HttpResponse:
    congress = _congress(request, congress_id)
    _require_manage(request, congress)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        report = services.report_for(congress, _year(year))
        try:
            version = services.upload_final(
                report,
                form.cleaned_data["file"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Version %(n)s was kept.") % {"n": version.number})
    else:
        messages.error(request, _("Choose a Word document to upload."))
    return HttpResponseRedirect(reverse("reports:year", args=[congress.pk, year]))


@login_required
@require_POST
def upload_template(request: HttpRequest, congress_id: int, year: int) -> HttpResponse:
    congress = _congress(request, congress_id)
    _require_manage(request, congress)
    form = TemplateForm(request.POST, request.FILES)
    kind = (
        ReportTemplate.Kind.DISTRICT if services.is_district(congress) else ReportTemplate.Kind.TOWN
    )
    if form.is_valid():
        try:
            services.upload_template(
                congress, kind, form.cleaned_data["file"], acting_user=request.user
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The template is in force."))
    else:
        messages.error(request, _("Choose a Word document to upload."))
    return HttpResponseRedirect(reverse("reports:year", args=[congress.pk, year]))


@login_required
def template_download(request: HttpRequest, congress_id: int) -> HttpResponse:
    """The template in force (the office's newest, else the default) to edit in Word."""
    congress = _congress(request, congress_id)
    kind = (
        ReportTemplate.Kind.DISTRICT if services.is_district(congress) else ReportTemplate.Kind.TOWN
    )
    return exports.attachment(
        services.template_bytes(congress, kind),
        f"report-template-{congress.pk}.docx",
        action="report.template_downloaded",
        obj=congress,
        actor=request.user,
    )


@login_required
def version_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    version = get_visible_or_404(
        ReportVersion.objects.select_related("report"), request.user, pk, PERM
    )
    return uploads.serve(
        version.file, content_type=version.content_type, filename=version.original_name
    )


@login_required
def publications(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress(request, congress_id)
    manage = _may_manage(request, congress)
    form = None
    if manage:
        form = PublicationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.add_publication(congress, form.cleaned_data, acting_user=request.user)
            messages.success(request, _("The publication was recorded."))
            return HttpResponseRedirect(reverse("reports:publications", args=[congress.pk]))
    elif request.method == "POST":
        raise Http404
    items = ExternalPublication.objects.filter(congress=congress)
    return render(
        request,
        "reports/publications.html",
        {"congress": congress, "items": items, "form": form, "can_manage": manage},
    )


@login_required
@require_POST
def withdraw_publication(request: HttpRequest, pk: int) -> HttpResponse:
    publication = get_visible_or_404(ExternalPublication, request.user, pk, PERM)
    _require_manage(request, publication.congress)
    services.withdraw_publication(publication, acting_user=request.user)
    messages.success(request, _("The publication was withdrawn; it is kept but no longer counted."))
    return HttpResponseRedirect(reverse("reports:publications", args=[publication.congress_id]))
