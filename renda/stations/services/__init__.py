"""Every state change of the station network (STYLE.md §1): one transaction, the row
locked, the transition table checked (`renda.core.workflow.move`), the action log written,
a translated DomainError on bad input, notifications on commit.

One module per section of the network; callers import this package (`from renda.stations
import services`), which re-exports each module's public functions:

- `access`: who manages the network, who runs a station, the deputy behind an account;
- `network`: stations, grades and coverage;
- `seating`: deputies in stations (编组进站) and their workplaces;
- `rosters`: reception-day rules, the generated roster, shifts, announcements, the
  calendar feed;
- `attendance`: substitutions, swaps, confirmed and missed duties, the check-in code;
- `qrcodes`: the station's and the deputy's codes to the public opinion form;
- `receptions`: receptions, their matters and each matter's disposition, and the registry
  through which another front door (suggestions) takes a matter over;
- `contacts`: dual contact and constituency visits;
- `industry`: industry contact points.

Stations are a front door onto the case engine: matters and contact issues become cases
through `renda.cases.services`; nothing here imports another front door.
"""

from __future__ import annotations

from renda.stations.services.access import deputy_of, may_manage, may_run
from renda.stations.services.attendance import (
    CHECKIN_SALT,
    check_in_by_code,
    checkin_code,
    confirm_attendance,
    mark_missed,
    substitute,
    swap,
)
from renda.stations.services.contacts import contact_issue_to_case, create_pairing, log_contact
from renda.stations.services.industry import (
    create_industry_point,
    link_firm,
    record_industry_activity,
)
from renda.stations.services.network import (
    check_dates,
    check_grade,
    check_station,
    coverage,
    create_station,
    grade_names,
    grades,
    name_grades,
)
from renda.stations.services.qrcodes import QR_SALT, link_qr_case, qr_token, resolve_qr_token
from renda.stations.services.receptions import (
    MatterHandler,
    add_matter,
    answer_matter,
    dispose_as_suggestion,
    escalate_matter,
    higher_congress_of,
    lock_matter_for_suggestion,
    matter_handler,
    matter_to_case,
    record_reception,
    redirect_matter,
    register_matter_handler,
)
from renda.stations.services.rosters import (
    ICS_SALT,
    add_rule,
    add_shift,
    announce_shifts,
    calendar_token,
    calendar_token_matches,
    cancel_shift,
    deactivate_rule,
    generate_roster,
)
from renda.stations.services.seating import (
    assign_deputy,
    assign_unassigned,
    deputies_of_town,
    record_workplace,
    unassigned_deputies,
)

__all__ = [
    "CHECKIN_SALT",
    "ICS_SALT",
    "QR_SALT",
    "MatterHandler",
    "add_matter",
    "add_rule",
    "add_shift",
    "announce_shifts",
    "answer_matter",
    "assign_deputy",
    "assign_unassigned",
    "calendar_token",
    "calendar_token_matches",
    "cancel_shift",
    "check_dates",
    "check_grade",
    "check_in_by_code",
    "check_station",
    "checkin_code",
    "confirm_attendance",
    "contact_issue_to_case",
    "coverage",
    "create_industry_point",
    "create_pairing",
    "create_station",
    "deactivate_rule",
    "deputies_of_town",
    "deputy_of",
    "dispose_as_suggestion",
    "escalate_matter",
    "generate_roster",
    "grade_names",
    "grades",
    "higher_congress_of",
    "link_firm",
    "link_qr_case",
    "lock_matter_for_suggestion",
    "log_contact",
    "mark_missed",
    "matter_handler",
    "matter_to_case",
    "may_manage",
    "may_run",
    "name_grades",
    "qr_token",
    "record_industry_activity",
    "record_reception",
    "record_workplace",
    "redirect_matter",
    "register_matter_handler",
    "resolve_qr_token",
    "substitute",
    "swap",
    "unassigned_deputies",
]
