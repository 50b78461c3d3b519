"""Indexes for the vendor and product lists: their order (btree) and, on PostgreSQL, trigram (pg_trgm)
GIN indexes for the substring search on names and credit codes: on ``UPPER(column::text)``, the
form of Django's ``icontains`` on PostgreSQL (``UPPER(col::text) LIKE UPPER('%x%')``), Chinese
included on a UTF-8 ``LC_CTYPE``. Fewer than three characters give no trigram: such a search reads the table
(docs/ARCHITECTURE.md, "Lists at scale"). ``fastupdate = off``: a new row is searchable through the
index at once (a pending list, until vacuum, would make the planner read the table instead); names
are written seldom. SQLite has no trigram index; its lists are small.
"""

from django.db import migrations, models

from accounts.migration_operations import postgresql_only

TRIGRAM = [
    ("products_vendor", "name", "vendor_name_trgm"),
    ("products_vendor", "name_en", "vendor_name_en_trgm"),
    ("products_vendor", "credit_code", "vendor_credit_code_trgm"),
    ("products_product", "name", "product_name_trgm"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0004_i13_refuse_truncate"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["name", "id"], name="product_list_order"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["kind", "name", "id"], name="product_kind_order"),
        ),
        migrations.AddIndex(
            model_name="vendor",
            index=models.Index(fields=["name", "id"], name="vendor_list_order"),
        ),
        postgresql_only("CREATE EXTENSION IF NOT EXISTS pg_trgm", "SELECT 1"),
        *(
            postgresql_only(
                f"CREATE INDEX {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops) WITH (fastupdate = off)", f"DROP INDEX IF EXISTS {name}"
            )
            for table, column, name in TRIGRAM
        ),
    ]
