"""The pages `bench scale` measures cost the same number of queries whatever the data size,
read by the district's office: a district generated small (1 town of 20 cases), one with three
times the towns (3 towns of 20 cases) and one with three times the cases too (3 towns of 60
cases, more deputies and audit entries)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from bench.scale_setup import pages
from renda.cases.models import Case
from renda.core.models import ActionLog, User
from renda.reports.management.commands.generate_province import generate
from renda.suggestions.models import Suggestion


def _generate(name: str, towns: int, cases: int) -> dict[str, Any]:
    return generate(
        towns=towns,
        cases_per_town=cases,
        deputies_per_town=cases // 4,
        audit_entries=cases * towns * 3,
        year=timezone.localdate().year,
        name=name,
    )


def _office(made: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=made["district_office"]))
    return client


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _queries(client: Client, path: str) -> int:
    """Queries of the page's second request (the caches warm, as most requests find them)."""
    assert client.get(path).status_code == 200, path
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        _body(response)
    assert response.status_code == 200, path
    return len(captured.captured_queries)


PAGES = [
    "inbox",
    "case_page",
    "case_figures",
    "suggestion_figures",
    "suggestion_ledger",
    "search",
    "district_rollup",
    "report_towns",
]


@pytest.fixture
def districts(db):  # noqa: ANN001, ANN201
    return _generate("小区", 1, 20), _generate("宽区", 3, 20), _generate("大区", 3, 60)


def _growth(before: dict[str, Any], after: dict[str, Any], pages_: list[str]) -> list[str]:
    grown = []
    for page in pages_:
        counts = [_queries(_office(made), pages(made)[page]) for made in (before, after)]
        if counts[0] != counts[1]:
            grown.append(f"{page}: {counts[0]} → {counts[1]} queries")
    return grown


def test_generator_makes_what_it_reports(districts):  # noqa: ANN001
    small, _wide, big = districts
    for made in (small, big):
        towns = made["towns"]
        assert Case.objects.filter(congress_id__in=towns).count() == made["cases"]
        assert (
            Suggestion.objects.filter(congress_id__in=towns, case__isnull=False).count()
            == made["suggestions"]
        )
        assert ActionLog.objects.filter(congress_id__in=towns).count() == made["audit_entries"]
    assert (small["cases"], big["cases"]) == (20, 180)
    assert (small["suggestions"], big["suggestions"]) == (2, 18)


def test_query_count_does_not_grow_with_the_cases(districts):  # noqa: ANN001
    _small, wide, big = districts
    assert _growth(wide, big, PAGES) == []


def test_query_count_does_not_grow_with_the_towns(districts):  # noqa: ANN001
    small, wide, _big = districts
    assert _growth(small, wide, PAGES) == []


def test_ledger_export_lists_every_suggestion_of_the_towns(districts):  # noqa: ANN001
    _small, _wide, big = districts
    response = _office(big).get(pages(big)["suggestion_ledger"])
    sheet = load_workbook(BytesIO(_body(response)), read_only=True).active
    serials = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    expected = set(
        Case.objects.filter(congress_id__in=big["towns"], kind="suggestion").values_list(
            "serial", flat=True
        )
    )
    assert expected <= serials


def test_search_finds_the_one_case_by_its_serial(districts):  # noqa: ANN001
    _small, _wide, big = districts
    path = pages(big)["search"]
    serial = path.rsplit("q=", 1)[1]
    content = _office(big).get(path).content.decode()
    assert serial in content
    others = Case.objects.filter(congress_id__in=big["towns"]).exclude(serial=serial)
    assert not [c.serial for c in others if c.serial in content]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"towns": 0}, "--towns"),
        ({"cases_per_town": -1}, "--cases-per-town"),
        ({"cases_per_town": 0, "audit_entries": 10}, "--cases-per-town"),
    ],
)
def test_generator_refuses_bad_sizes_with_a_clear_message(db, options, message):  # noqa: ANN001
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=message):
        call_command("generate_province", **options)
    assert not Case.objects.exists()


@pytest.mark.parametrize("id_limit", [1000, 5])
def test_search_lists_every_match_by_ids_or_by_subquery(districts, monkeypatch, id_limit):  # noqa: ANN001
    """A few matches are filtered by their ids, many (beyond SEARCH_IDS) by a subquery: the
    same cases either way."""
    from renda.cases import queries

    monkeypatch.setattr(queries, "SEARCH_IDS", id_limit)
    _small, _wide, big = districts
    cases = Case.objects.filter(congress_id__in=big["towns"])
    matching = {c.serial for c in cases if "合成事项1" in c.title}
    assert len(matching) == 33  # 合成事项1 and 10–19 in each of the 3 towns
    content = _office(big).get("/cases/", {"view": "all", "q": "合成事项1"}).content.decode()
    assert {c.serial for c in cases if c.serial in content} == matching
