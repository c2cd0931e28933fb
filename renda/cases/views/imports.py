"""The office's ledger import (补录) pages: upload a ledger, follow its check and import
(the page polls the progress with htmx), read the row-by-row report, confirm, and download
the template. Only the presidium office (`case.manage`) imports; another congress's import
is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renda.cases import forms as cf
from renda.cases import ledger_import
from renda.cases.models import CaseKind, LedgerImport
from renda.congress import policy
from renda.congress.models import Congress
from renda.core import exports
from renda.core.access import get_visible_or_404
from renda.core.errors import DomainError

PERM = "case.manage"


def _congresses(user: Any) -> Any:
    return Congress.objects.filter(pk__in=policy.congress_ids(user, PERM)).order_by("name")


def _batch(request: HttpRequest, pk: int) -> LedgerImport:
    return get_visible_or_404(
        LedgerImport.objects.select_related("congress", "uploaded_by"), request.user, pk, PERM
    )


@login_required
def imports_page(request: HttpRequest) -> HttpResponse:
    congresses = _congresses(request.user)
    if not congresses.exists():
        raise Http404
    kinds = ledger_import.kinds()
    form = cf.LedgerUploadForm(
        request.POST or None,
        request.FILES or None,
        congresses=congresses,
        kinds=kinds,
        initial={"kind": request.GET.get("kind") or CaseKind.OPINION},
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = ledger_import.create_import(
                upload=form.cleaned_data["file"],
                congress=form.cleaned_data["congress"],
                kind=form.cleaned_data["kind"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error("file", str(exc))
        else:
            return HttpResponseRedirect(reverse("cases:ledger_import", args=[batch.pk]))
    context = {
        "form": form,
        "kinds": kinds,
        "imports": LedgerImport.objects.visible_to(request.user, PERM)
        .select_related("congress", "uploaded_by")
        .order_by("-created_at", "-id")[:20],
        "columns": _column_rows(request.GET.get("kind") or CaseKind.OPINION),
    }
    return render(
        request, "cases/office/imports/list.html", context, status=400 if request.POST else 200
    )


def _column_rows(kind: str) -> list[tuple[str, bool, str]]:
    if kind not in dict(ledger_import.kinds()):
        kind = CaseKind.OPINION
    required = set(ledger_import.required_of(kind))
    explain = ledger_import.column_help()
    return [
        (str(label), key in required, str(explain.get(key, "")))
        for key, label in ledger_import.columns_of(kind)
    ]


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    report = batch.report or {}
    rows = report.get("rows", [])
    only_errors = request.GET.get("all") != "1" and batch.error_count > 0
    context = {
        "batch": batch,
        "progress": ledger_import.progress_of(batch),
        "file_errors": report.get("file_errors", []),
        "rows": [r for r in rows if r["errors"]] if only_errors else rows,
        "only_errors": only_errors,
    }
    return render(request, "cases/office/imports/detail.html", context)


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the page polls; once the job is done the page reloads."""
    batch = _batch(request, pk)
    response = render(
        request,
        "cases/office/imports/_progress.html",
        {"batch": batch, "progress": ledger_import.progress_of(batch)},
    )
    if not batch.is_running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        ledger_import.confirm_import(batch, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The ledger is being imported."))
    return HttpResponseRedirect(reverse("cases:ledger_import", args=[batch.pk]))


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    congresses = _congresses(request.user)
    if not congresses.exists():
        raise Http404
    kind = request.GET.get("kind") or CaseKind.OPINION
    if kind not in dict(ledger_import.kinds()):
        raise Http404
    response = HttpResponse(ledger_import.template_xlsx(kind), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-template-{kind}.xlsx"'
    return response


@login_required
def opinion_ledger(request: HttpRequest) -> HttpResponseBase:
    """The public opinions ledger (.xlsx) in the import's layout, optionally of one year
    (`?year=`); audited once per congress it holds. Above `RENDA_EXPORT_JOB_ROWS` opinions
    it is written by a background job whose page the user is sent to."""
    if not Congress.objects.filter(pk__in=policy.congress_ids(request.user, "case.supervise")):
        raise Http404
    return exports.respond(request, "cases.opinion_ledger")
