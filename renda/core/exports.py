"""Office documents handed to the browser: the content types of the formats the platform
writes, and the one way to answer with an export — a download that writes its own audit
entry, so that no export of personal or ballot data goes unlogged.

**The one exporter of lists and figures pages.** A page declares its columns once as a
`Table` of `Column`s (header and how a row gives the cell); the page's template prints
`table.headers` as its header row and the sheet is written from the same columns, so the
two agree. An `Export` (registered by name with `register`) says how the page's rows are
found for a user and the page's query string (the page's own filter, inside the user's
scope), the file name (Chinese allowed: RFC 5987) and the audit action. `respond(request,
name)` answers `?format=xlsx`: up to `RENDA_EXPORT_JOB_ROWS` rows the workbook is written
row by row (write-only) into a spooled temporary file and streamed; above it the export
runs as a background job (`renda.core.jobs`) whose page shows the progress and then the
download. Either way the download goes through `attachment` and is audited once.

The two ledgers (the opinions ledger, the suggestions ledger) are exports too: their rows
are `Rows`, one list of cells per object in the import's layout written by the ledger's
own function of a queryset, and their table's columns pick the cells by position, so that
the sheet is the one that imports as it is; their file name follows the year exported
(`name_for`) and their audit note says "ledger".
"""

from __future__ import annotations

import datetime as dt
import operator
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, overload
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import Promise

from renda.core import audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TXT = "text/plain; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX, "docx": DOCX, "txt": TXT}


@overload
def attachment(
    body: bytes | str,
    filename: str,
    *,
    action: str,
    obj: models.Model | None = None,
    congress_ids: Iterable[int] | None = None,
    actor: Any = None,
    note: str = "",
) -> HttpResponse: ...


@overload
def attachment(
    body: IO[bytes],
    filename: str,
    *,
    action: str,
    obj: models.Model | None = None,
    congress_ids: Iterable[int] | None = None,
    actor: Any = None,
    note: str = "",
) -> FileResponse: ...


def attachment(
    body: bytes | str | IO[bytes],
    filename: str,
    *,
    action: str,
    obj: models.Model | None = None,
    congress_ids: Iterable[int] | None = None,
    actor: Any = None,
    note: str = "",
) -> HttpResponseBase:
    """A download named `filename` (its content type follows the extension), audited.

    The audit entry `action` records the format and `note`. It hangs off `obj` (and so its
    congress); an export spanning congresses (a ledger) passes `congress_ids` instead and
    gets one entry per congress, so that each congress's auditor sees it. `actor` defaults
    to the user of the request being served. `body` may be an open binary file (a spooled
    workbook): it is streamed and closed by the response.
    """
    extension = filename.rsplit(".", 1)[-1]
    content_type = CONTENT_TYPES[extension]
    response: HttpResponseBase
    if isinstance(body, bytes | str):
        response = HttpResponse(body, content_type=content_type)
    else:
        response = FileResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    changes = {"format": [None, extension]}
    if congress_ids is None:
        audit.record(action, obj, actor=actor, changes=changes, note=note)
    else:
        scopes: list[int | None] = [*sorted(set(congress_ids))]
        audit.record_per_congress(
            action, scopes or [None], obj, actor=actor, changes=changes, note=note
        )
    return response


def content_disposition(filename: str) -> str:
    """`attachment` named `filename`. A name beyond ASCII (a Chinese file name) goes as
    RFC 5987 `filename*=UTF-8''…`, followed by an ASCII fallback for old clients (RFC 6266:
    a client that understands `filename*` prefers it)."""
    if filename.isascii() and '"' not in filename and "\\" not in filename:
        return f'attachment; filename="{filename}"'
    stem, dot, extension = filename.rpartition(".")
    kept = "".join(c for c in stem if c.isascii() and (c.isalnum() or c in "-_.")).strip("-_.")
    fallback = f"export-{kept}{dot}{extension}" if kept else f"export{dot}{extension}"
    return f"attachment; filename*=UTF-8''{quote(filename, safe='')}; filename=\"{fallback}\""


# --- the one exporter of lists and figures pages ---------------------------------------------


def _attribute(row: Any, path: str) -> Any:
    value = row
    for part in path.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    if callable(value) and not isinstance(value, models.Model):
        value = value()  # get_status_display
    return value


def cell_value(value: Any) -> Any:
    """A value as a sheet holds it: text for translated strings and models, local naive
    times (a workbook has no time zones), numbers and dates as they are."""
    if isinstance(value, Promise | models.Model):
        return str(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, list | tuple | set):
        return "、".join(str(v) for v in value)
    return value


@dataclass(frozen=True)
class Column:
    """One column of a list or figures page: its header, and how a row gives the cell (an
    attribute path "case.category.name" — a dict key for a dict row — or a function)."""

    header: Any
    value: str | Callable[[Any], Any]
    width: float | None = None

    def of(self, row: Any) -> Any:
        raw = self.value(row) if callable(self.value) else _attribute(row, self.value)
        return cell_value(raw)


@dataclass(frozen=True)
class Table:
    """A page's columns, declared once: the page prints `headers`, the sheet `cells`."""

    title: Any
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [str(c.header) for c in self.columns]

    def cells(self, row: Any) -> list[Any]:
        return [c.of(row) for c in self.columns]


@dataclass(frozen=True)
class Rows:
    """A ledger's rows: `cells(queryset)` yields one list of cells per object, in the order
    of the table's columns (`positional`); counted by the queryset, read only once written."""

    queryset: models.QuerySet[Any]
    cells: Callable[[models.QuerySet[Any]], Iterable[list[Any]]]

    def __iter__(self) -> Iterator[list[Any]]:
        return iter(self.cells(self.queryset))

    def __len__(self) -> int:
        return self.queryset.count()


def positional(title: Any, columns: Iterable[tuple[Any, float | None]]) -> Table:
    """A table whose rows are lists of cells (a ledger's `Rows`): (header, width) per column."""
    return Table(
        title,
        tuple(
            Column(header, operator.itemgetter(index), width)
            for index, (header, width) in enumerate(columns)
        ),
    )


def _count(rows: Any) -> int:
    if isinstance(rows, models.QuerySet):
        return rows.count()
    return len(rows)


@dataclass(frozen=True)
class Export:
    """An exportable page. `rows(user, params)` returns the page's rows (a queryset or a
    list) for that user and the page's query string — the page's own filter and scope;
    `congress_ids(user, params)` the congresses exported (whose auditors see the entry)."""

    name: str
    table: Table | Callable[[Any, QueryDict], Table]
    rows: Callable[[Any, QueryDict], Any]
    filename: Any
    action: str
    congress_ids: Callable[[Any, QueryDict], Iterable[int]]
    count: Callable[[Any], int] = field(default=_count)
    name_for: Callable[[QueryDict], str] | None = None
    note: str = ""

    def table_for(self, user: Any, params: QueryDict) -> Table:
        return self.table(user, params) if callable(self.table) else self.table

    def file_name(self, params: QueryDict | None = None) -> str:
        if self.name_for is not None:
            return self.name_for(params if params is not None else QueryDict())
        return f"{self.filename}-{timezone.localdate():%Y%m%d}.xlsx"


EXPORTS: dict[str, Export] = {}


def register(export: Export) -> Export:
    EXPORTS[export.name] = export
    return export


def write_xlsx(
    table: Table,
    rows: Iterable[Any],
    handle: IO[bytes],
    *,
    total: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    every: int = 200,
) -> IO[bytes]:
    """The table's rows into a write-only workbook saved into `handle` (rewound): one row
    at a time, so memory holds no more than openpyxl's buffer; `progress(done, total)`
    every `every` rows."""
    from renda.core import documents

    book = documents.xlsx_workbook(write_only=True)
    sheet = documents.xlsx_sheet(book, str(table.title))
    documents.xlsx_layout(sheet, widths=[c.width or 16 for c in table.columns], freeze="A2")
    documents.xlsx_append(sheet, table.headers, bold=True)
    done = 0
    iterator: Iterable[Any] = rows
    if isinstance(rows, models.QuerySet):
        # In chunks, prefetches included (Django ≥ 4.1): memory holds one chunk.
        iterator = rows.iterator(chunk_size=1000)
    for row in iterator:
        documents.xlsx_append(sheet, table.cells(row))
        done += 1
        if progress is not None and done % every == 0:
            progress(done, total or done)
    if progress is not None:
        progress(done, total if total is not None else done)
    return documents.to_file(book, handle)


def spooled() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115


def export_rows(export: Export, user: Any, params: QueryDict) -> tuple[Table, Any, int]:
    rows = export.rows(user, params)
    return export.table_for(user, params), rows, export.count(rows)


def respond(request: HttpRequest, name: str) -> HttpResponseBase:
    """The page's rows as .xlsx (`?format=xlsx`): streamed now, or — above
    `RENDA_EXPORT_JOB_ROWS` rows — started as a background job whose page the user is
    sent to."""
    from django.shortcuts import redirect

    from renda.core.models import Job

    params = request.GET.copy()
    params.pop("format", None)
    params.pop("page", None)
    answer = start_or_write(name, request.user, params)
    if isinstance(answer, Job):
        return redirect("core:job", answer.pk)
    return answer


def start_or_write(name: str, user: Any, params: QueryDict) -> Any:
    """An export's rows for a user and a query: up to `RENDA_EXPORT_JOB_ROWS` rows the
    .xlsx attachment (written now, audited); above, the background job started for them
    (a `Job`, audited when its file is downloaded). The web pages and the API both answer
    through this."""
    from renda.core import jobs

    export = EXPORTS[name]
    table, rows, total = export_rows(export, user, params)
    if total > settings.RENDA_EXPORT_JOB_ROWS:
        congress_ids = sorted(set(export.congress_ids(user, params)))
        return jobs.start(
            jobs.EXPORT,
            user,
            title=str(export.filename),
            params={
                "export": name,
                "query": params.urlencode(),
                "congress_ids": congress_ids,
            },
            total=total,
            # One congress exported: the job's own entries are its auditors' too.
            congress_id=congress_ids[0] if len(congress_ids) == 1 else None,
        )
    handle = write_xlsx(table, rows, spooled(), total=total)
    return attachment(
        handle,
        export.file_name(params),
        action=export.action,
        congress_ids=list(export.congress_ids(user, params)),
        actor=user,
        note=export.note or f"{total} rows",
    )


def job_result(job: Any, actor: Any) -> HttpResponseBase:
    """A finished job's file as an attachment, audited as its export is (once per congress
    it holds), else as a job's download. The job's page and the API download through it."""
    from renda.core import jobs

    action, note = "job.downloaded", f"job {job.pk}"
    if job.kind == jobs.EXPORT:
        export = EXPORTS.get(job.params.get("export", ""))
        if export is not None:
            action = export.action
            note = f"{export.note} (job {job.pk})" if export.note else note
    return attachment(
        job.result.open("rb"),
        job.result_name,
        action=action,
        congress_ids=job.params.get("congress_ids") or None,
        obj=None if job.params.get("congress_ids") else job,
        actor=actor,
        note=note,
    )


def export_job(job: Any, progress: Callable[[int, int], None]) -> tuple[IO[bytes], str]:
    """The background job of a large export (`renda.core.jobs`, kind "export"): the same
    rows for the job's owner and the page's query string as `respond` would write."""
    export = EXPORTS[job.params["export"]]
    params = QueryDict(job.params.get("query", ""))
    table, rows, total = export_rows(export, job.owner, params)
    handle = write_xlsx(table, rows, spooled(), total=total, progress=progress)
    return handle, export.file_name(params)


def export_query(request: HttpRequest) -> str:
    """The page's query string with `format=xlsx` (for its export link)."""
    params = request.GET.copy()
    params.pop("page", None)
    params["format"] = "xlsx"
    return params.urlencode()
