"""REST API for inspections and findings: logging, manual findings with evidence, decisions."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.error_codes import NOT_FOUND, REASON_REQUIRED
from cases.error_codes import (
    DOES_NOT_EXIST,
    FILE_TOO_LARGE,
    FILE_TYPE_REFUSED,
    FINDING_ALREADY_DECIDED,
    RETEST_OTHER_PRODUCT,
)
from cases.models import Evidence, Finding, FindingStatus, Inspection
from tests import factories

pytestmark = pytest.mark.django_db

INSPECTIONS = "/api/v1/inspections/"
FINDINGS = "/api/v1/findings/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def as_inspector(api_client, inspector):
    api_client.force_authenticate(inspector)
    return api_client


@pytest.fixture
def as_reviewer(api_client, reviewer):
    api_client.force_authenticate(reviewer)
    return api_client


def png(name="screen.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# Inspections


def test_inspection_create_list_retrieve(as_inspector, inspector, version_factory):
    campaign = factories.CampaignFactory()
    version = version_factory()
    agency = factories.TestingAgencyFactory()
    response = as_inspector.post(
        INSPECTIONS,
        {
            "campaign": campaign.pk,
            "product_version": version.pk,
            "agency": agency.pk,
            "date": "2025-09-20",
            "method": "dynamic",
            "notes": "启动即弹窗",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    inspection = Inspection.objects.get(pk=body["id"])
    assert inspection.created_by == inspector
    assert body["campaign"] == {"id": campaign.pk, "name": campaign.name}
    assert body["product"]["id"] == version.product_id
    assert body["vendor"]["id"] == version.product.vendor_id
    assert body["created_by"] == "inspector1"

    listed = as_inspector.get(INSPECTIONS, {"campaign": campaign.pk}).json()
    assert [r["id"] for r in listed["results"]] == [inspection.pk]
    assert as_inspector.get(f"{INSPECTIONS}{inspection.pk}/").json()["method"] == "dynamic"


def test_inspection_filters(as_inspector, inspection_factory):
    early = inspection_factory(date=datetime.date(2025, 3, 1))
    late = inspection_factory(date=datetime.date(2025, 9, 1), method="static")
    dated = as_inspector.get(INSPECTIONS, {"date_after": "2025-06-01"}).json()
    assert [r["id"] for r in dated["results"]] == [late.pk]
    assert [r["id"] for r in as_inspector.get(INSPECTIONS, {"method": "manual"}).json()["results"]] == [early.pk]
    vendor = early.product_version.product.vendor_id
    assert [r["id"] for r in as_inspector.get(INSPECTIONS, {"vendor": vendor}).json()["results"]] == [early.pk]


def test_retest_of_another_product_is_refused(as_inspector, inspection_factory, version_factory):
    first = inspection_factory()
    response = as_inspector.post(
        INSPECTIONS,
        {
            "campaign": first.campaign_id,
            "product_version": version_factory().pk,
            "agency": first.agency_id,
            "date": "2025-10-20",
            "method": "manual",
            "retest_of": first.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == RETEST_OTHER_PRODUCT


def test_inspection_create_reports_every_bad_field(as_inspector):
    response = as_inspector.post(INSPECTIONS, {"campaign": 999999, "date": "yesterday", "method": "x"}, format="json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details["campaign"][0]["code"] == DOES_NOT_EXIST
    assert details["date"][0]["code"] == "invalid"
    assert details["method"][0]["code"] == "invalid_choice"
    assert details["agency"][0]["code"] == "required"


def test_reviewers_cannot_log_inspections(as_reviewer):
    assert as_reviewer.get(INSPECTIONS).status_code == 200
    assert as_reviewer.post(INSPECTIONS, {}, format="json").status_code == 403


def test_vendor_users_get_403_on_inspections_and_findings(api_client, vendor_user, finding_factory):
    finding = finding_factory()
    api_client.force_authenticate(vendor_user)
    for url in [INSPECTIONS, f"{INSPECTIONS}{finding.inspection_id}/", FINDINGS, f"{FINDINGS}{finding.pk}/"]:
        assert api_client.get(url).status_code == 403, url
    assert api_client.post(f"{FINDINGS}{finding.pk}/confirm/").status_code == 403


# Manual findings with evidence


def test_manual_finding_with_evidence_files(as_inspector, inspector, inspection_factory):
    inspection = inspection_factory()
    note = SimpleUploadedFile("steps.txt", "1. 打开应用\n2. 未同意即上传IMEI\n".encode(), content_type="text/plain")
    response = as_inspector.post(
        FINDINGS,
        {
            "inspection": inspection.pk,
            "violation_type": "PI-01",
            "title": "启动即收集IMEI",
            "description": "未经同意",
            "files": [png(), note],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "candidate"
    assert body["source"] == "manual"
    assert body["violation_type"]["code"] == "PI-01"
    assert sorted((e["original_name"], e["content_type"]) for e in body["evidence_files"]) == [
        ("screen.png", "image/png"),
        ("steps.txt", "text/plain"),
    ]
    stored = Evidence.objects.filter(finding_id=body["id"])
    assert stored.count() == 2
    # Stored under a server-chosen name, never the uploader's.
    assert all("screen" not in e.file.name and "steps" not in e.file.name for e in stored)
    assert all(e.uploaded_by == inspector for e in stored)


def test_manual_finding_without_files_as_json(as_inspector, inspection_factory):
    inspection = inspection_factory()
    response = as_inspector.post(
        FINDINGS, {"inspection": inspection.pk, "violation_type": "PI-02", "title": "超范围"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["evidence_files"] == []


def test_refused_evidence_type_keeps_nothing(as_inspector, inspection_factory):
    inspection = inspection_factory()
    exe = SimpleUploadedFile("tool.png", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/png")
    response = as_inspector.post(
        FINDINGS,
        {"inspection": inspection.pk, "violation_type": "PI-01", "title": "x", "files": [png(), exe]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == FILE_TYPE_REFUSED
    assert not Finding.objects.exists()
    assert not Evidence.objects.exists()


def test_oversize_evidence_is_413(as_inspector, inspection_factory, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("log.txt", b"a" * (1024 * 1024 + 1), content_type="text/plain")
    response = as_inspector.post(
        FINDINGS,
        {"inspection": inspection_factory().pk, "violation_type": "PI-01", "title": "x", "files": [big]},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == FILE_TOO_LARGE
    assert not Finding.objects.exists()


def test_oversize_form_data_is_413(as_inspector, inspection_factory, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = as_inspector.post(
        FINDINGS,
        {"inspection": inspection_factory().pk, "violation_type": "PI-01", "title": "x", "description": "长" * 2000},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_finding_on_an_unknown_inspection_or_type_is_a_field_error(as_inspector):
    response = as_inspector.post(
        FINDINGS, {"inspection": 999999, "violation_type": "XX-99", "title": "x"}, format="multipart"
    )
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details["inspection"][0]["code"] == DOES_NOT_EXIST
    assert details["violation_type"][0]["code"] == DOES_NOT_EXIST


# Decisions


def test_confirm_then_confirm_again_is_409(as_reviewer, reviewer, finding_factory):
    finding = finding_factory()
    response = as_reviewer.post(f"{FINDINGS}{finding.pk}/confirm/", {"reason": "证据充分"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["decided_by"], body["decision_reason"]) == ("confirmed", "reviewer1", "证据充分")
    again = as_reviewer.post(f"{FINDINGS}{finding.pk}/confirm/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == FINDING_ALREADY_DECIDED


def test_dismiss_needs_a_reason(as_reviewer, finding_factory):
    finding = finding_factory()
    response = as_reviewer.post(f"{FINDINGS}{finding.pk}/dismiss/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == REASON_REQUIRED
    response = as_reviewer.post(f"{FINDINGS}{finding.pk}/dismiss/", {"reason": "误报"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED


def test_decide_on_a_missing_finding_is_404(as_reviewer):
    response = as_reviewer.post(f"{FINDINGS}999999/confirm/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == NOT_FOUND


def test_finding_filters(as_reviewer, finding_factory):
    confirmed = finding_factory(status=FindingStatus.CONFIRMED)
    candidate = finding_factory()
    dismissed = finding_factory(status=FindingStatus.DISMISSED)

    def ids(**params):
        return sorted(r["id"] for r in as_reviewer.get(FINDINGS, params).json()["results"])

    assert ids(status="confirmed") == [confirmed.pk]
    assert ids(status=["candidate", "dismissed"]) == sorted([candidate.pk, dismissed.pk])
    assert ids(inspection=candidate.inspection_id) == [candidate.pk]
    assert ids(violation_type="PI-01") == sorted([confirmed.pk, candidate.pk, dismissed.pk])
    assert ids(in_case="true") == []
    assert ids(in_case="false") == sorted([confirmed.pk, candidate.pk, dismissed.pk])


# Query counts


@pytest.fixture
def many_findings(db):
    """105 inspections over a few versions, and 105 findings over them, with shared related rows."""
    campaign, agency, user = factories.CampaignFactory(), factories.TestingAgencyFactory(), factories.UserFactory()
    versions = [factories.ProductVersionFactory() for _ in range(6)]
    inspections = [
        factories.InspectionFactory(campaign=campaign, agency=agency, created_by=user, product_version=versions[i % 6])
        for i in range(105)
    ]
    for i in range(105):
        factories.FindingFactory(inspection=inspections[i], decided_by=user)


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # The page's rows with their joins, and the capped total.
        (INSPECTIONS, 2),
        # The findings, their inspections with version, product and vendor (a second query: one
        # query over nine tables is slow to plan), and the capped total.
        (FINDINGS, 3),
    ],
)
@pytest.mark.parametrize("page_size", [10, 100])
def test_list_query_count_does_not_grow_with_the_page(
    as_reviewer, many_findings, django_assert_num_queries, url, queries, page_size
):
    with django_assert_num_queries(queries):
        response = as_reviewer.get(url, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size
