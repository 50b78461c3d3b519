"""Migration operations the apps share: SQL that only PostgreSQL runs, and append-only audit tables.

On SQLite (the embedded default) these rules are kept by the application alone. Row-level triggers
do not see TRUNCATE: ``refuse_truncate`` adds the statement-level trigger that refuses it. The test
database flush runs with ``session_replication_role = replica`` (tests/conftest.py), which only a
superuser may set; the application's role cannot, so nothing of it reaches production.
"""

from django.db import migrations


def postgresql_only(forward_sql: str, backward_sql: str) -> migrations.RunPython:
    """Run ``forward_sql`` when migrating a PostgreSQL database, ``backward_sql`` when reversing."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forward_sql, params=None)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(backward_sql, params=None)

    return migrations.RunPython(forward, backward)


class AddIndexPostgreSQL(migrations.AddIndex):
    """``AddIndex`` whose index exists on PostgreSQL only (the model state has it everywhere): for an
    index SQLite cannot build, such as one with ``NULLS LAST``; SQLite then sorts without it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def append_only(table: str, *, allow_same_rewrite: bool = False) -> migrations.RunPython:
    """A trigger that refuses UPDATE and DELETE on ``table`` (an audit table written once per row).

    ``allow_same_rewrite`` lets an UPDATE through when it writes every column back unchanged: a table
    whose first rows come from a migration needs it, since Django restores such rows for transactional
    tests (``serialized_rollback``) by saving them again. A changed row is refused all the same.
    """
    same = "    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN\n        RETURN NEW;\n    END IF;\n"
    forward_sql = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
{same if allow_same_rewrite else ""}    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    backward_sql = f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    return postgresql_only(forward_sql, backward_sql)


def refuse_truncate(*tables: str) -> migrations.RunPython:
    """A statement-level trigger on each of ``tables`` that refuses TRUNCATE (which row triggers miss)."""
    forward_sql = """
CREATE OR REPLACE FUNCTION rectify_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
        f"""CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION rectify_refuse_truncate();
"""
        for table in tables
    )
    backward_sql = "".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n" for table in tables)
    return postgresql_only(forward_sql, backward_sql)
