"""Expiring signed check-in codes: the one mechanism behind every "scan the code to say you
are here" of the platform (a station's duty, a training's attendance).

`issue(salt, *ids)` signs the ids with a time stamp; `read(salt, code, minutes=…)` returns
them while the code is younger than the minutes the caller's congress allows. A code that
does not verify (forged, truncated, signed for another purpose) and one that has expired
raise a translated `DomainError`; the caller decides what the ids mean (its own rows,
locked in its own transaction). Nothing is stored: a photo of the code is no use once it
has expired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core import signing
from django.utils.translation import gettext as _

from renda.core import keys
from renda.core.errors import DomainError


def issue(salt: str, *ids: int) -> str:
    """Signed with the current version of the key ring (core/keys.py)."""
    return keys.timestamp_sign(".".join(str(int(i)) for i in ids), salt=salt)


def read(
    salt: str,
    code: str,
    *,
    minutes: Callable[[tuple[int, ...]], int],
    parts: int = 2,
    expired: str = "",
) -> tuple[int, ...]:
    """The ids a valid, unexpired code carries. `minutes(ids)` gives the validity (e.g. the
    congress's configured minutes, the congress id being the first id)."""
    code = (code or "").strip()
    try:
        ids = tuple(int(x) for x in keys.timestamp_unsign(code, salt=salt).split("."))
    except (signing.BadSignature, ValueError):
        raise DomainError(_("This check-in code is not valid.")) from None
    if len(ids) != parts:
        raise DomainError(_("This check-in code is not valid."))
    try:
        keys.timestamp_unsign(code, salt=salt, max_age=dt.timedelta(minutes=minutes(ids)))
    except signing.SignatureExpired:
        raise DomainError(expired or _("This check-in code has expired.")) from None
    return ids
