"""On PostgreSQL the action log becomes a table partitioned by year (renda.core.migrations.
_actionlog_partitions): a year older than the retention leaves by detaching its partition
(manage.py audit_partitions --detach), never by deleting rows; a query over recent entries
reads recent partitions only. SQLite keeps its one table. The table is locked and rebuilt in
this migration's transaction: writers wait while the rows are copied (1 million entries: 35 s
on a test machine; docs/operations.md)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from renda.core.migrations import _actionlog_partitions as partitions


def _rebuild(partitioned: bool):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            if partitions.is_partitioned(cursor) == partitioned:
                return
            partitions.rebuild(
                cursor,
                partitioned=partitioned,
                tz_name=settings.TIME_ZONE,
                today=timezone.localdate(),
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0009_job_roster_import")]

    operations = [migrations.RunPython(_rebuild(True), _rebuild(False))]
