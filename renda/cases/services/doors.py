"""What the engine knows of its front doors, learnt from them at app-ready time.

The engine never imports a door nor reverses a door's URL names. A door registers, per
case kind, who hears about a case (`AUDIENCES`: when its cases have more authors than the
submitter — a suggestion's lead deputy and co-signers) and where those who raised a case
follow it (`TRACK_URLS`: e.g. the public tracking page of an opinion, linked in the
resident's messages), its public form (`FORM_URLS`: what a station's QR code opens) and
where a new case's one-time receipt is shown (`RECEIPT_URLS`: a station desk registering a
visitor's matter). `register_door` fills them; the engine and the doors below this one
(stations) ask through `form_url`/`receipt_url`, never by a door's URL names. Apps built on the engine may add a link
to the office's case page (`register_case_link`: the projects app's "propose as a project
idea"), so that the engine's templates name no other app's pages either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from renda.cases.models import Case, CaseKind
from renda.core.notify import notify_on_commit, sms_on_commit

Audience = tuple[list[Any], list[str], str]  # (users, phone numbers, the page they follow)

# kind → function(case) returning those who raised the case: (users, phones, url).
AUDIENCES: dict[str, Callable[[Case], Audience]] = {}
# kind → function(case) returning the page where those who raised it follow it.
TRACK_URLS: dict[str, Callable[[Case], str]] = {}
# kind → function(congress id) returning the public form that raises a case of this kind
# (e.g. the opinion form a station's or a deputy's QR code opens).
FORM_URLS: dict[str, Callable[[int], str]] = {}
# kind → function(request, case, check code) that keeps the one-time receipt (ticket and
# check code) for this browser and returns the page that shows it.
RECEIPT_URLS: dict[str, Callable[[Any, Case, str], str]] = {}


# name → function(case) returning (label, url) of a link for the office's case page, or None.
CASE_PAGE_LINKS: dict[str, Callable[[Case], tuple[Any, str] | None]] = {}


def register_door(
    kind: str,
    *,
    track_url: Callable[[Case], str] | None = None,
    audience: Callable[[Case], Audience] | None = None,
    form_url: Callable[[int], str] | None = None,
    receipt_url: Callable[[Any, Case, str], str] | None = None,
) -> None:
    """A front door tells the engine about its kind of case (call it from `AppConfig.ready`)."""
    if track_url is not None:
        TRACK_URLS[kind] = track_url
    if form_url is not None:
        FORM_URLS[kind] = form_url
    if receipt_url is not None:
        RECEIPT_URLS[kind] = receipt_url
    if audience is not None:
        AUDIENCES[kind] = audience


def register_case_link(name: str, link: Callable[[Case], tuple[Any, str] | None]) -> None:
    """Another app's link on the office's case page (call it from `AppConfig.ready`)."""
    CASE_PAGE_LINKS[name] = link


def case_page_links(case: Case) -> list[tuple[Any, str]]:
    return [found for link in CASE_PAGE_LINKS.values() if (found := link(case)) is not None]


def form_url(kind: str, congress_id: int) -> str:
    """The public form of the door of `kind` for a congress ("" when no door said)."""
    url = FORM_URLS.get(kind)
    return url(congress_id) if url is not None else ""


def receipt_url(request: Any, case: Case, code: str) -> str:
    """Keep the case's one-time receipt for this browser and return the page that shows it
    ("" when its door keeps no receipts)."""
    url = RECEIPT_URLS.get(case.kind)
    return url(request, case, code) if url is not None else ""


def track_url(case: Case) -> str:
    """Where those who raised the case follow it ("" when no door said)."""
    url = TRACK_URLS.get(case.kind)
    return url(case) if url is not None else ""


def _submitter_audience(case: Case) -> Audience:
    users = [case.submitter_user] if case.submitter_user_id else []
    return users, [case.submitter_phone] if case.submitter_phone else [], track_url(case)


def audience_of(case: Case) -> Audience:
    return AUDIENCES.get(case.kind, _submitter_audience)(case)


def is_author(user: Any, case: Case) -> bool:
    """Is the user among those who raised this case (its submitter's account, or the
    authors its door names)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(getattr(u, "pk", None) == user.pk for u in audience_of(case)[0])


def _tell_submitters(
    case: Case, message: str, *, sms_kind: str = "", suggestion_message: str | None = None
) -> None:
    """Those who raised the case, and those of every case merged into it. Text messages
    (`sms_kind`, renda.core.sms.KINDS) only for the steps that matter to a resident (reply,
    refusal); the in-app inbox for all. A deputy's suggestion is told in a deputy's words
    (`suggestion_message`, and the kind's "suggestion_" twin for the SMS), not a
    resident's."""
    for target in [case, *case.merged_cases.all()]:
        wording = message
        if suggestion_message is not None and target.kind == CaseKind.SUGGESTION:
            wording = suggestion_message
        text = wording % {"serial": target.serial}
        users, phones, url = audience_of(target)
        target_sms_kind = sms_kind
        if sms_kind and target.kind == CaseKind.SUGGESTION:
            target_sms_kind = sms_kind.replace("case_", "suggestion_", 1)
        for phone in phones if target_sms_kind else []:
            sms_on_commit(phone, kind=target_sms_kind, params={"serial": target.serial})
        if users:
            # Those with an e-mail address also get it by e-mail (deputies often do).
            notify_on_commit(users, text, case.title, url, email=bool(sms_kind))
