"""The presidium's annual work report (/api/v1/reports): a congress's figures of a year, each
with last year's, as the figures page and the .docx draft show them (one computation,
`renda.reports.services.year_figures`); a district's towns side by side with its total.
Read only; office staff and leaders of the congress, and a district's office for its towns
(`report.view`); another congress is a 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from renda.api.common import not_found, user_of
from renda.api.schemas import ErrorOut
from renda.api.validation import Id, Year
from renda.congress import policy
from renda.congress.models import Congress
from renda.reports import services

router = Router(tags=["reports"])


class FigureOut(Schema):
    key: str
    label: str
    section: str
    kind: str
    value: float | int | None
    previous: float | int | None
    shown: str
    previous_shown: str


class YearOut(Schema):
    congress: int
    name: str
    year: int
    empty: bool
    figures: list[FigureOut]


class TownOut(Schema):
    congress: int
    name: str
    values: dict[str, float | int | None]


class DistrictOut(Schema):
    congress: int
    name: str
    year: int
    towns: list[TownOut]
    total: dict[str, float | int | None]


def _number(value: Any) -> float | int | None:
    return float(value) if isinstance(value, Decimal) else value


def _congress(request: HttpRequest, congress_id: int) -> Congress:
    congress = Congress.objects.filter(pk=congress_id, is_active=True).first()
    if congress is None or not policy.can_read(user_of(request), "report.view", congress):
        raise not_found()
    return congress


def _values(values: dict[str, Any]) -> dict[str, float | int | None]:
    return {key: _number(value) for key, value in values.items()}


@router.get(
    "/{congress_id}/{year}",
    response={200: YearOut, 404: ErrorOut},
    summary="The year's figures of a congress's annual work report",
)
def year_figures(request: HttpRequest, congress_id: Id, year: Year) -> dict[str, Any]:
    congress = _congress(request, congress_id)
    figures = services.year_figures(congress, year)
    return {
        "congress": congress.pk,
        "name": congress.name,
        "year": year,
        "empty": figures.empty,
        "figures": [
            {
                "key": row.key,
                "label": row.label,
                "section": section,
                "kind": row.figure.kind,
                "value": _number(row.value),
                "previous": _number(row.previous),
                "shown": row.shown,
                "previous_shown": row.previous_shown,
            }
            for section, _title, rows in figures.sections()
            for row in rows
        ],
    }


@router.get(
    "/{congress_id}/{year}/towns",
    response={200: DistrictOut, 404: ErrorOut},
    summary="A district's towns side by side with the district's total",
)
def district_figures(request: HttpRequest, congress_id: Id, year: Year) -> dict[str, Any]:
    district = _congress(request, congress_id)
    if not services.is_district(district):
        raise not_found()
    rollup = services.district_figures(district, year)
    return {
        "congress": district.pk,
        "name": district.name,
        "year": year,
        "towns": [
            {"congress": t.congress.pk, "name": t.congress.name, "values": _values(t.values)}
            for t in rollup.towns
        ],
        "total": _values(rollup.total.values),
    }
