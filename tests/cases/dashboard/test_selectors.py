import datetime
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from freezegun import freeze_time

from cases.dashboard.selectors import campaign_dashboard
from cases.models import CaseStatus
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
    type(late).objects.filter(pk=late.pk).update(status=S.OVERDUE)
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
    assert set(charts) == {"by_state", "by_violation", "by_category", "overdue"}
    assert charts["overdue"]["values"] == [1, 1]
    assert finders.find("vendor/chartjs/chart.umd.min.js") and finders.find("cases/dashboard.js")


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
