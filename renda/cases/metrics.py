"""The case engine's metrics, read when /metrics is scraped (settings
RENDA_METRICS_COLLECTORS): open and overdue cases per congress, by the inbox's definitions
(renda.cases.queries.congress_case_counts)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from renda.cases.queries import congress_case_counts
from renda.congress.models import Congress


class CaseCollector:
    def collect(self) -> Iterator[Metric]:
        counts = congress_case_counts()
        names = dict(Congress.objects.filter(pk__in=counts).values_list("pk", "name"))
        open_cases = GaugeMetricFamily(
            "renda_cases_open", "Open cases per congress", labels=["congress_id", "congress"]
        )
        overdue = GaugeMetricFamily(
            "renda_cases_overdue",
            "Cases past their due date and not replied, per congress",
            labels=["congress_id", "congress"],
        )
        for congress_id, figures in sorted(counts.items()):
            labels = [str(congress_id), names.get(congress_id, "")]
            open_cases.add_metric(labels, figures["open"])
            overdue.add_metric(labels, figures["overdue"])
        yield open_cases
        yield overdue
