"""Make the vendor audit append-only in PostgreSQL: UPDATE and DELETE raise.

TRUNCATE stays possible for the test database flush; the application never truncates.

On SQLite (the embedded default) the rule is kept by the application alone.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION products_vendorevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'products_vendorevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER products_vendorevent_append_only
    BEFORE UPDATE OR DELETE ON products_vendorevent
    FOR EACH ROW EXECUTE FUNCTION products_vendorevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS products_vendorevent_append_only ON products_vendorevent;
DROP FUNCTION IF EXISTS products_vendorevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("products", "0002_vendor_event")]
    operations = [migrations.RunPython(forward, backward)]
