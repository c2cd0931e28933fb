"""Deputy roster import and export (.xlsx).

Import is two-step: `preview_roster` parses and validates every row against the database
and returns a row-by-row report; `import_roster` re-validates inside one transaction and
writes everything or nothing. One person may already exist (a district deputy who is
also a town deputy): the mobile number identifies them and a new membership is added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.congress.models import (
    ROSTER_IMPORT_TRANSITIONS,
    Constituency,
    Deputy,
    DeputyGroup,
    DeputyMembership,
    Gender,
    Party,
    RosterImport,
    RosterImportStatus,
    Term,
)
from renda.core import audit, documents, uploads, workflow
from renda.core.errors import DomainError
from renda.core.exports import Column, Table
from renda.core.validators import validate_cn_mobile

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

# (key, header label). Headers are matched in every available language.
COLUMNS: list[tuple[str, object]] = [
    ("name", gettext_lazy("Name")),
    ("gender", gettext_lazy("Gender")),
    ("ethnicity", gettext_lazy("Ethnicity")),
    ("birth_year", gettext_lazy("Year of birth")),
    ("party", gettext_lazy("Political affiliation")),
    ("occupation", gettext_lazy("Workplace and position")),
    ("phone", gettext_lazy("Mobile phone")),
    ("constituency", gettext_lazy("Constituency")),
    ("group", gettext_lazy("Deputy group")),
    ("start_date", gettext_lazy("Start date")),
]
REQUIRED = {"name", "gender", "phone"}

# Short forms that rosters commonly use, besides the full labels.
PARTY_ALIASES = {
    "中共党员": Party.CPC,
    "预备党员": Party.CPC_PROBATIONARY,
    "群众": Party.NONE,
    "无党派": Party.NONE,
}


def _labels_in_all_languages(label: object) -> set[str]:
    out = set()
    for code in ("zh-hans", "en"):
        with translation.override(code):
            out.add(str(label).strip().lower())
    return out


def _choice_lookup(choices, aliases=None) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices:
        table[str(value).lower()] = value
        for text in _labels_in_all_languages(label):
            table[text] = value
    for alias, value in (aliases or {}).items():
        table[alias.lower()] = value
    return table


@dataclass
class RowReport:
    number: int  # the spreadsheet row number, as the user sees it
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    existing_deputy_id: int | None = None

    @property
    def action(self) -> str:
        if self.errors:
            return _("Error")
        if self.existing_deputy_id:
            return _("Existing person: add membership")
        return _("New deputy")


@dataclass
class RosterReport:
    rows: list[RowReport]
    file_errors: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors) + len(self.file_errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and bool(self.rows)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_rows(content: bytes) -> tuple[list[str], Iterator[tuple[int, tuple]]]:
    try:
        book = documents.open_xlsx(content)  # its unpacked size checked first (zip bombs)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    except Exception as exc:  # openpyxl raises many kinds for a non-xlsx file
        raise DomainError(_("The file is not a readable .xlsx workbook.")) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise DomainError(_("The workbook is empty."))
    return [_cell_text(h) for h in header], ((i, row) for i, row in enumerate(rows, start=2))


def _map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    wanted = {key: _labels_in_all_languages(label) for key, label in COLUMNS}
    mapping: dict[str, int] = {}
    for index, text in enumerate(header):
        for key, labels in wanted.items():
            if text.lower() in labels or text.lower() == key:
                mapping[key] = index
    missing = [str(label) for key, label in COLUMNS if key in REQUIRED and key not in mapping]
    errors = []
    if missing:
        errors.append(
            _("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)}
        )
    return mapping, errors


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell_text(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise ValueError(text)


def count_rows(content: bytes) -> int:
    """The file's data rows (blank lines left out), read without checking them: whether
    the check runs in the request or as a background job."""
    _header, rows = _read_rows(content)
    return sum(1 for _number, raw in rows if any(_cell_text(v) != "" for v in raw))


def preview_roster(
    content: bytes,
    term: Term,
    *,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
    every: int = 100,
) -> RosterReport:
    """Validate every row of the file against the term's congress. Writes nothing.
    `progress(done, total)` every `every` rows (a background job's progress bar)."""
    header, rows = _read_rows(content)
    mapping, file_errors = _map_header(header)
    if file_errors:
        return RosterReport(rows=[], file_errors=file_errors)
    congress_id = term.congress_id
    genders = _choice_lookup(Gender.choices)
    parties = _choice_lookup(Party.choices, PARTY_ALIASES)
    constituencies: dict[str, Constituency] = {}
    for c in Constituency.objects.filter(congress_id=congress_id):
        constituencies[c.name.lower()] = c
        constituencies[str(c.number)] = c
    groups = {g.name.lower(): g for g in DeputyGroup.objects.filter(congress_id=congress_id)}
    reports: list[RowReport] = []
    seen_phones: dict[str, int] = {}
    phones_in_file: set[str] = set()
    parsed: list[RowReport] = []
    for number, raw in rows:
        cells = {key: (raw[idx] if idx < len(raw) else None) for key, idx in mapping.items()}
        if all(_cell_text(v) == "" for v in cells.values()):
            continue  # blank lines at the end of a sheet
        if len(parsed) >= MAX_ROWS:
            file_errors.append(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
            break
        report = RowReport(number=number, values={})
        _validate_row(report, cells, term, genders, parties, constituencies, groups)
        phone = report.values.get("phone")
        if phone:
            if phone in seen_phones:
                report.errors.append(
                    _("The same person (mobile number) appears again; first on row %(row)s.")
                    % {"row": seen_phones[phone]}
                )
            else:
                seen_phones[phone] = number
                phones_in_file.add(phone)
        parsed.append(report)
        if progress is not None and len(parsed) % every == 0:
            progress(len(parsed), max(total, len(parsed)))
    existing = {d.phone: d for d in Deputy.objects.filter(phone__in=phones_in_file)}
    seated = set(
        DeputyMembership.objects.filter(term=term, deputy__phone__in=phones_in_file).values_list(
            "deputy__phone", flat=True
        )
    )
    for report in parsed:
        phone = report.values.get("phone")
        person = existing.get(phone) if phone else None
        if person is not None:
            if person.name != report.values.get("name"):
                report.errors.append(
                    _("This mobile number is already registered to a different person.")
                )
            elif phone in seated:
                report.errors.append(_("This person already has a membership in this term."))
            else:
                report.existing_deputy_id = person.pk
        reports.append(report)
    if progress is not None:
        progress(len(reports), len(reports))
    return RosterReport(rows=reports, file_errors=file_errors)


def _validate_row(report, cells, term, genders, parties, constituencies, groups) -> None:
    values = report.values
    errors = report.errors
    name = _cell_text(cells.get("name"))
    if not name:
        errors.append(_("The name is missing."))
    elif len(name) > 40:
        errors.append(_("The name is longer than 40 characters."))
    values["name"] = name
    gender = genders.get(_cell_text(cells.get("gender")).lower())
    if gender is None:
        errors.append(_("Unknown gender “%(value)s”.") % {"value": _cell_text(cells.get("gender"))})
    values["gender"] = gender
    values["ethnicity"] = _cell_text(cells.get("ethnicity"))[:20] or "汉族"
    birth = _cell_text(cells.get("birth_year"))
    values["birth_year"] = None
    if birth:
        if birth.isdigit() and 1900 <= int(birth) <= timezone.localdate().year - 18:
            values["birth_year"] = int(birth)
        else:
            errors.append(_("The year of birth “%(value)s” is not valid.") % {"value": birth})
    party_text = _cell_text(cells.get("party"))
    values["party"] = Party.NONE
    if party_text:
        party = parties.get(party_text.lower())
        if party is None:
            errors.append(_("Unknown political affiliation “%(value)s”.") % {"value": party_text})
        else:
            values["party"] = party
    values["occupation"] = _cell_text(cells.get("occupation"))[:200]
    phone = _cell_text(cells.get("phone")).replace(" ", "").replace("-", "")
    try:
        if not phone:
            raise ValidationError(_("The mobile number is missing."))
        validate_cn_mobile(phone)
        values["phone"] = phone
    except ValidationError as exc:
        errors.extend(str(m) for m in exc.messages)
        values["phone"] = None
    constituency_text = _cell_text(cells.get("constituency"))
    values["constituency"] = None
    if constituency_text:
        constituency = constituencies.get(constituency_text.lower())
        if constituency is None:
            errors.append(_("Unknown constituency “%(value)s”.") % {"value": constituency_text})
        else:
            values["constituency"] = constituency
    group_text = _cell_text(cells.get("group"))
    values["group"] = None
    if group_text:
        group = groups.get(group_text.lower())
        if group is None:
            errors.append(_("Unknown deputy group “%(value)s”.") % {"value": group_text})
        else:
            values["group"] = group
    try:
        start = _parse_date(cells.get("start_date")) or term.start_date
    except ValueError:
        errors.append(
            _("The start date “%(value)s” is not a date.")
            % {"value": _cell_text(cells.get("start_date"))}
        )
        start = None
    if start is not None and not term.contains(start):
        errors.append(
            _("The start date must fall within the term (%(start)s to %(end)s).")
            % {"start": term.start_date, "end": term.end_date}
        )
    values["start_date"] = start


def accept_upload(upload: Any) -> uploads.Accepted:
    """A roster file: an .xlsx workbook by its bytes, at most MAX_BYTES, its unpacked size
    checked (renda.core.uploads)."""
    return uploads.accept(
        upload,
        kinds=frozenset({uploads.XLSX}),
        max_bytes=MAX_BYTES,
        type_error=_("Upload the roster as an .xlsx workbook."),
    )


def create_import(*, upload, term: Term, acting_user) -> tuple[RosterImport, RosterReport | None]:
    """Keep the uploaded file (under a generated name) and its preview report. A file of
    more than `RENDA_ROSTER_JOB_ROWS` rows is checked by a background job instead (its
    report is None here; `preview_job` fills the import in and the job's page shows the
    progress): thousands of rows are not checked inside the request."""
    try:
        upload = accept_upload(upload)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    content = upload.read()
    rows = count_rows(content)
    if rows > settings.RENDA_ROSTER_JOB_ROWS:
        upload.seek(0)
        return _start_check(upload, term, acting_user, rows), None
    report = preview_roster(content, term)
    upload.seek(0)
    batch = RosterImport(
        congress_id=term.congress_id,
        term=term,
        original_name=upload.original_name,
        uploaded_by=acting_user,
        row_count=len(report.rows),
        error_count=report.error_count,
        status=RosterImportStatus.PREVIEWED if report.ok else RosterImportStatus.REJECTED,
    )
    batch.file.save(upload.name, upload, save=False)
    with transaction.atomic():
        batch.save()
        audit.record(
            "roster.previewed",
            batch,
            actor=acting_user,
            changes={"rows": [None, batch.row_count], "errors": [None, batch.error_count]},
        )
    return batch, report


def _start_check(upload: Any, term: Term, acting_user: Any, rows: int) -> RosterImport:
    from renda.core import jobs

    batch = RosterImport(
        congress_id=term.congress_id,
        term=term,
        original_name=upload.original_name,
        uploaded_by=acting_user,
        row_count=rows,
        status=RosterImportStatus.CHECKING,
    )
    batch.file.save(upload.name, upload, save=False)
    with transaction.atomic():
        batch.save()
        audit.record("roster.uploaded", batch, actor=acting_user, changes={"rows": [None, rows]})
        jobs.start(
            jobs.ROSTER_PREVIEW,
            acting_user,
            title=batch.original_name,
            params={
                "roster_import": batch.pk,
                "next": reverse("admin:congress_deputymembership_import_confirm", args=[batch.pk]),
            },
            total=rows,
            congress_id=term.congress_id,
        )
    return batch


def job_of(batch: RosterImport) -> Any:
    """The background job that checked (or checks) this import, if any."""
    from renda.core.models import Job, JobKind

    return (
        Job.objects.filter(kind=JobKind.ROSTER_PREVIEW, params__roster_import=batch.pk)
        .order_by("-pk")
        .first()
    )


REPORT_TABLE = Table(
    gettext_lazy("Roster check"),
    (
        Column(gettext_lazy("Row"), "number", 8),
        Column(gettext_lazy("Name"), lambda r: r.values.get("name") or "", 16),
        Column(gettext_lazy("Mobile phone"), lambda r: r.values.get("phone") or "", 16),
        Column(gettext_lazy("Action"), "action", 24),
        Column(gettext_lazy("Errors"), lambda r: "；".join(str(e) for e in r.errors), 60),
    ),
)


def preview_job(job: Any, progress: Callable[[int, int], None]) -> tuple[IO[bytes], str]:
    """The background job "roster_preview" (renda.core.jobs): the import's file checked
    row by row with its progress; the import becomes previewed (every row valid) or
    rejected, audited; the result is the row-by-row report as a workbook."""
    from renda.core import exports

    batch = RosterImport.objects.select_related("term").get(pk=job.params["roster_import"])
    with batch.file.open("rb") as handle:
        content = handle.read()
    try:
        report = preview_roster(content, batch.term, progress=progress, total=job.total)
    except DomainError as exc:
        report = RosterReport(rows=[], file_errors=[str(exc)])
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if locked.status == RosterImportStatus.CHECKING:
            locked.row_count = len(report.rows)
            locked.error_count = report.error_count
            workflow.move(
                locked,
                RosterImportStatus.PREVIEWED if report.ok else RosterImportStatus.REJECTED,
                transitions=ROSTER_IMPORT_TRANSITIONS,
                action="roster.previewed",
                actor=job.owner,
                fields=("row_count", "error_count"),
                changes={"rows": [None, locked.row_count], "errors": [None, locked.error_count]},
            )
    file_rows: list[Any] = [
        RowReport(number=0, values={}, errors=[e]) for e in report.file_errors
    ] + report.rows
    sheet = exports.write_xlsx(REPORT_TABLE, file_rows, exports.spooled())
    stem = batch.original_name.rsplit(".", 1)[0] or "roster"
    return sheet, f"{stem}-{_('Roster check')}.xlsx"


def _refused_import() -> str:
    return _("This roster has already been imported or was rejected; upload it again.")


def confirm_import(batch: RosterImport, *, acting_user: Any) -> tuple[int | None, Any]:
    """The office confirms a previewed import: a roster of more than
    `RENDA_ROSTER_JOB_ROWS` rows is written by a background job (returned, with None: the
    job's page shows the progress), a smaller one here and now (the number of memberships,
    with no job). A second confirmation while the job is queued or running gets that job."""
    from renda.core import jobs

    if batch.row_count <= settings.RENDA_ROSTER_JOB_ROWS:
        return import_roster(batch, acting_user=acting_user), None
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=batch.pk)
        if not workflow.allowed(locked, RosterImportStatus.IMPORTED, ROSTER_IMPORT_TRANSITIONS):
            raise DomainError(_refused_import())
        running = import_job_of(locked)
        if running is not None and running.is_running:
            return None, running
        audit.record(
            "roster.import_queued",
            locked,
            actor=acting_user,
            changes={"rows": [None, locked.row_count]},
        )
        job = jobs.start(
            jobs.ROSTER_IMPORT,
            acting_user,
            title=locked.original_name,
            params={
                "roster_import": locked.pk,
                "next": reverse("admin:congress_deputymembership_changelist"),
            },
            total=locked.row_count,
            congress_id=locked.congress_id,
        )
    return None, job


def import_job_of(batch: RosterImport) -> Any:
    """The latest background job writing this import, if any."""
    from renda.core.models import Job, JobKind

    return (
        Job.objects.filter(kind=JobKind.ROSTER_IMPORT, params__roster_import=batch.pk)
        .order_by("-pk")
        .first()
    )


def import_job(job: Any, progress: Callable[[int, int], None]) -> None:
    """The background job "roster_import" (renda.core.jobs): the confirmed import written
    by `import_roster` (all or nothing, audited as in the request), as its owner.

    The progress: the rows are checked once more outside the transaction, which the page
    shows moving (the first half of the bar); the writes then happen inside the import's one
    transaction, whose progress the page sees when it commits (a progress update inside it
    would not be visible to the polling page before)."""
    batch = RosterImport.objects.select_related("term").get(pk=job.params["roster_import"])
    rows = max(job.total, 1)
    with batch.file.open("rb") as handle:
        report = preview_roster(
            handle.read(),
            batch.term,
            progress=lambda done, _total: progress(done, 2 * rows),
            total=rows,
        )
    if not report.ok:
        raise DomainError(
            _("The roster has %(count)s rows with errors; nothing was imported.")
            % {"count": report.error_count}
        )
    import_roster(
        batch,
        acting_user=job.owner,
        progress=lambda done, _total: progress(rows + done, 2 * rows),
    )
    return None


def import_roster(
    batch: RosterImport,
    *,
    acting_user: Any,
    progress: Callable[[int, int], None] | None = None,
    every: int = 100,
) -> int:
    """Write every row of a previewed import, or nothing. Returns the number of memberships.
    `progress(written, rows)` every `every` rows (a background job's)."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().select_related("term").get(pk=batch.pk)
        if not workflow.allowed(locked, RosterImportStatus.IMPORTED, ROSTER_IMPORT_TRANSITIONS):
            raise DomainError(_refused_import())
        with locked.file.open("rb") as handle:
            report = preview_roster(handle.read(), locked.term)
        if not report.ok:
            raise DomainError(
                _("The roster has %(count)s rows with errors; nothing was imported.")
                % {"count": report.error_count}
            )
        created = 0
        for row in report.rows:
            v = row.values
            if row.existing_deputy_id:
                deputy = Deputy.objects.get(pk=row.existing_deputy_id)
            else:
                deputy = Deputy.objects.create(
                    name=v["name"],
                    gender=v["gender"],
                    ethnicity=v["ethnicity"],
                    birth_year=v["birth_year"],
                    party=v["party"],
                    occupation=v["occupation"],
                    phone=v["phone"],
                )
                audit.record(
                    "deputy.created",
                    deputy,
                    actor=acting_user,
                    congress_id=locked.congress_id,
                    note=_("Roster import"),
                )
            membership = DeputyMembership(
                deputy=deputy,
                term=locked.term,
                constituency=v["constituency"],
                group=v["group"],
                start_date=v["start_date"],
            )
            membership.full_clean()
            membership.save()
            audit.record(
                "membership.created", membership, actor=acting_user, note=_("Roster import")
            )
            created += 1
            if progress is not None and created % every == 0:
                progress(created, len(report.rows))
        if progress is not None:
            progress(created, len(report.rows))
        workflow.move(
            locked,
            RosterImportStatus.IMPORTED,
            transitions=ROSTER_IMPORT_TRANSITIONS,
            action="roster.imported",
            actor=acting_user,
            values={"imported_at": timezone.now()},
            changes={"memberships": [None, created]},
            error=_refused_import,
        )
    return created


def export_roster(term: Term) -> bytes:
    """The term's roster as an .xlsx in the import layout (headers in the active language)."""
    book = documents.xlsx_workbook(write_only=True)
    sheet = documents.xlsx_sheet(book, _("Deputies"))
    documents.xlsx_append(sheet, [str(label) for _key, label in COLUMNS] + [str(_("Status"))])
    memberships = (
        DeputyMembership.objects.filter(term=term)
        .select_related("deputy", "constituency", "group")
        .order_by("constituency__number", "deputy__name")
    )
    for m in memberships.iterator(chunk_size=500):
        d = m.deputy
        documents.xlsx_append(
            sheet,
            [
                d.name,
                d.get_gender_display(),
                d.ethnicity,
                d.birth_year,
                d.get_party_display(),
                d.occupation,
                d.phone,
                m.constituency.name if m.constituency else "",
                m.group.name if m.group else "",
                m.start_date.isoformat(),
                m.get_status_display(),
            ],
        )
    return documents.to_bytes(book)
