"""Offline scenarios in the cases app (issue 16): on-site inspections, the codes that apply to a
venue, evidence of an on-site check (photo, consent text, a HAR of the QR-code page), and a case
opened on the venue as inspected."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.errors import InvalidInput
from cases import error_codes, services
from cases.ingest import jobs, service
from cases.models import Finding, FindingStatus, InspectionMethod, ScanJob, ScanStatus, ViolationType
from products.models import ProductKind
from tests import factories
from tests.cases.served import PNG

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "scanners" / "fixtures"
DAY = datetime.date(2026, 11, 3)


@pytest.fixture
def scenario():
    return factories.OfflineScenarioFactory().product


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def onsite(actor, scenario, date=DAY, **kwargs):
    return services.onsite_inspection_create(
        actor=actor,
        campaign=kwargs.pop("campaign", None) or factories.CampaignFactory(),
        scenario=scenario,
        agency=factories.TestingAgencyFactory(),
        date=date,
        **kwargs,
    )


def test_taxonomy_has_the_scenario_codes_with_their_legal_basis():
    applying = {vt.code for vt in ViolationType.objects.all() if vt.applies_to_kind(ProductKind.SCENARIO)}
    assert {"OS-01", "OS-02", "OS-03", "OS-04", "PI-01", "PI-02", "PI-03", "PI-05", "SEC-01"} <= applying
    assert not {"PM-01", "HR-01", "SDK-01", "ST-01"} & applying
    assert "PIPL arts. 14, 16" in ViolationType.objects.get(code="OS-01").legal_basis
    assert "人脸识别技术应用安全管理办法" in ViolationType.objects.get(code="OS-02").legal_basis
    # An app is not judged by the venue-only codes.
    assert not ViolationType.objects.get(code="OS-02").applies_to_kind(ProductKind.APP)


def test_onsite_inspection_makes_the_days_visit_version(inspector, scenario):
    inspection = onsite(inspector, scenario, notes="桌贴二维码，扫码后须关注公众号并授权手机号方可点餐")
    assert inspection.method == InspectionMethod.ON_SITE
    assert inspection.product_version.product == scenario
    assert inspection.product_version.version == "2026-11-03"
    again = onsite(inspector, scenario)
    assert again.product_version == inspection.product_version  # same day, same venue as inspected


def test_method_must_fit_the_kind(inspector, scenario):
    version = factories.ProductVersionFactory()
    with pytest.raises(InvalidInput) as info:
        services.inspection_create(
            actor=inspector,
            campaign=factories.CampaignFactory(),
            product_version=version,
            agency=factories.TestingAgencyFactory(),
            date=DAY,
            method=InspectionMethod.ON_SITE,
        )
    assert info.value.code == error_codes.INSPECTION_METHOD_MISMATCH
    visit = factories.ProductVersionFactory(product=scenario, version="2026-11-04")
    with pytest.raises(InvalidInput) as info:
        services.inspection_create(
            actor=inspector,
            campaign=factories.CampaignFactory(),
            product_version=visit,
            agency=factories.TestingAgencyFactory(),
            date=DAY,
            method=InspectionMethod.DYNAMIC,
        )
    assert info.value.code == error_codes.INSPECTION_METHOD_MISMATCH


def test_manual_finding_with_onsite_evidence_and_a_case(media_root, inspector, reviewer, scenario):
    inspection = onsite(inspector, scenario)
    finding = services.finding_create_manual(
        actor=inspector,
        inspection=inspection,
        violation_type=ViolationType.objects.get(code="OS-01"),
        title="扫码点餐强制关注公众号并授权手机号",
        description="未授权手机号无法进入点餐页面；店内无其他点餐方式。",
        files=[
            SimpleUploadedFile("table-sticker.png", PNG),
            SimpleUploadedFile("consent.txt", "授权手机号后方可点餐。同意《会员服务协议》".encode()),
        ],
    )
    assert sorted(e.content_type for e in finding.evidence_files.all()) == ["image/png", "text/plain"]
    services.finding_confirm(actor=reviewer, finding=finding)
    case = services.case_open(actor=reviewer, findings=[Finding.objects.get(pk=finding.pk)])
    assert (case.product, case.vendor, case.product_version) == (
        scenario,
        scenario.vendor,
        inspection.product_version,
    )


def test_codes_that_do_not_apply_to_a_venue_are_refused(inspector, scenario):
    inspection = onsite(inspector, scenario)
    with pytest.raises(InvalidInput) as info:
        services.finding_create_manual(
            actor=inspector,
            inspection=inspection,
            violation_type=ViolationType.objects.get(code="PM-01"),
            title="权限",
        )
    assert info.value.code == error_codes.VIOLATION_TYPE_NOT_APPLICABLE
    assert "Offline scenario" in str(info.value.message) or "线下消费场景" in str(info.value.message)


def test_a_har_of_the_qr_code_page_is_ingested_and_keeps_only_codes_that_apply(media_root, inspector, scenario):
    inspection = onsite(inspector, scenario)
    job, _created = jobs.scan_job_create(
        actor=inspector,
        inspection=inspection,
        uploaded=SimpleUploadedFile("qr-order-page.har", (FIXTURES / "cleartext_identifiers.har").read_bytes()),
        tool="",
    )
    service.scan_job_process(job_id=job.pk)
    job = ScanJob.objects.get(pk=job.pk)
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    assert job.tool == "har"
    findings = list(Finding.objects.filter(inspection=inspection).select_related("violation_type"))
    assert findings, "the HAR's cleartext identifiers are candidates on the venue"
    assert all(f.violation_type.applies_to_kind(ProductKind.SCENARIO) for f in findings)
    assert all(f.status == FindingStatus.CANDIDATE for f in findings)


def test_retest_of_a_scenario_is_a_later_visit(inspector, scenario):
    first = onsite(inspector, scenario)
    later = onsite(inspector, scenario, date=DAY + datetime.timedelta(days=20), retest_of=first)
    assert later.retest_of == first and later.product_version != first.product_version


# Pages and API


def test_onsite_inspection_page(client, inspector, scenario):
    campaign, agency = factories.CampaignFactory(), factories.TestingAgencyFactory()
    client.force_login(inspector)
    page = client.get(f"/inspections/onsite/new/?scenario={scenario.pk}", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page.status_code == 200 and "记录现场检查" in page.content.decode()
    assert page.context["form"].initial["scenario"] == str(scenario.pk)
    response = client.post(
        "/inspections/onsite/new/",
        {"campaign": campaign.pk, "scenario": scenario.pk, "agency": agency.pk, "date": "2026-11-03", "notes": ""},
    )
    assert response.status_code == 302
    inspection = scenario.versions.get().inspections.get()
    assert response["Location"] == f"/inspections/{inspection.pk}/"
    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "On-site check" in detail


def test_onsite_inspection_api(api_client, inspector, scenario):
    api_client.force_authenticate(inspector)
    campaign, agency = factories.CampaignFactory(), factories.TestingAgencyFactory()
    response = api_client.post(
        "/api/v1/inspections/onsite/",
        {"campaign": campaign.pk, "scenario": scenario.pk, "agency": agency.pk, "date": "2026-11-03"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["method"] == "on_site" and body["product"]["kind"] == "scenario"
    assert body["product_version"]["version"] == "2026-11-03"
    # An app is not a scenario.
    app = factories.ProductFactory()
    refused = api_client.post(
        "/api/v1/inspections/onsite/",
        {"campaign": campaign.pk, "scenario": app.pk, "agency": agency.pk, "date": "2026-11-03"},
        format="json",
    )
    assert refused.status_code == 400
    codes = api_client.get("/api/v1/violation-types/", {"applies_to": "scenario", "page_size": 100}).json()
    assert {"OS-01", "OS-02", "OS-03", "OS-04"} <= {row["code"] for row in codes["results"]}
