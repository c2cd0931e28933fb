"""Load the State Council's holidays and make-up working days into the working-day calendar.

    manage.py load_holidays 2026 2027   # those years
    manage.py load_holidays             # every year the package knows, from last year on

Idempotent; a day the office corrected is never overwritten; each load that changes
something is one action-log entry (renda.core.holidays)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from renda.core import holidays


class Command(BaseCommand):
    help = "Load public holidays and 调休 make-up working days (chinese-calendar package)."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("years", type=int, nargs="*", metavar="YEAR")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        years = options["years"]
        known = holidays.available_years()
        missing = [y for y in years if y not in known]
        if missing:
            raise CommandError(
                f"chinese-calendar {holidays.package_version()} does not know "
                f"{', '.join(map(str, missing))} (it knows {known[0]}–{known[-1]}). "
                "Upgrade the package once the State Council has published the schedule "
                "(usually in November), or enter the days in the admin's holiday calendar."
            )
        results = [holidays.load_year(y) for y in years] if years else holidays.load_recent()
        for r in results:
            self.stdout.write(
                f"{r.year}: {len(r.created)} created, {len(r.updated)} updated, "
                f"{len(r.removed)} removed, {r.unchanged} unchanged, "
                f"{len(r.kept)} office correction(s) kept"
            )
