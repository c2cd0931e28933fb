"""Background jobs (/api/v1/jobs): a large export the API started (the suggestions ledger
above `RENDA_EXPORT_JOB_ROWS` rows answers 202 with its job) — its progress, then its file.
Only the job's owner sees it; anyone else's job, or an unknown one, is a 404. The same jobs
as the web's "My exports" page (`renda.core.jobs`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from renda.api.common import not_found, user_of
from renda.api.schemas import ErrorOut
from renda.api.validation import Id
from renda.core import exports, jobs
from renda.core.models import Job, JobStatus

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str = Field(description="export, reindex, roster_preview or roster_import.")
    title: str
    status: str = Field(description="queued, running, done, failed or expired.")
    done: int = Field(description="Rows (items) done so far.")
    total: int = Field(description="Rows (items) in all.")
    error: str = Field(description="Why it failed (a failed job only).")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    url: str = Field(description="This job (poll it until done).")
    download: str | None = Field(description="Its file, once done.")


def job_out(job: Job) -> dict[str, Any]:
    done = job.status == JobStatus.DONE and bool(job.result)
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "url": reverse("api-v1:job", args=[job.pk]),
        "download": reverse("api-v1:job_download", args=[job.pk]) if done else None,
    }


def _job(request: HttpRequest, job_id: int) -> Job:
    job = jobs.visible(user_of(request)).filter(pk=job_id).first()
    if job is None:
        raise not_found()
    return job


@router.get("/{job_id}", response={200: JobOut, 404: ErrorOut}, url_name="job", summary="A job")
def job(request: HttpRequest, job_id: Id) -> dict[str, Any]:
    """The job's status and progress; `download` once its file is ready."""
    return job_out(_job(request, job_id))


@router.get(
    "/{job_id}/download",
    response={404: ErrorOut, 409: ErrorOut},
    url_name="job_download",
    summary="A finished job's file",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The job's file (attachment), audited as its export.",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def job_download(request: HttpRequest, job_id: Id) -> HttpResponseBase:
    job = _job(request, job_id)
    if job.status != JobStatus.DONE or not job.result:
        raise HttpError(
            409,
            _("The job has no file to download yet: it is %(status)s.")
            % {"status": job.get_status_display()},
        )
    return exports.job_result(job, user_of(request))
