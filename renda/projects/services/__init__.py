"""Every state change of the livelihood-project programme (DOMAIN.md §5).

Each function runs in one transaction, locks the row it changes, checks the transition
table, writes the audit entry and the idea's history, and refuses bad input with a
translated DomainError. Votes and ratings run on the ballot engine (`renda.ballots`)
through its services; this package maps candidates to ballot items and reads the frozen
result. Findings of inspections become cases on the case engine.

One module per stage of the year, re-exported here (callers use `services.<name>`):
`ideas` (the reserve pool and screening), `batches` (candidate lists, the vote, the count,
the announcement), `implementation` (plan, progress, completion, changes), `supervision`
(plan, groups, inspections, findings), `rating` (the deputies' year-end rating), `survey`
(the residents' survey); `common` holds what they share.
"""

from renda.core.errors import DomainError
from renda.projects.services.batches import (
    APPROVAL_CHOICES,
    SUMMARY_LENGTH,
    add_comment,
    announce_result,
    announcement_text,
    candidate_summary,
    cast_vote,
    count_vote,
    create_batch,
    enter_paper_ballots,
    hide_comment,
    open_vote,
    publish_candidates,
    show_comment,
    void_batch,
    with_results,
)
from renda.projects.services.common import MAX_TEXT, MAX_TITLE, deputies_of
from renda.projects.services.ideas import (
    SCREENABLE,
    idea_from_case,
    propose_idea,
    screen_idea,
    start_screening,
    withdraw_idea,
)
from renda.projects.services.implementation import (
    MAX_PHOTOS,
    PHOTO_TYPES,
    SCOPE_FIELDS,
    change_project,
    complete_project,
    may_report,
    report_progress,
    rolled_up,
    set_plan,
    start_project,
)
from renda.projects.services.rating import (
    RATING_GRADES,
    cast_rating,
    close_rating,
    create_year_rating,
    enter_rating_paper,
    open_rating,
    rated_projects,
)
from renda.projects.services.supervision import (
    adopt_supervision_plan,
    finding_to_case,
    record_inspection,
    set_supervision_group,
)
from renda.projects.services.survey import (
    SURVEY_CODE_ATTEMPTS,
    SURVEY_CODE_SECONDS,
    RateLimitError,
    answer_survey,
    phone_digest,
    send_survey_code,
    set_survey_open,
    survey_counts,
)

__all__ = [
    "APPROVAL_CHOICES",
    "MAX_PHOTOS",
    "MAX_TEXT",
    "MAX_TITLE",
    "PHOTO_TYPES",
    "RATING_GRADES",
    "SCOPE_FIELDS",
    "SCREENABLE",
    "SUMMARY_LENGTH",
    "SURVEY_CODE_ATTEMPTS",
    "SURVEY_CODE_SECONDS",
    "DomainError",
    "RateLimitError",
    "add_comment",
    "adopt_supervision_plan",
    "announce_result",
    "announcement_text",
    "answer_survey",
    "candidate_summary",
    "cast_rating",
    "cast_vote",
    "change_project",
    "close_rating",
    "complete_project",
    "count_vote",
    "create_batch",
    "create_year_rating",
    "deputies_of",
    "enter_paper_ballots",
    "enter_rating_paper",
    "finding_to_case",
    "idea_from_case",
    "may_report",
    "open_rating",
    "open_vote",
    "hide_comment",
    "show_comment",
    "phone_digest",
    "propose_idea",
    "publish_candidates",
    "rated_projects",
    "record_inspection",
    "report_progress",
    "rolled_up",
    "screen_idea",
    "send_survey_code",
    "set_plan",
    "set_supervision_group",
    "set_survey_open",
    "start_project",
    "start_screening",
    "survey_counts",
    "void_batch",
    "with_results",
    "withdraw_idea",
]
