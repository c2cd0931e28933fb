"""Rotate the application's key ring (renda.core.keys; docs/operations.md, "Keys").

    manage.py rotate_keys              # a new version becomes current; the old ones verify
    manage.py rotate_keys --list       # versions (never the keys themselves)
    manage.py rotate_keys --retire 1   # what version 1 protected stops working
    manage.py rotate_keys --retire 0   # stop accepting what SECRET_KEY protected

The ring lives in the key file (RENDA_KEYS_FILE). Every app server and worker must read the
same file: copy it to each (or keep it on shared storage) before restarting them, and back it
up with the database. A ring given in the environment (RENDA_KEYS) is rotated by editing
the environment; this command then only prints the new ring to paste.
Each change is recorded in the action log (the key ids, never the keys)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from renda.core import audit, keys


class Command(BaseCommand):
    help = "Add a new current key version, list the versions, or retire one."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--list", action="store_true", help="List the key versions.")
        parser.add_argument("--retire", metavar="ID", help="Remove a version from the ring.")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        conf = keys.config()
        if options["list"]:
            self._list(conf)
            return
        new = {"current": conf["current"], "keys": dict(conf["keys"]), "legacy": conf["legacy"]}
        if options["retire"] is not None:
            kid = str(options["retire"])
            if kid == conf["current"]:
                raise CommandError(f"Version {kid} is the current key: rotate first.")
            if kid == keys.LEGACY:
                if not conf["legacy"]:
                    raise CommandError("The legacy key (SECRET_KEY) is already retired.")
                new["legacy"] = False
            elif kid in new["keys"]:
                del new["keys"][kid]
            else:
                raise CommandError(f"There is no key version {kid}.")
            action, changes = "keys.retired", {"retired": kid}
        else:
            kid = str(max((int(k) for k in new["keys"]), default=0) + 1)
            new["keys"][kid] = keys.new_secret()
            new["current"] = kid
            action, changes = "keys.rotated", {"current": [conf["current"], kid]}
        if keys.from_environment():
            self.stdout.write("RENDA_KEYS comes from the environment; set it to:")
            self.stdout.write(json.dumps(new, sort_keys=True))
            return
        with transaction.atomic():
            audit.record(action, changes=changes, note=f"key ring {keys.key_file()}")
            keys.write_file(keys.key_file(), new)  # a failed write rolls the entry back
        self.stdout.write(f"{action}: {changes}; written to {keys.key_file()}")
        self.stdout.write(
            "Copy the key file to every app server and worker, restart them, and back it up."
        )
        self._list(new)

    def _list(self, conf) -> None:  # noqa: ANN001
        ids = sorted(conf["keys"], key=int) + ([keys.LEGACY] if conf["legacy"] else [])
        for kid in ids:
            label = " (SECRET_KEY, legacy)" if kid == keys.LEGACY else ""
            mark = " current" if kid == conf["current"] else ""
            self.stdout.write(f"version {kid}{label}{mark}")
