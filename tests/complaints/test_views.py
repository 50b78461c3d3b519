"""The complaint pages: the public form (no login, rate limit, size limit, clear errors), the status
link, and the regulators' list, triage page, import page and dashboard."""

import datetime
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.roles import Role
from complaints import services
from complaints.models import Complaint, ComplaintStatus
from tests import factories
from tests.cases.served import png

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
FORM = {
    "subject_name": "晴空天气",
    "subject_kind": "app",
    "text": "打开即索要通讯录权限",
    "contact_email": "me@mail.test",
    "contact_phone": "13900000000",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def inspector_client():
    client = Client()
    client.force_login(factories.UserFactory(role=Role.INSPECTOR))
    return client


def test_public_form_sends_a_complaint_and_gives_the_private_link(client):
    assert client.get("/complain/").status_code == 200
    response = client.post("/complain/", {**FORM, "files": [png()]})
    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.channel == "web" and complaint.attachments.count() == 1
    link = re.search(r'href="http://testserver(/complain/status/[^"]+/)"', response.content.decode()).group(1)
    status = client.get(link)
    assert status.status_code == 200 and status["Cache-Control"] == "private, no-store"
    body = status.content.decode()
    assert "晴空天气" in body and "me@mail.test" not in body and "13900000000" not in body


def test_public_form_errors_are_clear_and_store_nothing(client):
    response = client.post("/complain/", {**FORM, "text": "", "contact_email": "nope"})
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    response = client.post("/complain/", {**FORM, "files": [png() for _ in range(services.MAX_ATTACHMENTS + 1)]})
    assert response.status_code == 400 and "5" in response.content.decode()
    assert not Complaint.objects.exists()


def test_public_form_refuses_a_body_over_its_limit_before_reading_it(client):
    response = client.post(
        "/complain/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(services.form_body_limit() + 1),
    )
    assert response.status_code == 413


def test_public_form_rate_limit_counts_the_real_client_behind_the_proxy(client, settings):
    settings.COMPLAINT_SUBMIT_RATE = "2/hour"
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(2):
        assert client.post("/complain/", FORM, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 201
    refused = client.post("/complain/", FORM, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert refused.status_code == 429 and Complaint.objects.count() == 2
    # Another client behind the same proxy is not held back.
    assert client.post("/complain/", FORM, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 201


def test_an_unknown_status_token_is_not_found(client):
    assert client.get("/complain/status/not-a-token/").status_code == 404


def test_a_merged_complaint_shows_the_outcome_of_the_one_it_joined(client):
    reviewer = factories.UserFactory(role=Role.REVIEWER)
    complaint, token = services.complaint_submit(text="同上", subject_name="晴空天气")
    target = factories.ComplaintFactory()
    from complaints import workflow

    workflow.merge_complaint(complaint=complaint, actor=reviewer, into=target)
    workflow.dismiss_complaint(complaint=target, actor=reviewer, reason="已由其他部门处理")
    body = client.get(f"/complain/status/{token}/").content.decode()
    assert "已由其他部门处理" in body


def test_list_pins_its_query_count(inspector_client, django_assert_num_queries):
    for _ in range(3):
        factories.ComplaintFactory(product=factories.ProductFactory())
    inspector_client.get("/complaints/")  # warm the session
    with django_assert_num_queries(4):  # session, user, capped count, page (no per-row query)
        response = inspector_client.get("/complaints/?status=received")
    assert response.status_code == 200
    for _ in range(5):
        factories.ComplaintFactory(vendor=factories.VendorFactory())
    with django_assert_num_queries(4):
        assert inspector_client.get("/complaints/").status_code == 200


def test_triage_page_suggests_by_credit_code_package_and_name(inspector_client):
    version = factories.ProductVersionFactory(package_name="com.example.sunny")
    vendor = version.product.vendor
    complaint = factories.ComplaintFactory(
        subject_name=version.product.name, subject_package="com.example.sunny", subject_credit_code=vendor.credit_code
    )
    response = inspector_client.get(f"/complaints/{complaint.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert complaint.contact_email in body  # regulators see the contact
    suggestions = response.context["suggestions"]
    assert [s.why for s in suggestions][:2] == ["credit_code", "package"]
    assert suggestions[1].product == version.product


def test_the_walk_from_triage_to_inspection_on_the_pages(inspector_client):
    version = factories.ProductVersionFactory()
    complaint = factories.ComplaintFactory(subject_name=version.product.name)
    response = inspector_client.post(f"/complaints/{complaint.pk}/match/", {"product": version.product.pk})
    assert response.status_code == 302
    form = {
        "product_version": version.pk,
        "campaign": factories.CampaignFactory().pk,
        "agency": factories.TestingAgencyFactory().pk,
        "date": "2025-09-20",
        "method": "manual",
    }
    response = inspector_client.post(f"/complaints/{complaint.pk}/inspection/", form)
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INSPECTION and complaint.inspection.date == datetime.date(2025, 9, 20)
    # A second attempt is refused on the page with 409, never a 500.
    assert inspector_client.post(f"/complaints/{complaint.pk}/inspection/", form).status_code == 409


def test_dismiss_without_reason_shows_the_error(inspector_client):
    complaint = factories.ComplaintFactory()
    assert inspector_client.post(f"/complaints/{complaint.pk}/dismiss/", {"reason": ""}).status_code == 400
    assert inspector_client.post(f"/complaints/{complaint.pk}/merge/", {"into": complaint.pk}).status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == "received"


def test_import_page_reports_rows_and_refusals(inspector_client):
    with open(DATA / "heimao_export.xlsx", "rb") as export:
        response = inspector_client.post("/complaints/import/", {"file": export, "mapping": ""})
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.rows_total, result.rows_imported, result.rows_refused) == (9, 4, 5)
    assert inspector_client.post("/complaints/import/", {"file": png()}).status_code == 400


def test_dashboard_counts_leads_and_lists_subjects_without_inspection(inspector_client, django_assert_num_queries):
    product = factories.ProductFactory()
    inspected = factories.ProductFactory()
    factories.InspectionFactory(product_version=factories.ProductVersionFactory(product=inspected))
    for _ in range(3):
        factories.ComplaintFactory(product=product, vendor=product.vendor, status="matched")
        factories.ComplaintFactory(product=inspected, vendor=inspected.vendor, status="matched")
    factories.ComplaintFactory(channel="heimao")
    inspector_client.get("/complaints/dashboard/")
    # Session, user, the figures, the two subject lists, the products' names (no vendor listed: no query).
    with django_assert_num_queries(6):
        response = inspector_client.get("/complaints/dashboard/")
    assert response.status_code == 200
    subjects = response.context["subjects"]
    assert [(row["kind"], row["subject"], row["n"]) for row in subjects] == [("product", product, 3)]
    by_channel = {row["key"]: row["total"] for row in response.context["by_channel"]}
    assert by_channel == {"web": 6, "heimao": 1}


@pytest.mark.parametrize("role", [Role.VENDOR])
def test_vendors_reach_no_complaint_page(role):
    client = Client()
    client.force_login(factories.VendorUserFactory())
    complaint = factories.ComplaintFactory()
    for path in ["/complaints/", f"/complaints/{complaint.pk}/", "/complaints/dashboard/", "/complaints/import/"]:
        assert client.get(path).status_code == 403


def test_a_regulator_records_an_emailed_complaint_and_gets_its_link_once(inspector_client):
    response = inspector_client.post(
        "/complaints/new/",
        {**FORM, "channel": "email", "received_on": "2025-09-12"},
        follow=True,
    )
    complaint = Complaint.objects.get()
    assert complaint.channel == "email" and complaint.received_on == datetime.date(2025, 9, 12)
    assert complaint.events.get().actor is not None
    assert "/complain/status/" in response.content.decode()
    assert inspector_client.post("/complaints/new/", {**FORM, "channel": "web", "received_on": "x"}).status_code == 400
