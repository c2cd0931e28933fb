"""SQL of the action log's append-only triggers, shared by migration 0002 and the tests."""

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
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_actionlog_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'core_actionlog is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_actionlog_no_change BEFORE UPDATE OR DELETE ON core_actionlog
       FOR EACH ROW EXECUTE FUNCTION core_actionlog_refuse();""",
    """CREATE TRIGGER core_actionlog_no_truncate BEFORE TRUNCATE ON core_actionlog
       FOR EACH STATEMENT EXECUTE FUNCTION core_actionlog_refuse();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS core_actionlog_no_change ON core_actionlog;",
    "DROP TRIGGER IF EXISTS core_actionlog_no_truncate ON core_actionlog;",
    "DROP FUNCTION IF EXISTS core_actionlog_refuse();",
]

FORWARD = {"sqlite": SQLITE, "postgresql": POSTGRES}
REVERSE = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}
