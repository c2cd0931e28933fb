"""Long jobs in the background with their progress: the one job service.

A `Job` (kind, owner, parameters, status, done of total, result file, error) is started by
`start` in the caller's transaction and dispatched once it commits: to a Celery worker
(`renda.core.run_job`) when there is a broker, and in the embedded mode (no worker: Celery
runs tasks inline there) to a thread of the serving process, so that the request answers
at once and the page polls the progress. The sweep `run_stalled` (run_periodic / beat)
runs what was queued and never started (its dispatch lost) and restarts a job whose
process died while running. What a kind does is its runner: `RUNNERS[kind](job,
progress)` returns the result as (open binary file, file name) or None; `progress(done,
total)` updates the row without touching anything else.

Kinds: "export" (renda.core.exports: a list or figures page's sheet, or a ledger, above
the row threshold), "reindex" (the portal's search index, registered by the portal) and
"roster_preview" (a deputy roster above `RENDA_ROSTER_JOB_ROWS` rows, checked row by row:
renda.congress.roster) and "roster_import" (such a roster, once confirmed, written all or
nothing: renda.congress.roster). A job may name the page to go on to once done (`params["next"]`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.core import audit, workflow
from renda.core.errors import DomainError
from renda.core.models import JOB_TRANSITIONS, Job, JobKind, JobStatus

log = logging.getLogger(__name__)

EXPORT = JobKind.EXPORT
REINDEX = JobKind.REINDEX
ROSTER_PREVIEW = JobKind.ROSTER_PREVIEW
ROSTER_IMPORT = JobKind.ROSTER_IMPORT

Result = tuple[IO[bytes], str] | None
Runner = Callable[[Job, Callable[[int, int], None]], Result]
RUNNERS: dict[str, Runner] = {}

#: A job running for longer than this without progress is taken for dead by the sweep.
STALE_AFTER = dt.timedelta(minutes=10)


def register_runner(kind: str, runner: Runner) -> None:
    RUNNERS[kind] = runner


def start(
    kind: str,
    owner: Any,
    *,
    title: str = "",
    params: dict[str, Any] | None = None,
    total: int = 0,
    congress_id: int | None = None,
) -> Job:
    """Queue a job for `owner`; it runs once the caller's transaction commits."""
    if kind not in RUNNERS:
        raise DomainError(_("This kind of job cannot run here."))
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            owner=owner,
            title=title[:200],
            params=params or {},
            total=total,
            congress_id=congress_id,
        )
        audit.record("job.started", job, actor=owner, changes={"kind": [None, kind]})
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(pk: int) -> None:
    if getattr(settings, "RENDA_JOBS_IN_THREAD", False):
        threading.Thread(target=_run_in_thread, args=(pk,), daemon=True).start()
    else:
        from renda.core import tasks

        tasks.run_job.delay(pk)


def _run_in_thread(pk: int) -> None:
    close_old_connections()
    try:
        run(pk)
    except Exception:  # a thread has nobody to raise to: the job row says it failed
        log.exception("job %s failed", pk)
    finally:
        close_old_connections()


def _progress(pk: int) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        Job.objects.filter(pk=pk).update(done=done, total=total, heartbeat_at=timezone.now())

    return report


def run(pk: int) -> str:
    """Run the job `pk` (idempotent: a finished job is not run again). Returns its status."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("owner").get(pk=pk)
        if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job.status
        workflow.move(
            job,
            JobStatus.RUNNING,
            transitions=JOB_TRANSITIONS,
            action="job.running",
            actor=job.owner,
            values={"started_at": timezone.now(), "heartbeat_at": timezone.now(), "done": 0},
        )
    try:
        result = RUNNERS[job.kind](job, _progress(pk))
    except Exception as exc:
        message = str(exc) if isinstance(exc, DomainError) else _("The job failed.")
        log.exception("job %s (%s) failed", pk, job.kind)
        _finish(pk, JobStatus.FAILED, error=message[:500])
        if not isinstance(exc, DomainError) and not getattr(
            settings, "RENDA_JOBS_IN_THREAD", False
        ):
            raise
        return JobStatus.FAILED
    _finish(pk, JobStatus.DONE, result=result)
    return JobStatus.DONE


def _finish(pk: int, target: str, *, error: str = "", result: Result = None) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("owner").get(pk=pk)
        if result is not None:
            handle, name = result
            try:
                job.result.save(f"job-{job.pk}.bin", File(handle), save=False)
            finally:
                handle.close()
            job.result_name = name
        workflow.move(
            job,
            target,
            transitions=JOB_TRANSITIONS,
            action=f"job.{target}",
            actor=job.owner,
            fields=("result", "result_name"),
            values={"error": error, "finished_at": timezone.now()},
        )


def run_stalled() -> int:
    """The sweep: jobs queued for a minute without a start (dispatch lost), or running
    without progress for `STALE_AFTER` (their process died), run again."""
    now = timezone.now()
    ids = list(
        Job.objects.filter(
            Q(status=JobStatus.QUEUED, created_at__lt=now - dt.timedelta(minutes=1))
            | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        try:
            run(pk)
        except Exception:
            log.exception("job %s failed in the sweep", pk)
    return len(ids)


def prune(*, batch: int = 500) -> int:
    """Delete the result files of jobs finished more than `RENDA_JOB_RETENTION_DAYS` ago
    and mark those jobs expired (the row stays, with its audit trail: only the file goes).
    Returns how many files were deleted."""
    cutoff = timezone.now() - dt.timedelta(days=settings.RENDA_JOB_RETENTION_DAYS)
    pks = list(
        Job.objects.filter(status=JobStatus.DONE, finished_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in pks:
        with transaction.atomic():
            job = Job.objects.select_for_update().select_related("owner").get(pk=pk)
            if job.status != JobStatus.DONE:
                continue
            if job.result:
                job.result.delete(save=False)
            workflow.move(
                job,
                JobStatus.EXPIRED,
                transitions=JOB_TRANSITIONS,
                action="job.expired",
                actor=None,
                fields=("result",),
                note=f"{settings.RENDA_JOB_RETENTION_DAYS} days",
            )
    return len(pks)


def visible(user: Any) -> Any:
    """The jobs a user may see: their own (another user's job is a 404)."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(owner=user)


def _export_runner(job: Job, progress: Callable[[int, int], None]) -> Result:
    from renda.core import exports

    return exports.export_job(job, progress)


register_runner(EXPORT, _export_runner)
