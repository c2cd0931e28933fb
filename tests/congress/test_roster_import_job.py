"""Confirming a large deputy roster writes it in a background job with progress (renda.
congress.roster.confirm_import, renda.core.jobs "roster_import"): the confirmation answers at
once with the job's page (polled by htmx), the job writes every row or none, audited as in
the request; a roster at or below `RENDA_ROSTER_JOB_ROWS` rows is still written inline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.congress.models import Deputy, DeputyMembership, Gender, RosterImport
from renda.core import jobs
from renda.core.models import ActionLog, Job, JobStatus
from tests.congress.test_roster import GOOD_ROWS, _upload, _xlsx
from tests.congress.test_roster_job import _many


def _confirm_url(batch: RosterImport) -> str:
    return reverse("admin:congress_deputymembership_import_confirm", args=[batch.pk])


@pytest.mark.django_db
def test_a_large_roster_is_written_by_a_job_with_progress(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_ROSTER_JOB_ROWS = 20
    settings.RENDA_JOBS_IN_THREAD = False
    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world.term_a, _xlsx(_many(250)))
    batch = RosterImport.objects.get()
    assert batch.status == "previewed"

    # Confirmed: nothing written in the request; the office is sent to the job's page.
    response = client.post(_confirm_url(batch))
    job = Job.objects.get(kind=jobs.ROSTER_IMPORT)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.QUEUED and job.owner == world.staff and job.total == 250
    assert not DeputyMembership.objects.filter(deputy__name__startswith="代表").exists()
    assert ActionLog.objects.filter(
        action="roster.import_queued", object_id=str(batch.pk), actor=world.staff
    ).exists()
    # The job's page polls its progress partial (htmx) while it is queued or running; a
    # second confirmation, or the import's page, leads to the same job.
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in page and 'hx-trigger="every 1s"' in page
    again = client.post(_confirm_url(batch))
    assert (
        again["Location"] == f"/jobs/{job.pk}/"
        and Job.objects.filter(kind=jobs.ROSTER_IMPORT).count() == 1
    )
    assert client.get(_confirm_url(batch))["Location"] == f"/jobs/{job.pk}/"

    # The job runs (the worker), reporting its progress along the way.
    seen: list[tuple[int, int]] = []
    real = jobs._progress

    def spy(pk):  # noqa: ANN001, ANN202
        report = real(pk)

        def both(done: int, total: int) -> None:
            seen.append((done, total))
            report(done, total)

        return both

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jobs, "_progress", spy)
        assert jobs.run(job.pk) == JobStatus.DONE
    assert seen[0] == (100, 500) and (350, 500) in seen and seen[-1] == (500, 500)
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.done == job.total == 500 and job.result_name == ""
    assert batch.status == "imported"
    assert (
        DeputyMembership.objects.filter(term=world.term_a, deputy__name__startswith="代表").count()
        == 250
    )
    # Audited as in the request: the import, each membership, by the job's owner.
    assert ActionLog.objects.filter(
        action="roster.imported", object_id=str(batch.pk), actor=world.staff
    ).exists()
    assert ActionLog.objects.filter(action="membership.created", actor=world.staff).count() == 250
    done = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert 'data-status="done"' in done and "hx-get" not in done
    assert reverse("admin:congress_deputymembership_changelist") in done
    # Imported once: confirming again is refused, no second job.
    client.post(_confirm_url(batch))
    assert Job.objects.filter(kind=jobs.ROSTER_IMPORT).count() == 1


@pytest.mark.django_db
def test_a_roster_that_went_bad_fails_its_job_and_writes_nothing(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_ROSTER_JOB_ROWS = 20
    settings.RENDA_JOBS_IN_THREAD = False
    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world.term_a, _xlsx(_many(30)))
    batch = RosterImport.objects.get()
    client.post(_confirm_url(batch))
    job = Job.objects.get(kind=jobs.ROSTER_IMPORT)
    # Between the check and the job, one of its phone numbers went to another person.
    Deputy.objects.create(name="另一人", gender=Gender.MALE, phone="13700010005")
    assert jobs.run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    batch.refresh_from_db()
    assert "nothing was imported" in job.error or "未导入" in job.error
    assert batch.status == "previewed"
    assert not DeputyMembership.objects.filter(deputy__name__startswith="代表").exists()


@pytest.mark.django_db
def test_a_small_roster_is_still_written_in_the_request(client, world, settings):
    settings.RENDA_ROSTER_JOB_ROWS = 20
    client.force_login(world.staff)
    _upload(client, world.term_a, _xlsx(GOOD_ROWS))
    batch = RosterImport.objects.get()
    response = client.post(_confirm_url(batch))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:congress_deputymembership_changelist")
    assert not Job.objects.exists()
    batch.refresh_from_db()
    assert batch.status == "imported"
    assert DeputyMembership.objects.filter(term=world.term_a).filter(
        deputy__name__in=[r[0] for r in GOOD_ROWS]
    ).count() == len(GOOD_ROWS)
    assert ActionLog.objects.filter(action="roster.imported", object_id=str(batch.pk)).exists()
    assert not ActionLog.objects.filter(action="roster.import_queued").exists()
