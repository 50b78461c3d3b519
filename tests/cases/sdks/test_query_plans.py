"""The fan-out's queries read the ``sdkembedding_active`` index, never the links table whole (issue 18).

Tens of thousands of links written with ``generate_series`` (one SDK in every version, others in a
tenth), ANALYZEd, each query EXPLAINed as the selectors build it. PostgreSQL only.
"""

import pytest
from django.db import connection

from cases.sdks import selectors as sdk_selectors
from tests import factories

VERSIONS = 20000


@pytest.fixture
def links(require_postgresql):
    vendor = factories.VendorFactory()
    sdks = [factories.ProductFactory(vendor=vendor, kind="sdk", name=f"plan SDK {i}") for i in range(5)]
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO products_product (vendor_id, name, kind, terminal_category, created_at)
            SELECT %s, 'plan app ' || g, 'app', '', now() FROM generate_series(1, %s) g
            """,
            [vendor.pk, VERSIONS // 2],
        )
        cur.execute(
            """
            INSERT INTO products_productversion
                (product_id, version, build, source, package_name, file_sha256, created_at)
            SELECT p.id, v::text, '', '', '', '', now() FROM products_product p CROSS JOIN generate_series(1, 2) v
            WHERE p.name LIKE 'plan app %%'
            """
        )
        cur.execute(
            """
            INSERT INTO cases_sdkembedding
                (sdk_id, app_version_id, app_id, vendor_id, status, evidence, created_at, updated_at)
            SELECT s.id, pv.id, pv.product_id, %s, 'present', '[]'::jsonb, now(), now()
            FROM products_product s JOIN products_productversion pv ON true
            JOIN products_product p ON p.id = pv.product_id AND p.name LIKE 'plan app %%'
            WHERE s.id = ANY(%s) AND (s.id = %s OR (pv.id + s.id) %% 10 = 0)
            """,
            [vendor.pk, [s.pk for s in sdks], sdks[0].pk],
        )
        cur.execute("ANALYZE cases_sdkembedding")
        cur.execute("ANALYZE products_product")
        cur.execute("ANALYZE products_productversion")
    return sdks[0]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def test_the_pages_of_the_fanout_walk_the_index(links):
    sdk = links
    first = sdk_selectors.sdk_fanout_rows(sdk_id=sdk.pk, limit=50)
    deep = sdk_selectors.parse_token(sdk_selectors.row_token(first[-1]))
    for queryset in (
        sdk_selectors.sdk_fanout_queryset(sdk_id=sdk.pk)[:51],
        sdk_selectors.sdk_fanout_queryset(sdk_id=sdk.pk, after=deep)[:51],
        sdk_selectors.active_embeddings(sdk_id=sdk.pk)
        .order_by("vendor_id", "app_id", "app_version_id")
        .values_list("app__name", "app_version__version")[:8],
    ):
        shown = plan(queryset)
        assert "sdkembedding_active" in shown, shown
        assert "Seq Scan on cases_sdkembedding" not in shown, shown
        assert "Sort" not in shown, shown  # the index gives the order: no sort of the SDK's links
