"""Serial numbers: unique per scope and year, never reused, also under concurrency."""

from __future__ import annotations

import pytest
from django.db import transaction

from renda.core.models import SerialCounter
from renda.core.numbering import format_serial, next_serial
from tests.fixtures.threads import run_in_threads


def test_numbers_are_consecutive_per_scope_and_year(db):
    assert [next_serial("QH", 2026) for _ in range(3)] == [1, 2, 3]
    assert next_serial("QH", 2027) == 1
    assert next_serial("FL", 2026) == 1
    assert format_serial("MY", 2026, 123) == "MY2026-000123"


def test_a_rolled_back_transaction_gives_its_number_back(db):
    next_serial("QH", 2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_serial("QH", 2026)
        raise RuntimeError("the submission failed")
    assert next_serial("QH", 2026) == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_share_or_skip_a_number():
    results: list[int] = []

    def worker(_index: int) -> None:
        for _ in range(10):
            with transaction.atomic():
                results.append(next_serial("RACE", 2026))

    errors = run_in_threads(8, worker)
    assert not errors
    assert sorted(results) == list(range(1, 81))
    assert SerialCounter.objects.get(scope="RACE", year=2026).last == 80
