"""A background job's page (renda.core.jobs): its progress, polled with htmx, and the
download when it is done. Only its owner sees it (anyone else gets a 404)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from renda.core import exports, jobs
from renda.core.models import Job, JobStatus


def _job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(jobs.visible(request.user), pk=pk)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    """My exports and jobs: the owner's latest jobs with their downloads."""
    return render(
        request,
        "core/jobs.html",
        {
            "jobs": jobs.visible(request.user)[:50],
            "retention_days": settings.RENDA_JOB_RETENTION_DAYS,
        },
    )


@login_required
@require_GET
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "core/job.html", {"job": _job(request, pk)})


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment the page polls every second while the job runs."""
    return render(request, "core/_job_progress.html", {"job": _job(request, pk)})


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job(request, pk)
    if job.status != JobStatus.DONE or not job.result:
        raise Http404
    return exports.job_result(job, request.user)
