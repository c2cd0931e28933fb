"""Counts and rates of case handling (DOMAIN.md §2). Raw counts are computed in the
database in one aggregate per table; rates are derived from them, never stored.

- 办结率 = closed / assigned
- 按期答复率 = replied by the due date / assigned
- 满意率（含基本满意）= (satisfied + basically satisfied) / evaluated
- 解决率 = A / replied; 解决和正在解决率 = (A + B) / replied

Rates are percentages with one decimal, half up (`renda.core.rates`); None for 0 of 0.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from renda.cases.models import (
    ANSWERING_ROLES,
    Assignment,
    AssignmentStatus,
    Case,
    CaseKind,
    CaseSource,
)
from renda.core.charts import Chart, chart
from renda.core.grouping import aggregate_by
from renda.core.rates import percent
from renda.core.widgets import DateInput


def _conditions(p: str) -> dict[str, Q | None]:
    """The raw counts, as filters on cases (`p` re-roots them, e.g. "case__")."""

    def q(**lookups: Any) -> Q:
        return Q(**{f"{p}{k}": v for k, v in lookups.items()})

    return {
        "received": None,
        "assigned": q(assigned_at__isnull=False),
        "closed": q(status="closed"),
        "replied": ~q(reply_class=""),
        "replied_on_time": q(replied_on_time=True),
        "evaluated": ~q(evaluation_result=""),
        "satisfied": q(evaluation_result="satisfied"),
        "basic": q(evaluation_result="basic"),
        "unsatisfied": q(evaluation_result="unsatisfied"),
        "class_a": q(reply_class="A"),
        "class_b": q(reply_class="B"),
        "class_c": q(reply_class="C"),
        "class_d": q(reply_class="D"),
        "awaiting_evaluation": q(status="replied"),
        "met": q(has_contact=True),
    }


GROUP_LABELS = {
    "category": _("By category"),
    "department": _("By department"),
    "village": _("By village or community"),
    "source": _("By source"),
    "month": _("By month"),
}


def with_rates(counts: dict[str, Any]) -> dict[str, Any]:
    out = dict(counts)
    out["closure_rate"] = percent(counts["closed"], counts["assigned"])
    out["on_time_rate"] = percent(counts["replied_on_time"], counts["assigned"])
    out["satisfaction_rate"] = percent(counts["satisfied"] + counts["basic"], counts["evaluated"])
    out["solved_rate"] = percent(counts["class_a"], counts["replied"])
    out["solved_or_solving_rate"] = percent(
        counts["class_a"] + counts["class_b"], counts["replied"]
    )
    out["met_rate"] = percent(counts["met"], counts["assigned"])
    return out


def counted(qs: QuerySet[Case], name: str) -> QuerySet[Case]:
    """The cases a raw count of `totals(qs)` counts (`name`: received, assigned, closed,
    replied, replied_on_time, evaluated, satisfied, basic, class_a…): the records behind a
    figure, by the same definition as the count."""
    condition = _conditions("")[name]
    return qs if condition is None else qs.filter(condition)


def _aggregates(prefix: str = "") -> dict[str, Count]:
    return {
        name: Count("pk", filter=condition) if condition is not None else Count("pk")
        for name, condition in _conditions(prefix).items()
    }


def totals(qs: QuerySet[Case]) -> dict[str, Any]:
    return with_rates(qs.aggregate(**_aggregates()))


def totals_by(qs: QuerySet[Case], field: str, keys: list[int]) -> dict[int, dict[str, Any]]:
    """`totals` of the cases of each value of `field` in `keys` (e.g. each congress): one
    query."""
    rows = aggregate_by(qs, field, keys, **_aggregates())
    return {key: with_rates(row) for key, row in rows.items()}


#: What a row of each grouping is keyed by (its id) and labelled with (the name), and what
#: tells two rows of the same name apart in their label (the parent category; the
#: congress of a department). Villages of one name stay apart by their id.
GROUP_FIELDS: dict[str, tuple[str, str, str | None]] = {
    "category": ("category_id", "category__name", "category__parent__name"),
    "village": ("village_id", "village__name", None),
    "department": ("department_id", "department__name", "department__congress__name"),
}


def grouped(qs: QuerySet[Case], key: str) -> list[dict[str, Any]]:
    """Counts and rates per category, department, village, source or month: one query.
    Rows are grouped by id (two categories of the same name, or two towns' departments of
    the same name, stay apart), each with its `id` and its name as `label`; two rows that
    share a name say what tells them apart (e.g. "城建办（清河镇人大）")."""
    rows: Any
    if key == "month":
        rows = (
            qs.annotate(m=TruncMonth("submitted_at"))
            .values("m")
            .annotate(**_aggregates())
            .order_by("m")
        )
        return [_row(r, f"{r['m']:%Y-%m}", f"{r['m']:%Y-%m}", ("m",)) for r in rows]
    if key == "source":
        rows = qs.values("source").annotate(**_aggregates()).order_by("source")
        sources = dict(CaseSource.choices)
        return [
            _row(r, sources.get(r["source"], r["source"]), r["source"], ("source",)) for r in rows
        ]
    id_field, name_field, qualifier_field = GROUP_FIELDS[key]
    fields = (id_field, name_field, qualifier_field) if qualifier_field else (id_field, name_field)
    if key == "department":
        rows = (
            Assignment.objects.filter(case__in=qs, role__in=ANSWERING_ROLES)
            .exclude(status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED])
            .values(*fields)
            .annotate(**_aggregates("case__"))
            .order_by(name_field, id_field)
        )
    else:
        rows = qs.values(*fields).annotate(**_aggregates()).order_by(name_field, id_field)
    names = Counter(r[name_field] for r in rows)
    out = []
    for r in rows:
        label = r[name_field] or "—"
        if (
            r[id_field] is not None
            and names[r[name_field]] > 1
            and qualifier_field
            and r[qualifier_field]
        ):
            label = _("%(name)s (%(qualifier)s)") % {"name": label, "qualifier": r[qualifier_field]}
        out.append(_row(r, label, r[id_field], fields))
    return out


#: The rows of one grouping a figures page shows; the sheet (`?format=xlsx`) has them all.
PAGE_ROWS = 200


def page_rows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """A grouping's rows as a figures page shows them, and how many there are in all when
    not all are shown: every row up to `PAGE_ROWS`; beyond (a district's lead deputies or
    villages), the `PAGE_ROWS` rows with the most received, in the grouping's order. The
    page stays readable and its size bounded whatever the data; the export has every row."""
    if len(rows) <= PAGE_ROWS:
        return rows, 0
    ranked = sorted(range(len(rows)), key=lambda i: (-rows[i]["received"], i))[:PAGE_ROWS]
    return [rows[i] for i in sorted(ranked)], len(rows)


def _row(row: dict[str, Any], label: Any, key: Any, drop: tuple[str, ...]) -> dict[str, Any]:
    counts = {k: v for k, v in row.items() if k not in drop}
    return with_rates({**counts, "id": key, "label": str(label)})


#: The columns of the figures table on the page and in the sheet: (key, header).
COLUMNS: list[tuple[str, Any]] = [
    ("received", _("Received")),
    ("assigned", _("Assigned")),
    ("closed", _("Closed")),
    ("closure_rate", _("Closure rate")),
    ("replied_on_time", _("Replied by the due date")),
    ("on_time_rate", _("On-time reply rate")),
    ("evaluated", _("Evaluated")),
    ("satisfaction_rate", _("Satisfaction")),
    ("class_a", "A"),
    ("class_b", "B"),
    ("class_c", "C"),
    ("class_d", "D"),
    ("solved_rate", _("Solved rate")),
    ("solved_or_solving_rate", _("Solved or solving")),
]


def cells(row: dict[str, Any]) -> list[Any]:
    """A row's values in the order of `COLUMNS` (rates in percent, None for no rate): the
    cells of the page's table and of the sheet."""
    return [row[key] for key, _label in COLUMNS]


#: The rates drawn per department and per category (a subset of `COLUMNS`).
CHART_RATES: list[tuple[str, Any]] = [
    ("closure_rate", _("Closure rate")),
    ("on_time_rate", _("On-time reply rate")),
    ("satisfaction_rate", _("Satisfaction")),
]


def charts(total: dict[str, Any], groups: dict[str, list[dict[str, Any]]]) -> dict[str, Chart]:
    """The figures page's charts, drawn from the very rows of its tables (`totals`,
    `grouped`): the monthly trend, the rates by department and by category, the reply
    classes. Keyed by the grouping they sit beside ("classes" beside the totals)."""
    out: dict[str, Chart] = {}
    if "month" in groups:
        out["month"] = chart(
            "line",
            _("Cases by month"),
            groups["month"],
            label="label",
            series=[(_("Received"), "received"), (_("Closed"), "closed")],
            key="chart-month",
        )
    for key, title in (
        ("department", _("Rates by department")),
        ("category", _("Rates by category")),
    ):
        if key in groups:
            out[key] = chart(
                "hbar",
                title,
                groups[key],
                label="label",
                series=[(label, key) for key, label in CHART_RATES],
                unit="%",
                key=f"chart-{key}",
            )
    out["classes"] = chart(
        "pie",
        _("Reply classes"),
        [
            ("A", total["class_a"]),
            ("B", total["class_b"]),
            ("C", total["class_c"]),
            ("D", total["class_d"]),
        ],
        label=lambda row: row[0],
        series=[(_("Replied"), lambda row: row[1])],
        key="chart-classes",
    )
    return out


class FiguresFilter(forms.Form):
    congress: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Congress"),
        queryset=None,
        required=False,  # type: ignore[arg-type]
        empty_label=_("All"),  # no congress chosen: every congress the user may read
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *CaseKind.choices], required=False
    )
    start = forms.DateField(label=_("Submitted from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Submitted until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, congresses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["congress"].queryset = congresses  # type: ignore[attr-defined]


def answered_by(department: Any) -> QuerySet[Assignment]:
    """The assignments through which a department answers its cases: the rows that
    `grouped(qs, "department")` counts for it."""
    return Assignment.objects.filter(department=department, role__in=ANSWERING_ROLES).exclude(
        status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED]
    )


def filtered_cases(qs: QuerySet[Case], data: dict[str, Any]) -> QuerySet[Case]:
    """The cases the figures count: of a congress, a kind, a year (of the case number),
    a category, answered by a department, submitted between two days."""
    if data.get("congress"):
        qs = qs.filter(congress=data["congress"])
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("year"):
        qs = qs.filter(year=data["year"])
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("department"):
        qs = qs.filter(pk__in=answered_by(data["department"]).values("case_id"))
    if data.get("start"):
        qs = qs.filter(submitted_at__date__gte=data["start"])
    if data.get("end"):
        qs = qs.filter(submitted_at__date__lte=data["end"])
    return qs
