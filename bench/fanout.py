"""The SDK fan-out at scale (issue 18): one SDK embedded in 100,000 app versions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rectify_h8 PYTHONPATH=. .venv/bin/python bench/fanout.py \\
        [--versions 100000] [--other-sdks 19] [--repeat 30]

Migrates the database named by ``DATABASE_URL`` (a database of its own: the script adds rows), and
seeds it once with ``generate_series`` (kept for the next run): ``--versions`` app versions (two
per app, apps spread over vendors of 10 apps each), one SDK ``X`` embedded in every one of them,
``--other-sdks`` SDKs each embedded in one version in ten, a few per cent of the links proposed for
removal or removed, and an SDK case about ``X``. Then, ANALYZEd, it measures in-process (Django's
test client, a regulator signed in) with ``--repeat`` requests each:

- the selectors: the summary ("embedded in N apps of M vendors", three queries), the first page of
  links, a page at the 90th per cent of the list by keyset;
- the SDK case's page (summary, first rows, letters), the fan-out page deep by keyset;
- the API ``GET /api/v1/sdks/{id}/fanout/``, first and deep.

It prints median, p95 and worst in milliseconds (target: 200 ms) and the plan of each query
(``EXPLAIN (ANALYZE, BUFFERS)``), failing when a plan reads the embeddings table by a sequential scan.
Figures: bench/README.md, "SDK fan-out".
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TARGET_MS = 200
MARK = "BENCHFANOUT"  # vendor names and credit codes of the bench rows start with it


def seed(connection, *, versions: int, other_sdks: int) -> None:
    apps = versions // 2
    vendors = max(1, apps // 10)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO products_vendor (name, name_en, credit_code, address, contact_email, created_at)
            SELECT %s || ' 供应商 ' || g, '', %s || lpad(g::text, 7, '0'), '', '', now()
            FROM generate_series(0, %s) g
            """,
            [MARK, MARK, vendors],
        )
        cur.execute("SELECT min(id) FROM products_vendor WHERE credit_code LIKE %s", [MARK + "%"])
        first_vendor = cur.fetchone()[0]  # vendor first_vendor makes the SDKs; the next ones the apps
        cur.execute(
            """
            INSERT INTO products_product (vendor_id, name, kind, terminal_category, created_at)
            SELECT %s + 1 + (g %% %s), 'bench app ' || g, 'app', '', now() FROM generate_series(1, %s) g
            """,
            [first_vendor, vendors, apps],
        )
        cur.execute(
            """
            INSERT INTO products_product (vendor_id, name, kind, terminal_category, created_at)
            SELECT %s, 'bench SDK ' || g, 'sdk', '', now() FROM generate_series(0, %s) g
            """,
            [first_vendor, other_sdks],
        )
        cur.execute(
            """
            INSERT INTO products_productversion
                (product_id, version, build, source, package_name, file_sha256, created_at)
            SELECT p.id, v || '.0.' || (p.id %% 10), '', '应用宝', 'com.bench.app' || p.id, '', now()
            FROM products_product p CROSS JOIN generate_series(1, 2) v
            WHERE p.vendor_id > %s AND p.vendor_id <= %s + %s + 1 AND p.name LIKE 'bench app %%'
            """,
            [first_vendor, first_vendor, vendors],
        )
        cur.execute(
            """
            INSERT INTO products_sdksignature
                (product_id, exodus_id, package_prefixes, hosts, known_versions, updated_at)
            SELECT id, NULL, jsonb_build_array('com.bench.sdk' || id),
                   jsonb_build_array('sdk' || id || '.bench.example'), '[]'::jsonb, now()
            FROM products_product WHERE vendor_id = %s AND kind = 'sdk'
            """,
            [first_vendor],
        )
        # X (the first SDK) in every version; each other SDK in one version in ten. A few per cent
        # of the links are proposed for removal or removed.
        cur.execute(
            """
            INSERT INTO cases_sdkembedding
                (sdk_id, app_version_id, app_id, vendor_id, status, evidence, created_at, updated_at)
            SELECT s.id, pv.id, p.id, p.vendor_id,
                   CASE WHEN pv.id %% 50 = 0 THEN 'removal_proposed'
                        WHEN pv.id %% 33 = 0 THEN 'removed' ELSE 'present' END,
                   jsonb_build_array(jsonb_build_object('job', 0, 'seq', 1, 'via', 'host',
                                                        'detail', 'sdk' || s.id || '.bench.example')),
                   now(), now()
            FROM products_product s
            JOIN products_productversion pv ON true
            JOIN products_product p ON p.id = pv.product_id
            WHERE s.vendor_id = %s AND s.kind = 'sdk' AND p.name LIKE 'bench app %%'
              AND (s.name = 'bench SDK 0' OR (pv.id + s.id) %% 10 = 0)
            """,
            [first_vendor],
        )
    with connection.cursor() as cur:  # as autovacuum would: the visibility map makes index-only scans
        cur.execute("VACUUM ANALYZE cases_sdkembedding")
        cur.execute("ANALYZE")


def sdk_case(sdk, *, product=None):
    """An open case about ``product`` (default: the SDK X), made with the services (its events and
    the dashboard's figures). An app's case is the baseline: the same page without a fan-out."""
    import datetime

    from accounts.models import User
    from cases import services
    from cases.models import Campaign, Case, TestingAgency, ViolationType
    from products import services as product_services

    product = product or sdk
    existing = Case.objects.filter(product=product).first()
    if existing:
        return existing
    user, _ = User.objects.get_or_create(username="bench-fanout", defaults={"role": "reviewer"})
    campaign = Campaign.objects.filter(name="bench fan-out campaign").first() or Campaign.objects.create(
        name="bench fan-out campaign", start_date=datetime.date(2026, 1, 5)
    )
    agency, _ = TestingAgency.objects.get_or_create(name="bench agency")
    version = product_services.version_create(actor=user, product=product, version="9.9.9", package_name="com.bench")
    inspection = services.inspection_create(
        actor=user,
        campaign=campaign,
        product_version=version,
        agency=agency,
        date=datetime.date(2026, 3, 2),
        method="static",
    )
    finding = services.finding_create_manual(
        actor=user,
        inspection=inspection,
        violation_type=ViolationType.objects.get(code="SDK-01" if product.kind == "sdk" else "PI-01"),
        title="bench",
    )
    services.finding_confirm(actor=user, finding=finding)
    return services.case_open(actor=user, findings=[finding])


def timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "worst_ms": round(times[-1], 1),
    }


def explain(connection, queryset) -> tuple[str, bool]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    seq = any("Seq Scan on cases_sdkembedding" in line for line in plan.splitlines())
    return plan, seq


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--other-sdks", type=int, default=19)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from accounts.models import User
    from cases.models import SdkEmbedding, SdkFanoutFigure
    from cases.sdks import figures
    from cases.sdks import selectors as sdk_selectors
    from products.models import Product, Vendor

    call_command("migrate", verbosity=0)
    seeded = Vendor.objects.filter(credit_code__startswith=MARK).exists()
    if not seeded:
        started = time.perf_counter()
        seed(connection, versions=args.versions, other_sdks=args.other_sdks)
        print(f"seeded in {time.perf_counter() - started:.1f} s")
    sdk = Product.objects.get(name="bench SDK 0", kind="sdk", vendor__credit_code__startswith=MARK)
    if not SdkFanoutFigure.objects.filter(sdk=sdk).exists():
        # The seed wrote the links with SQL, not through the services: count their figures once.
        started = time.perf_counter()
        figures.rebuild()
        print(f"figures recounted in {time.perf_counter() - started:.1f} s")
    case = sdk_case(sdk)
    baseline = sdk_case(sdk, product=Product.objects.get(name="bench app 1", vendor__credit_code__startswith=MARK))
    total = SdkEmbedding.objects.count()
    active = sdk_selectors.active_embeddings(sdk_id=sdk.pk)
    n_active = active.count()
    deep_row = active.order_by("vendor_id", "app_id", "app_version_id")[int(n_active * 0.9)]
    deep = sdk_selectors.row_token(deep_row)
    after = sdk_selectors.parse_token(deep)
    print(f"{total:,} links in all; SDK X embedded in {n_active:,} app versions (links in place)")

    user, _ = User.objects.get_or_create(username="bench-fanout", defaults={"role": "reviewer"})
    client = Client()
    client.force_login(user)

    def get(address):
        def run():
            response = client.get(address, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code == 200, (address, response.status_code)

        return run

    measures = {
        f"baseline page: /cases/{baseline.pk}/ (an app's case, no fan-out)": get(f"/cases/{baseline.pk}/"),
        "baseline API: /api/v1/violation-types/": get("/api/v1/violation-types/"),
        "selector: summary (2 queries)": lambda: sdk_selectors.sdk_fanout_summary(sdk_id=sdk.pk),
        "selector: first page of 50": lambda: sdk_selectors.sdk_fanout_rows(sdk_id=sdk.pk),
        "selector: page at 90% (keyset)": lambda: sdk_selectors.sdk_fanout_rows(sdk_id=sdk.pk, after=after),
        f"page: /cases/{case.pk}/ (the SDK case)": get(f"/cases/{case.pk}/"),
        f"page: /cases/{case.pk}/fanout/?after=<90%>": get(f"/cases/{case.pk}/fanout/?after={deep}"),
        f"API: /api/v1/sdks/{sdk.pk}/fanout/": get(f"/api/v1/sdks/{sdk.pk}/fanout/"),
        f"API: /api/v1/sdks/{sdk.pk}/fanout/?after=<90%>": get(f"/api/v1/sdks/{sdk.pk}/fanout/?after={deep}"),
    }
    results = []
    for name, fn in measures.items():
        fn()  # warm
        row = {"what": name, **timed(fn, args.repeat)}
        row["ok"] = row["p95_ms"] <= TARGET_MS
        results.append(row)
        print(f"{row['median_ms']:8.1f} ms median {row['p95_ms']:8.1f} ms p95 {row['worst_ms']:8.1f} ms worst  {name}")

    plans = {
        "summary: the first versions": active.order_by("vendor_id", "app_id", "app_version_id").values_list(
            "app__name", "app_version__version"
        )[:8],
        "counting from the index (what the figures save)": active.order_by()
        .values("sdk_id")
        .annotate(
            apps=Count("app_id", distinct=True),
            vendors=Count("vendor_id", distinct=True),
            versions=Count("app_version_id"),
        ),
        "page at 90% (keyset)": sdk_selectors.sdk_fanout_queryset(sdk_id=sdk.pk, after=after)[:51],
    }
    scans = False
    for name, queryset in plans.items():
        plan, seq = explain(connection, queryset)
        scans = scans or seq
        print(f"\n-- {name}\n{plan}")
    OUT.mkdir(exist_ok=True)
    (OUT / f"fanout{('-' + args.label) if args.label else ''}.json").write_text(
        json.dumps({"links": total, "versions_embedding_x": n_active, "results": results}, indent=2)
    )
    if scans:
        print("FAIL: a plan reads cases_sdkembedding by a sequential scan")
        return 1
    return 0 if all(row["ok"] for row in results) else 1


if __name__ == "__main__":
    sys.exit(main())
