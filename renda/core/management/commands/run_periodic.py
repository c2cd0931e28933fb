"""The embedded mode's scheduler: runs the periodic jobs (settings.RENDA_PERIODIC_JOBS) in a
loop, without a broker. Production uses Celery beat with the same task functions.

Every job runs at start, then every --interval seconds, except those given an interval of
their own in settings.RENDA_PERIODIC_INTERVALS (the outbox sweep: every few seconds). Jobs
run one after the other in this process: a long job delays the next ones, never skips them.
"""

from __future__ import annotations

import logging
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

log = logging.getLogger("renda.periodic")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


class Command(BaseCommand):
    help = "Run the periodic jobs now (--once) or on their schedule (--interval seconds)."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=int, default=900)
        parser.add_argument(
            "--exit-with", type=int, default=0, help="Stop when this process (the app server) ends."
        )

    def _run(self, path: str) -> None:
        try:
            result = import_string(path)()
            self.stdout.write(f"{path}: {result}")
        except Exception:  # a failing job must not stop the others
            log.exception("periodic job %s failed", path)

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        own = getattr(settings, "RENDA_PERIODIC_INTERVALS", {})
        every = {
            path: max(1, int(own.get(path, options["interval"])))
            for path in settings.RENDA_PERIODIC_JOBS
        }
        next_run = dict.fromkeys(every, 0.0)
        while True:
            for path in every:
                if time.monotonic() >= next_run[path]:
                    self._run(path)
                    next_run[path] = time.monotonic() + every[path]
            if options["once"]:
                return
            wake = min(next_run.values(), default=time.monotonic() + options["interval"])
            while time.monotonic() < wake:
                if options["exit_with"] and not _alive(options["exit_with"]):
                    return
                time.sleep(min(1.0, max(0.0, wake - time.monotonic())))
