"""The suggestions' part of the ledger import (补录, `renda.cases.ledger_import`): the
columns of the suggestions ledger that name deputies and sessions, checked against the
congress's terms, and the deputy's own record created beside the imported case. Registered
with the engine at app-ready time (apps.py), so the engine never imports this app."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.cases.ledger_import import NAME_SEPARATORS, LedgerDoor
from renda.cases.models import Case, CaseSource
from renda.congress.models import Congress, Deputy, DeputyMembership, Session, Term
from renda.congress.roster import _cell_text, _labels_in_all_languages
from renda.core import audit
from renda.suggestions.figures import session_label
from renda.suggestions.models import (
    CoSigner,
    CoSignerStatus,
    MotionDecision,
    Suggestion,
    SuggestionStatus,
)

COLUMNS: list[tuple[str, Any]] = [
    ("term", gettext_lazy("Term")),
    ("session", gettext_lazy("Session")),
    ("lead", gettext_lazy("Lead deputy")),
    ("cosigners", gettext_lazy("Co-signers")),
    ("is_motion", gettext_lazy("Raised as a motion")),
]
# Columns of the suggestions ledger export that the import knows and does not read.
IGNORED: list[Any] = [
    gettext_lazy("Motion decision"),
    gettext_lazy("Reason for not accepting"),
    gettext_lazy("Met the deputy"),
    gettext_lazy("Contacts"),
    gettext_lazy("Follow-up"),
    gettext_lazy("Re-check date"),
    gettext_lazy("Priority supervision"),
    gettext_lazy("Supervising leader"),
    gettext_lazy("Published"),
]
HELP: dict[str, Any] = {
    "term": gettext_lazy("The term (e.g. 第20届); empty: the current term."),
    "session": gettext_lazy(
        "The session at which it was raised (e.g. 第20届第1次会议), or “Between sessions”."
    ),
    "lead": gettext_lazy("The lead deputy, a deputy of that term, by name."),
    "cosigners": gettext_lazy("Co-signing deputies of that term, separated by 、"),
    "is_motion": gettext_lazy("Yes for a motion (议案); empty: No."),
}
BETWEEN = object()  # the "between sessions" label


@dataclass
class Lookups:
    terms: dict[int, Term]
    current: Term | None
    sessions: dict[str, Any] = field(default_factory=dict)
    deputies: dict[int, dict[str, Deputy | None]] = field(default_factory=dict)
    yes: set[str] = field(default_factory=set)


def prepare(congress: Congress) -> Lookups:
    terms = {t.ordinal: t for t in Term.objects.filter(congress=congress)}
    lookups = Lookups(terms=terms, current=next((t for t in terms.values() if t.is_current), None))
    for label in _labels_in_all_languages(gettext_lazy("Between sessions")):
        lookups.sessions[label] = BETWEEN
    for session in Session.objects.filter(term__congress=congress).select_related("term"):
        for code in ("zh-hans", "en"):
            with translation.override(code):
                label = session_label(session.term.ordinal, session.ordinal).lower()
            lookups.sessions[label] = session
    for membership in DeputyMembership.objects.filter(term__congress=congress).select_related(
        "deputy"
    ):
        names = lookups.deputies.setdefault(membership.term_id, {})
        key = membership.deputy.name.lower()
        seen = names.get(key)
        names[key] = None if key in names and seen != membership.deputy else membership.deputy
    lookups.yes = _labels_in_all_languages(gettext_lazy("Yes")) | {"1", "true", "y"}
    return lookups


def _deputy(lookups: Lookups, term: Term, name: str, errors: list[str]) -> Deputy | None:
    names = lookups.deputies.get(term.pk, {})
    deputy = names.get(name.lower())
    if deputy is None:
        reason = (
            _("Deputy “%(name)s” is ambiguous: two deputies of term %(term)s share the name.")
            if name.lower() in names
            else _("Unknown deputy “%(name)s” (not a deputy of term %(term)s).")
        )
        errors.append(reason % {"name": name, "term": term.ordinal})
    return deputy


def check(lookups: Lookups, cells: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    text = {key: _cell_text(cells.get(key)) for key, _label in COLUMNS}
    values: dict[str, Any] = {"lead": None, "cosigners": [], "session": None, "term": None}
    term = lookups.current
    if text["term"]:
        digits = re.search(r"\d+", text["term"])
        term = lookups.terms.get(int(digits.group())) if digits else None
        if term is None:
            errors.append(_("Unknown term “%(value)s”.") % {"value": text["term"]})
            return values
    if term is None:
        errors.append(_("This congress has no current term; give the term."))
        return values
    values["term"] = term
    if text["session"]:
        session = lookups.sessions.get(text["session"].lower())
        if session is None:
            errors.append(_("Unknown session “%(value)s”.") % {"value": text["session"]})
        elif session is not BETWEEN:
            if session.term_id != term.pk:
                errors.append(
                    _("The session “%(value)s” is not of term %(term)s.")
                    % {"value": text["session"], "term": term.ordinal}
                )
            values["session"] = session
    if not text["lead"]:
        errors.append(_("The lead deputy is missing."))
    else:
        values["lead"] = _deputy(lookups, term, text["lead"], errors)
    for name in NAME_SEPARATORS.split(text["cosigners"]):
        if name and name != text["lead"]:
            deputy = _deputy(lookups, term, name, errors)
            if deputy is not None and deputy not in values["cosigners"]:
                values["cosigners"].append(deputy)
    values["is_motion"] = text["is_motion"].lower() in lookups.yes
    lead = values["lead"]
    if lead is not None:
        values.update(submitter_name=lead.name, submitter_user=lead.user, source_deputy=lead)
    return values


def create(case: Case, values: dict[str, Any], actor: Any) -> None:
    suggestion = Suggestion.objects.create(
        congress_id=case.congress_id,
        term=values["term"],
        session=values["session"],
        lead=values["lead"],
        category=case.category,
        title=case.title,
        content=case.content,
        status=SuggestionStatus.SUBMITTED,
        is_motion=values["is_motion"],
        # An imported motion is in the handling loop: handled as a suggestion.
        motion_decision=MotionDecision.AS_SUGGESTION if values["is_motion"] else "",
        case=case,
        submitted_at=case.submitted_at,
    )
    Suggestion.objects.filter(pk=suggestion.pk).update(created_at=case.submitted_at)
    CoSigner.objects.bulk_create(
        [
            CoSigner(
                suggestion=suggestion,
                deputy=deputy,
                status=CoSignerStatus.CONFIRMED,
                responded_at=case.submitted_at,
            )
            for deputy in values["cosigners"]
        ]
    )
    audit.record(
        "suggestion.imported",
        suggestion,
        actor=actor,
        changes={"case": [None, case.serial]},
    )


DOOR = LedgerDoor(
    columns=COLUMNS,
    prepare=prepare,
    check=check,
    create=create,
    required=("lead",),
    ignored=IGNORED,
    source=CaseSource.DEPUTY_VISIT,
    help=HELP,
)
