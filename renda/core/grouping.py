"""Figures of many congresses in one query: the aggregates of a figure function, grouped by
the congress field of its records, with every asked-for congress present (the empty result
where it has no records). A figure function writes its query once, for a list of
congresses; its one-congress form is the list of one (so a district's towns side by side
cost the queries of one town, whatever the number of towns)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Aggregate, QuerySet


def empty_row(aggregates: dict[str, Aggregate]) -> dict[str, Any]:
    """What each aggregate is over no records (Count 0, Sum None), as `aggregate()` says."""
    return {name: agg.empty_result_set_value for name, agg in aggregates.items()}


def aggregate_by(
    qs: QuerySet[Any], field: str, keys: Iterable[int], **aggregates: Aggregate
) -> dict[int, dict[str, Any]]:
    """`qs.aggregate(**aggregates)` for each value of `field` in `keys`: one query."""
    out = {key: empty_row(aggregates) for key in keys}
    for row in qs.values(field).annotate(**aggregates).order_by():
        key = row.pop(field)
        if key in out:
            out[key] = row
    return out


def count_by(
    qs: QuerySet[Any], field: str, keys: Iterable[int], by: str
) -> dict[int, dict[Any, int]]:
    """For each value of `field` in `keys`, the records counted by the value of `by`
    ({} when none): one query."""
    from django.db.models import Count

    out: dict[int, dict[Any, int]] = {key: {} for key in keys}
    rows = qs.values_list(field, by).annotate(n=Count("pk")).order_by().values_list(field, by, "n")
    for key, value, n in rows:
        if key in out:
            out[key][value] = n
    return out
