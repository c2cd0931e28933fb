"""The input rules shared by the REST API and Open311 (renda.api.validation)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pydantic import TypeAdapter, ValidationError

from renda.api.validation import (
    FIRST_DAY,
    INT64_MAX,
    LAST_DAY,
    Day,
    Id,
    InputError,
    Offset,
    Text,
    check_day,
    check_moment,
    check_text,
    parse_integer,
)


@pytest.mark.parametrize("value", ["a\x00b", "\x00", "a\ud800b", "\udfff", "\ud83d"])
def test_text_with_a_nul_or_a_lone_surrogate_is_refused(value):
    with pytest.raises(InputError, match="note"):
        check_text(value, "note")
    with pytest.raises(ValidationError) as raised:
        TypeAdapter(Text).validate_python(value)
    assert raised.value.errors()[0]["type"] == "text_not_storable"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "路灯坏了",
        "😀",
        "\ud83d\ude00".encode("utf-16", "surrogatepass").decode("utf-16"),
        "tab\tand\nnewline",
    ],
)
def test_ordinary_text_passes_unchanged(value):
    assert check_text(value, "note") == value
    assert TypeAdapter(Text).validate_python(value) == value


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("1", True),
        (str(INT64_MAX), True),
        (str(INT64_MAX + 1), False),
        ("0", False),
        ("-1", False),
        ("+1", False),
        (" 1", False),
        ("1e3", False),
        ("１", False),  # a full-width digit: int() would take it
        ("9" * 5000, False),  # refused before int() parses it
    ],
)
def test_parse_integer(raw, valid):
    if valid:
        assert parse_integer(raw, "id") == int(raw)
    else:
        with pytest.raises(InputError):
            parse_integer(raw, "id")


def test_integer_types_are_bounded_to_64_bits():
    assert TypeAdapter(Id).validate_python(INT64_MAX) == INT64_MAX
    assert TypeAdapter(Offset).validate_python(0) == 0
    for adapter, value in ((Id, INT64_MAX + 1), (Id, 0), (Offset, -1), (Offset, 2**64)):
        with pytest.raises(ValidationError):
            TypeAdapter(adapter).validate_python(value)
    assert TypeAdapter(Id).json_schema() == {
        "maximum": INT64_MAX,
        "minimum": 1,
        "type": "integer",
    }


def test_days_and_moments_are_within_the_range():
    assert check_day(FIRST_DAY, "day") == FIRST_DAY
    assert check_day(LAST_DAY, "day") == LAST_DAY
    for day in (dt.date.min, dt.date.max, FIRST_DAY - dt.timedelta(days=1)):
        with pytest.raises(InputError, match="1900-01-01"):
            check_day(day, "day")
        with pytest.raises(ValidationError):
            TypeAdapter(Day).validate_python(day)
    # A naive moment is read in the platform's time zone; an aware one is kept.
    naive = check_moment(dt.datetime(2026, 11, 29, 14, 31), "start_date")  # noqa: DTZ001
    assert timezone.is_aware(naive) and naive.hour == 14
    latest = dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12)))
    assert check_moment(latest, "end_date") == latest
    assert latest.astimezone(dt.UTC).year == 2101  # still representable
    for moment in (
        dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-12))),
        dt.datetime.min,  # noqa: DTZ901
    ):
        with pytest.raises(InputError, match="end_date"):
            check_moment(moment, "end_date")
