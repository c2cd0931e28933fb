"""The action log is append-only in the database itself: triggers refuse UPDATE and DELETE,
whatever path (ORM, raw SQL, a shell) tries them."""

from django.db import migrations

from renda.core.migrations._actionlog_triggers import FORWARD, REVERSE

def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run(FORWARD),
            _run(REVERSE),
        ),
    ]
