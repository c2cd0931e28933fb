"""The deputies' service records: the record assembled from every module
(`record`), points (`points`), the points table's versions (`tables`), the annual service
report (`report`) and the public page's opt-in (`profiles`). Callers import this package."""

from __future__ import annotations

from renda.records.services.points import Version, in_force, score, versions
from renda.records.services.profiles import profile, set_profile
from renda.records.services.record import (
    Record,
    Row,
    office_rows,
    record,
    records,
    town_deputies,
    xlsx,
)
from renda.records.services.report import attach_to_reporter, docx, open_reporter_entries
from renda.records.services.tables import (
    DEFAULT_RULES,
    create_table,
    ensure_default_table,
    update_rules,
)

__all__ = [
    "DEFAULT_RULES",
    "Record",
    "Row",
    "Version",
    "attach_to_reporter",
    "create_table",
    "docx",
    "ensure_default_table",
    "in_force",
    "office_rows",
    "open_reporter_entries",
    "profile",
    "record",
    "records",
    "score",
    "set_profile",
    "town_deputies",
    "update_rules",
    "versions",
    "xlsx",
]
