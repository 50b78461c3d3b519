"""The complaints API: the regulators' collection and moves, the import, and the public door."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.roles import Role
from complaints.models import Complaint
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_public_submit_and_status_carry_no_contact():
    response = _client().post(
        "/api/v1/public/complaints/",
        {"subject_name": "晴空天气", "text": "强制索取通讯录", "contact_email": "me@mail.test"},
        format="json",
    )
    assert response.status_code == 201
    token = response.data["status_token"]
    status = _client().get(f"/api/v1/public/complaints/status/{token}/")
    assert status.status_code == 200 and status.data["status"] == "received"
    assert "contact_email" not in status.data and "me@mail.test" not in str(status.data)
    assert _client().get("/api/v1/public/complaints/status/wrong/").status_code == 404


def test_public_submit_is_throttled(settings):
    settings.COMPLAINT_SUBMIT_RATE = "1/hour"
    body = {"subject_name": "晴空天气", "text": "强制索取通讯录"}
    assert _client().post("/api/v1/public/complaints/", body, format="json").status_code == 201
    refused = _client().post("/api/v1/public/complaints/", body, format="json")
    assert refused.status_code == 429 and refused.data["error"]["code"] == "throttled"
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 401), (Role.VENDOR, 403), (Role.REVIEWER, 200), (Role.INSPECTOR, 200)]
)
def test_only_regulators_list_complaints(role, expected):
    factories.ComplaintFactory()
    user = None if role is None else factories.UserFactory(role=role)
    response = _client(user).get("/api/v1/complaints/")
    assert response.status_code == expected
    if expected == 200:
        assert response.data["results"][0]["contact_email"].startswith("complainant")


def test_list_pins_its_query_count(django_assert_num_queries):
    client = _client(factories.UserFactory(role=Role.REVIEWER))
    for _ in range(3):
        factories.ComplaintFactory(product=factories.ProductFactory())
    with django_assert_num_queries(3):  # count, page, attachments
        assert client.get("/api/v1/complaints/").status_code == 200
    for _ in range(4):
        factories.ComplaintFactory(vendor=factories.VendorFactory())
    with django_assert_num_queries(3):
        assert client.get("/api/v1/complaints/?status=received").status_code == 200


def test_moves_through_the_api():
    inspector = factories.UserFactory(role=Role.INSPECTOR)
    client = _client(inspector)
    version = factories.ProductVersionFactory()
    complaint = factories.ComplaintFactory()
    other = factories.ComplaintFactory()
    response = client.post(f"/api/v1/complaints/{complaint.pk}/match/", {"product": version.product.pk}, format="json")
    assert response.status_code == 200 and response.data["status"] == "matched"
    response = client.post(
        f"/api/v1/complaints/{complaint.pk}/open-inspection/",
        {
            "product_version": version.pk,
            "campaign": factories.CampaignFactory().pk,
            "agency": factories.TestingAgencyFactory().pk,
            "date": "2025-09-20",
            "method": "manual",
        },
        format="json",
    )
    assert response.status_code == 200 and response.data["inspection"]
    refused = client.post(f"/api/v1/complaints/{complaint.pk}/dismiss/", {"reason": "重复"}, format="json")
    assert refused.status_code == 409 and refused.data["error"]["code"] == "complaint_transition_not_allowed"
    merged = client.post(f"/api/v1/complaints/{other.pk}/merge/", {"into": complaint.pk}, format="json")
    assert merged.status_code == 200 and merged.data["merged_into"] == complaint.pk


def test_import_through_the_api():
    from pathlib import Path

    client = _client(factories.UserFactory(role=Role.INSPECTOR))
    with open(Path(__file__).parent / "data" / "heimao_export.csv", "rb") as export:
        response = client.post("/api/v1/complaint-imports/", {"file": export}, format="multipart")
    assert response.status_code == 201
    assert (response.data["rows_imported"], response.data["rows_refused"]) == (4, 5)
    assert _client(factories.VendorUserFactory()).post("/api/v1/complaint-imports/", {}).status_code == 403
