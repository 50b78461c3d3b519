"""The home page: each role's own work, with counts and one-click links (issue 15), in both languages,
with a fixed number of queries (issue 14: the page must not grow with the database)."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from accounts.roles import Role
from cases.home import selectors
from tests import factories

from .world import bare_case, draft_notice, work_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


@pytest.fixture
def frozen():
    with freeze_time("2025-09-30 02:00:00"):  # 10:00 in Beijing
        yield


@pytest.fixture
def world(reviewer, inspector):
    return work_world(reviewer=reviewer, inspector=inspector)


def _work(response) -> dict:
    return {w.key: w for w in response.context["work"]}


def test_reviewer_home_links_each_report_and_request_to_its_decision_page(client, world):
    client.force_login(world["reviewer"])
    response = client.get("/", **ZH)
    assert response.status_code == 200
    work = _work(response)
    assert set(work) == {
        "candidates",
        "openable",
        "awaiting_order",
        "approve",
        "publish",
        "responses",
        "extensions",
        "verifying",
        "ready_for_naming",
    }
    assert work["responses"].count == 1
    assert work["responses"].items[0].url == reverse("decisions:response", args=[world["response"].pk])
    assert work["extensions"].count == 1
    assert work["extensions"].items[0].url == reverse("decisions:extension", args=[world["extension"].pk])
    # The inspector's draft waits for the reviewer's approval (four eyes).
    assert work["approve"].count == 1
    assert work["approve"].items[0].url == reverse("notices:regulator-detail", args=[world["draft"].pk])
    assert work["awaiting_order"].count == 1  # the drafted case is on its way already
    assert work["awaiting_order"].items[0].url == reverse("case-detail", args=[world["awaiting_order"].pk])
    assert work["ready_for_naming"].count == 1
    html = response.content.decode()
    assert "我的工作" in html and "待审核的整改报告" in html and "待审批的延期申请" in html
    assert f'href="{reverse("decisions:response", args=[world["response"].pk])}"' in html
    assert f'href="{reverse("decisions:extension", args=[world["extension"].pk])}"' in html


def test_inspector_home_lists_findings_cases_to_order_and_own_drafts(client, world):
    client.force_login(world["inspector"])
    response = client.get("/", **EN)
    work = _work(response)
    assert set(work) == {"candidates", "openable", "awaiting_order", "my_drafts", "ready_for_naming"}
    assert work["my_drafts"].count == 1  # their own draft waits for someone else
    assert work["openable"].items[0].url.endswith(f"#finding-{world['openable'].pk}")
    assert work["candidates"].count == 2  # served_case leaves one candidate on each case
    html = response.content.decode()
    assert "My work" in html and "Your drafts waiting for a second person" in html
    assert "Log an inspection" in html


def test_admin_home_shows_the_calendar_health(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get("/", **EN)
    assert response.context["calendar"]["known_until"] is not None
    assert 'data-testid="tile-calendar"' in response.content.decode()
    assert {"approve", "responses", "extensions"} <= set(_work(response))


def test_nothing_waiting_says_so(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/", **ZH)
    assert response.context["waiting"] == 0
    assert "暂无待办事项" in response.content.decode()


def test_vendor_users_are_sent_to_their_portal(client, vendor_user):
    client.force_login(vendor_user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


@pytest.mark.parametrize(
    ("role", "queries"),
    # session, user, then the work: one list query per kind of work and one query for all counts;
    # the admin's calendar: 1 more; the calendar banner of admins and reviewers: 1.
    [(Role.REVIEWER, 2 + 9 + 1 + 1), (Role.INSPECTOR, 2 + 5 + 1), (Role.ADMIN, 2 + 9 + 1 + 1 + 1)],
)
def test_home_query_count_is_fixed_whatever_the_data(client, world, role, queries, django_assert_num_queries):
    user = factories.UserFactory(role=role)
    client.force_login(user)
    with django_assert_num_queries(queries):
        assert client.get("/").status_code == 200
    work_world(reviewer=world["reviewer"], inspector=world["inspector"], vendor_username="v2")  # twice the work
    for _ in range(3):
        draft_notice(actor=world["inspector"], case=bare_case())
    with django_assert_num_queries(queries):
        response = client.get("/")
    assert all(len(w.items) <= selectors.LIST_LIMIT for w in response.context["work"])


def test_menu_offers_decisions_and_dashboard_to_regulators(client, reviewer, inspector):
    for user in (reviewer, inspector):
        client.force_login(user)
        html = client.get("/", **EN).content.decode()
        assert f'href="{reverse("decisions:queue")}"' in html
        assert f'href="{reverse("dashboard:index")}"' in html


def test_login_page_links_the_claim_page(client):
    html = client.get(reverse("login"), **ZH).content.decode()
    assert f'href="{reverse("portal:claim")}"' in html
    assert "使用通知上印制的访问码认领案件" in html


def test_counts_stop_at_the_cap(client, world, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 1)
    client.force_login(world["reviewer"])
    response = client.get("/", **EN)
    candidates = _work(response)["candidates"]
    assert candidates.count == 2 and candidates.capped  # counted up to the cap + 1, no further
    assert "1+" in response.content.decode()
