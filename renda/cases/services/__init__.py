"""Every state change of a case. Each service checks the state table and the actor's right,
runs in one transaction with the case row locked, moves statuses through
`renda.core.workflow.move`, writes the timeline and the action log, and sends
notifications on commit (STYLE.md §1). Views, the API, Open311 and commands all call these
functions: `from renda.cases import services; services.assign_case(...)`.

The package follows the handling loop:

- `helpers`: locking, the state moves with their timeline, rights checks, the engine's own
  page links, numbering, check codes, deadlines, files;
- `doors`: what the front doors registered (who hears about a case, where they follow it);
- `intake`: submission, lookup by ticket, acceptance (立案);
- `handling`: assignment, signing, returns, progress, extensions, contacts, co-handlers;
- `replies`: replies, ratings, re-handling, closing, follow-up;
- `decisions`: merge, escalation, priority supervision, withdrawal, redirection, refusal,
  the logged reveal of contact details;
- `reminders`: the periodic job.
"""

from renda.cases.services.decisions import (
    escalate_case,
    may_reveal_contact,
    merge_cases,
    record_supervision,
    redirect_case,
    reject_case,
    reveal_contact,
    set_priority,
    withdraw_case,
)
from renda.cases.services.doors import (
    AUDIENCES,
    CASE_PAGE_LINKS,
    TRACK_URLS,
    Audience,
    audience_of,
    case_page_links,
    form_url,
    is_author,
    receipt_url,
    register_case_link,
    register_door,
    track_url,
)
from renda.cases.services.handling import (
    add_progress,
    assign_case,
    decide_extension,
    record_contact,
    request_extension,
    return_assignment,
    send_co_view,
    sign_assignment,
)
from renda.cases.services.helpers import (
    MAX_CONTENT,
    MAX_FILES,
    MAX_TITLE,
    PUBLIC_FILE_TYPES,
    check_code_digest,
    check_code_matches,
    clean_text,
    department_case_url,
    due_date_for,
    latest_due_date_for,
    office_case_url,
    record_step,
    validate_files,
)
from renda.cases.services.intake import (
    DuplicateSubmission,
    case_by_ticket,
    submit_case,
    triage_case,
)
from renda.cases.services.reminders import send_reminders
from renda.cases.services.replies import (
    close_unevaluated,
    evaluate_case,
    rate_by_check_code,
    record_follow_up,
    record_paper_reply,
    reply_case,
)

__all__ = [
    "AUDIENCES",
    "CASE_PAGE_LINKS",
    "MAX_CONTENT",
    "MAX_FILES",
    "MAX_TITLE",
    "PUBLIC_FILE_TYPES",
    "TRACK_URLS",
    "Audience",
    "DuplicateSubmission",
    "add_progress",
    "assign_case",
    "audience_of",
    "case_by_ticket",
    "case_page_links",
    "check_code_digest",
    "check_code_matches",
    "clean_text",
    "close_unevaluated",
    "decide_extension",
    "department_case_url",
    "due_date_for",
    "escalate_case",
    "evaluate_case",
    "form_url",
    "is_author",
    "latest_due_date_for",
    "merge_cases",
    "office_case_url",
    "rate_by_check_code",
    "receipt_url",
    "record_contact",
    "record_follow_up",
    "record_paper_reply",
    "record_step",
    "record_supervision",
    "redirect_case",
    "register_case_link",
    "register_door",
    "reject_case",
    "reply_case",
    "request_extension",
    "return_assignment",
    "may_reveal_contact",
    "reveal_contact",
    "send_co_view",
    "send_reminders",
    "set_priority",
    "sign_assignment",
    "submit_case",
    "track_url",
    "triage_case",
    "validate_files",
    "withdraw_case",
]
