"""Fill Inspection.vendor, Finding.authority and Finding.vendor from the joined rows (issue 14).

One ``UPDATE ... FROM`` join per table on PostgreSQL (the rules of ``cases.models.inspection_vendor_id``
and ``finding_carried`` in SQL); elsewhere (SQLite) the same with correlated subqueries. Only rows
that disagree are written, so a second run writes nothing.
"""

from django.db import migrations

POSTGRESQL = (
    """UPDATE cases_inspection AS i SET vendor_id = p.vendor_id
    FROM products_productversion AS pv JOIN products_product AS p ON p.id = pv.product_id
    WHERE pv.id = i.product_version_id AND i.vendor_id IS DISTINCT FROM p.vendor_id""",
    """UPDATE cases_finding AS f SET authority_id = i.authority_id, vendor_id = i.vendor_id
    FROM cases_inspection AS i
    WHERE i.id = f.inspection_id
      AND (f.authority_id IS DISTINCT FROM i.authority_id OR f.vendor_id IS DISTINCT FROM i.vendor_id)""",
)
PORTABLE = (
    """UPDATE cases_inspection SET vendor_id = (
        SELECT p.vendor_id FROM products_productversion pv JOIN products_product p ON p.id = pv.product_id
        WHERE pv.id = cases_inspection.product_version_id)""",
    """UPDATE cases_finding SET
        authority_id = (SELECT i.authority_id FROM cases_inspection i WHERE i.id = cases_finding.inspection_id),
        vendor_id = (SELECT i.vendor_id FROM cases_inspection i WHERE i.id = cases_finding.inspection_id)""",
)


def backfill(connection) -> None:
    """Set every inspection's vendor and every finding's authority and vendor from their joins."""
    statements = POSTGRESQL if connection.vendor == "postgresql" else PORTABLE
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forwards(apps, schema_editor):
    backfill(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0032_i14_vendorcol_columns")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
