"""The input edges of the machine interfaces, one set of rules for the REST API and Open311.

Whatever a client sends must reach the services within what the database and Python can
hold, or be refused as the client's error (never a server error):

- integers (ids, counts, offsets, years) within signed 64 bits, the widest the databases
  store (`INT64_MAX`), and within the field's own range;
- dates and moments within `FIRST_DAY`..`LAST_DAY`: enough for any real date, and far from
  the ends of Python's calendar, where adding a day or changing the time zone overflows;
- text without NUL characters (PostgreSQL cannot store them) and without lone surrogates
  (not encodable as UTF-8, so neither storable nor printable).

Out-of-range input is refused, not corrected: `InputError` with a translated message.
Open311 answers it as a 400 in its error format; the REST API uses the pydantic types at the
end of this module (`Id`, `Offset`, `Year`, `Text`, `Day`), so it is refused with the other
validation errors of the request (400, `{"detail": …, "errors": […]}`), and the integer
bounds are published in the OpenAPI document.

A request Django cannot read at all (too many fields, a body over the size limit, a broken
multipart body: `UNREADABLE`) is a 400 in each interface's own error shape too, where Django
alone would answer with its HTML page.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Annotated, Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

INT64_MAX = 2**63 - 1
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIGITS = re.compile(r"[0-9]+")


UNREADABLE = (SuspiciousOperation, BadRequest, MultiPartParserError)


class InputError(ValueError):
    """A parameter outside what the platform accepts; the message is translated."""


def unreadable(exc: Exception) -> str:
    """The message for a request in `UNREADABLE`, logged as Django logs it."""
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
    return _("The request could not be read: it is malformed or too large.")


# --- the checks --------------------------------------------------------------------------------


def check_text(value: str, name: str) -> str:
    """`value` unchanged, unless it holds a NUL character or a lone surrogate."""
    if "\x00" in value or _SURROGATE.search(value):
        raise InputError(
            _(
                "%(name)s contains a character that cannot be stored "
                "(a NUL character or an invalid Unicode surrogate)."
            )
            % {"name": name}
        )
    return value


def check_integer(value: int, name: str, minimum: int = 1, maximum: int = INT64_MAX) -> int:
    if not minimum <= value <= maximum:
        raise InputError(
            _("%(name)s must be a whole number from %(minimum)s to %(maximum)s.")
            % {"name": name, "minimum": minimum, "maximum": maximum}
        )
    return value


def parse_integer(raw: str, name: str, minimum: int = 1, maximum: int = INT64_MAX) -> int:
    """A whole number written in decimal digits (no sign, no spaces), within range."""
    if not _DIGITS.fullmatch(raw) or len(raw) > len(str(maximum)):
        raise InputError(
            _("%(name)s must be a whole number from %(minimum)s to %(maximum)s.")
            % {"name": name, "minimum": minimum, "maximum": maximum}
        )
    return check_integer(int(raw), name, minimum, maximum)


def _out_of_range(name: str) -> InputError:
    return InputError(
        _("%(name)s must be a date from %(first)s to %(last)s.")
        % {"name": name, "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
    )


def check_day(day: dt.date, name: str) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _out_of_range(name)
    return day


def check_moment(moment: dt.datetime, name: str) -> dt.datetime:
    """An aware moment within the range (a naive one is read in the platform's time zone).
    The date is checked as written, before any conversion can overflow."""
    check_day(moment.date(), name)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- the same rules as pydantic types, for the REST API's schemas ------------------------------


def _pydantic(check: Any, kind: str) -> AfterValidator:
    def validate(value: Any) -> Any:
        try:
            return check(value, _("This value"))
        except InputError as exc:
            raise PydanticCustomError(kind, str(exc)) from None

    return AfterValidator(validate)


# A database id (path parameters, filters, references in bodies).
Id = Annotated[int, Field(ge=1, le=INT64_MAX)]
# How many rows to skip in a list.
Offset = Annotated[int, Field(ge=0, le=INT64_MAX)]
Year = Annotated[int, Field(ge=FIRST_DAY.year, le=LAST_DAY.year)]
# Free text: no NUL character, no lone surrogate.
Text = Annotated[str, _pydantic(check_text, "text_not_storable")]
# A calendar date within FIRST_DAY..LAST_DAY.
Day = Annotated[dt.date, _pydantic(check_day, "date_out_of_range")]
