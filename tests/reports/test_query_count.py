"""Computing the year's figures takes the same number of queries whatever the data size:
a district generated small and one generated bigger (generate_province)."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renda.congress.models import Congress
from renda.reports import services


def _generate(towns: int, cases: int, deputies: int) -> dict:
    out = StringIO()
    call_command(
        "generate_province",
        towns=towns,
        cases_per_town=cases,
        deputies_per_town=deputies,
        year=2026,
        stdout=out,
    )
    return json.loads(out.getvalue())


def _queries(fn) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_data(db):
    small = _generate(2, 20, 5)
    big = _generate(2, 400, 60)
    counts = {}
    for name, made in (("small", small), ("big", big)):
        town = Congress.objects.get(pk=made["towns"][0])
        district = Congress.objects.get(pk=made["district"])
        counts[name] = (
            _queries(lambda t=town: services.year_figures(t, 2026)),
            _queries(lambda d=district: services.district_figures(d, 2026)),
        )
        figures = services.year_figures(town, 2026)
        assert figures.values["opinions_received"] + figures.values["suggestions_received"] == (
            made["cases"] // 2
        )
    assert counts["small"] == counts["big"]


def test_the_towns_side_by_side_cost_the_queries_of_one_town(db):
    """The district's towns are computed together: five towns cost what two do."""
    counts = []
    for towns in (2, 5):
        made = _generate(towns, 20, 5)
        district = Congress.objects.get(pk=made["district"])
        counts.append(_queries(lambda d=district: services.district_figures(d, 2026)))
        rollup = services.district_figures(district, 2026)
        assert [t.congress.pk for t in rollup.towns] == sorted(
            made["towns"], key=lambda pk: (Congress.objects.get(pk=pk).name, pk)
        )
        assert (
            sum(
                t.values["opinions_received"] + t.values["suggestions_received"]
                for t in rollup.towns
            )
            == made["cases"]
        )
    assert counts[0] == counts[1]
