"""Write an encrypted backup: the database (SQLite online backup / pg_dump), the uploaded
files and the keys, in one file (renda.core.backup; docs/operations.md, "Backup and restore").

    RENDA_BACKUP_PASSPHRASE=… manage.py backup --output /backups/renda-2026-12-05.renda-backup
    manage.py backup --output FILE --passphrase-file /root/backup-passphrase

Keep the passphrase apart from the backups: without it a backup cannot be read, and with
it anyone holding the file has every key of the installation."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from renda.core import audit, backup


def passphrase(options) -> str:  # noqa: ANN001
    if options.get("passphrase_file"):
        return Path(options["passphrase_file"]).read_text(encoding="utf-8").strip()
    value = os.environ.get("RENDA_BACKUP_PASSPHRASE", "")
    if not value:
        raise CommandError("Give the passphrase: --passphrase-file, or RENDA_BACKUP_PASSPHRASE.")
    return value


class Command(BaseCommand):
    help = "Write an encrypted backup of the database, the uploaded files and the keys."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--output", help="The backup file (default: var/backups/…).")
        parser.add_argument("--passphrase-file")

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        from django.conf import settings

        default = Path(settings.VAR_DIR) / "backups" / f"renda-{timezone.now():%Y%m%d-%H%M%S}"
        output = Path(options["output"] or f"{default}.renda-backup")
        try:
            manifest = backup.create(output, passphrase(options))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        with transaction.atomic():
            audit.record(
                "backup.created",
                changes={"tables": len(manifest["counts"]), "rows": rows},
                note=output.name,
            )
        self.stdout.write(
            f"backup written: {output} ({output.stat().st_size} bytes; "
            f"{manifest['vendor']}, {len(manifest['counts'])} tables, {rows} rows)"
        )
