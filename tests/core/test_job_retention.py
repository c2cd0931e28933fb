"""Old job results are pruned and the owner lists their jobs (renda.core.jobs, /jobs/).

- `jobs.prune` deletes the result FILE of a job finished more than
  `RENDA_JOB_RETENTION_DAYS` ago and marks the job expired: the row stays, audited; a
  newer job keeps its file; the expired job's download is a 404.
- /jobs/ lists the owner's jobs (with the download) and nobody else's; the System menu
  links to it.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from renda.core import jobs
from renda.core.models import ActionLog, Job, JobStatus


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def probe():  # noqa: ANN201
    jobs.register_runner("probe", lambda job, progress: (io.BytesIO(b"rows"), "名单.xlsx"))
    yield
    jobs.RUNNERS.pop("probe")


def _finished(owner, days_ago: int) -> Job:  # noqa: ANN001
    job = Job.objects.create(kind="probe", owner=owner, title="导出")
    assert jobs.run(job.pk) == JobStatus.DONE
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=days_ago))
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_prune_deletes_old_result_files_and_marks_the_jobs_expired(world, settings, probe):
    settings.RENDA_JOB_RETENTION_DAYS = 7
    old = _finished(world.staff, days_ago=8)
    new = _finished(world.staff, days_ago=2)
    storage = old.result.storage
    old_name = old.result.name
    assert storage.exists(old_name)
    assert jobs.prune() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == JobStatus.EXPIRED and not old.result
    assert not storage.exists(old_name)
    assert new.status == JobStatus.DONE and storage.exists(new.result.name)
    assert ActionLog.objects.filter(
        action="job.expired", object_type="core.job", object_id=str(old.pk)
    ).exists()
    assert jobs.prune() == 0  # idempotent
    client = _client(world.staff)
    assert client.get(f"/jobs/{old.pk}/download/").status_code == 404
    page = client.get(f"/jobs/{old.pk}/").content.decode()
    assert 'id="job-download"' not in page
    assert Job.objects.filter(pk=old.pk).exists()  # no hard delete


@pytest.mark.django_db
def test_the_prune_is_periodic():
    assert "renda.core.tasks.prune_jobs" in django_settings.RENDA_PERIODIC_JOBS
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "renda.core.prune_jobs" in tasks
    assert django_settings.RENDA_JOB_RETENTION_DAYS == 7


@pytest.mark.django_db
def test_my_exports_and_jobs_lists_only_the_owners_jobs(world, probe):
    mine = _finished(world.staff, days_ago=0)
    theirs = _finished(world.other_staff, days_ago=0)
    page = _client(world.staff).get("/jobs/")
    body = page.content.decode()
    assert page.status_code == 200
    assert f"/jobs/{mine.pk}/download/" in body
    assert f"/jobs/{theirs.pk}/" not in body
    # The System menu links to it.
    workspace = _client(world.staff).get("/workspace/").content.decode()
    assert 'id="jobs-link"' in workspace and 'href="/jobs/"' in workspace
