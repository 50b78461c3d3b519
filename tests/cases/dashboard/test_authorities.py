"""The dashboard by authority (ARCHITECTURE.md §15): the figures kept per authority, the national
drill-down by authority and region (every chart follows it, from the figures), and a province's own
dashboard."""

import datetime
import json
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from freezegun import freeze_time

from accounts.models import Authority
from accounts.roles import Role
from cases import services, transfers, workflow
from cases.dashboard import figures, selectors
from cases.dashboard.selectors import campaign_dashboard, dashboard_scope
from cases.models import CLOCK_RUNNING, Case, CaseStatus, Finding, FindingStatus, ViolationType
from products.models import ProductKind, TerminalCategory
from tests import factories
from tests.cases.served import served_case

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world():
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    bj = factories.UserFactory(role=Role.REVIEWER, authority=beijing)
    gd = factories.UserFactory(role=Role.REVIEWER, authority=guangdong)
    campaign = factories.CampaignFactory()
    campaign.participants.add(beijing, guangdong)
    bj_cases = [served_case(campaign=campaign, actor=bj) for _ in range(2)]
    workflow.mark_overdue_case(case=bj_cases[0])
    gd_case = served_case(campaign=campaign, actor=gd)
    ministry_case = served_case(campaign=campaign)
    return locals()


def _confirm(actor, case, code):
    """A confirmed finding of ``code`` in ``case`` (a candidate merged into it, then confirmed)."""
    candidate = factories.FindingFactory(
        inspection=case.findings.first().inspection, violation_type=ViolationType.objects.get(code=code), case=case
    )
    services.finding_confirm(actor=actor, finding=candidate, reason="复核")


@pytest.fixture
def spread(world):
    """``world`` and more: a second province of the 中南 region (Hunan, 43), products of other kinds
    and categories, other violation types, a clock past its deadline not yet marked, one due this
    week; cases in another campaign."""
    hunan = factories.province("430000")
    hn = factories.UserFactory(role=Role.REVIEWER, authority=hunan)
    world["campaign"].participants.add(hunan)
    lock = factories.ProductFactory(kind=ProductKind.TERMINAL, terminal_category=TerminalCategory.DOOR_LOCK)
    sdk = factories.ProductFactory(kind=ProductKind.SDK)
    hn_cases = [
        served_case(campaign=world["campaign"], actor=hn, version=factories.ProductVersionFactory(product=lock)),
        served_case(campaign=world["campaign"], actor=hn, deadline=D(2025, 10, 1)),  # late, not yet marked
    ]
    gd_sdk = served_case(
        campaign=world["campaign"], actor=world["gd"], version=factories.ProductVersionFactory(product=sdk)
    )
    _confirm(world["gd"], gd_sdk, "PI-02")
    _confirm(hn, hn_cases[0], "PI-03")
    _confirm(world["bj"], world["bj_cases"][1], "PI-02")
    served_case(actor=world["gd"])  # another campaign, Guangdong's
    served_case(campaign=world["campaign"], actor=world["bj"], served_on=None)  # open, no clock
    return {**world, "hunan": hunan, "hn": hn, "hn_cases": hn_cases, "gd_sdk": gd_sdk}


TODAY = D(2025, 10, 9)


def recounted(campaign, authority_ids, today=TODAY) -> dict:
    """What every chart of the dashboard should show for ``authority_ids``, counted from the cases."""
    cases = Case.objects.filter(campaign=campaign, authority_id__in=authority_ids)
    kinds, categories = dict(ProductKind.choices), dict(TerminalCategory.choices)
    week_end = today + datetime.timedelta(days=6 - today.weekday())
    violations = Counter(
        code
        for _case, code in Finding.objects.filter(case__in=cases, status=FindingStatus.CONFIRMED)
        .values_list("case_id", "violation_type__code")
        .distinct()
    )
    return {
        "total": cases.count(),
        "states": {str(CaseStatus(s).label): n for s, n in Counter(cases.values_list("status", flat=True)).items()},
        "violations": dict(violations),
        "categories": dict(
            Counter(
                selectors._category_label(figures.kind_key(k, c), kinds, categories)
                for k, c in cases.values_list("product__kind", "product__terminal_category")
            )
        ),
        "months": dict(Counter(figures.month_key(t) for t in cases.values_list("created_at", flat=True))),
        "overdue": cases.overdue(today).count(),
        "due": cases.filter(status__in=CLOCK_RUNNING - {CaseStatus.OVERDUE}, deadline__range=(today, week_end)).count(),
        "campaign total": cases.count(),
    }


def shown(data, campaign) -> dict:
    """Every chart of a ``campaign_dashboard``, shaped like ``recounted`` (zero counts left out)."""
    return {
        "total": data["total"],
        "states": {str(label): n for label, n in data["by_state"] if n},
        "violations": {label.split(" ")[0]: n for label, n in data["by_violation"] if n},
        "categories": {str(label): n for label, n in data["by_category"] if n},
        "months": {month: n for month, n in data["by_month"] if n},
        "overdue": data["overdue_count"],
        "due": data["due_count"],
        "campaign total": data["campaign_totals"].get(campaign.pk, 0),
    }


def drilled(campaign, actor, **query) -> dict:
    scope = dashboard_scope(actor=actor, authority=query.get("authority"), region=query.get("region"))
    data = campaign_dashboard(campaign=campaign, today=TODAY, scope=scope)
    return {**shown(data, campaign), "ids": scope.authority_ids}


def test_every_chart_follows_the_drill_down_to_an_authority_or_a_region(spread):
    campaign, national = spread["campaign"], factories.UserFactory(role=Role.REVIEWER)
    beijing, guangdong, hunan = spread["beijing"], spread["guangdong"], spread["hunan"]
    ministry = Authority.objects.national()
    with translation.override("en"):
        cases = {
            "Beijing": (drilled(campaign, national, authority=str(beijing.pk)), [beijing.pk]),
            "Guangdong": (drilled(campaign, national, authority=str(guangdong.pk)), [guangdong.pk]),
            "the ministry": (drilled(campaign, national, authority=str(ministry.pk)), [ministry.pk]),
            "中南 (4)": (drilled(campaign, national, region="4"), [guangdong.pk, hunan.pk]),
            "华北 (1)": (drilled(campaign, national, region="1"), [beijing.pk]),
            "nationwide": (drilled(campaign, national), [beijing.pk, guangdong.pk, hunan.pk, ministry.pk]),
        }
        for name, (data, ids) in cases.items():
            expected = recounted(campaign, ids)
            assert {k: v for k, v in data.items() if k != "ids"} == expected, name
    # Not vacuous: the scopes differ, and each chart has something to compare.
    assert cases["中南 (4)"][0]["total"] == 4 and cases["Guangdong"][0]["total"] == 2
    assert cases["中南 (4)"][0]["violations"] == {"PI-01": 4, "PI-02": 1, "PI-03": 1}
    assert cases["中南 (4)"][0]["overdue"] == 1 and cases["Beijing"][0]["overdue"] == 1
    assert cases["nationwide"][0]["total"] == 8
    assert set(cases["中南 (4)"][0]["ids"]) >= {guangdong.pk, hunan.pk}
    assert Authority.objects.national().pk not in cases["华北 (1)"][0]["ids"]  # the ministry's 100000 is no province


def test_a_transfer_moves_every_figure_between_authorities(spread):
    campaign, national = spread["campaign"], factories.UserFactory(role=Role.REVIEWER)
    beijing, guangdong = spread["beijing"], spread["guangdong"]
    before = drilled(campaign, national, authority=str(guangdong.pk))
    transfers.case_transfer(case=spread["gd_sdk"], actor=spread["gd"], to_authority=beijing, reason="注册地在北京")
    assert figures.stored() == figures.recount()
    for ids, query in (
        ([beijing.pk], {"authority": str(beijing.pk)}),
        ([guangdong.pk], {"authority": str(guangdong.pk)}),
        ([guangdong.pk, spread["hunan"].pk], {"region": "4"}),
        ([beijing.pk], {"region": "1"}),
    ):
        data = drilled(campaign, national, **query)
        assert {k: v for k, v in data.items() if k != "ids"} == recounted(campaign, ids), query
    after = drilled(campaign, national, authority=str(guangdong.pk))
    assert after["total"] == before["total"] - 1
    assert "PI-02" in before["violations"] and "PI-02" not in after["violations"]
    assert drilled(campaign, national, authority=str(beijing.pk))["violations"]["PI-02"] == 2


def test_a_province_sees_only_its_own_figures_whatever_it_asks(client, spread):
    campaign, gd, guangdong = spread["campaign"], spread["gd"], spread["guangdong"]
    expected = recounted(campaign, [guangdong.pk])
    for query in (
        {"authority": str(spread["beijing"].pk)},
        {"region": "1"},
        {"authority": str(Authority.objects.national().pk), "region": "4"},
        {},
    ):
        assert {k: v for k, v in drilled(campaign, gd, **query).items() if k != "ids"} == expected, query
        client.force_login(gd)
        with freeze_time("2025-10-09 10:00:00+08:00"):
            page = client.get(reverse("dashboard:campaign", args=[campaign.pk]), query)
        body = page.content.decode()
        assert page.status_code == 200
        charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', body, re.S).group(1))
        assert sum(charts["by_state"]["values"]) == expected["total"] == 2
        assert dict(zip(charts["by_month"]["labels"], charts["by_month"]["values"], strict=True)) == expected["months"]
        assert charts["overdue"]["values"] == [expected["overdue"], expected["due"]]
        assert [r["authority"].pk for r in page.context["data"]["by_authority"]] == [guangdong.pk]
        assert {c.pk: n for c, n in page.context["campaigns"]}[campaign.pk] == 2
        assert 'data-testid="drill-down"' not in body
        assert "广东省通信管理局" in body and "北京市通信管理局" not in body and "湖南省通信管理局" not in body
        assert spread["bj_cases"][0].number not in body and spread["hn_cases"][1].number not in body


def test_the_page_says_what_it_shows_and_its_links_keep_the_drill_down(client, spread):
    campaign, guangdong = spread["campaign"], spread["guangdong"]
    factories.CampaignFactory()  # a second campaign: the campaign buttons show
    client.force_login(factories.UserFactory(role=Role.REVIEWER))
    url = reverse("dashboard:campaign", args=[campaign.pk])
    with freeze_time("2025-10-09 10:00:00+08:00"):
        nationwide = client.get(url)
        one = client.get(url, {"authority": guangdong.pk})
        region = client.get(url, {"region": "4"})
        unknown = client.get(url, {"authority": "999999", "region": "9"})
    body = nationwide.content.decode()
    assert re.search(r'data-testid="scope">全国<', body)
    assert 'data-testid="drill-down"' in body and f'<option value="{guangdong.pk}">广东省通信管理局</option>' in body
    assert f'href="?authority={guangdong.pk}"' in body and 'href="?region=4"' in body  # the tables drill down
    assert re.search(r'data-testid="scope">广东省通信管理局<', one.content.decode())
    assert f'<option value="{guangdong.pk}" selected>' in one.content.decode()
    assert f"authority={guangdong.pk}" in one.context["overdue_query"]
    assert f'{reverse("dashboard:campaign", args=[campaign.pk])}?authority={guangdong.pk}"' in one.content.decode()
    text = region.content.decode()
    assert re.search(r'data-testid="scope">中南大区<', text) and '<option value="4" selected>' in text
    assert "region=4" in region.context["overdue_query"] and "campaign=" in region.context["overdue_query"]
    assert f'{reverse("dashboard:campaign", args=[campaign.pk])}?region=4"' in text
    assert region.context["data"]["total"] == 4 and nationwide.context["data"]["total"] == 8
    assert unknown.context["scope"].authority_ids is None and unknown.context["data"]["total"] == 8


def test_the_case_list_keeps_the_dashboards_authority_or_region(client, spread):
    client.force_login(factories.UserFactory(role=Role.REVIEWER))
    campaign = spread["campaign"]
    with freeze_time("2025-10-09 10:00:00+08:00"):
        region = client.get(reverse("case-list"), {"campaign": campaign.pk, "overdue": "on", "region": "4"})
        query = {"campaign": campaign.pk, "overdue": "on", "authority": spread["beijing"].pk}
        one = client.get(reverse("case-list"), query)
    assert [c.pk for c in region.context["cases"]] == [spread["hn_cases"][1].pk]
    assert 'data-testid="region-chip"' in region.content.decode()
    assert [c.pk for c in one.context["cases"]] == [spread["bj_cases"][0].pk]
    assert 'data-testid="authority-chip"' in one.content.decode()


@pytest.mark.parametrize("query", ["authority", "region"])
def test_the_drilled_page_reads_a_fixed_number_of_queries(client, world, query):
    campaign, beijing = world["campaign"], world["beijing"]
    params = {"authority": beijing.pk} if query == "authority" else {"region": "1"}
    client.force_login(factories.UserFactory(role=Role.REVIEWER))
    url = reverse("dashboard:campaign", args=[campaign.pk])
    client.get(url, params)  # warm the session and the calendar
    with CaptureQueriesContext(connection) as first:
        assert client.get(url, params).status_code == 200
    for _ in range(5):
        served_case(campaign=campaign, actor=world["bj"])
        served_case(campaign=campaign, actor=world["gd"])
    with CaptureQueriesContext(connection) as second:
        page = client.get(url, params)
    assert len(second) == len(first) <= 13, [q["sql"] for q in second.captured_queries]
    assert page.context["data"]["total"] == 7
    assert not any('FROM "cases_finding"' in q["sql"] for q in second.captured_queries)
    assert not any("COUNT(" in q["sql"] and '"cases_case"' in q["sql"] for q in second.captured_queries)


def test_the_figures_count_cases_by_authority_and_follow_a_transfer(world):
    with translation.override("en"):
        data = campaign_dashboard(campaign=world["campaign"], today=D(2025, 10, 9))
    rows = {r["authority"].code: (r["total"], r["overdue"]) for r in data["by_authority"]}
    assert rows == {"100000": (1, 0), "110000": (2, 1), "440000": (1, 0)}
    regions = {r["region"]: r["total"] for r in data["by_region"]}
    assert regions == {"North China": 2, "Central and South": 1, "National": 1}

    transfers.case_transfer(
        case=world["bj_cases"][1], actor=world["bj"], to_authority=world["guangdong"], reason="注册地在广东"
    )
    assert figures.stored() == figures.recount()
    data = campaign_dashboard(campaign=world["campaign"], today=D(2025, 10, 9))
    rows = {r["authority"].code: r["total"] for r in data["by_authority"]}
    assert rows == {"100000": 1, "110000": 1, "440000": 2}


def test_the_drill_down_shows_one_authoritys_states_and_lists(world):
    data = campaign_dashboard(campaign=world["campaign"], today=D(2025, 10, 9), authority_id=world["beijing"].pk)
    assert data["total"] == 2 and data["overdue_count"] == 1
    assert [c.pk for c in data["overdue"]] == [world["bj_cases"][0].pk]
    assert {c.authority_id for c in data["due_this_week"]} <= {world["beijing"].pk}


def test_a_province_sees_its_own_dashboard_whatever_it_asks(client, world):
    client.force_login(world["gd"])
    url = reverse("dashboard:campaign", args=[world["campaign"].pk])
    page = client.get(url, {"authority": world["beijing"].pk})
    body = page.content.decode()
    assert page.status_code == 200
    assert world["bj_cases"][0].number not in body
    assert "广东省通信管理局" in body and "北京市通信管理局" not in body


def test_the_ministry_drills_down_by_authority(client, world):
    client.force_login(factories.UserFactory(role=Role.REVIEWER))
    url = reverse("dashboard:campaign", args=[world["campaign"].pk])
    body = client.get(url).content.decode()
    assert f"?authority={world['beijing'].pk}" in body and "北京市通信管理局" in body
    drilled = client.get(url, {"authority": world["beijing"].pk}).content.decode()
    assert world["bj_cases"][0].number in drilled and world["gd_case"].number not in drilled
