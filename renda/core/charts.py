"""Charts of the figures pages: one spec, one initialiser.

A figures page builds a `Chart` from the rows its engine's own figure functions return (the
same rows as its table: one figure, one function) and renders it with `{% chart spec %}`
(`renda/core/templatetags/charts.py`): a container and the spec as `json_script`. The one
initialiser `renda/js/charts.js` reads every spec on the page and draws it with the vendored
Apache ECharts (`renda/vendor/echarts.min.js`, Apache-2.0; no CDN, no inline script, the
CSP holds). Before printing, each chart is replaced by an image of itself; the table beside
it prints in any case.

A spec is plain data: kind ("bar", "hbar", "line", "pie"), title, the category labels, the
series (name and one value per label; None for a value that does not exist, e.g. a rate of
0 of 0), the unit ("%" for rates) and, optionally, a band (`low`, `high`) drawn as marked
lines with the values outside it flagged.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("bar", "hbar", "line", "pie")
_ids = itertools.count(1)


@dataclass
class Chart:
    kind: str
    title: str
    labels: list[str]
    series: list[dict[str, Any]]
    unit: str = ""
    band: tuple[float, float] | None = None
    flags: list[bool] = field(default_factory=list)
    key: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(self.kind)
        for s in self.series:
            if len(s["data"]) != len(self.labels):
                raise ValueError("a series needs one value per label")
        if not self.key:
            self.key = f"chart-{next(_ids)}"

    @property
    def empty(self) -> bool:
        return not self.labels or all(v in (None, 0) for s in self.series for v in s["data"])

    def values(self, name: str) -> list[Any]:
        """The values of the series called `name` (tests compare them with the figures)."""
        for s in self.series:
            if s["name"] == name:
                return list(s["data"])
        raise KeyError(name)

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "title": self.title,
            "labels": self.labels,
            "series": self.series,
            "unit": self.unit,
        }
        if self.band is not None:
            out["band"] = list(self.band)
            out["flags"] = self.flags
        return out


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return value
    return float(value)  # Decimal rates


def chart(
    kind: str,
    title: Any,
    rows: Iterable[Any],
    *,
    label: Any,
    series: Sequence[tuple[Any, Any]],
    unit: str = "",
    band: tuple[float, float] | None = None,
    flag: Any = None,
    key: str = "",
) -> Chart:
    """A chart of `rows`: each row gives a category (`label(row)` or `row[label]`) and one
    value per series (`(name, key or function)`). The values are the rows' own figures,
    never recomputed here."""
    rows = list(rows)

    def get(row: Any, how: Any) -> Any:
        return how(row) if callable(how) else row[how]

    return Chart(
        kind=kind,
        title=str(title),
        labels=[str(get(row, label)) for row in rows],
        series=[
            {"name": str(name), "data": [_number(get(row, how)) for row in rows]}
            for name, how in series
        ],
        unit=unit,
        band=band,
        flags=[bool(get(row, flag)) for row in rows] if flag is not None else [],
        key=key,
    )
