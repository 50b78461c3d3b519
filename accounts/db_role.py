"""The application's own database role: data rights only, no DDL (issue 13, ARCHITECTURE.md §6).

The role that runs ``manage.py migrate`` owns the tables. The application (gunicorn, the Celery worker
and beat) connects as another role that may read and write rows but not change the schema: it owns no
table, so it cannot ``ALTER``, ``DROP`` or disable the immutability triggers, it has no ``CREATE`` on
the schema and no ``TRUNCATE``, ``TRIGGER`` or ``REFERENCES`` on any table. ``app_role_statements``
spells the grants once (``manage.py grant_app_role ROLE`` runs them, ``--print`` shows them); they are
idempotent and cover future tables through the owner's default privileges.
"""

import re

from django.db import connection

from accounts.errors import InvalidInput

SCHEMA = "public"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
DATA_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"


def _name(role: str) -> str:
    if not ROLE_NAME.fullmatch(role):
        raise InvalidInput(f"not a plain role name (lower-case letters, digits, _): {role!r}")
    return role


def app_role_statements(*, role: str, database: str, owner: str) -> list[str]:
    """The SQL that leaves ``role`` with data rights on ``database`` and nothing more.

    ``owner`` is the role that creates the tables (the one that runs the migrations): its default
    privileges give the application role the same rights on tables later migrations create.
    """
    role, owner = _name(role), _name(owner)
    db = connection.ops.quote_name(database.replace('"', ""))
    return [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",  # TEMPORARY: the scan ingest's COPY stage
        # PostgreSQL 15 no longer gives everyone CREATE on public; older ones do.
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM {role}",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {SCHEMA} FROM {role}",
        f"GRANT {DATA_RIGHTS} ON ALL TABLES IN SCHEMA {SCHEMA} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {SCHEMA} GRANT {DATA_RIGHTS} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {SCHEMA} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


def table_owner() -> str:
    """The role that ran the migrations (the owner of Django's migration record)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = 'django_migrations'",
            [SCHEMA],
        )
        row = cursor.fetchone()
    if row is None:
        raise InvalidInput("no django_migrations table: run manage.py migrate first (as the owner role)")
    return row[0]


def app_role_problems(role: str) -> list[str]:
    """Why ``role`` could still change the schema or the triggers (empty: it cannot)."""
    role = _name(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            return [f"role {role} does not exist"]
        problems = []
        if row[0]:
            problems.append(f"{role} is a superuser")
        if row[1]:
            problems.append(f"{role} may create roles")
        cursor.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = %s AND pg_has_role(%s, tableowner, 'MEMBER')",
            [SCHEMA, role],
        )
        problems += [
            f"{role} owns tables (as {owner}): it could alter, drop or disable their triggers"
            for (owner,) in cursor.fetchall()
        ]
        cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, SCHEMA])
        if cursor.fetchone()[0]:
            problems.append(f"{role} may create objects in schema {SCHEMA}")
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND ("
            " has_table_privilege(%s, format('%%I.%%I', schemaname, tablename), 'TRUNCATE')"
            " OR has_table_privilege(%s, format('%%I.%%I', schemaname, tablename), 'TRIGGER'))",
            [SCHEMA, role, role],
        )
        if count := cursor.fetchone()[0]:
            problems.append(f"{role} may truncate or add triggers to {count} table(s)")
    return problems


def app_role_grant(role: str) -> list[str]:
    """Run the grants as the connected (owner) role; return the statements run. Idempotent."""
    if connection.vendor != "postgresql":
        raise InvalidInput("database roles need PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [_name(role)])
        if cursor.fetchone() is None:
            raise InvalidInput(f"role {role} does not exist: create it first (CREATE ROLE {role} LOGIN PASSWORD '...')")
    statements = app_role_statements(role=role, database=connection.settings_dict["NAME"], owner=table_owner())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements
