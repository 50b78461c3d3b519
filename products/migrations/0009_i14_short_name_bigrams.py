"""Two-character substring search on names, on PostgreSQL (issue 14).

A trigram index (0005) serves a substring search from three characters on; ``天气`` has none, so such a
search read all 20,000 product names at national scale, and pg_bigm is not in Debian's PostgreSQL.
``rectify_bigrams(text)`` is the set of every two characters in a row of its text (``'天气预报'`` ->
``{天气, 气预, 预报}``); a GIN index on it over ``UPPER(column::text)`` (the form of ``icontains``)
answers ``rectify_bigrams(UPPER(name::text)) @> ARRAY[UPPER('天气')]``: exactly the names that
``icontains`` finds for two characters (``products.selectors.name_contains``), since ``UPPER`` maps
each character to one character. ``fastupdate = off`` as for the trigram indexes. The tables are
ANALYZEd so that the planner has the statistics of the new expressions (their most common bigrams).
SQLite has neither: ``name_contains`` keeps ``icontains`` there.

``COST 1000`` (some 10 µs a call, against 1 µs for a ``LIKE``): the query keeps the ``LIKE`` beside the
bigram test, and PostgreSQL, which evaluates the cheaper condition first, then computes the bigrams of
the names that already match only; with the default cost it walked the product list in name order
computing the bigrams of every name it passed (1,095 names, 10 ms, for 25 rows).
"""

from django.db import migrations

from accounts.migration_operations import postgresql_only

FUNCTION = """
CREATE OR REPLACE FUNCTION rectify_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$ SELECT ARRAY(SELECT DISTINCT substr($1, i, 2) FROM generate_series(1, char_length($1) - 1) AS i) $$
"""

BIGRAM = [
    ("products_vendor", "name", "vendor_name_bigram"),
    ("products_vendor", "name_en", "vendor_name_en_bigram"),
    ("products_vendor", "credit_code", "vendor_credit_code_bigram"),
    ("products_product", "name", "product_name_bigram"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0008_i16_scenarios_offline_scenario"),
    ]

    operations = [
        postgresql_only(FUNCTION, "DROP FUNCTION IF EXISTS rectify_bigrams(text)"),
        *(
            postgresql_only(
                f"CREATE INDEX {name} ON {table} USING gin ((rectify_bigrams(UPPER({column}::text)))) "
                "WITH (fastupdate = off)",
                f"DROP INDEX IF EXISTS {name}",
            )
            for table, column, name in BIGRAM
        ),
        postgresql_only("ANALYZE products_vendor, products_product", "SELECT 1"),
    ]
