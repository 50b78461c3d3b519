"""Read-only reference data over the API: campaigns, testing agencies, violation types."""

import pytest

from cases.models import ViolationType
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_reviewer(api_client, reviewer):
    api_client.force_authenticate(reviewer)
    return api_client


def test_campaigns_list_with_case_counts(as_reviewer, case_factory):
    campaign = factories.CampaignFactory(name="2025年专项行动", deadline_working_days=10)
    other = factories.CampaignFactory()
    case_factory.create_batch(2, campaign=campaign)
    body = as_reviewer.get("/api/v1/campaigns/").json()
    assert body["count"] == 2
    assert {r["id"]: r["case_count"] for r in body["results"]} == {campaign.pk: 2, other.pk: 0}
    detail = as_reviewer.get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert (detail["name"], detail["deadline_working_days"], detail["case_count"]) == ("2025年专项行动", 10, 2)


def test_testing_agencies(as_reviewer):
    agency = factories.TestingAgencyFactory(name="中国信通院", name_en="CAICT")
    body = as_reviewer.get("/api/v1/testing-agencies/").json()
    assert body["results"] == [{"id": agency.pk, "name": "中国信通院", "name_en": "CAICT"}]


def test_violation_types_come_from_the_seed(as_reviewer):
    body = as_reviewer.get("/api/v1/violation-types/", {"page_size": 100}).json()
    assert body["count"] == ViolationType.objects.count() > 10
    codes = [r["code"] for r in body["results"]]
    assert codes == sorted(codes)
    first = next(r for r in body["results"] if r["code"] == "PI-01")
    assert first["name_zh"] == "违规收集个人信息"
    assert "PIPL" in first["legal_basis"]


def test_violation_types_filters(as_reviewer):
    ViolationType.objects.filter(code="PI-02").update(active=False)
    inactive = as_reviewer.get("/api/v1/violation-types/", {"active": "false"}).json()
    assert [r["code"] for r in inactive["results"]] == ["PI-02"]
    terminal = as_reviewer.get("/api/v1/violation-types/", {"applies_to": "terminal", "page_size": 100}).json()
    assert terminal["count"] == ViolationType.objects.filter(applies_to__contains="terminal").count()
    bad = as_reviewer.get("/api/v1/violation-types/", {"applies_to": "fridge"})
    assert bad.status_code == 400
    assert [e["code"] for e in bad.json()["error"]["details"]["applies_to"]] == ["invalid_choice"]


@pytest.mark.parametrize(
    "url", ["/api/v1/campaigns/", "/api/v1/testing-agencies/", "/api/v1/violation-types/", "/api/v1/violation-types/1/"]
)
def test_vendor_users_get_403(api_client, vendor_user, url):
    api_client.force_authenticate(vendor_user)
    response = api_client.get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_reference_data_is_read_only_here(as_reviewer, api_client, admin_user):
    api_client.force_authenticate(admin_user)
    response = api_client.post("/api/v1/campaigns/", {"name": "x", "start_date": "2025-01-01"}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
