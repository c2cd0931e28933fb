"""The annual report's services: the year's figures of a congress (and of a district's towns),
the document's context, drafting from the template in force, the office's texts, templates,
final versions and external publications. Every change is audited; nothing is deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.activities.models import WorkPlan
from renda.activities.services.plan import plan_items
from renda.congress import policy
from renda.congress.models import Congress, CongressLevel
from renda.core import audit, uploads
from renda.core.errors import DomainError
from renda.reports import documents
from renda.reports import figures as registry
from renda.reports.models import AnnualReport, ExternalPublication, ReportTemplate, ReportVersion


@dataclass
class YearFigures:
    congress: Congress
    year: int
    values: dict[str, Any]
    previous: dict[str, Any]
    #: section → [(Breakdown, rows)] (a district's total has none: see its towns).
    splits: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return registry.is_empty(self.values)

    def sections(self) -> list[tuple[str, str, list[registry.Row]]]:
        return registry.sections(self.values, self.previous)


def year_figures(congress: Congress, year: int) -> YearFigures:
    """The year's figures and last year's beside them (同比)."""
    return YearFigures(
        congress,
        year,
        registry.compute_all(congress, year),
        registry.compute_all(congress, year - 1),
        registry.breakdowns(congress, year),
    )


def towns_of(district: Congress) -> list[Congress]:
    """The active town congresses directly below a district congress."""
    return list(
        Congress.objects.filter(parent=district, is_active=True, level=CongressLevel.TOWN)
        .select_related("region")
        .order_by("name", "id")
    )


def is_district(congress: Congress) -> bool:
    return congress.level == CongressLevel.COUNTY


@dataclass
class DistrictFigures:
    district: Congress
    year: int
    towns: list[YearFigures]
    total: YearFigures


def district_figures(district: Congress, year: int) -> DistrictFigures:
    """Each town's figures side by side and the district's total (sums of the towns' counts;
    each rate over the summed parts)."""
    towns_ = towns_of(district)
    values = registry.compute_many(towns_, year)
    previous = registry.compute_many(towns_, year - 1)
    # The towns' breakdowns are on each town's own page (the district's has none).
    towns = [YearFigures(t, year, values[t.pk], previous[t.pk]) for t in towns_]
    total = YearFigures(
        district,
        year,
        registry.total([t.values for t in towns]),
        registry.total([t.previous for t in towns]),
    )
    return DistrictFigures(district, year, towns, total)


# --- the document ---------------------------------------------------------------------------


def report_for(congress: Congress, year: int) -> AnnualReport:
    report, _created = AnnualReport.objects.get_or_create(congress=congress, year=year)
    return report


def next_year_tasks(congress: Congress, year: int, report: AnnualReport | None) -> list[str]:
    """Next year's tasks: the items of next year's work plan (`activities`), in their
    months; else the office's lines."""
    plan = WorkPlan.objects.filter(congress=congress, year=year + 1).first()
    if plan is not None:
        items = plan_items(plan)
        tasks = [
            _("%(month)s: %(kind)s — %(topic)s")
            % {"month": _month(i.month), "kind": i.get_kind_display(), "topic": i.topic}
            for i in items
        ]
        if tasks:
            return tasks
    text = report.next_tasks if report else ""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _month(month: int) -> str:
    return _("month %(n)s") % {"n": month}


def _rows(rows: list[registry.Row]) -> list[dict[str, Any]]:
    return [
        {
            "key": r.key,
            "label": r.label,
            "value": r.shown,
            "previous": r.previous_shown,
            "change": r.change_shown or "—",
        }
        for r in rows
    ]


def _sections(figures: YearFigures) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "title": title,
            "number": documents.chinese_ordinal(i),
            "rows": _rows(rows),
            "splits": [
                {
                    "label": str(split.label),
                    "text": "；".join(f"{label} {n}" for _value, label, n in items) or "—",
                }
                for split, items in figures.splits.get(key, [])
            ],
        }
        for i, (key, title, rows) in enumerate(figures.sections(), start=1)
    ]


def _shown(values: dict[str, Any]) -> dict[str, str]:
    return {key: registry.display(value) for key, value in values.items()}


def _date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def context(
    figures: YearFigures, report: AnnualReport | None, district: DistrictFigures | None = None
) -> dict[str, Any]:
    """What a template is filled with (`documents.PLACEHOLDERS`): the figures as the
    figures page shows them, the office's texts, next year's tasks."""
    year = figures.year
    out: dict[str, Any] = {
        "congress": figures.congress.name,
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1,
        "date": _date(timezone.localdate()),
        "summary": report.summary if report else "",
        "shortcomings": report.shortcomings if report else "",
        "next_tasks": next_year_tasks(figures.congress, year, report),
        "no_records": figures.empty,
        "sections": _sections(figures),
        "f": _shown(figures.values),
        "p": _shown(figures.previous),
        "towns": [],
    }
    if district is not None:
        out["towns"] = [
            {
                "name": town.congress.name,
                "f": _shown(town.values),
                "sections": [
                    {
                        "title": title,
                        "text": "；".join(f"{r.label} {r.shown}" for r in rows),
                    }
                    for _key, title, rows in town.sections()
                ],
            }
            for town in district.towns
        ]
    return out


def template_in_force(congress: Congress, kind: str) -> ReportTemplate | None:
    return ReportTemplate.objects.filter(congress=congress, kind=kind).first()


def template_bytes(congress: Congress, kind: str) -> bytes:
    uploaded = template_in_force(congress, kind)
    if uploaded is None:
        return documents.default_template(kind)
    with uploaded.file.open("rb") as handle:
        return handle.read()


def _next_number(report: AnnualReport) -> int:
    last = ReportVersion.objects.filter(report=report).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def draft(congress: Congress, year: int, *, acting_user: Any) -> ReportVersion:
    """Write the year's draft from the template in force and keep it as a new version."""
    if not policy.can(acting_user, "report.manage", congress):
        raise DomainError(_("You may not draft this congress's report."))
    kind = ReportTemplate.Kind.DISTRICT if is_district(congress) else ReportTemplate.Kind.TOWN
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().get(pk=report_for(congress, year).pk)
        if kind == ReportTemplate.Kind.DISTRICT:
            district = district_figures(congress, year)
            ctx = context(district.total, report, district)
        else:
            ctx = context(year_figures(congress, year), report)
        body = documents.render(template_bytes(congress, kind), ctx)
        number = _next_number(report)
        version = ReportVersion(
            report=report,
            number=number,
            kind=ReportVersion.Kind.DRAFT,
            original_name=f"{congress.name}-{year}-v{number}.docx",
            content_type=uploads.DOCX,
            created_by=acting_user,
        )
        version.file.save(uploads.generated_name("docx"), ContentFile(body), save=False)
        version.save()
        audit.record(
            "report.drafted",
            version,
            actor=acting_user,
            changes={"version": [None, version.number]},
        )
    return version


def upload_final(
    report: AnnualReport, upload: Any, *, note: str = "", acting_user: Any
) -> ReportVersion:
    """Keep the office's edited version (a .docx, judged by its bytes) as a new version."""
    if not policy.can(acting_user, "report.manage", report.congress):
        raise DomainError(_("You may not change this congress's report."))
    try:
        accepted = uploads.accept(
            upload,
            kinds=frozenset({uploads.DOCX}),
            type_error=_("Upload the report as a Word document (.docx)."),
        )
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().get(pk=report.pk)
        version = ReportVersion.objects.create(
            report=report,
            number=_next_number(report),
            kind=ReportVersion.Kind.FINAL,
            file=accepted,
            original_name=accepted.original_name,
            content_type=accepted.content_type,
            note=note,
            created_by=acting_user,
        )
        audit.record(
            "report.version_uploaded",
            version,
            actor=acting_user,
            changes={"version": [None, version.number]},
        )
    return version


def upload_template(
    congress: Congress, kind: str, upload: Any, *, acting_user: Any
) -> ReportTemplate:
    """Put the office's template in force after checking its bytes and its placeholders."""
    if not policy.can(acting_user, "report.manage", congress):
        raise DomainError(_("You may not change this congress's report."))
    try:
        accepted = uploads.accept(
            upload,
            kinds=frozenset({uploads.DOCX}),
            type_error=_("Upload the template as a Word document (.docx)."),
        )
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    accepted.seek(0)
    content = accepted.read()
    documents.check_template(content)
    accepted.seek(0)
    with transaction.atomic():
        template = ReportTemplate.objects.create(
            congress=congress,
            kind=kind,
            file=ContentFile(content, name=accepted.name),
            original_name=accepted.original_name,
            content_type=accepted.content_type,
            uploaded_by=acting_user,
        )
        audit.record(
            "report.template_uploaded",
            template,
            actor=acting_user,
            changes={"kind": [None, kind], "file": [None, accepted.original_name]},
        )
    return template


def save_texts(report: AnnualReport, data: dict[str, str], *, acting_user: Any) -> AnnualReport:
    if not policy.can(acting_user, "report.manage", report.congress):
        raise DomainError(_("You may not change this congress's report."))
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().get(pk=report.pk)
        changes = {}
        for name in ("summary", "shortcomings", "next_tasks"):
            if getattr(report, name) != data[name]:
                changes[name] = [getattr(report, name), data[name]]
                setattr(report, name, data[name])
        if changes:
            report.save()
            audit.record("report.texts_changed", report, actor=acting_user, changes=changes)
    return report


def add_publication(
    congress: Congress, data: dict[str, Any], *, acting_user: Any
) -> ExternalPublication:
    if not policy.can(acting_user, "report.manage", congress):
        raise DomainError(_("You may not change this congress's report."))
    with transaction.atomic():
        publication = ExternalPublication.objects.create(
            congress=congress,
            outlet=data["outlet"],
            title=data["title"],
            published_on=data["published_on"],
            link=data.get("link", ""),
            created_by=acting_user,
        )
        audit.record(
            "report.publication_added",
            publication,
            actor=acting_user,
            changes={"title": [None, publication.title]},
        )
    return publication


def withdraw_publication(publication: ExternalPublication, *, acting_user: Any) -> None:
    """A publication recorded by mistake is withdrawn (kept, no longer counted)."""
    if not policy.can(acting_user, "report.manage", publication.congress):
        raise DomainError(_("You may not change this congress's report."))
    with transaction.atomic():
        publication = ExternalPublication.objects.select_for_update().get(pk=publication.pk)
        if publication.is_withdrawn:
            return
        publication.is_withdrawn = True
        publication.save(update_fields=["is_withdrawn"])
        audit.record(
            "report.publication_withdrawn",
            publication,
            actor=acting_user,
            changes={"is_withdrawn": [False, True]},
        )
