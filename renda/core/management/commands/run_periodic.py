"""The embedded mode's scheduler: runs the periodic jobs (settings.RENDA_PERIODIC_JOBS) in a
loop, without a broker. Production uses Celery beat with the same task functions."""

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
    help = "Run the periodic jobs now (--once) or every --interval seconds."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=int, default=900)
        parser.add_argument(
            "--exit-with", type=int, default=0, help="Stop when this process (the app server) ends."
        )

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        while True:
            for path in settings.RENDA_PERIODIC_JOBS:
                try:
                    result = import_string(path)()
                    self.stdout.write(f"{path}: {result}")
                except Exception:  # a failing job must not stop the others
                    log.exception("periodic job %s failed", path)
            if options["once"]:
                return
            deadline = time.monotonic() + options["interval"]
            while time.monotonic() < deadline:
                if options["exit_with"] and not _alive(options["exit_with"]):
                    return
                time.sleep(min(5, options["interval"]))
