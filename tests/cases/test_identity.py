"""The right product and the codes that apply (``cases.identity``), through the ingest, the API and the pages.

A MobSF report of app A (tests/cases/scanners/fixtures/identity_mobsf_app_a.json) uploaded to an
inspection of app B keeps its job and candidates, but they carry a warning and confirming one needs
the inspector's acknowledgement; a Zeek log that does not show the device the inspection names is
flagged the same way. Codes whose ``applies_to`` excludes the product's kind are dropped at ingest
(and counted) and refused on manual create and confirm.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from cases import error_codes, identity
from cases.ingest import jobs, service
from cases.models import Finding, FindingStatus, ScanJob, ScanJobEvent, ScanStatus, ViolationType
from products.models import ProductKind
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "scanners" / "fixtures"
APP_A = FIXTURES / "identity_mobsf_app_a.json"
CONN = FIXTURES / "identity_conn_other_device.log"
SHA_A = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
FINDINGS = "/api/v1/findings/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def inspection_of(kind=ProductKind.APP, *, device_address="", **version):
    version = factories.ProductVersionFactory(product=factories.ProductFactory(kind=kind), **version)
    return factories.InspectionFactory(product_version=version, device_address=device_address)


def ingest(actor, inspection, path: Path) -> ScanJob:
    job, created = jobs.scan_job_create(
        actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(path.name, path.read_bytes())
    )
    assert created
    service.scan_job_process(job_id=job.pk)
    job = ScanJob.objects.get(pk=job.pk)
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    return job


def codes_of(job) -> dict[str, int]:
    found = Finding.objects.filter(scan_job=job).values_list("violation_type__code", flat=True)
    return {code: list(found).count(code) for code in set(found)}


@pytest.fixture
def app_b(db):
    """An inspection of app B: another package, version and file."""
    return inspection_of(package_name="cn.example.bravo", version="2.1.0", file_sha256="ab" * 32)


@pytest.fixture
def mismatched(inspector, app_b):
    return ingest(inspector, app_b, APP_A)


# The identity check at ingest


def test_a_report_of_another_app_keeps_its_job_but_records_the_mismatch(mismatched):
    job = mismatched
    assert job.identity["package"] == "cn.example.alphareader"
    assert job.identity["sha256"] == SHA_A
    assert [item["field"] for item in job.identity_mismatch] == ["package", "version", "sha256"]
    assert job.identity_mismatch[0] == {
        "field": "package",
        "registered": "cn.example.bravo",
        "report": "cn.example.alphareader",
    }
    assert job.findings_created == 3  # the candidates are kept
    (event,) = ScanJobEvent.objects.filter(job=job, kind=identity.IDENTITY_MISMATCH)
    assert event.data["identity_mismatch"] == job.identity_mismatch
    assert "cn.example.alphareader" in event.reason


def test_a_report_of_the_inspected_app_agrees(inspector):
    inspection = inspection_of(package_name="CN.example.alphareader", version="5.0.1", file_sha256=SHA_A)
    job = ingest(inspector, inspection, APP_A)
    assert job.identity["package"] == "cn.example.alphareader"
    assert job.identity_mismatch == []
    assert not ScanJobEvent.objects.filter(job=job, kind=identity.IDENTITY_MISMATCH).exists()


def test_a_version_that_registers_nothing_cannot_mismatch(inspector):
    inspection = inspection_of(package_name="", version="5.0.1", file_sha256="")
    assert ingest(inspector, inspection, APP_A).identity_mismatch == []


def test_traffic_that_does_not_show_the_named_device_is_flagged(inspector):
    job = ingest(inspector, inspection_of(ProductKind.TERMINAL, device_address="192.168.31.50"), CONN)
    assert job.identity["named_device"] == {"address": "192.168.31.50", "seen": 0, "comparable": True}
    assert job.identity_mismatch == [
        {"field": "device_address", "registered": "192.168.31.50", "report": "192.168.31.77, 192.168.31.80"}
    ]
    other = ingest(inspector, inspection_of(ProductKind.TERMINAL, device_address="192.168.31.77"), CONN)
    assert other.identity_mismatch == []


def test_the_job_api_shows_identity_and_warning(api_client, inspector, mismatched):
    api_client.force_authenticate(inspector)
    body = api_client.get(f"/api/v1/scans/{mismatched.pk}/").json()
    assert body["identity"]["package"] == "cn.example.alphareader"
    fields = [(item["field"], item["report"]) for item in body["identity_mismatch"]]
    assert fields[0] == ("package", "cn.example.alphareader")
    assert "cn.example.alphareader" in body["identity_mismatch"][0]["message"]
    assert body["not_applicable"] == {}


def test_the_scan_page_shows_the_warning(client, inspector, mismatched):
    client.force_login(inspector)
    html = client.get(f"/inspections/{mismatched.inspection_id}/scans/").content.decode()
    assert "data-identity-mismatch" in html
    assert "This scanner output may be about another product." in html
    assert "cn.example.alphareader" in html


def test_each_candidate_carries_the_warning_in_the_api_and_on_the_page(
    api_client, client, inspector, mismatched, django_assert_num_queries
):
    api_client.force_authenticate(inspector)
    # Session-less forced auth: the page, its inspections with version, product and vendor, the capped
    # total (as for findings without a job: the identity warning costs no query of its own).
    with django_assert_num_queries(3):
        rows = api_client.get(FINDINGS, {"inspection": mismatched.inspection_id}).json()["results"]
    assert len(rows) == 3
    assert all(row["identity_mismatch"][0]["field"] == "package" for row in rows)
    detail = api_client.get(f"{FINDINGS}{rows[0]['id']}/").json()
    assert [item["field"] for item in detail["identity_mismatch"]] == ["package", "version", "sha256"]

    client.force_login(inspector)
    html = client.get(f"/inspections/{mismatched.inspection_id}/").content.decode()
    assert html.count("data-identity-mismatch") == 3
    assert html.count('name="acknowledge_identity_mismatch"') == 3


def test_a_manual_finding_has_no_identity_warning(api_client, inspector, finding_factory):
    api_client.force_authenticate(inspector)
    finding = finding_factory()
    assert api_client.get(f"{FINDINGS}{finding.pk}/").json()["identity_mismatch"] == []


# Confirming a candidate of a mismatched scan


def test_confirm_over_the_api_needs_the_acknowledgement_and_records_it(api_client, reviewer, mismatched):
    api_client.force_authenticate(reviewer)
    finding = Finding.objects.filter(scan_job=mismatched).first()
    refused = api_client.post(f"{FINDINGS}{finding.pk}/confirm/", {"reason": "checked"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == error_codes.IDENTITY_MISMATCH_UNACKNOWLEDGED
    assert "cn.example.alphareader" in refused.json()["error"]["message"]
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CANDIDATE

    response = api_client.post(
        f"{FINDINGS}{finding.pk}/confirm/",
        {"reason": "the tester re-signed app B as A", "acknowledge_identity_mismatch": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == FindingStatus.CONFIRMED
    (event,) = ScanJobEvent.objects.filter(job=mismatched, kind=identity.IDENTITY_ACKNOWLEDGED)
    assert (event.actor, event.data["finding"], event.reason) == (
        reviewer,
        finding.pk,
        "the tester re-signed app B as A",
    )
    assert [item["field"] for item in event.data["identity_mismatch"]] == ["package", "version", "sha256"]


def test_confirm_on_the_page_needs_the_tick(client, reviewer, mismatched):
    client.force_login(reviewer)
    finding = Finding.objects.filter(scan_job=mismatched).first()
    response = client.post(f"/findings/{finding.pk}/confirm/", {"reason": ""}, follow=True)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CANDIDATE
    assert "may be about another product" in response.content.decode()

    client.post(f"/findings/{finding.pk}/confirm/", {"reason": "", "acknowledge_identity_mismatch": "on"})
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED
    assert ScanJobEvent.objects.filter(job=mismatched, kind=identity.IDENTITY_ACKNOWLEDGED, actor=reviewer).exists()


def test_a_candidate_of_an_agreeing_scan_confirms_without_acknowledgement(api_client, reviewer, inspector):
    job = ingest(
        inspector, inspection_of(package_name="cn.example.alphareader", version="5.0.1", file_sha256=SHA_A), APP_A
    )
    api_client.force_authenticate(reviewer)
    finding = Finding.objects.filter(scan_job=job).first()
    assert api_client.post(f"{FINDINGS}{finding.pk}/confirm/", {}, format="json").status_code == 200
    assert not ScanJobEvent.objects.filter(job=job, kind=identity.IDENTITY_ACKNOWLEDGED).exists()


# Codes that apply, at ingest


def test_a_tracker_in_an_app_is_the_apps_pi03(inspector):
    job = ingest(inspector, inspection_of(ProductKind.APP), APP_A)
    assert codes_of(job) == {"PI-03": 1, "PM-01": 1, "PM-02": 1}
    tracker = Finding.objects.get(scan_job=job, violation_type__code="PI-03")
    assert tracker.evidence["sdk"] == "Umeng Analytics"
    assert job.counts.get("not_applicable") is None


def test_a_tracker_in_an_sdk_is_sdk01(inspector):
    job = ingest(inspector, inspection_of(ProductKind.SDK), APP_A)
    assert codes_of(job) == {"SDK-01": 1, "PM-01": 1, "PM-02": 1}


def test_permissions_on_a_terminal_give_nothing(inspector):
    """The permission rule itself raises nothing on a terminal (PM codes are app;sdk)."""
    job = ingest(inspector, inspection_of(ProductKind.TERMINAL), APP_A)
    assert codes_of(job) == {"PI-03": 1}
    assert "not_applicable" not in job.counts


def test_codes_a_rule_raises_that_do_not_apply_are_dropped_and_counted(api_client, client, inspector, monkeypatch):
    """The ingest's safety net: rules run as if the kind were unknown still cannot land PM codes on a terminal."""
    real = service.detect_candidates
    monkeypatch.setattr(
        service,
        "detect_candidates",
        lambda observations, context=None, **options: real(observations, context=None, **options),
    )
    job = ingest(inspector, inspection_of(ProductKind.TERMINAL), APP_A)
    assert codes_of(job) == {"PI-03": 1}
    assert job.counts["not_applicable"] == {"PM-01": 1, "PM-02": 1}
    assert job.unmapped == job.observations - 1
    api_client.force_authenticate(inspector)
    assert api_client.get(f"/api/v1/scans/{job.pk}/").json()["not_applicable"] == {"PM-01": 1, "PM-02": 1}
    client.force_login(inspector)
    assert "PM-01 ×1, PM-02 ×1" in client.get(f"/inspections/{job.inspection_id}/scans/").content.decode()


# Codes that apply, by hand


def test_manual_create_over_the_api_refuses_a_code_that_does_not_apply(api_client, inspector):
    api_client.force_authenticate(inspector)
    inspection = inspection_of(ProductKind.APP)
    response = api_client.post(
        FINDINGS,
        {"inspection": inspection.pk, "violation_type": "ST-01", "title": "无隐私政策"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == error_codes.VIOLATION_TYPE_NOT_APPLICABLE
    assert "ST-01" in error["message"] and "App" in error["message"]
    assert error["details"] == {"violation_type": "ST-01", "product_kind": "app"}
    assert not Finding.objects.filter(inspection=inspection).exists()

    ok = api_client.post(
        FINDINGS, {"inspection": inspection.pk, "violation_type": "PI-05", "title": "无隐私政策"}, format="json"
    )
    assert ok.status_code == 201


def test_manual_create_on_the_page_refuses_a_code_that_does_not_apply_in_chinese(client, inspector):
    client.force_login(inspector)
    inspection = inspection_of(ProductKind.TERMINAL)
    pm01 = ViolationType.objects.get(code="PM-01")
    with translation.override("zh-hans"):
        response = client.post(
            f"/inspections/{inspection.pk}/findings/",
            {"violation_type": pm01.pk, "title": "频繁索取权限"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "违规类型 PM-01 不适用于" in html and "智能终端" in html
    assert not Finding.objects.filter(inspection=inspection).exists()


def test_confirm_refuses_a_code_that_does_not_apply(api_client, reviewer, finding_factory):
    api_client.force_authenticate(reviewer)
    finding = finding_factory(
        inspection=inspection_of(ProductKind.APP), violation_type=ViolationType.objects.get(code="SDK-01")
    )
    response = api_client.post(f"{FINDINGS}{finding.pk}/confirm/", {"acknowledge_identity_mismatch": True})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == error_codes.VIOLATION_TYPE_NOT_APPLICABLE
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CANDIDATE


# The inspection's device address


def test_inspection_api_takes_a_device_address_and_normalises_it(api_client, inspector):
    api_client.force_authenticate(inspector)
    data = {
        "campaign": factories.CampaignFactory().pk,
        "product_version": factories.ProductVersionFactory().pk,
        "agency": factories.TestingAgencyFactory().pk,
        "date": "2025-09-20",
        "method": "network",
    }
    response = api_client.post("/api/v1/inspections/", {**data, "device_address": "A4-C1-38-00-11-22"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["device_address"] == "a4:c1:38:00:11:22"
    refused = api_client.post("/api/v1/inspections/", {**data, "device_address": "the bridge"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == error_codes.DEVICE_ADDRESS_INVALID


def test_inspection_form_takes_a_device_address(client, inspector):
    client.force_login(inspector)
    data = {
        "campaign": factories.CampaignFactory().pk,
        "product_version": factories.ProductVersionFactory().pk,
        "agency": factories.TestingAgencyFactory().pk,
        "date": "2025-09-20",
        "method": "network",
    }
    refused = client.post("/inspections/new/", {**data, "device_address": "256.1.1.1"})
    assert refused.status_code == 200
    assert "MAC address such as aa:bb:cc:dd:ee:ff" in refused.content.decode()
    response = client.post("/inspections/new/", {**data, "device_address": " 192.168.31.50 "})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "192.168.31.50" in page
