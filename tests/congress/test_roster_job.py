"""A large deputy roster is checked by a background job with progress (renda.congress.
roster, renda.core.jobs): the upload answers at once with the job's page; the job checks
every row, reports its progress, makes the import previewed or rejected (audited) and
leaves the row-by-row report to download; a small roster is still checked in the request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.congress import roster
from renda.congress.models import DeputyMembership, RosterImport
from renda.core import jobs
from renda.core.models import ActionLog, Job, JobStatus
from tests.congress.test_roster import GOOD_ROWS, _upload, _xlsx
from tests.fixtures.exporting import sheet


def _many(n: int, *, bad: int | None = None) -> list[list[object]]:
    rows = []
    for i in range(n):
        phone = f"1370001{i:04d}" if i != bad else "1234567"
        rows.append([f"代表{i}", "男", "汉族", 1970, "群众", "村民", phone, "1", "", ""])
    return rows


@pytest.mark.django_db
def test_a_large_roster_is_checked_in_a_job_with_progress_then_imported(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_ROSTER_JOB_ROWS = 20
    settings.RENDA_JOBS_IN_THREAD = False
    seen: list[tuple[int, int]] = []
    real = jobs._progress

    def spy(pk):  # noqa: ANN001, ANN202
        report = real(pk)

        def both(done: int, total: int) -> None:
            seen.append((done, total))
            report(done, total)

        return both

    client.force_login(world.staff)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jobs, "_progress", spy)
        with django_capture_on_commit_callbacks(execute=True):
            response = _upload(client, world.term_a, _xlsx(_many(250)))
    job = Job.objects.get()
    batch = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == jobs.ROSTER_PREVIEW and job.owner == world.staff
    assert job.status == JobStatus.DONE and job.done == job.total == 250
    assert seen[0] == (100, 250) and seen[-1] == (250, 250)  # progress along the way
    assert batch.status == "previewed" and batch.row_count == 250 and batch.error_count == 0
    assert ActionLog.objects.filter(action="roster.previewed", object_id=str(batch.pk)).exists()
    # The job's page goes on to the import's page, which shows the counts, not 250 rows.
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    confirm_url = reverse("admin:congress_deputymembership_import_confirm", args=[batch.pk])
    assert 'id="job-next"' in page and confirm_url in page
    preview = client.get(confirm_url).content.decode()
    assert "代表7" not in preview and 'id="roster-report"' in preview
    report = sheet(client.get(f"/jobs/{job.pk}/download/"))
    assert len(report) == 251 and report[1][1] == "代表0"
    # Confirmed: 250 rows are written by a background job too (tests/congress/
    # test_roster_import_job.py), which the confirmation sends the office to.
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(confirm_url)
    written = Job.objects.get(kind=jobs.ROSTER_IMPORT)
    assert confirmed.status_code == 302 and confirmed["Location"] == f"/jobs/{written.pk}/"
    assert written.status == JobStatus.DONE
    assert DeputyMembership.objects.filter(term=world.term_a, deputy__name="代表249").exists()


@pytest.mark.django_db
def test_a_large_roster_with_an_error_is_rejected_by_its_job(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_ROSTER_JOB_ROWS = 20
    settings.RENDA_JOBS_IN_THREAD = False
    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, world.term_a, _xlsx(_many(30, bad=17)))
    batch = RosterImport.objects.get()
    job = Job.objects.get()
    assert batch.status == "rejected" and batch.error_count == 1
    errors = [r for r in sheet(client.get(f"/jobs/{job.pk}/download/"))[1:] if r[4]]
    assert [r[0] for r in errors] == [19]  # the spreadsheet's row number
    confirm_url = reverse("admin:congress_deputymembership_import_confirm", args=[batch.pk])
    client.post(confirm_url)
    assert not DeputyMembership.objects.filter(deputy__name="代表0").exists()
    # Another town's staff cannot see the job.
    client.force_login(world.other_staff)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_small_roster_is_still_checked_in_the_request(client, world, settings):
    settings.RENDA_ROSTER_JOB_ROWS = 20
    client.force_login(world.staff)
    _upload(client, world.term_a, _xlsx(GOOD_ROWS))
    assert not Job.objects.exists()
    assert RosterImport.objects.get().status == "previewed"
    assert roster.count_rows(_xlsx(GOOD_ROWS + [["", "", ""]])) == 2
