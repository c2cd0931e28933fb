"""SQL of the action log's append-only triggers, shared by migrations 0002 and 0009, the
purge command and the tests.

On PostgreSQL the log may be partitioned by year (migration 0009). The row trigger on the
parent is cloned by PostgreSQL onto every partition, present and future; a TRUNCATE trigger is
not (statement triggers stay on their table) and TRUNCATE of a partition by name would bypass
the parent's, so each partition carries its own: the DO blocks below add and drop them for
the partitions there are (none on an unpartitioned table)."""

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS core_actionlog_no_update BEFORE UPDATE ON core_actionlog
       BEGIN SELECT RAISE(ABORT, 'core_actionlog is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_actionlog_no_delete BEFORE DELETE ON core_actionlog
       BEGIN SELECT RAISE(ABORT, 'core_actionlog is append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_actionlog_no_update;",
    "DROP TRIGGER IF EXISTS core_actionlog_no_delete;",
]

# The TRUNCATE trigger of one partition : also used by the
# partition command for a partition it creates while the triggers are in place.
PARTITION_TRUNCATE_TRIGGER = """CREATE OR REPLACE TRIGGER core_actionlog_no_truncate
    BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION core_actionlog_refuse();"""

_EACH_PARTITION = """DO $$
DECLARE part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits
              WHERE inhparent = 'core_actionlog'::regclass LOOP
    EXECUTE {statement};
  END LOOP;
END $$;"""

POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_actionlog_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'core_actionlog is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_actionlog_no_change BEFORE UPDATE OR DELETE ON core_actionlog
       FOR EACH ROW EXECUTE FUNCTION core_actionlog_refuse();""",
    """CREATE TRIGGER core_actionlog_no_truncate BEFORE TRUNCATE ON core_actionlog
       FOR EACH STATEMENT EXECUTE FUNCTION core_actionlog_refuse();""",
    _EACH_PARTITION.format(
        statement="'CREATE OR REPLACE TRIGGER core_actionlog_no_truncate BEFORE TRUNCATE ON ' "
        "|| part::text || ' FOR EACH STATEMENT EXECUTE FUNCTION core_actionlog_refuse()'"
    ),
]
POSTGRES_REVERSE = [
    _EACH_PARTITION.format(
        statement="'DROP TRIGGER IF EXISTS core_actionlog_no_truncate ON ' || part::text"
    ),
    "DROP TRIGGER IF EXISTS core_actionlog_no_change ON core_actionlog;",
    "DROP TRIGGER IF EXISTS core_actionlog_no_truncate ON core_actionlog;",
    "DROP FUNCTION IF EXISTS core_actionlog_refuse();",
]

FORWARD = {"sqlite": SQLITE, "postgresql": POSTGRES}
REVERSE = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}
