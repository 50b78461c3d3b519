"""The dashboard's queries, drilled down or not, read indexed figure rows and never a large table
end to end (issues 14 and 17; ARCHITECTURE.md §11, §15).

The lists' plan test's seed (``tests.test_query_plans.seed``: 20,000 cases over five authorities and,
here, seven campaigns, so every campaign has cases of every authority) is written, its figures
rebuilt, the figure table grown with rows of n = 0 (months over decades: what many authorities and
keys make at scale) and ANALYZEd; then every query the dashboard runs, for the whole country, one
authority, one region and a province's own, is EXPLAINed. A Seq Scan of the cases, findings or
figure tables fails the test, with the plan; the drilled figures read an index (the unique keys
lead with the campaign then the authority; ``dashboard_figure_states`` holds every campaign's
states for the campaigns' totals).
PostgreSQL only.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Authority
from accounts.roles import Role
from cases.dashboard import figures
from cases.dashboard.selectors import campaign_dashboard, dashboard_scope
from cases.models import DashboardFigure, DeadlineFigure
from tests import factories
from tests.test_query_plans import LARGE, LARGE_ROWS, SIZES, seed

FIGURES = {DashboardFigure._meta.db_table, DeadlineFigure._meta.db_table}
WATCHED = LARGE | FIGURES
PROVINCES = ("110000", "310000", "440000", "510000")


@pytest.fixture
def seeded(require_postgresql):
    inspector = factories.UserFactory(role=Role.INSPECTOR)
    campaigns = [factories.CampaignFactory() for _ in range(7)]
    provinces = [factories.province(code) for code in PROVINCES]
    seed(
        {**SIZES, "findings": 20000},
        campaign_ids=[c.pk for c in campaigns],
        agency_id=factories.TestingAgencyFactory().pk,
        user_id=inspector.pk,
        authority_ids=[Authority.objects.national().pk] + [p.pk for p in provinces],
    )
    figures.rebuild()
    with connection.cursor() as cursor:
        # Rows of n = 0 (left behind when counts move away): every campaign x authority x month of 1900-2099.
        cursor.execute(
            f"""INSERT INTO {DashboardFigure._meta.db_table} (campaign_id, authority_id, dimension, key, n)
            SELECT c.id, a.id, 'month', to_char(DATE '1900-01-01' + (m || ' months')::interval, 'YYYY-MM'), 0
            FROM cases_campaign c CROSS JOIN accounts_authority a CROSS JOIN generate_series(0, 80) m
            ON CONFLICT DO NOTHING"""
        )
        cursor.execute("ANALYZE")
    return {"campaign": campaigns[3], "provinces": provinces}


def scans(plan, rows: dict) -> list[str]:
    """The watched tables (of ``rows`` rows or more than ``LARGE_ROWS``) a plan reads end to end."""
    found = []

    def walk(node):
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if "Plan" in node:
            walk(node["Plan"])
            return
        table = node.get("Relation Name")
        if node.get("Node Type") == "Seq Scan" and table in WATCHED and rows.get(table, 0) >= LARGE_ROWS:
            found.append(table)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return found


def explain(sql: str, params) -> tuple[list, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    return (json.loads(plan) if isinstance(plan, str) else plan), text


def test_the_dashboard_drilled_or_not_reads_no_large_table_end_to_end(seeded):
    campaign, provinces = seeded["campaign"], seeded["provinces"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)", [list(WATCHED)]
        )
        rows = {name: int(n) for name, n in cursor.fetchall()}
    assert rows[DashboardFigure._meta.db_table] >= LARGE_ROWS and rows["cases_case"] >= LARGE_ROWS  # ANALYZE ran
    national = factories.UserFactory(role=Role.REVIEWER)
    province = factories.UserFactory(role=Role.REVIEWER, authority=provinces[2])
    scopes = {
        "nationwide": dashboard_scope(actor=national),
        "one authority": dashboard_scope(actor=national, authority=str(provinces[1].pk)),
        "one region": dashboard_scope(actor=national, region="4"),
        "a province's own": dashboard_scope(actor=province, authority=str(provinces[0].pk)),
    }
    offenders, figure_plans = {}, {}
    for name, scope in scopes.items():
        with CaptureQueriesContext(connection) as captured:
            data = campaign_dashboard(campaign=campaign, scope=scope)
        assert data["total"] > 0, name
        for query in captured.captured_queries:
            sql = query["sql"]
            # The captured SQL has its parameters inlined (PostgreSQL's mogrify): EXPLAIN it as it ran.
            plan, text = explain(sql, None)
            if "figure" in sql:
                figure_plans[f"{name}: {sql[:60]}"] = text
            if scans(plan, rows):
                offenders[f"{name}: {sql}"] = text
    assert not offenders, "Seq Scan of a large table:\n" + "\n\n".join(f"{k}:\n{v}" for k, v in offenders.items())
    # Each scope reads its figures by index: the campaign (and the authorities) lead the unique keys.
    drilled = [text for name, text in figure_plans.items() if name.startswith(("one ", "a province"))]
    assert drilled and all("Index" in text for text in drilled), "\n\n".join(drilled)
