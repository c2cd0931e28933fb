"""Form widgets for the browser's own date and time pickers.

An ``<input type="date">`` accepts only an ISO value (YYYY-MM-DD) and shows nothing else;
Django renders a date in the first of the active language's DATE_INPUT_FORMATS, which for
zh-Hans is "2026/02/21", so a bound form would lose its date. These widgets render ISO
whatever the language. Every date, time and datetime input of the platform uses them (the
project rules in scripts/check_conventions.py refuse the Django widgets in forms)."""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_TIME)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATETIME)
