"""The action log's yearly partitions on PostgreSQL (renda.core.auditpartitions).

    manage.py audit_partitions                         # the partitions and their row counts
    manage.py audit_partitions --ahead                 # this year's and next year's, if missing
    manage.py audit_partitions --detach 2024 --reason "…"            # says what it would do
    manage.py audit_partitions --detach 2024 --reason "…" --execute  # detaches

`--ahead` is what the periodic job `renda.core.tasks.create_audit_partitions` runs daily.
A year is detached only when all of it is older than the retention
(RENDA_AUDIT_RETENTION_MONTHS, never less than 6): its rows stay in the table of that name,
outside the log, until the operator has archived them (pg_dump -t) and drops it."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from renda.core import auditpartitions


class Command(BaseCommand):
    help = "List, create ahead of time or detach the action log's yearly partitions."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--ahead", action="store_true", help="Create this and next year's.")
        parser.add_argument("--detach", type=int, metavar="YEAR")
        parser.add_argument("--reason", default="")
        parser.add_argument("--execute", action="store_true", help="Detach (default: show).")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        if not auditpartitions.is_partitioned():
            self.stdout.write("The action log is not partitioned (PostgreSQL only): nothing to do.")
            return
        if options["ahead"]:
            created = auditpartitions.ensure_ahead()
            years = ", ".join(str(year) for year in created) or "none (all present)"
            self.stdout.write(f"partitions created: {years}")
        if options["detach"] is not None:
            self._detach(options["detach"], options["reason"], execute=options["execute"])
        for partition in auditpartitions.partitions():
            self.stdout.write(f"{partition.name}\t{partition.rows} entries")

    def _detach(self, year: int, reason: str, *, execute: bool) -> None:
        try:
            auditpartitions.check_detach(year, reason=reason)
        except auditpartitions.PartitionError as error:
            raise CommandError(str(error)) from error
        if not execute:
            counts = {p.year: p.rows for p in auditpartitions.partitions()}
            if year not in counts:
                raise CommandError(f"No partition of {year} is attached to the action log.")
            self.stdout.write(f"would detach {year}: {counts[year]} entries (add --execute)")
            return
        try:
            rows = auditpartitions.detach(year, reason=reason, operator=getpass.getuser())
        except auditpartitions.PartitionError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"detached {year}: {rows} entries now in table core_actionlog_y{year}, outside "
            "the log; archive it (pg_dump -t) before dropping it"
        )
