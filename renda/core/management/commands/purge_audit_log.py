"""Purge action-log entries older than the retention period — with detaching a year's
partition on PostgreSQL (manage.py audit_partitions --detach), the only way entries ever leave
the log; run by the operator, recorded in the log itself (docs/operations.md, "Audit log
retention").

    manage.py purge_audit_log --before 2025-01-01 --reason "…"            # counts only
    manage.py purge_audit_log --before 2025-01-01 --reason "…" --execute  # deletes

MLPS (等保) asks for at least six months of audit records: a cutoff later than
RENDA_AUDIT_RETENTION_MONTHS (never less than 6) months ago is refused. The append-only
triggers are lifted for this one statement inside the transaction and put back before it
commits; the entry recording the purge (count, id and time range, cutoff, reason, operator)
is written in the same transaction."""

from __future__ import annotations

import datetime as dt
import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from renda.core import audit
from renda.core.auditpartitions import latest_allowed_cutoff, retention_months
from renda.core.migrations import _actionlog_triggers as triggers
from renda.core.models import ActionLog


class Command(BaseCommand):
    help = "Delete action-log entries older than a date (at least 6 months back); audited."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--before", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--reason", required=True)
        parser.add_argument("--execute", action="store_true", help="Delete (default: count).")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        cutoff = options["before"]
        if isinstance(cutoff, str):  # call_command(before="…") skips the parser's type
            cutoff = dt.date.fromisoformat(cutoff)
        limit = latest_allowed_cutoff(timezone.localdate())
        if cutoff > limit:
            raise CommandError(
                f"Refused: entries younger than {retention_months()} months must be kept "
                f"(RENDA_AUDIT_RETENTION_MONTHS; MLPS asks for at least 6). The latest "
                f"cutoff allowed today is {limit.isoformat()}."
            )
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("Give the reason (--reason): it is kept in the log.")
        start = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
        old = ActionLog.objects.filter(created_at__lt=start)
        facts = old.aggregate(
            first_id=Min("id"), last_id=Max("id"), first=Min("created_at"), last=Max("created_at")
        )
        count = old.count()
        self.stdout.write(f"{count} entries before {cutoff.isoformat()}")
        if not options["execute"] or count == 0:
            return
        vendor = connection.vendor
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in triggers.REVERSE[vendor]:
                cursor.execute(sql)
            cursor.execute("DELETE FROM core_actionlog WHERE created_at < %s", [start])
            deleted = cursor.rowcount
            for sql in triggers.FORWARD[vendor]:
                cursor.execute(sql)
            audit.record(
                "audit.purged",
                changes={
                    "deleted": deleted,
                    "ids": [facts["first_id"], facts["last_id"]],
                    "times": [facts["first"], facts["last"]],
                    "before": cutoff.isoformat(),
                    "retention_months": retention_months(),
                },
                note=f"{reason} (operator: {getpass.getuser()})",
            )
        self.stdout.write(f"deleted {deleted} entries; the purge is recorded in the log")
