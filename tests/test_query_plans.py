"""The lists' query plans, as tests (issue 14; docs/ARCHITECTURE.md, "Lists at scale").

A few tens of thousands of rows are written with ``generate_series`` (a second or two), ANALYZEd,
and every main list query is EXPLAINed as the pages and the API build it (from the selectors and
the filter sets): its page of rows, its capped total and a page deep behind a cursor. A plan that
reads a large table from end to end (a Seq Scan of cases, findings, inspections, products,
versions, vendors, audit events or observations) fails the test, with the plan.

PostgreSQL only: SQLite has neither these plans nor the trigram indexes.
"""

import json
import re

import pytest
from django.db import connection

from accounts.models import Authority
from accounts.roles import Role
from cases import selectors
from cases.decisions.selectors import decision_queue
from cases.filters import CaseFilter, FindingFilter, InspectionFilter
from cases.home.selectors import my_work
from cases.ingest.selectors import scan_observations_of
from cases.models import Case, Finding, Inspection, ScanJob
from config.lists import COUNT_LIMIT, Keyset
from products import selectors as product_selectors
from products.filters import ProductFilter, VendorFilter, VersionFilter
from products.models import Product, Vendor

from . import factories

LARGE = {
    "cases_case",
    "cases_finding",
    "cases_inspection",
    "products_product",
    "products_productversion",
    "products_vendor",
    "cases_caseevent",
    "products_vendorevent",
    "cases_scanobservation",
    "cases_scanjob",
}
SIZES = {
    "vendors": 2000,
    "products": 20000,
    "versions": 40000,
    "inspections": 20000,
    "cases": 20000,
    "findings": 100000,
}
PAGE = 20
# Fewer rows than this, and reading the table whole is what an index would cost (vendors: 2,000).
LARGE_ROWS = 5000


def seed(sizes: dict, *, campaign_ids: list[int], agency_id: int, user_id: int, authority_ids: list[int]) -> None:
    """Vendors, products, versions, inspections, cases and findings, in bulk, with Chinese names.

    Shapes like a campaign's: ten products per vendor (in four kinds), two versions per product,
    one inspection per version, a case per inspection in every state, five findings per
    inspection in three states, half of them in the inspection's case. The inspections and their
    cases are spread over ``authority_ids`` (ARCHITECTURE.md §15).
    """
    statuses = (
        "ARRAY['open','ordered','responded','verifying','overdue','named','removal','rectified','closed','withdrawn']"
    )
    sql = [
        f"""INSERT INTO products_vendor (name, name_en, credit_code, address, contact_email, created_at)
        SELECT '测试科技' || (ARRAY['北京','上海','深圳','杭州','成都'])[1 + g % 5] || '有限公司' || g,
               'Vendor ' || g, 'V' || lpad(g::text, 17, '0'), '', '', now()
        FROM generate_series(1, {sizes["vendors"]}) g""",
        f"""INSERT INTO products_product (vendor_id, name, kind, terminal_category, created_at)
        SELECT v.id, (ARRAY['移动','视频','支付','地图','音乐'])[1 + g % 5] || '应用' || g,
               (ARRAY['app','sdk','mini_program','terminal'])[1 + g % 4],
               CASE WHEN g % 4 = 3 THEN 'camera' ELSE '' END, now()
        FROM generate_series(1, {sizes["products"]}) g
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM products_vendor) v
          ON v.n = g % {sizes["vendors"]}""",
        f"""INSERT INTO products_productversion
            (product_id, version, build, source, package_name, file_sha256, created_at)
        SELECT p.id, '1.' || g, '', '', 'com.example.p' || p.id, '', now() - (g || ' minutes')::interval
        FROM generate_series(1, {sizes["versions"]}) g
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM products_product) p
          ON p.n = g % {sizes["products"]}""",
        # An inspection carries its version's product's vendor (cases.models.inspection_vendor_id).
        f"""INSERT INTO cases_inspection (authority_id, campaign_id, product_version_id, vendor_id, agency_id, date,
            method, notes, device_address, created_by_id, created_at)
        SELECT (ARRAY{authority_ids})[1 + g % {len(authority_ids)}],
               (ARRAY{campaign_ids})[1 + g % {len(campaign_ids)}], pv.id, pv.vendor_id, {agency_id},
               DATE '2026-01-01' + (g % 300)::int,
               (ARRAY['manual','static','dynamic','network','device'])[1 + g % 5], '', '', {user_id}, now()
        FROM generate_series(1, {sizes["inspections"]}) g
        JOIN (SELECT pv.id, p.vendor_id, row_number() OVER (ORDER BY pv.id) - 1 AS n
              FROM products_productversion pv JOIN products_product p ON p.id = pv.product_id) pv
          ON pv.n = g % {sizes["versions"]}
        ORDER BY g""",
        f"""INSERT INTO cases_case (number, authority_id, campaign_id, vendor_id, product_id, product_version_id,
            status, status_before_response, served_on, deadline, opened_by_id, created_at, updated_at)
        SELECT 'RC-2026-' || lpad(i.id::text, 6, '0'), i.authority_id, i.campaign_id, p.vendor_id, p.id, pv.id,
               ({statuses})[1 + i.id % 10], '', DATE '2026-02-01', DATE '2026-02-01' + (i.id % 400)::int, {user_id},
               now() - (i.id || ' seconds')::interval, now() - (i.id || ' seconds')::interval
        FROM cases_inspection i JOIN products_productversion pv ON pv.id = i.product_version_id
        JOIN products_product p ON p.id = pv.product_id
        ORDER BY i.id LIMIT {sizes["cases"]}""",
        # A finding carries its inspection's authority and vendor (cases.models.finding_carried).
        f"""INSERT INTO cases_finding (inspection_id, authority_id, vendor_id, violation_type_id, status, source,
            title, description, evidence, rule, locus, fingerprint, occurrences, case_id, decision_reason, created_at)
        SELECT i.id, i.authority_id, i.vendor_id, vt.id, (ARRAY['candidate','confirmed','dismissed'])[1 + g % 3],
               'scan', '发现' || g, '', '{{}}', '', '', md5(g::text), 1, CASE WHEN g % 2 = 0 THEN c.id END, '', now()
        FROM generate_series(1, {sizes["findings"]}) g
        JOIN (SELECT id, authority_id, vendor_id, row_number() OVER (ORDER BY id) - 1 AS n FROM cases_inspection) i
          ON i.n = g % {sizes["inspections"]}
        JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM cases_violationtype) vt
          ON vt.n = g % (SELECT count(*) FROM cases_violationtype)
        LEFT JOIN cases_case c ON c.number = 'RC-2026-' || lpad(i.id::text, 6, '0')""",
        # Three events per case; one case in a hundred was transferred to its authority (issue 17).
        f"""INSERT INTO cases_caseevent (case_id, kind, actor_id, from_status, to_status, reason, data, created_at)
        SELECT c.id,
               CASE WHEN k = 3 AND c.id % 100 = 0 THEN 'transferred'
                    ELSE (ARRAY['opened','transition','note'])[k] END,
               {user_id}, '', '', '',
               CASE WHEN k = 3 AND c.id % 100 = 0
                    THEN jsonb_build_object(
                        'from_authority', (ARRAY{authority_ids})[1 + (c.id / 100) % {len(authority_ids)}],
                        'to_authority', c.authority_id)
                    ELSE '{{}}'::jsonb END,
               c.created_at + (k || ' minutes')::interval
        FROM cases_case c CROSS JOIN generate_series(1, 3) k""",
    ]
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
        cursor.execute("ANALYZE")


def plan_of(queryset) -> str:
    return queryset.explain(format="json")


def plan_text(queryset) -> str:
    return queryset.explain()


def seq_scans(plan, rows: dict | None = None) -> list[str]:
    """The large tables a plan (JSON, as text or parsed) reads from end to end.

    Not counted: a Seq Scan right under a Limit (with nothing but Limits above it), which stops
    after that many rows (the capped total: "more than 1,000" reads 1,001 rows); and a table with
    fewer than ``LARGE_ROWS`` rows (``rows``: table -> rows, from pg_class), which PostgreSQL
    rightly reads whole when that is cheaper than an index.
    """

    found = []

    def walk(node, bounded):
        if isinstance(node, list):
            for item in node:
                walk(item, bounded)
            return
        if not isinstance(node, dict):
            return
        if "Plan" in node:
            walk(node["Plan"], True)
            return
        kind, table = node.get("Node Type"), node.get("Relation Name")
        large = table in LARGE and (rows is None or rows.get(table, 0) >= LARGE_ROWS)
        if kind == "Seq Scan" and large and not bounded:
            found.append(table)
        for child in node.get("Plans", []):
            walk(child, bounded and kind == "Limit")

    walk(json.loads(plan) if isinstance(plan, str) else plan, True)
    return found


def table_rows() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)", [list(LARGE)]
        )
        return {name: int(n) for name, n in cursor.fetchall()}


def _three_ways(name: str, queryset) -> dict:
    """The page's rows, its capped total, and a page deep behind a cursor (from the last row of
    the first page) as the API reads them."""
    keyset = Keyset(queryset)
    first = list(queryset.order_by(*keyset.ordering)[:PAGE])
    queries = {
        f"{name}: page": queryset.order_by(*keyset.ordering)[: PAGE + 1],
        f"{name}: total": queryset.order_by().values("pk")[: COUNT_LIMIT + 1],
    }
    if first:
        after = keyset.queryset.order_by(*keyset.ordering).filter(
            keyset._seek(keyset._parse(keyset.values_of(first[-1])), forward=True)
        )
        queries[f"{name}: after a cursor"] = after[: PAGE + 1]
    return queries


@pytest.fixture
def seeded(require_postgresql):
    inspector = factories.UserFactory(role=Role.INSPECTOR)
    reviewer = factories.UserFactory(role=Role.REVIEWER)
    campaigns = [factories.CampaignFactory() for _ in range(10)]
    campaign = campaigns[3]
    agency = factories.TestingAgencyFactory()
    provinces = [factories.province(code) for code in ("110000", "310000", "440000", "510000")]
    seed(
        SIZES,
        campaign_ids=[c.pk for c in campaigns],
        agency_id=agency.pk,
        user_id=inspector.pk,
        authority_ids=[Authority.objects.national().pk] + [p.pk for p in provinces],
    )
    province_reviewer = factories.UserFactory(role=Role.REVIEWER, authority=provinces[2])
    province_inspector = factories.UserFactory(role=Role.INSPECTOR, authority=provinces[2])
    vendor = Vendor.objects.order_by("id")[5]
    vendor_user = factories.VendorUserFactory(vendor=vendor)
    return {
        "inspector": inspector,
        "reviewer": reviewer,
        "campaign": campaign,
        "vendor": vendor,
        "vendor_user": vendor_user,
        "province_reviewer": province_reviewer,
        "province_inspector": province_inspector,
    }


def list_queries(seeded) -> dict:
    """The main list querysets, as the selectors and filter sets build them. Searches name one
    product, vendor or case: a search that matches a good share of the table is rightly answered
    by reading it (the rows have to be sorted anyway)."""
    reviewer, inspector = seeded["reviewer"], seeded["inspector"]
    vendor, campaign = seeded["vendor"], seeded["campaign"]
    case = Case.objects.order_by("id")[100]
    inspection = Inspection.objects.order_by("id")[100]
    product = Product.objects.filter(vendor=vendor).first()
    cases = selectors.case_list(actor=reviewer)
    findings = selectors.finding_queryset_for(actor=inspector)
    inspections = selectors.inspection_queryset_for(actor=inspector)
    lists = {
        "cases": cases,
        "cases by state": CaseFilter({"status": ["ordered"]}, queryset=cases).qs,
        "cases overdue": CaseFilter({"overdue": "true"}, queryset=cases).qs,
        "cases by vendor": CaseFilter({"vendor": vendor.pk}, queryset=cases).qs,
        "cases by product": CaseFilter({"product": product.pk}, queryset=cases).qs,
        "cases by campaign": CaseFilter({"campaign": campaign.pk}, queryset=cases).qs,
        "cases searched by number": CaseFilter({"q": case.number}, queryset=cases).qs,
        "cases searched by a Chinese name": CaseFilter({"q": "视频应用12"}, queryset=cases).qs,
        "cases searched by a Chinese vendor": CaseFilter({"q": "有限公司1777"}, queryset=cases).qs,
        # Two characters (issue 14): the names from their bigram indexes (products 0009), a few
        # hundred products ("37"), and more than SEARCH_IDS of them ("视频": a subquery).
        "cases searched by two characters": CaseFilter({"q": "37"}, queryset=cases).qs,
        "cases searched by two common characters": CaseFilter({"q": "视频"}, queryset=cases).qs,
        "cases of a vendor user": selectors.case_list(actor=seeded["vendor_user"]),
        "findings": findings,
        "findings by state": FindingFilter({"status": ["candidate"]}, queryset=findings).qs,
        "findings by case": FindingFilter({"case": case.pk}, queryset=findings).qs,
        "findings by inspection": FindingFilter({"inspection": inspection.pk}, queryset=findings).qs,
        "findings by violation type": FindingFilter({"violation_type": "PI-01"}, queryset=findings).qs,
        "findings by state and violation type": FindingFilter(
            {"status": ["confirmed"], "violation_type": "PI-01"}, queryset=findings
        ).qs,
        "findings by vendor": FindingFilter({"vendor": vendor.pk}, queryset=findings).qs,
        "inspections": inspections,
        "inspections (page)": selectors.inspection_rows(actor=inspector),
        "inspections by campaign": selectors.inspection_rows(actor=inspector, campaign_id=campaign.pk),
        "inspections by method": InspectionFilter({"method": "static"}, queryset=inspections).qs,
        "inspections by vendor": InspectionFilter({"vendor": vendor.pk}, queryset=inspections).qs,
        "inspections by version": InspectionFilter(
            {"product_version": inspection.product_version_id}, queryset=inspections
        ).qs,
        "vendors": product_selectors.vendor_rows(),
        "vendors searched": VendorFilter({"q": "深圳有限公司12"}, queryset=product_selectors.vendor_list()).qs,
        "vendors searched (page)": product_selectors.vendor_search(product_selectors.vendor_rows(), "Vendor 77"),
        "products": product_selectors.product_rows(),
        "products by kind": ProductFilter({"kind": "sdk"}, queryset=product_selectors.product_list()).qs,
        "products by vendor": ProductFilter({"vendor": vendor.pk}, queryset=product_selectors.product_list()).qs,
        "products searched": product_selectors.product_search(product_selectors.product_rows(), "地图应用33"),
        "products searched by two characters": product_selectors.product_search(product_selectors.product_rows(), "37"),
        "vendors searched by two characters": product_selectors.vendor_search(product_selectors.vendor_rows(), "37"),
        "versions": product_selectors.version_list(),
        "versions by product": VersionFilter({"product": product.pk}, queryset=product_selectors.version_list()).qs,
        "versions by vendor": VersionFilter({"vendor": vendor.pk}, queryset=product_selectors.version_list()).qs,
        "scan observations": scan_observations_of(job=ScanJob(pk=1)),
        # A province's lists: scoped by its authority (ARCHITECTURE.md §15), led by it in the index.
        "cases of a province": selectors.case_list(actor=seeded["province_reviewer"]),
        "cases of a province overdue": CaseFilter(
            {"overdue": "true"}, queryset=selectors.case_list(actor=seeded["province_reviewer"])
        ).qs,
        "cases of a province by state": CaseFilter(
            {"status": ["ordered"]}, queryset=selectors.case_list(actor=seeded["province_reviewer"])
        ).qs,
        "findings of a province": selectors.finding_queryset_for(actor=seeded["province_inspector"]),
        "inspections of a province": selectors.inspection_rows(actor=seeded["province_inspector"]),
        # The transfers page (issue 17): the partial index ``caseevent_transfers``, never every event.
        "transfers": selectors.case_transfers_for(actor=reviewer),
        "transfers of a province": selectors.case_transfers_for(actor=seeded["province_reviewer"]),
    }
    queries = {}
    for name, queryset in lists.items():
        queries.update(_three_ways(name, queryset))
    for name, queryset in decision_queue(actor=reviewer).items():
        queries[f"decision queue: {name}"] = queryset[:PAGE]
        queries[f"decision queue: {name}, its last page"] = queryset[COUNT_LIMIT - PAGE : COUNT_LIMIT]
    for name, queryset in decision_queue(actor=seeded["province_reviewer"]).items():
        queries[f"a province's decision queue: {name}"] = queryset[:PAGE]
    # The pages' sortable columns (?ordering=): the first page and the deepest one the pages reach,
    # alone and after a filter.
    for key in selectors.CASE_ORDERINGS:
        narrowed = (("", {}), (", by state", {"status": "ordered"}), (", of a vendor", {"vendor": vendor.pk}))
        for label, filters in narrowed:
            queryset = selectors.case_list(actor=reviewer, filters=filters, ordering=key)
            queries[f"cases ordered by {key}{label}: page"] = queryset[: PAGE + 1]
            queries[f"cases ordered by {key}{label}: last page"] = queryset[COUNT_LIMIT - PAGE : COUNT_LIMIT]
    for key, order in product_selectors.NAME_ORDERINGS.items():
        for name, queryset in (
            ("vendors", product_selectors.vendor_rows()),
            ("products", product_selectors.product_rows()),
            ("products of a kind", product_selectors.product_rows().filter(kind="sdk")),
        ):
            queries[f"{name} ordered by {key}: page"] = queryset.order_by(*order)[: PAGE + 1]
            queries[f"{name} ordered by {key}: last page"] = queryset.order_by(*order)[COUNT_LIMIT - PAGE : COUNT_LIMIT]
    for key in selectors.INSPECTION_ORDERINGS:
        queryset = selectors.inspection_rows(actor=inspector, ordering=key)
        queries[f"inspections ordered by {key}: page"] = queryset[: PAGE + 1]
        queries[f"inspections ordered by {key}: last page"] = queryset[COUNT_LIMIT - PAGE : COUNT_LIMIT]
    return queries


def _narrow_deep_page(name: str) -> bool:
    return name.endswith("by state: last page") or name.endswith(": verifying, its last page")


def test_list_plans_read_no_large_table_end_to_end(seeded):
    offenders = {}
    rows = table_rows()
    assert rows["cases_finding"] >= LARGE_ROWS  # ANALYZE ran: the test sees the seeded sizes
    for name, queryset in list_queries(seeded).items():
        plan = plan_of(queryset)
        scanned = seq_scans(plan, rows)
        if _narrow_deep_page(name):
            # The deepest page of a filter that leaves a few thousand cases reads those cases by
            # index and may hash the small side tables it joins (products, versions, vendors) rather
            # than probe them a thousand times: PostgreSQL's choice, bounded by the filter. The cases
            # themselves must still come from an index.
            scanned = [table for table in scanned if table == "cases_case"]
        if scanned:
            offenders[name] = plan_text(queryset)
    assert not offenders, "Seq Scan of a large table:\n" + "\n\n".join(f"{k}:\n{v}" for k, v in offenders.items())


def seed_responses(user_id: int) -> None:
    """A rectification report for every case, one in ten pending (the scale database's share)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO cases_vendorresponse (case_id, submitted_by_id, summary, fixed_version, text, status,
                decision_reason, created_at, authority_id)
            SELECT c.id, %s, '已修复', '', '', CASE WHEN c.id %% 10 = 0 THEN 'pending' ELSE 'accepted' END, '',
                   c.created_at, c.authority_id
            FROM cases_case c""",
            [user_id],
        )
        cursor.execute("ANALYZE cases_vendorresponse")


# A province's capped counts (issue 14): what each must read, and the national indexes it must not
# (the country's rows of that state, joined to or ANDed with the province's afterwards).
LED_BY_THE_AUTHORITY = re.compile(r"Index Cond: \(+authority_id = ")
PROVINCE_COUNTS = {
    # Its candidates by their own authority in a candidates' partial index: at national scale (vacuumed)
    # an index-only scan of finding_candidate_authority (0.4 ms for Beijing; probing its inspections in
    # finding_candidate_inspection 3.5-5.6 ms, a bitmap of all its findings ANDed with every
    # candidate's 41 ms). Here, unvacuumed (a test's transaction), PostgreSQL may rightly walk
    # finding_candidate_inspection and filter the authority on the row.
    "candidates": (
        re.compile("finding_candidate_(authority|inspection)"),
        ("finding_inspection_status", "finding_status_order", "finding_authority_order"),
    ),
    # The pending reports by their carried authority, from a pending partial index: at national scale
    # response_pending_authority (not the country's pending reports walked and each case probed:
    # 2 ms for Beijing; the reports' heap: 12 ms). At the seed's size, where the province holds a
    # fifth of them, PostgreSQL may rightly filter the other pending index by the authority.
    "responses": (re.compile("response_pending_(authority|case)"), ("response_queue_order",)),
    # Its own cases by an index led by the authority: at national scale case_authority_status_deadline
    # (0.4 ms; before it, two national status bitmaps ANDed with the province's: 3-6 ms). At the
    # seed's size PostgreSQL may rightly take another of the authority's indexes.
    "overdue": (LED_BY_THE_AUTHORITY, ("case_status_deadline", "case_status_order")),
}


def test_a_provinces_counts_read_the_indexes_led_by_its_work(seeded):
    reviewer = seeded["province_reviewer"]
    seed_responses(seeded["inspector"].pk)
    counted = {work.key: work.count_of for work in my_work(actor=reviewer)}
    counted["overdue"] = CaseFilter({"overdue": True}, queryset=selectors.case_list(actor=reviewer)).qs
    offenders = {}
    for key, (wanted, national) in PROVINCE_COUNTS.items():
        text = plan_text(counted[key].order_by().values("pk")[: COUNT_LIMIT + 1])
        if not wanted.search(text) or "Seq Scan" in text or any(index in text for index in national):
            offenders[f"{key} (wants {wanted.pattern})"] = text
    assert not offenders, "A province's count reads the wrong index:\n" + "\n\n".join(
        f"{k}:\n{v}" for k, v in offenders.items()
    )


def test_a_provinces_confirmed_findings_without_a_case_read_their_partial_index(seeded):
    """The home page's "confirmed findings without a case" of a province (issue 14): by the
    finding's own authority, PostgreSQL walked every finding of the province in the list's order
    (finding_authority_order) looking for rows that were not there (104-190 ms for Beijing at scale,
    where none exist); the partial index finding_openable_authority holds exactly those rows (0.04 ms)."""
    province = seeded["province_reviewer"].authority
    openable = Finding.objects.filter(authority=province, status="confirmed", case__isnull=True)
    for queryset in (openable.order_by("-id").values("pk")[:5], openable.order_by().values("pk")[: COUNT_LIMIT + 1]):
        text = plan_text(queryset)
        # At the test's size PostgreSQL may rightly walk the national partial index and filter the
        # authority (a fifth of its rows are the province's); never all of the province's findings.
        assert re.search("finding_openable_authority|home_openable_finding", text), text
        assert "finding_authority_order" not in text and "Seq Scan" not in text, text


def test_the_total_of_findings_by_state_and_type_reads_its_own_entries_only(seeded):
    """``?status=&violation_type=`` (issue 14): the capped total finds its rows by both in the
    (type, state, id) index (at scale an index-only scan that stops at 1,001 entries). Without it
    PostgreSQL gathered every finding of the type in a bitmap (60,000 at scale) and filtered them
    by state, to count a thousand."""

    findings = selectors.finding_queryset_for(actor=seeded["inspector"])
    queryset = FindingFilter({"status": ["confirmed"], "violation_type": "PI-01"}, queryset=findings).qs
    total = queryset.order_by().values("pk")[: COUNT_LIMIT + 1]
    plan = json.dumps(json.loads(plan_of(total)))
    assert '"Index Name": "finding_type_status_order"' in plan, plan_text(total)
    assert '"Filter": "((status)' not in plan, plan_text(total)
    # The same rows as without the index's help.
    assert total.count() == min(
        COUNT_LIMIT + 1, Finding.objects.filter(status="confirmed", violation_type__code="PI-01").count()
    )


def index_names(plan) -> set[str]:
    """The indexes a plan (JSON, as text) reads."""
    import json

    found = set()

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "Index Name" in node:
                found.add(node["Index Name"])
            for value in node.values():
                walk(value)

    walk(json.loads(plan))
    return found


@pytest.mark.parametrize("text", ["37", "视频", "北京"])
def test_two_characters_are_found_in_the_bigram_indexes(seeded, text):
    """A name search of two characters (issue 14) reads the bigram indexes (products 0009), never the
    names end to end: a trigram needs three, and ``天气`` read all 20,000 product names at scale. The
    vendors are counted too, though below LARGE_ROWS here: at scale they are 2,000 as well."""
    searches = {
        "products": product_selectors.name_search(Product.objects.all(), text),
        "vendors": product_selectors.name_search(Vendor.objects.all(), text),
        "vendors by name, English name or code": product_selectors.vendor_search(Vendor.objects.all(), text),
    }
    wanted = {
        "products": {"product_name_bigram"},
        "vendors": {"vendor_name_bigram"},
        "vendors by name, English name or code": {
            "vendor_name_bigram",
            "vendor_name_en_bigram",
            "vendor_credit_code_bigram",
        },
    }
    offenders = {}
    for name, queryset in searches.items():
        ids = queryset.order_by().values("pk")[: product_selectors.SEARCH_IDS + 1]
        plan = plan_of(ids)
        if not wanted[name] <= index_names(plan) or "Seq Scan" in plan:
            offenders[name] = plan_text(ids)
    assert not offenders, "A two-character search reads the names:\n" + "\n\n".join(
        f"{k}:\n{v}" for k, v in offenders.items()
    )


def test_the_overdue_list_reads_the_running_clocks_only(seeded):
    """``?overdue`` (issue 14): the page newest first, and the next behind a cursor, from the running
    clocks' partial index (``case_clock_order``; a province's ``case_authority_clock_order``), not a
    walk of every case newest first (case_list_order) that passes the closed ones. The capped total
    takes them too at national scale (an index-only scan, bench/README.md); at the seed's size, where
    four cases in ten run a clock, PostgreSQL may rightly read the first rows of the table instead
    (the Seq Scan under the LIMIT that ``test_list_plans_read_no_large_table_end_to_end`` allows)."""
    lists = {
        "national": (seeded["reviewer"], "case_clock_order"),
        "a province": (seeded["province_reviewer"], "case_authority_clock_order"),
    }
    offenders = {}
    for name, (actor, index) in lists.items():
        queryset = CaseFilter({"overdue": "true"}, queryset=selectors.case_list(actor=actor)).qs
        for part, query in _three_ways(name, queryset).items():
            if not part.endswith("total") and index not in index_names(plan_of(query)):
                offenders[part] = plan_text(query)
    assert not offenders, "The overdue list reads another index:\n" + "\n\n".join(
        f"{k}:\n{v}" for k, v in offenders.items()
    )


def test_the_seed_is_the_size_the_plans_assume(seeded):
    assert Case.objects.count() == SIZES["cases"]
    assert Finding.objects.count() == SIZES["findings"]
    assert Finding.objects.filter(case__isnull=False).count() == SIZES["findings"] // 2


def test_seq_scans_are_found_in_a_plan():
    scan = {"Node Type": "Seq Scan", "Relation Name": "cases_case"}
    sort = {"Node Type": "Sort", "Plans": [scan]}
    assert seq_scans([{"Plan": {"Node Type": "Limit", "Plans": [sort]}}]) == ["cases_case"]
    assert seq_scans([{"Plan": {"Node Type": "Hash Join", "Plans": [{"Node Type": "Hash", "Plans": [scan]}]}}]) == [
        "cases_case"
    ]
    # A read that stops after the limit; a table that is not large; a small one.
    assert seq_scans([{"Plan": {"Node Type": "Limit", "Plans": [scan]}}]) == []
    assert seq_scans([{"Plan": {"Node Type": "Seq Scan", "Relation Name": "cases_campaign"}}]) == []
    assert seq_scans([{"Plan": sort}], rows={"cases_case": 100}) == []


def _row_nodes(node) -> list[dict]:
    """The nodes of a plan that find its rows: all but the scalar subqueries of the page's columns
    (``config.rows``: SubPlans run for the rows of the page only)."""
    if isinstance(node, list):
        return [n for item in node for n in _row_nodes(item)]
    if "Plan" in node:
        return _row_nodes(node["Plan"])
    if node.get("Parent Relationship") in ("SubPlan", "InitPlan"):
        return []
    return [node] + [n for child in node.get("Plans", []) for n in _row_nodes(child)]


def test_the_lists_by_vendor_and_a_provinces_findings_read_their_own_columns(seeded):
    """``?vendor=`` on inspections and findings, and a province's findings (issue 14): each filters
    on the row's own column (``Inspection.vendor``, ``Finding.vendor``, ``Finding.authority``, carried
    from the parents: ``cases.models``), joining nothing, and the lists by vendor read the index led by
    it in the list's order, page and capped total alike. Before, the vendor was three tables away and a
    finding's authority one: the lists walked their order probing each row's version and product (or
    inspection) until a page belonged. A province holds a fifth of this seed's findings, so
    PostgreSQL rightly walks the list's order and filters the row's own column; at national scale
    (Beijing: 62,730 of 1,000,036) it reads ``finding_authority_order`` (bench/README.md)."""
    from cases.serializers import FINDING_ROWS, INSPECTION_ROWS

    vendor = seeded["vendor"]
    findings = selectors.finding_list(actor=seeded["inspector"])
    inspections = selectors.inspection_queryset_for(actor=seeded["inspector"])
    lists = {
        "inspections by vendor": (
            InspectionFilter({"vendor": vendor.pk}, queryset=inspections).qs,
            INSPECTION_ROWS,
            "inspection_vendor_order",
        ),
        "findings by vendor": (
            FindingFilter({"vendor": vendor.pk}, queryset=findings).qs,
            FINDING_ROWS,
            "finding_vendor_order",
        ),
        "findings of a province": (selectors.finding_list(actor=seeded["province_inspector"]), FINDING_ROWS, None),
    }
    offenders, sizes = {}, table_rows()
    for name, (queryset, rows, index) in lists.items():
        ordering = Keyset(queryset).ordering
        for part, query in (
            ("page", rows.values(queryset.order_by(*ordering))[: PAGE + 1]),
            ("total", queryset.order_by().values("pk")[: COUNT_LIMIT + 1]),
        ):
            plan = json.loads(plan_of(query))
            nodes = _row_nodes(plan)
            tables = {n.get("Relation Name") for n in nodes} - {None}
            indexes = {n.get("Index Name") for n in nodes} - {None}
            if len(tables) != 1 or seq_scans(plan, sizes) or (index is not None and index not in indexes):
                offenders[f"{name}: {part} (wants {index or 'its own table only'})"] = plan_text(query)
    assert not offenders, "A list joins its parents or misses its own column's index:\n" + "\n\n".join(
        f"{k}:\n{v}" for k, v in offenders.items()
    )
    # The same rows as through the joins.
    assert set(FindingFilter({"vendor": vendor.pk}, queryset=findings).qs.values_list("pk", flat=True)) == set(
        Finding.objects.filter(inspection__product_version__product__vendor=vendor).values_list("pk", flat=True)
    )
    assert set(InspectionFilter({"vendor": vendor.pk}, queryset=inspections).qs.values_list("pk", flat=True)) == set(
        Inspection.objects.filter(product_version__product__vendor=vendor).values_list("pk", flat=True)
    )
    province = seeded["province_inspector"].authority_id
    assert set(selectors.finding_list(actor=seeded["province_inspector"]).values_list("pk", flat=True)) == set(
        Finding.objects.filter(inspection__authority_id=province).values_list("pk", flat=True)
    )
