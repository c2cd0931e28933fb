"""The one exporter (renda.core.exports) and the background jobs (renda.core.jobs).

- Every exportable page answers `?format=xlsx` with a workbook of the page's filtered rows,
  its header row the page's own (`Table.headers`), named in Chinese through RFC 5987, and
  one audit entry per exported congress.
- Scope: another town's rows never reach an export, whatever the query string says.
- Above `RENDA_EXPORT_JOB_ROWS` rows the export becomes a job: the user lands on its page,
  the job runs (a worker; Celery runs inline in the tests), reports its progress, and its
  owner — and only its owner — downloads the same workbook.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone

from renda.cases import services as cases
from renda.core import documents, exports, jobs
from renda.core.errors import DomainError
from renda.core.models import ActionLog, Job, JobStatus
from renda.stations import services as stations
from renda.stations.models import StationKind
from tests.fixtures.cases import submit


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _sheet(response) -> list[list]:  # noqa: ANN001
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = documents.open_xlsx(body)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _page_headers(response) -> list[str]:  # noqa: ANN001
    tree = lxml.html.fromstring(response.content.decode())
    return [th.text_content().strip() for th in tree.xpath("//table//thead//th")]


@pytest.fixture
def two_towns(cases_world):  # noqa: ANN001, ANN201
    w = cases_world
    w.mine = [submit(w, content=f"东塘村第{i}处路灯坏了，晚上出行不安全").case for i in range(3)]
    cases.assign_case(w.mine[0], lead=w.dept_a1, acting_user=w.staff)
    w.theirs = submit(
        w, congress=w.c_b, category=w.cat_b, village=None, content="枫林镇的路面坑洼积水严重"
    ).case
    return w


def test_content_disposition_carries_the_chinese_name_as_rfc_5987():
    header = exports.content_disposition("事项-20261206.xlsx")
    assert header == (
        "attachment; filename*=UTF-8''"
        + quote("事项-20261206.xlsx", safe="")
        + '; filename="export-20261206.xlsx"'
    )
    assert exports.content_disposition("a.xlsx") == 'attachment; filename="a.xlsx"'


@pytest.mark.django_db
def test_the_inbox_export_has_the_filtered_rows_the_page_header_and_an_audit_entry(two_towns):
    w = two_towns
    client = _client(w.staff)
    page = client.get("/cases/", {"view": "new"})
    assert page.status_code == 200
    headers = _page_headers(page)
    response = client.get("/cases/", {"view": "new", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = _sheet(response)
    # The page's header row (after its tick-box column) is the sheet's.
    assert [h for h in headers if h] == rows[0]
    # Filtered: "new" leaves out the assigned case.
    serials = sorted(r[0] for r in rows[1:])
    assert serials == sorted(c.serial for c in w.mine[1:])
    entry = ActionLog.objects.get(action="cases.list_exported")
    assert entry.congress_id == w.c_a.pk and entry.actor == w.staff
    assert entry.changes == {"format": [None, "xlsx"]} and entry.note == "2 rows"


@pytest.mark.django_db
def test_another_towns_cases_never_reach_an_export(two_towns):
    w = two_towns
    response = _client(w.staff).get(
        "/cases/", {"view": "all", "congress": w.c_b.pk, "format": "xlsx"}
    )
    assert response.status_code == 200
    assert _sheet(response)[1:] == []
    response = _client(w.other_staff).get("/cases/", {"view": "all", "format": "xlsx"})
    # (serial numbers are per town: the rows are told apart by their subject)
    subjects = [r[1] for r in _sheet(response)[1:]]
    assert subjects == [w.theirs.title]
    assert not set(subjects) & {c.title for c in w.mine}


@pytest.mark.django_db
def test_station_lists_export_their_rows_within_the_users_town(cases_world):
    w = cases_world
    station = stations.create_station(
        congress=w.c_a,
        kind=StationKind.CENTRAL,
        name="清河镇中心联络站",
        code="center",
        address="人民路1号",
        open_weekdays="0123456",
        acting_user=w.staff,
    )
    stations.assign_deputy(station, w.deputy_a, acting_user=w.staff)
    day = timezone.localdate()
    stations.add_shift(
        station,
        date=day,
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        deputies=[w.deputy_a],
        acting_user=w.staff,
    )
    client = _client(w.staff)
    query = {"from": day.isoformat(), "to": day.isoformat()}
    page = client.get("/office/roster/", query)
    response = client.get("/office/roster/", {**query, "format": "xlsx"})
    rows = _sheet(response)
    assert rows[0] == _page_headers(page)
    assert len(rows) == 2 and rows[1][2] == "清河镇中心联络站" and w.deputy_a.name in rows[1][3]
    for url in ("/office/receptions/", "/office/contacts/", "/office/stations/figures/"):
        response = client.get(url, {**query, "format": "xlsx"})
        assert response.status_code == 200, url
        assert response["Content-Type"] == exports.XLSX
    assert ActionLog.objects.filter(action="stations.roster_exported", congress_id=w.c_a.pk)
    # 枫林镇's staff asking for 清河镇 gets a 404 or their own town: none of 清河镇's shifts.
    response = _client(w.other_staff).get(
        "/office/roster/", {**query, "congress": w.c_a.pk, "format": "xlsx"}
    )
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert _sheet(response)[1:] == []
    assert not ActionLog.objects.filter(action="stations.roster_exported", actor=w.other_staff)


@pytest.mark.django_db
def test_a_large_export_runs_as_a_job_with_progress_and_a_download(
    two_towns, settings, django_capture_on_commit_callbacks
):
    w = two_towns
    settings.RENDA_EXPORT_JOB_ROWS = 2
    settings.RENDA_JOBS_IN_THREAD = False
    client = _client(w.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/cases/", {"view": "all", "format": "xlsx"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == jobs.EXPORT and job.owner == w.staff
    assert job.status == JobStatus.DONE and job.done == job.total == 3 and job.percent == 100
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and b'id="job-download"' in page.content
    fragment = client.get(f"/jobs/{job.pk}/progress/")
    assert b"hx-get" not in fragment.content  # finished: no more polling
    before = ActionLog.objects.filter(action="cases.list_exported").count()
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    assert sorted(r[0] for r in _sheet(download)[1:]) == sorted(c.serial for c in w.mine)
    assert ActionLog.objects.filter(action="cases.list_exported").count() == before + 1
    # Another user's job is a 404, its page, progress and file alike.
    other = _client(w.other_staff)
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/", f"/jobs/{job.pk}/download/"):
        assert other.get(url).status_code == 404


@pytest.mark.django_db
def test_a_running_job_polls_and_reports_its_progress(world):
    seen: list[tuple[int, int]] = []

    def runner(job, progress):  # noqa: ANN001, ANN202
        progress(1, 4)
        seen.append((Job.objects.get(pk=job.pk).done, Job.objects.get(pk=job.pk).total))
        return io.BytesIO(b"done"), "结果.txt"

    jobs.register_runner("probe", runner)
    try:
        job = Job.objects.create(kind="probe", owner=world.staff, total=4)
        client = _client(world.staff)
        fragment = client.get(f"/jobs/{job.pk}/progress/")
        assert b'hx-trigger="every 1s"' in fragment.content
        assert jobs.run(job.pk) == JobStatus.DONE
        assert seen == [(1, 4)]
        job.refresh_from_db()
        assert job.result_name == "结果.txt" and job.result.read() == b"done"
        assert jobs.run(job.pk) == JobStatus.DONE  # idempotent
        assert list(
            ActionLog.objects.filter(object_type="core.job", object_id=str(job.pk))
            .order_by("id")
            .values_list("action", flat=True)
        ) == ["job.running", "job.done"]
    finally:
        jobs.RUNNERS.pop("probe")


@pytest.mark.django_db
def test_a_failing_job_says_why(world):
    def runner(job, progress):  # noqa: ANN001, ANN202
        raise DomainError("没有可导出的数据")

    jobs.register_runner("broken", runner)
    try:
        job = Job.objects.create(kind="broken", owner=world.staff)
        assert jobs.run(job.pk) == JobStatus.FAILED
        job.refresh_from_db()
        assert job.error == "没有可导出的数据" and not job.result
        page = _client(world.staff).get(f"/jobs/{job.pk}/")
        assert "没有可导出的数据" in page.content.decode()
        assert _client(world.staff).get(f"/jobs/{job.pk}/download/").status_code == 404
    finally:
        jobs.RUNNERS.pop("broken")


@pytest.mark.django_db
def test_a_job_of_an_unknown_kind_is_refused(world):
    with pytest.raises(DomainError):
        jobs.start("nothing", world.staff)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_portal_reindex_runs_as_the_operators_job(
    world, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_JOBS_IN_THREAD = False
    assert _client(world.staff).post("/portal/office/reindex/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(world.superuser).post("/portal/office/reindex/")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == jobs.REINDEX and job.status == JobStatus.DONE


@pytest.mark.django_db
def test_the_sweep_runs_a_job_whose_dispatch_was_lost(world, settings):
    settings.RENDA_JOBS_IN_THREAD = False
    jobs.register_runner("probe", lambda job, progress: None)
    try:
        job = Job.objects.create(kind="probe", owner=world.staff)
        assert jobs.run_stalled() == 0  # queued a moment ago: its dispatch may still come
        Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
        assert jobs.run_stalled() == 1
        job.refresh_from_db()
        assert job.status == JobStatus.DONE
    finally:
        jobs.RUNNERS.pop("probe")


@pytest.mark.django_db
def test_a_department_exports_only_its_own_assignments(two_towns):
    w = two_towns
    response = _client(w.handler_a).get("/department/", {"view": "all", "format": "xlsx"})
    assert response.status_code == 200
    rows = _sheet(response)
    assert [r[1] for r in rows[1:]] == [w.mine[0].title]
    assert ActionLog.objects.filter(
        action="cases.department_list_exported", congress_id=w.c_a.pk, actor=w.handler_a
    ).exists()
    assert _client(w.staff).get("/department/", {"format": "xlsx"}).status_code == 404
