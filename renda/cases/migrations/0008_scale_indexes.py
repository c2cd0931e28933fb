"""Indexes found with EXPLAIN on a generated district of 100,000 cases (docs/scale.md).

- `case_inbox_order_idx`: the office inbox sorts the open cases by due date, newest first;
  with the index PostgreSQL reads the first page in order instead of sorting every open case.
- On PostgreSQL only, trigram indexes (pg_trgm, a trusted extension: the database owner may
  create it) for the inbox search, `UPPER(column) LIKE UPPER('%text%')` on the serial, the
  title and the content, so a search of three characters or more no longer reads every case
  the office may see. SQLite has no such index and keeps scanning (an embedded installation
  is one town's cases).
"""

from django.db import migrations, models

TRIGRAM_INDEXES = {
    "case_serial_trgm_idx": 'UPPER(("serial")::text)',
    "case_title_trgm_idx": 'UPPER(("title")::text)',
    "case_content_trgm_idx": 'UPPER("content")',
}


def _trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" USING gin ({expression} gin_trgm_ops)'
        )


def _drop_trigram_indexes(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_ledgerimport_kind_choices"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["due_date", "-submitted_at", "id"], name="case_inbox_order_idx"
            ),
        ),
        migrations.RunPython(_trigram_indexes, _drop_trigram_indexes),
    ]
