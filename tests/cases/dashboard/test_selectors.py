import datetime
import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from cases import workflow
from cases.dashboard import selectors
from cases.dashboard.selectors import campaign_dashboard
from cases.models import CLOCK_RUNNING, Campaign, Case, CaseStatus, FindingStatus
from products.models import ProductKind, TerminalCategory
from tests import factories
from tests.cases.served import served_case

S = CaseStatus
D = datetime.date


@pytest.fixture
def campaign(db):
    campaign = factories.CampaignFactory(name="2025年专项行动")
    served_case(campaign=campaign)  # ordered, due 2025-10-10
    late = served_case(campaign=campaign)
    workflow.mark_overdue_case(case=late)
    lock = factories.ProductFactory(kind=ProductKind.TERMINAL, terminal_category=TerminalCategory.DOOR_LOCK)
    served_case(campaign=campaign, version=factories.ProductVersionFactory(product=lock), deadline=D(2025, 10, 17))
    served_case(campaign=campaign, served_on=None)  # open
    served_case()  # another campaign
    return campaign


@pytest.mark.django_db
def test_campaign_dashboard_counts(campaign):
    data = campaign_dashboard(campaign=campaign, today=D(2025, 10, 9))
    states = dict((str(k), v) for k, v in data["by_state"])
    assert data["total"] == 4
    assert states[str(S.ORDERED.label)] == 2 and states[str(S.OVERDUE.label)] == 1 and states[str(S.OPEN.label)] == 1
    assert len(data["overdue"]) == 1
    assert [c.deadline for c in data["due_this_week"]] == [D(2025, 10, 10)]  # Thu 10-09 → Sun 10-12
    assert data["by_violation"][0][1] == 4 and data["by_violation"][0][0].startswith("PI-01")
    categories = dict(data["by_category"])
    assert categories[f"{ProductKind.APP.label}"] == 3
    assert categories[f"{ProductKind.TERMINAL.label} · {TerminalCategory.DOOR_LOCK.label}"] == 1


@pytest.mark.django_db
def test_dashboard_page_draws_charts_from_static_assets(client, reviewer, campaign):
    client.force_login(reviewer)
    with freeze_time("2025-10-09 10:00:00+08:00"):
        page = client.get(reverse("dashboard:campaign", args=[campaign.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "/static/vendor/chartjs/chart.umd.min.js" in body and "/static/cases/dashboard.js" in body
    assert "cdn" not in body.lower() and "https://" not in body
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    assert set(charts) == {"by_state", "by_violation", "by_category", "by_month", "overdue"}
    assert charts["overdue"]["values"] == [1, 1]
    assert finders.find("vendor/chartjs/chart.umd.min.js") and finders.find("cases/dashboard.js")
    # The leads from complaints (issue 16) are one click away.
    assert f'href="{reverse("complaints:dashboard")}"' in body


@pytest.mark.django_db
def test_dashboard_defaults_to_the_latest_campaign_and_404s_unknown_ones(client, reviewer, campaign):
    client.force_login(reviewer)
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert client.get(reverse("dashboard:campaign", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_dashboard_without_campaigns(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("dashboard:index"))
    assert page.status_code == 200 and page.context["campaign"] is None


def counted_from_cases(campaign, today) -> dict:
    """The dashboard's figures counted from the cases, as the dashboard did before it read maintained
    figures (the reference the maintained ones must equal)."""
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    cases = Case.objects.filter(campaign=campaign)
    status_counts = dict(cases.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    violation_rows = (
        cases.filter(findings__status=FindingStatus.CONFIRMED)
        .values("findings__violation_type__code", "findings__violation_type__name_zh")
        .annotate(n=Count("id", distinct=True))
        .order_by("-n", "findings__violation_type__code")
    )
    kinds, categories = dict(ProductKind.choices), dict(TerminalCategory.choices)
    category_rows = (
        cases.values("product__kind", "product__terminal_category")
        .annotate(n=Count("id"))
        .order_by("-n", "product__kind", "product__terminal_category")
    )
    due = cases.filter(status__in=CLOCK_RUNNING, deadline__gte=today, deadline__lte=week_end).exclude(status=S.OVERDUE)
    return {
        "by_state": [(label, status_counts.get(value, 0)) for value, label in S.choices],
        "by_violation": [
            (f"{r['findings__violation_type__code']} {r['findings__violation_type__name_zh']}", r["n"])
            for r in violation_rows
        ],
        "by_category": [
            (
                f"{kinds.get(r['product__kind'])}"
                + (f" · {categories[r['product__terminal_category']]}" if r["product__terminal_category"] else ""),
                r["n"],
            )
            for r in category_rows
        ],
        "overdue_count": cases.overdue(today).count(),
        "due_count": due.count(),
    }


def shown(data: dict) -> dict:
    return {key: [(str(label), n) for label, n in data[key]] for key in ("by_state", "by_violation", "by_category")} | {
        "overdue_count": data["overdue_count"],
        "due_count": data["due_count"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("today", [D(2025, 9, 1), D(2025, 10, 9), D(2025, 10, 13), D(2026, 1, 5)])
def test_the_demo_shows_the_same_figures_as_counting_its_cases(today):
    call_command("load_demo", stdout=io.StringIO())
    campaign = Campaign.objects.get()
    expected = counted_from_cases(campaign, today)
    assert expected["by_violation"] and sum(n for _, n in expected["by_state"]) > 5
    assert shown(campaign_dashboard(campaign=campaign, today=today)) == shown(expected)


@pytest.mark.django_db
def test_the_lists_are_short_and_the_counts_whole(campaign, monkeypatch):
    for _ in range(3):
        served_case(campaign=campaign, deadline=D(2025, 10, 1))
    monkeypatch.setattr(selectors, "LIST_LIMIT", 2)
    data = campaign_dashboard(campaign=campaign, today=D(2025, 10, 9))
    assert data["overdue_count"] == 4 and len(data["overdue"]) == 2
    assert [c.deadline for c in data["overdue"]] == [D(2025, 10, 1), D(2025, 10, 1)]  # the most overdue first


@pytest.mark.django_db
def test_the_dashboard_page_reads_a_fixed_number_of_queries(client, reviewer, campaign):
    for _ in range(3):
        served_case(campaign=campaign)
    client.force_login(reviewer)
    url = reverse("dashboard:campaign", args=[campaign.pk])
    client.get(url)  # warm the session and the calendar
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    for _ in range(20):
        served_case(campaign=campaign)
    with CaptureQueriesContext(connection) as second:
        page = client.get(url)
    assert len(second) == len(first) <= 12, [q["sql"] for q in second.captured_queries]
    assert page.context["data"]["total"] == 27
    assert not any('FROM "cases_finding"' in q["sql"] for q in second.captured_queries)


@pytest.mark.django_db
def test_the_campaign_buttons_show_each_campaigns_cases(client, reviewer, campaign):
    client.force_login(reviewer)
    page = client.get(reverse("dashboard:campaign", args=[campaign.pk]))
    totals = {c.pk: n for c, n in page.context["campaigns"]}
    assert totals[campaign.pk] == 4 and sorted(totals.values()) == [1, 4]


def test_the_month_trend_shows_every_month_between_the_first_and_the_last():
    assert selectors._months({"2025-11": 2, "2026-02": 1}) == [
        ("2025-11", 2),
        ("2025-12", 0),
        ("2026-01", 0),
        ("2026-02", 1),
    ]
    assert selectors._months({}) == []
