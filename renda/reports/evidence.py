"""The records behind a figure as rows of a list and a sheet: what the record is, its date and
the page where it lives (where the platform has one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from renda.core import documents

#: model label → (URL name, the attribute holding the id the page takes).
PAGES: dict[str, tuple[str, str]] = {
    "cases.case": ("cases:office_case", "pk"),
    "activities.activity": ("activities:detail", "pk"),
    "activities.presidiummeeting": ("activities:meeting", "pk"),
    "activities.meetingreport": ("activities:meeting", "meeting_id"),
    "activities.nomination": ("activities:nomination", "pk"),
    "projects.votebatch": ("projects:batch", "pk"),
    "projects.project": ("projects:project", "pk"),
    "projects.inspection": ("projects:project", "project_id"),
    "projects.supervisiongroup": ("projects:project", "project_id"),
    "suggestions.suggestion": ("suggestions:office_detail", "pk"),
    "suggestions.assignmentmeeting": ("suggestions:meeting", "pk"),
    "suggestions.meetingitem": ("suggestions:meeting", "meeting_id"),
    "appraisals.reviewmeeting": ("appraisals:meeting", "pk"),
}

DATE_FIELDS = (
    "submitted_at",
    "date",
    "held_on",
    "starts_on",
    "published_on",
    "published_at",
    "on",
    "opened_on",  # a liaison station: the day it opened (None: not known)
    "created_at",
)


def _date(obj: Any) -> dt.date | None:
    for name in DATE_FIELDS:
        value = getattr(obj, name, None)
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).date()
        if isinstance(value, dt.date):
            return value
    shift = getattr(obj, "shift", None)
    return shift.date if shift is not None else None


def _url(obj: Any) -> str:
    page = PAGES.get(obj._meta.label_lower)
    if page is not None:
        try:
            return reverse(page[0], args=[getattr(obj, page[1])])
        except NoReverseMatch:
            return ""
    link = getattr(obj, "link", "")
    if link:
        return str(link)
    absolute = getattr(obj, "get_absolute_url", None)
    return str(absolute()) if callable(absolute) else ""


def row(obj: Any) -> dict[str, Any]:
    serial = getattr(obj, "serial", "")
    text = f"{serial} {obj}" if serial else str(obj)
    return {"id": obj.pk, "text": text, "date": _date(obj), "url": _url(obj)}


def xlsx(title: str, rows: list[dict[str, Any]], headers: list[str]) -> bytes:
    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, title[:31])
    documents.xlsx_layout(sheet, widths=(10, 60, 14))
    documents.xlsx_append(sheet, [title], bold=True, size=14)
    documents.xlsx_append(sheet, headers, bold=True)
    for r in rows:
        documents.xlsx_append(sheet, [r["id"], r["text"], r["date"]])
    return documents.to_bytes(book)
