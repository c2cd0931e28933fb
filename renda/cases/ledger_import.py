"""补录: importing an office's existing ledger of opinions or suggestions (.xlsx).

An office that adopts the platform mid-year has the year's matters in a spreadsheet; they
come in with their real dates (received, assigned, due, replied, evaluated), their reply
class and rating, so that the year's figures (`renda.cases.figures`) are complete.

The mechanism is the roster import's (`renda.congress.roster`): the uploaded file is kept
(`LedgerImport`), every row is checked against the database and reported (ok, or its
reasons), and the import re-checks every row inside one transaction and writes all of
them or nothing. Both steps run as a background job (`tasks.run_ledger_import`: Celery in
production, inline in the embedded mode), so a large ledger does not hold a request; the
page polls the progress:

- while checking, the count of rows checked is saved on the import row every `STEP` rows
  (the check writes nothing else, so each update commits at once and every process sees
  it);
- while importing, the rows are written in one transaction, which no other process sees
  before it commits; the count of rows written is kept in the shared cache (Redis, or the
  embedded mode's cache file, `renda.core.sharedcache`), which every process reads.

The layout is the suggestions ledger's export (`renda/suggestions/ledger.py`): an
exported ledger imports as it is, columns the import does not read (status, published…)
being known and skipped. Front doors add their own columns (`register_ledger_door`: the
suggestions app reads the lead deputy, co-signers, term and session and creates the
deputy's record). docs/import.md lists the columns.

An imported case is created in the state its dates show (accepted, assigned, replied,
closed, or re-handling after an unsatisfied rating); it has no earlier state on the
platform to move from, so it is created, not moved, and its audit entry `case.imported`
carries the status. It keeps its ledger serial when one is given (a serial the congress
already has is refused); the serial counters are moved past imported serials so that new
cases never take one of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, overload

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.cases.models import (
    LEDGER_IMPORT_TRANSITIONS,
    SERIAL_PREFIX,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseEvent,
    CaseKind,
    CaseRules,
    CaseSource,
    CaseStatus,
    Category,
    Evaluation,
    EvaluationResult,
    FollowUp,
    LedgerImport,
    LedgerImportStatus,
    Reply,
    ReplyClass,
    derived_title,
)
from renda.cases.queries import villages_of
from renda.cases.services.helpers import due_date_for
from renda.congress.models import Congress, Department
from renda.congress.roster import _cell_text, _labels_in_all_languages, _parse_date
from renda.core import audit, documents, exports, uploads, workflow
from renda.core.errors import DomainError
from renda.core.models import SerialCounter
from renda.core.numbering import format_serial, next_serial
from renda.core.validators import validate_cn_mobile
from renda.core.workdays import add_months

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
STEP = 50  # rows between two progress updates
PROGRESS_SECONDS = 24 * 3600

# The engine's columns: (key, header). Headers match in every language (and by key).
COLUMNS: list[tuple[str, Any]] = [
    ("serial", gettext_lazy("Number")),
    ("title", gettext_lazy("Title")),
    ("content", gettext_lazy("Content")),
    ("category", gettext_lazy("Category")),
    ("submitted_on", gettext_lazy("Submitted on")),
    ("source", gettext_lazy("Source")),
    ("submitter", gettext_lazy("Submitter")),
    ("submitter_phone", gettext_lazy("Submitter's mobile phone")),
    ("village", gettext_lazy("Village or community")),
    ("lead_unit", gettext_lazy("Lead unit")),
    ("co_handlers", gettext_lazy("Co-handlers")),
    ("split_units", gettext_lazy("Split units")),
    ("assigned_on", gettext_lazy("Assigned on")),
    ("due_date", gettext_lazy("Due date")),
    ("reply_class", gettext_lazy("Reply class")),
    ("replied_on", gettext_lazy("Replied on")),
    ("reply_text", gettext_lazy("Reply")),
    ("evaluation", gettext_lazy("Evaluation")),
    ("attitude", gettext_lazy("Handling attitude")),
    ("evaluated_on", gettext_lazy("Evaluated on")),
]
REQUIRED = ("category", "submitted_on")
# Columns of the ledger export that the import knows and does not read (derived, or
# kept by the platform itself).
IGNORED: list[Any] = [
    gettext_lazy("Congress"),
    gettext_lazy("Status"),
    gettext_lazy("Accepted"),
    gettext_lazy("Replied on time"),
]
NAME_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class LedgerDoor:
    """What a front door adds to the import of its kind of case: its columns (`required`
    among them), the known columns it skips, a `prepare(congress)` that loads its lookups
    once, a `check(lookups, cells, errors)` that returns the row's values (adding reasons
    to `errors`), and a `create(case, values, actor)` that writes its own record."""

    columns: list[tuple[str, Any]]
    prepare: Callable[[Congress], Any]
    check: Callable[[Any, dict[str, Any], list[str]], dict[str, Any]]
    create: Callable[[Case, dict[str, Any], Any], None]
    required: tuple[str, ...] = ()
    ignored: list[Any] = field(default_factory=list)
    source: str = CaseSource.LETTER
    help: dict[str, Any] = field(default_factory=dict)


DOORS: dict[str, LedgerDoor] = {}


def register_ledger_door(kind: str, door: LedgerDoor) -> None:
    """Called from a front door's AppConfig.ready (the engine never imports the doors)."""
    DOORS[kind] = door


def kinds() -> list[tuple[str, Any]]:
    """The kinds of ledger that can be imported: opinions always, others once registered."""
    return [(k, label) for k, label in CaseKind.choices if k == CaseKind.OPINION or k in DOORS]


def columns_of(kind: str) -> list[tuple[str, Any]]:
    door = DOORS.get(kind)
    if door is None:
        return list(COLUMNS)
    # The door's columns after the engine's title and content, as in the ledger export.
    return [*COLUMNS[:5], *door.columns, *COLUMNS[5:]]


def required_of(kind: str) -> tuple[str, ...]:
    door = DOORS.get(kind)
    return REQUIRED + (door.required if door else ())


# --- the report --------------------------------------------------------------------------------


@dataclass
class RowCheck:
    number: int  # the spreadsheet row, as the user sees it
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    def as_report(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "serial": self.values.get("serial") or "",
            "title": self.values.get("title") or "",
            "errors": self.errors,
        }


@dataclass
class LedgerCheck:
    rows: list[RowCheck]
    file_errors: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors) + len(self.file_errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and bool(self.rows)

    def as_report(self) -> dict[str, Any]:
        return {
            "file_errors": self.file_errors,
            "rows": [r.as_report() for r in self.rows],
        }


# --- reading the workbook ----------------------------------------------------------------------


def _read(content: bytes) -> tuple[list[str], list[tuple[int, tuple]]]:
    try:
        book = documents.open_xlsx(content)  # its unpacked size checked first
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    except Exception as exc:  # openpyxl raises many kinds for a file that is not .xlsx
        raise DomainError(_("The file is not a readable .xlsx workbook.")) from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise DomainError(_("The workbook is empty."))
    body: list[tuple[int, tuple]] = []
    for number, row in enumerate(rows, start=2):
        if all(_cell_text(v) == "" for v in row):
            continue  # blank lines
        body.append((number, row))
        if len(body) > MAX_ROWS:
            break
    return [_cell_text(h) for h in header], body


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _map_header(kind: str, header: list[str]) -> tuple[dict[str, int], list[str]]:
    wanted = {key: _labels_in_all_languages(label) | {key} for key, label in columns_of(kind)}
    door = DOORS.get(kind)
    skipped: set[str] = set()
    for label in IGNORED + (door.ignored if door else []):
        skipped |= _labels_in_all_languages(label)
    mapping: dict[str, int] = {}
    errors: list[str] = []
    for index, text in enumerate(header):
        if not text:
            continue
        lowered = text.lower()
        key = next((k for k, labels in wanted.items() if lowered in labels), None)
        if key is None:
            if lowered not in skipped:
                errors.append(
                    _("Unknown column “%(name)s” (column %(column)s).")
                    % {"name": text, "column": _column_letter(index)}
                )
        elif key in mapping:
            errors.append(_("The column “%(name)s” appears twice.") % {"name": text})
        else:
            mapping[key] = index
    labels = dict(columns_of(kind))
    missing = [str(labels[key]) for key in required_of(kind) if key not in mapping]
    if "title" not in mapping and "content" not in mapping:
        missing.append(f"{labels['title']}/{labels['content']}")
    if missing:
        errors.append(
            _("Required columns are missing: %(columns)s.") % {"columns": "、".join(missing)}
        )
    return mapping, errors


# --- checking ----------------------------------------------------------------------------------


def _choice_table(choices: Any) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices:
        table[str(value).lower()] = value
        for text in _labels_in_all_languages(label):
            table[text] = value
    return table


def _by_name(objects: Any, *extra_keys: str) -> dict[str, Any]:
    """Name (and other keys) → object; a name two objects share maps to None (ambiguous)."""
    table: dict[str, Any] = {}
    for obj in objects:
        for key in {obj.name.lower(), *(str(getattr(obj, k)).lower() for k in extra_keys)}:
            table[key] = None if key in table and table[key] is not obj else obj
    return table


@dataclass
class _Lookups:
    congress: Congress
    kind: str
    categories: dict[str, Any]
    departments: dict[str, Any]
    villages: dict[str, Any]
    sources: dict[str, str]
    results: dict[str, str]
    rules: CaseRules
    existing_serials: set[str]
    today: dt.date
    door: LedgerDoor | None
    door_lookups: Any


def _lookups(congress: Congress, kind: str) -> _Lookups:
    door = DOORS.get(kind)
    return _Lookups(
        congress=congress,
        kind=kind,
        categories=_by_name(Category.objects.filter(congress=congress, is_active=True), "code"),
        departments=_by_name(Department.objects.filter(congress=congress)),
        villages=_by_name(villages_of(congress)),
        sources=_choice_table(CaseSource.choices),
        results=_choice_table(EvaluationResult.choices),
        rules=CaseRules.for_congress(congress.pk),
        existing_serials=set(
            Case.objects.filter(congress=congress).values_list("serial", flat=True)
        ),
        today=timezone.localdate(),
        door=door,
        door_lookups=door.prepare(congress) if door else None,
    )


def _date(cells: dict[str, Any], key: str, label: Any, errors: list[str]) -> dt.date | None:
    try:
        return _parse_date(cells.get(key))
    except ValueError:
        errors.append(
            _("%(column)s “%(value)s” is not a date.")
            % {"column": label, "value": _cell_text(cells.get(key))}
        )
        return None


def _units(text: str, lookups: _Lookups, label: Any, errors: list[str]) -> list[Department]:
    found = []
    for name in NAME_SEPARATORS.split(text.strip()):
        if not name:
            continue
        unit = lookups.departments.get(name.lower())
        if unit is None:
            reason = (
                _("Department “%(name)s” is ambiguous (%(column)s): two departments share it.")
                if name.lower() in lookups.departments
                else _("Unknown department “%(name)s” (%(column)s).")
            )
            errors.append(reason % {"name": name, "column": label})
        else:
            found.append(unit)
    return found


def _check_row(cells: dict[str, Any], lookups: _Lookups) -> tuple[dict[str, Any], list[str]]:
    labels = dict(columns_of(lookups.kind))
    errors: list[str] = []
    text = {key: _cell_text(value) for key, value in cells.items()}
    v: dict[str, Any] = {}

    v["serial"] = text.get("serial", "").upper()
    if len(v["serial"]) > 24:
        errors.append(_("The number is longer than 24 characters."))
    elif v["serial"] and v["serial"] in lookups.existing_serials:
        errors.append(
            _("The number %(serial)s already exists in this congress.") % {"serial": v["serial"]}
        )
    content = text.get("content", "") or text.get("title", "")
    if not content:
        errors.append(_("The title and the content are both empty."))
    v["content"] = content[:5000]
    v["title"] = (text.get("title", "") or derived_title(content))[:100]

    category_text = text.get("category", "")
    v["category"] = lookups.categories.get(category_text.lower())
    if not category_text:
        errors.append(_("The category is missing."))
    elif v["category"] is None:
        errors.append(_("Unknown category “%(name)s”.") % {"name": category_text})

    source_text = text.get("source", "")
    default_source = lookups.door.source if lookups.door else CaseSource.LETTER
    v["source"] = lookups.sources.get(source_text.lower()) if source_text else default_source
    if v["source"] is None:
        errors.append(_("Unknown source “%(value)s”.") % {"value": source_text})
    v["submitter"] = text.get("submitter", "")[:40]
    phone = text.get("submitter_phone", "").replace(" ", "").replace("-", "")
    if phone:
        try:
            validate_cn_mobile(phone)
        except ValidationError as exc:
            errors.extend(str(m) for m in exc.messages)
    v["submitter_phone"] = phone
    village_text = text.get("village", "")
    v["village"] = lookups.villages.get(village_text.lower()) if village_text else None
    if village_text and v["village"] is None:
        errors.append(_("Unknown village or community “%(name)s”.") % {"name": village_text})

    v["lead_unit"] = _units(text.get("lead_unit", ""), lookups, labels["lead_unit"], errors)
    v["co_handlers"] = _units(text.get("co_handlers", ""), lookups, labels["co_handlers"], errors)
    v["split_units"] = _units(text.get("split_units", ""), lookups, labels["split_units"], errors)
    if len(v["lead_unit"]) > 1:
        errors.append(_("A case has one lead unit; list the others as co-handlers."))
    if v["lead_unit"] and v["split_units"]:
        errors.append(_("A case has either a lead unit or split units, not both."))
    if v["co_handlers"] and not v["lead_unit"]:
        errors.append(_("Co-handlers need a lead unit."))

    received = _date(cells, "submitted_on", labels["submitted_on"], errors)
    assigned = _date(cells, "assigned_on", labels["assigned_on"], errors)
    due = _date(cells, "due_date", labels["due_date"], errors)
    replied = _date(cells, "replied_on", labels["replied_on"], errors)
    evaluated = _date(cells, "evaluated_on", labels["evaluated_on"], errors)
    if received is None and not text.get("submitted_on"):
        errors.append(_("The date received is missing."))
    units = v["lead_unit"] or v["split_units"]
    if assigned and not units:
        errors.append(_("An assigned case needs its lead unit or split units."))
    if units and not assigned:
        errors.append(_("The date of assignment is missing."))

    reply_text = text.get("reply_class", "").upper()[:1]
    v["reply_class"] = reply_text if reply_text in ReplyClass.values else ""
    if text.get("reply_class") and not v["reply_class"]:
        errors.append(
            _("Unknown reply class “%(value)s” (A, B, C or D).") % {"value": text["reply_class"]}
        )
    if v["reply_class"] and replied is None:
        errors.append(_("A reply class needs the date replied."))
    if replied and not text.get("reply_class"):
        errors.append(_("A date replied needs the reply class."))
    if replied and not assigned:
        errors.append(_("A replied case needs the date of assignment."))
    v["reply_text"] = text.get("reply_text", "")[:10000]

    for key in ("evaluation", "attitude"):
        raw = text.get(key, "")
        v[key] = lookups.results.get(raw.lower(), "") if raw else ""
        if raw and not v[key]:
            errors.append(
                _("Unknown rating “%(value)s” (%(column)s).")
                % {"value": raw, "column": labels[key]}
            )
    if v["evaluation"] and not v["reply_class"]:
        errors.append(_("A rated case needs its reply."))
    if evaluated and not v["evaluation"]:
        errors.append(_("A date evaluated needs the rating."))
    if v["evaluation"] and evaluated is None:
        evaluated = replied  # the ledger export has no evaluation date: the reply's

    # The dates in their order: received ≤ assigned ≤ replied ≤ evaluated, due ≥ assigned.
    order = [
        (received, assigned, _("The case was assigned before it was received.")),
        (assigned, replied, _("The reply is dated before the assignment.")),
        (replied, evaluated, _("The rating is dated before the reply.")),
        (assigned, due, _("The due date is before the assignment.")),
    ]
    for earlier, later, message in order:
        if earlier and later and later < earlier:
            errors.append(message)
    for day in (received, assigned, replied, evaluated):
        if day and day > lookups.today:
            errors.append(_("The date %(date)s is in the future.") % {"date": day.isoformat()})
            break
    if assigned and due is None:
        due = due_date_for(Case(kind=lookups.kind), assigned, lookups.rules)
    # An unsatisfied rating sent the case back (DOMAIN.md §2): due again a month later.
    v["rehandle_due"] = (
        add_months(evaluated, lookups.rules.rehandle_months)
        if evaluated and v["evaluation"] == EvaluationResult.UNSATISFIED
        else None
    )
    v["recheck"] = (
        add_months(evaluated, lookups.rules.follow_up_months)
        if evaluated
        and v["evaluation"] in (EvaluationResult.SATISFIED, EvaluationResult.BASIC)
        and v["reply_class"] in (ReplyClass.B, ReplyClass.C)
        else None
    )
    v.update(received=received, assigned=assigned, due=due, replied=replied, evaluated=evaluated)

    if lookups.door is not None:
        v["door"] = lookups.door.check(lookups.door_lookups, cells, errors)
    return v, errors


def check_rows(
    congress: Congress,
    kind: str,
    content: bytes,
    progress: Callable[[int, int], None] | None = None,
) -> LedgerCheck:
    """Check every row of the file for `congress`. Writes nothing (but the progress)."""
    header, body = _read(content)
    mapping, file_errors = _map_header(kind, header)
    if file_errors:
        return LedgerCheck(rows=[], file_errors=file_errors)
    if len(body) > MAX_ROWS:
        return LedgerCheck(
            rows=[], file_errors=[_("The file has more than %(max)s rows.") % {"max": MAX_ROWS}]
        )
    lookups = _lookups(congress, kind)
    seen: dict[str, int] = {}
    rows: list[RowCheck] = []
    for done, (number, raw) in enumerate(body, start=1):
        cells = {key: (raw[i] if i < len(raw) else None) for key, i in mapping.items()}
        values, errors = _check_row(cells, lookups)
        serial = values["serial"]
        if serial:
            if serial in seen:
                errors.append(
                    _("The number %(serial)s appears again; first on row %(row)s.")
                    % {"serial": serial, "row": seen[serial]}
                )
            else:
                seen[serial] = number
        rows.append(RowCheck(number=number, values=values, errors=errors))
        if progress is not None and (done % STEP == 0 or done == len(body)):
            progress(done, len(body))
    return LedgerCheck(rows=rows, file_errors=[])


# --- the upload and the job --------------------------------------------------------------------


def accept_upload(upload: Any) -> uploads.Accepted:
    return uploads.accept(
        upload,
        kinds=frozenset({uploads.XLSX}),
        max_bytes=MAX_BYTES,
        type_error=_("Upload the ledger as an .xlsx workbook."),
    )


def create_import(*, upload: Any, congress: Congress, kind: str, acting_user: Any) -> LedgerImport:
    """Keep the uploaded ledger and queue its check (run when the transaction commits)."""
    from renda.cases import tasks

    if kind not in dict(kinds()):
        raise DomainError(_("Choose the kind of ledger."))
    try:
        accepted = accept_upload(upload)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    batch = LedgerImport(
        congress=congress,
        kind=kind,
        original_name=accepted.original_name[:200],
        uploaded_by=acting_user,
        language=translation.get_language() or "zh-hans",
    )
    batch.file.save(accepted.name, accepted, save=False)
    with transaction.atomic():
        batch.save()
        audit.record("ledger_import.uploaded", batch, actor=acting_user, note=batch.original_name)
        user_pk = acting_user.pk
        transaction.on_commit(lambda: tasks.run_ledger_import.delay(batch.pk, user_pk))
    return batch


def confirm_import(batch: LedgerImport, *, acting_user: Any) -> LedgerImport:
    """The office confirms a checked ledger: it is imported in the background."""
    from renda.cases import tasks

    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=batch.pk)
        workflow.move(
            locked,
            LedgerImportStatus.IMPORTING,
            transitions=LEDGER_IMPORT_TRANSITIONS,
            action="ledger_import.confirmed",
            actor=acting_user,
            error=_("This ledger cannot be imported now (it was refused, or already imported)."),
        )
        user_pk = acting_user.pk
        cache.set(_progress_key(locked.pk), 0, PROGRESS_SECONDS)
        transaction.on_commit(lambda: tasks.run_ledger_import.delay(locked.pk, user_pk))
    return locked


def run(pk: int, actor_pk: int | None = None) -> str:
    """The background job: check a queued ledger, or import a confirmed one. Idempotent:
    the status says what is left to do; a second run of a finished step does nothing."""
    batch = LedgerImport.objects.select_related("congress", "uploaded_by").filter(pk=pk).first()
    if batch is None:
        return "missing"
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_pk or 0).first() or batch.uploaded_by
    with translation.override(batch.language):
        if batch.status == LedgerImportStatus.QUEUED:
            return _check(batch, actor)
        if batch.status == LedgerImportStatus.IMPORTING:
            return _import(batch, actor)
    return batch.status


STALLED_AFTER = dt.timedelta(minutes=5)


def resume_stalled() -> int:
    """Check the ledgers still queued minutes after their upload (the job's message was
    lost, or the worker was down): the periodic sweep. Returns how many it checked."""
    cutoff = timezone.now() - STALLED_AFTER
    queued = LedgerImport.objects.filter(status=LedgerImportStatus.QUEUED, created_at__lt=cutoff)
    done = 0
    for pk in queued.values_list("pk", flat=True):
        done += run(pk) != LedgerImportStatus.QUEUED
    return done


def _check(batch: LedgerImport, actor: Any) -> str:
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=batch.pk)
        if locked.status != LedgerImportStatus.QUEUED:
            return locked.status  # another run took it
        workflow.move(
            locked,
            LedgerImportStatus.CHECKING,
            transitions=LEDGER_IMPORT_TRANSITIONS,
            action="ledger_import.checking",
            actor=actor,
        )

    def progress(done: int, total: int) -> None:
        LedgerImport.objects.filter(pk=batch.pk).update(checked_rows=done, row_count=total)

    try:
        with batch.file.open("rb") as handle:
            report = check_rows(batch.congress, batch.kind, handle.read(), progress)
    except DomainError as exc:
        report = LedgerCheck(rows=[], file_errors=[str(exc)])
    target = LedgerImportStatus.PREVIEWED if report.ok else LedgerImportStatus.REJECTED
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=batch.pk)
        workflow.move(
            locked,
            target,
            transitions=LEDGER_IMPORT_TRANSITIONS,
            action="ledger_import.checked",
            actor=actor,
            fields=["row_count", "checked_rows", "error_count", "report"],
            values={
                "row_count": len(report.rows),
                "checked_rows": len(report.rows),
                "error_count": report.error_count,
                "report": report.as_report(),
            },
            changes={"rows": [None, len(report.rows)], "errors": [None, report.error_count]},
        )
    return target


def _progress_key(pk: int) -> str:
    return f"ledger-import:{pk}:written"


def progress_of(batch: LedgerImport) -> dict[str, Any]:
    """What the page shows while the job runs: the step, rows done, rows in all, percent."""
    total = batch.row_count
    if batch.status == LedgerImportStatus.IMPORTING:
        done = int(cache.get(_progress_key(batch.pk)) or 0)
    elif batch.status == LedgerImportStatus.IMPORTED:
        done = batch.imported_count
    else:
        done = batch.checked_rows
    percent = min(100, done * 100 // total) if total else 0
    return {"done": done, "total": total, "percent": percent}


def _import(batch: LedgerImport, actor: Any) -> str:
    key = _progress_key(batch.pk)
    try:
        with transaction.atomic():
            locked = LedgerImport.objects.select_for_update().get(pk=batch.pk)
            if locked.status != LedgerImportStatus.IMPORTING:
                return locked.status
            with locked.file.open("rb") as handle:
                report = check_rows(locked.congress, locked.kind, handle.read())
            if not report.ok:
                raise _Refused(report)
            pending = _Dated()
            for done, row in enumerate(report.rows, start=1):
                _create(locked, row.values, actor, pending)
                if done % STEP == 0:
                    pending.write()
                    cache.set(key, done, PROGRESS_SECONDS)
            pending.write()
            _move_counters(locked, report)
            workflow.move(
                locked,
                LedgerImportStatus.IMPORTED,
                transitions=LEDGER_IMPORT_TRANSITIONS,
                action="ledger_import.imported",
                actor=actor,
                fields=["imported_count"],
                values={"imported_at": timezone.now(), "imported_count": len(report.rows)},
                changes={"cases": [None, len(report.rows)]},
            )
    except _Refused as refused:
        with transaction.atomic():
            locked = LedgerImport.objects.select_for_update().get(pk=batch.pk)
            workflow.move(
                locked,
                LedgerImportStatus.REJECTED,
                transitions=LEDGER_IMPORT_TRANSITIONS,
                action="ledger_import.refused",
                actor=actor,
                fields=["error_count", "report"],
                values={
                    "error_count": refused.report.error_count,
                    "report": refused.report.as_report(),
                },
                note=_("Rows have errors now; nothing was imported."),
            )
        return LedgerImportStatus.REJECTED
    finally:
        cache.delete(key)
    return LedgerImportStatus.IMPORTED


class _Refused(Exception):  # noqa: N818  (a control-flow signal, not an error)
    def __init__(self, report: LedgerCheck) -> None:
        super().__init__("refused")
        self.report = report


@overload
def _at(day: dt.date) -> dt.datetime: ...
@overload
def _at(day: None) -> None: ...
def _at(day: dt.date | None) -> dt.datetime | None:
    """A ledger's date as a moment: nine in the morning, local time."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _status(v: dict[str, Any]) -> str:
    if v["evaluation"] == EvaluationResult.UNSATISFIED:
        return CaseStatus.REHANDLING
    if v["evaluation"]:
        return CaseStatus.CLOSED
    if v["reply_class"]:
        return CaseStatus.REPLIED
    if v["assigned"]:
        return CaseStatus.ASSIGNED
    return CaseStatus.TRIAGED


def _serial(batch: LedgerImport, v: dict[str, Any], year: int) -> tuple[str, int]:
    if v["serial"]:
        digits = re.search(r"(\d+)$", v["serial"])
        return v["serial"], int(digits.group(1)) if digits else 0
    number = next_serial(f"case:{batch.congress_id}:{batch.kind}", year)
    return format_serial(SERIAL_PREFIX[CaseKind(batch.kind)], year, number), number


def _move_counters(batch: LedgerImport, report: LedgerCheck) -> None:
    """Imported serials in the platform's own forms move their counter past them, so that
    a new case never takes an imported number: the year's (JY2026-000050) and a series'
    (a session's JY20-1-003, between sessions JYBH2026-007; cases.services._new_case)."""
    prefix = re.escape(SERIAL_PREFIX[CaseKind(batch.kind)])
    by_year = re.compile(rf"^{prefix}(\d{{4}})-(\d{{6}})$")
    by_series = re.compile(rf"^{prefix}(\d+-\d+|BH\d{{4}})-(\d+)$")
    base = f"case:{batch.congress_id}:{batch.kind}"
    highest: dict[tuple[str, int], int] = {}
    for row in report.rows:
        serial = row.values["serial"]
        if match := by_year.match(serial):
            key = (base, int(match.group(1)))
        elif match := by_series.match(serial):
            key = (f"{base}:{match.group(1)}", 0)
        else:
            continue
        highest[key] = max(highest.get(key, 0), int(match.group(2)))
    for (scope, year), number in highest.items():
        counter, _created = SerialCounter.objects.select_for_update().get_or_create(
            scope=scope, year=year, defaults={"last": 0}
        )
        if counter.last < number:
            counter.last = number
            counter.save(update_fields=["last"])


@dataclass
class _Dated:
    """Timeline entries and ratings at the ledger's dates, written a chunk of rows at a
    time: their `created_at` is set on creation (auto_now_add), so each chunk is inserted
    in one statement and dated in one more."""

    events: list[tuple[CaseEvent, dt.datetime | None]] = field(default_factory=list)
    evaluations: list[tuple[Evaluation, dt.datetime]] = field(default_factory=list)

    def write(self) -> None:
        if self.events:
            events = CaseEvent.objects.bulk_create([event for event, _moment in self.events])
            for event, (_event, moment) in zip(events, self.events, strict=True):
                event.created_at = moment or event.created_at
            CaseEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
        if self.evaluations:
            ratings = Evaluation.objects.bulk_create([e for e, _moment in self.evaluations])
            for rating, (_rating, moment) in zip(ratings, self.evaluations, strict=True):
                rating.created_at = moment
            Evaluation.objects.bulk_update(ratings, ["created_at"], batch_size=500)
        self.events, self.evaluations = [], []


def _create(batch: LedgerImport, v: dict[str, Any], actor: Any, pending: _Dated) -> Case:
    received: dt.date = v["received"]
    status = _status(v)
    serial, number = _serial(batch, v, received.year)
    door = DOORS.get(batch.kind)
    door_values = v.get("door") or {}
    replied_at, evaluated_at = _at(v["replied"]), _at(v["evaluated"])
    on_time = v["replied"] <= v["due"] if v["replied"] and v["due"] else None
    rehandling = status == CaseStatus.REHANDLING
    case = Case.objects.create(
        congress_id=batch.congress_id,
        kind=batch.kind,
        serial=serial,
        year=received.year,
        number=number,
        category=v["category"],
        title=v["title"],
        content=v["content"],
        village=v["village"],
        source=v["source"],
        submitter_name=door_values.get("submitter_name", v["submitter"]),
        submitter_phone=v["submitter_phone"],
        submitter_user=door_values.get("submitter_user"),
        source_deputy=door_values.get("source_deputy"),
        entered_by=actor,
        status=status,
        round=2 if rehandling else 1,
        due_date=v["rehandle_due"] or v["due"],
        submitted_at=_at(received),
        assigned_at=_at(v["assigned"]),
        replied_at=replied_at,
        closed_at=evaluated_at if status == CaseStatus.CLOSED else None,
        reply_class=v["reply_class"],
        replied_on_time=on_time,
        evaluation_result=v["evaluation"],
        imported_from=batch,
    )
    events = [("submitted", received, None)]
    answering = [(u, AssignmentRole.LEAD) for u in v["lead_unit"]] + [
        (u, AssignmentRole.SPLIT) for u in v["split_units"]
    ]
    for unit, role in [*answering, *[(u, AssignmentRole.CO) for u in v["co_handlers"]]]:
        answered = role != AssignmentRole.CO and bool(v["reply_class"])
        if rehandling and role != AssignmentRole.CO:
            a_status = AssignmentStatus.SIGNED  # reopened for re-handling
        elif answered:
            a_status = AssignmentStatus.REPLIED
        else:
            a_status = AssignmentStatus.ASSIGNED
        assignment = Assignment.objects.create(
            case=case,
            department=unit,
            role=role,
            status=a_status,
            due_date=case.due_date or v["due"],
            assigned_at=_at(v["assigned"]),
            assigned_by=actor,
            signed_at=_at(v["assigned"]) if answered else None,
            replied_at=replied_at if answered else None,
        )
        events.append(("assigned", v["assigned"], unit))
        if answered:
            Reply.objects.create(
                case=case,
                assignment=assignment,
                round=1,
                reply_class=v["reply_class"],
                text=v["reply_text"] or _("Reply imported from the ledger."),
                public_text=v["reply_text"] or _("Reply imported from the ledger."),
                replied_by=actor,
                replied_at=replied_at,
                on_time=bool(on_time),
            )
    if v["reply_class"]:
        events.append(("replied", v["replied"], None))
    if v["evaluation"]:
        evaluation = Evaluation(
            case=case, round=1, result=v["evaluation"], attitude=v["attitude"], evaluator=actor
        )
        pending.evaluations.append((evaluation, evaluated_at))
        events.append(("rehandling" if rehandling else "evaluated", v["evaluated"], None))
    if v["recheck"]:
        # B and C replies stay under follow-up after closing (跟踪办理), as on the platform.
        FollowUp.objects.create(case=case, recheck_date=v["recheck"])
        events.append(("follow_up_opened", v["evaluated"], None))
    # The timeline at the ledger's dates, then the import itself today.
    for action, day, unit in events:
        event = CaseEvent(case=case, action=action, actor=None, actor_label="", department=unit)
        pending.events.append((event, _at(day)))
    note = _("Imported from the ledger “%(name)s”.") % {"name": batch.original_name}
    imported = CaseEvent(
        case=case,
        action="imported",
        actor=actor,
        actor_label=str(actor),
        note=note,
        to_status=status,
    )
    pending.events.append((imported, None))
    if door is not None:
        door.create(case, door_values, actor)
    audit.record(
        "case.imported",
        case,
        actor=actor,
        changes={"status": [None, status], "ledger_import": [None, batch.pk]},
        note=note,
    )
    return case


# --- the opinions ledger (the import's layout) ------------------------------------------------


def opinion_ledger_rows(queryset: Any) -> Iterator[list[Any]]:
    """One row per public opinion of `queryset` in the import's columns, so that a ledger
    exported here imports as it is. The submitter's name is masked and the mobile number
    left out: contact details are revealed one case at a time, logged (`reveal_contact`)."""
    current = Assignment.objects.exclude(
        status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED]
    ).select_related("department")
    cases = (
        queryset.filter(kind=CaseKind.OPINION)
        .select_related("category", "village")
        .prefetch_related(
            Prefetch("assignments", queryset=current.order_by("role", "id"), to_attr="units"),
            Prefetch("replies", queryset=Reply.objects.order_by("round", "id"), to_attr="texts"),
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.order_by("round", "id"),
                to_attr="ratings",
            ),
        )
        .order_by("submitted_at", "id")
    )
    sources = {k: str(v) for k, v in CaseSource.choices}
    results = {k: str(v) for k, v in EvaluationResult.choices}
    for case in cases.iterator(chunk_size=1000):
        units: dict[str, list[str]] = {role: [] for role in AssignmentRole.values}
        for assignment in case.units:
            units[assignment.role].append(assignment.department.name)
        latest = [r.text for r in case.texts if r.round == case.round] or [
            r.text for r in case.texts
        ]
        rating = case.ratings[-1] if case.ratings else None
        yield [
            case.serial,
            case.title,
            case.content,
            case.category.name,
            timezone.localdate(case.submitted_at),
            sources.get(case.source, case.source),
            case.masked_submitter_name,
            "",
            case.village.name if case.village else "",
            "、".join(units[AssignmentRole.LEAD]),
            "、".join(units[AssignmentRole.CO]),
            "、".join(units[AssignmentRole.SPLIT]),
            timezone.localdate(case.assigned_at) if case.assigned_at else None,
            case.due_date,
            case.reply_class,
            timezone.localdate(case.replied_at) if case.reply_class and case.replied_at else None,
            "\n\n".join(latest) if case.reply_class else "",
            results.get(rating.result, "") if rating else "",
            results.get(rating.attitude, "") if rating else "",
            timezone.localdate(rating.created_at) if rating else None,
        ]


OPINION_LEDGER = exports.positional(
    gettext_lazy("Opinions ledger"), [(label, 16) for _key, label in COLUMNS]
)


def opinion_ledger_cases(user: Any, params: QueryDict) -> Any:
    """The public opinions a user supervises (`case.supervise`), of `?year=` if given."""
    queryset = Case.objects.visible_to(user, "case.supervise").filter(kind=CaseKind.OPINION)
    year = params.get("year", "")
    return queryset.filter(year=int(year)) if year.isdigit() else queryset


def _opinion_ledger(user: Any, params: QueryDict) -> exports.Rows:
    return exports.Rows(opinion_ledger_cases(user, params), opinion_ledger_rows)


def _opinion_ledger_congress_ids(user: Any, params: QueryDict) -> Any:
    cases = opinion_ledger_cases(user, params).order_by()
    return cases.values_list("congress_id", flat=True).distinct()


def _opinion_ledger_name(params: QueryDict) -> str:
    year = params.get("year", "")
    return f"opinions-ledger-{year if year.isdigit() else timezone.localdate().year}.xlsx"


# The download (/cases/ledger.xlsx): streamed, or a background job above
# RENDA_EXPORT_JOB_ROWS rows (renda.core.exports.respond).
exports.register(
    exports.Export(
        "cases.opinion_ledger",
        OPINION_LEDGER,
        _opinion_ledger,
        gettext_lazy("Opinions ledger"),
        "cases.exported",
        _opinion_ledger_congress_ids,
        name_for=_opinion_ledger_name,
        note="ledger",
    )
)


# --- the template ------------------------------------------------------------------------------


def template_rows(kind: str) -> Iterator[list[Any]]:
    yield [str(label) for _key, label in columns_of(kind)]


def template_xlsx(kind: str) -> bytes:
    """An empty ledger in the import's layout, with a second sheet explaining each column."""
    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, _("Ledger"))
    cols = columns_of(kind)
    documents.xlsx_layout(sheet, widths=[16] * len(cols), freeze="A2")
    documents.xlsx_append(sheet, [str(label) for _key, label in cols], bold=True)
    notes = documents.xlsx_sheet(book, _("Columns"))
    documents.xlsx_layout(notes, widths=[22, 10, 80])
    documents.xlsx_append(notes, [_("Column"), _("Required"), _("What to enter")], bold=True)
    required = set(required_of(kind))
    explain = column_help()
    for key, label in cols:
        documents.xlsx_append(
            notes,
            [str(label), _("Yes") if key in required else "", str(explain.get(key, ""))],
        )
    return documents.to_bytes(book)


def column_help() -> dict[str, Any]:
    """One sentence per column (the template's second sheet and the import page)."""
    help_text: dict[str, Any] = {
        "serial": _("The ledger's number; empty: the platform numbers it. Must be new."),
        "title": _("The subject (empty: the start of the content)."),
        "content": _("The text of the matter (empty: the title)."),
        "category": _("A category of this congress, by name or code."),
        "submitted_on": _("Date received, e.g. 2026-03-15."),
        "source": _("How it came in (e.g. Letter, Hotline); empty: Letter."),
        "submitter": _("The person who raised it (public opinions)."),
        "submitter_phone": _("Their mobile number (optional)."),
        "village": _("A village or community of the town (optional)."),
        "lead_unit": _("The lead department (主办), by name."),
        "co_handlers": _("Co-handling departments, separated by 、"),
        "split_units": _("Split units (分办) instead of a lead unit, separated by 、"),
        "assigned_on": _("Date assigned; not before the date received."),
        "due_date": _("Date due; empty: the congress's deadline from the assignment."),
        "reply_class": _("A, B, C or D."),
        "replied_on": _("Date replied; not before the assignment."),
        "reply_text": _("The reply (optional)."),
        "evaluation": _("Satisfied, Basically satisfied or Unsatisfied."),
        "attitude": _("The rating of the handling attitude (optional)."),
        "evaluated_on": _("Date rated; empty: the date replied."),
    }
    for door in DOORS.values():
        for key, text in door.help.items():
            help_text.setdefault(key, text)
    return help_text
