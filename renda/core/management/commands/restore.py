"""Restore an encrypted backup into a fresh installation, migrate it forward if it comes
from an older version, and check it (renda.core.backup; docs/operations.md).

    RENDA_BACKUP_PASSPHRASE=… manage.py restore FILE

The database must be empty (a new PostgreSQL database, or a SQLite file that does not exist
yet); a backup from a newer version is refused with the migrations it has that this version
lacks. After the restore every table's row count must equal the backup's."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from renda.core import audit, backup
from renda.core.management.commands.backup import passphrase


class Command(BaseCommand):
    help = "Restore an encrypted backup into a fresh database, then check the data."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("file")
        parser.add_argument("--passphrase-file")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        try:
            self._restore(path, passphrase(options))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc

    def _restore(self, path: Path, secret: str) -> None:
        if not backup.database_is_empty():
            raise backup.BackupError(
                "The database is not empty. Restore into a fresh database (a new, empty "
                "PostgreSQL database, or a SQLite file that does not exist yet)."
            )
        with backup.opened(path, secret) as content:
            manifest = json.loads((content / "manifest.json").read_text(encoding="utf-8"))
            to_migrate = backup.check_version(manifest)
            backup.restore_database(content, manifest)
            self.stdout.write(f"database restored ({manifest['vendor']}, {manifest['created_at']})")
            problems = backup.compare_counts(manifest["counts"])
            if problems:
                raise backup.BackupError("The data check failed: " + "; ".join(problems))
            rows = sum(manifest["counts"].values())
            self.stdout.write(
                f"data check passed: {len(manifest['counts'])} tables, {rows} rows as backed up"
            )
            files = backup.restore_media(content)
            self.stdout.write(f"{files} uploaded file(s) restored")
            todo = backup.restore_keys(content)
            self.stdout.write("keys restored")
        if to_migrate:
            self.stdout.write(f"migrating forward: {', '.join(to_migrate)}")
        call_command("migrate", interactive=False, verbosity=0)
        with transaction.atomic():
            audit.record(
                "backup.restored",
                changes={"migrated": to_migrate, "files": files},
                note=f"{path.name} of {manifest['created_at']}",
            )
        for line in todo:
            self.stdout.write(self.style.WARNING(line))
        self.stdout.write(self.style.SUCCESS("restore complete"))
