"""Writes for inspections, findings, evidence and case opening."""

import datetime
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.error_codes import REASON_REQUIRED
from accounts.errors import Conflict, InvalidInput
from cases import services
from cases.error_codes import (
    FILE_EMPTY,
    FILE_TYPE_REFUSED,
    FINDING_ALREADY_DECIDED,
    FINDING_IN_CASE,
    FINDING_NOT_CONFIRMED,
    FINDINGS_SEVERAL_VERSIONS,
    NO_FINDINGS,
    RETEST_OTHER_PRODUCT,
)
from cases.evidence import FileTooLarge
from cases.models import CaseEvent, CaseStatus, Evidence, Finding, FindingStatus, ViolationType
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, format="PNG")
    return SimpleUploadedFile("截图.png", buffer.getvalue(), content_type="image/png")


def pi01():
    return ViolationType.objects.get(code="PI-01")


def test_inspection_create_records_who(inspector):
    version = factories.ProductVersionFactory()
    inspection = services.inspection_create(
        actor=inspector,
        campaign=factories.CampaignFactory(),
        product_version=version,
        agency=factories.TestingAgencyFactory(),
        date=datetime.date(2025, 9, 20),
        method="static",
    )
    assert inspection.created_by == inspector
    assert inspection.product_version == version


def test_a_retest_must_be_of_the_same_product(inspector, inspection_factory):
    first = inspection_factory()
    same_product = factories.ProductVersionFactory(product=first.product_version.product, version="9.9")
    retest = services.inspection_create(
        actor=inspector,
        campaign=first.campaign,
        product_version=same_product,
        agency=first.agency,
        date=datetime.date(2025, 10, 20),
        method="manual",
        retest_of=first,
    )
    assert retest.retest_of == first
    with pytest.raises(InvalidInput) as info:
        services.inspection_create(
            actor=inspector,
            campaign=first.campaign,
            product_version=factories.ProductVersionFactory(),
            agency=first.agency,
            date=datetime.date(2025, 10, 20),
            method="manual",
            retest_of=first,
        )
    assert info.value.code == RETEST_OTHER_PRODUCT


def test_evidence_store_hashes_and_renames(inspector, inspection_factory):
    upload = png()
    evidence = services.evidence_store(actor=inspector, uploaded=upload, inspection=inspection_factory())
    upload.seek(0)
    assert evidence.sha256 == hashlib.sha256(upload.read()).hexdigest()
    assert evidence.original_name == "截图.png"
    assert evidence.content_type == "image/png"
    assert evidence.file.name.endswith(".png")
    assert "截图" not in evidence.file.name


def test_evidence_store_refuses_by_bytes_not_name(inspector, inspection_factory):
    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(InvalidInput) as info:
        services.evidence_store(actor=inspector, uploaded=fake, inspection=inspection_factory())
    assert info.value.code == FILE_TYPE_REFUSED
    empty = SimpleUploadedFile("e.txt", b"", content_type="text/plain")
    with pytest.raises(InvalidInput) as info:
        services.evidence_store(actor=inspector, uploaded=empty, inspection=inspection_factory())
    assert info.value.code == FILE_EMPTY


def test_evidence_store_refuses_oversize(inspector, inspection_factory, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.txt", b"x" * (1024 * 1024 + 1), content_type="text/plain")
    with pytest.raises(FileTooLarge) as info:
        services.evidence_store(actor=inspector, uploaded=big, inspection=inspection_factory())
    assert info.value.status == 413


def test_manual_finding_with_files(inspector, inspection_factory):
    inspection = inspection_factory()
    finding = services.finding_create_manual(
        actor=inspector, inspection=inspection, violation_type=pi01(), title=" 启动即收集IMEI ", files=[png(), png()]
    )
    assert finding.title == "启动即收集IMEI"
    assert finding.status == FindingStatus.CANDIDATE
    assert finding.created_by == inspector
    assert Evidence.objects.filter(finding=finding, inspection=inspection).count() == 2


def test_two_manual_findings_never_collide(inspector, inspection_factory):
    inspection = inspection_factory()
    a = services.finding_create_manual(actor=inspector, inspection=inspection, violation_type=pi01(), title="x")
    b = services.finding_create_manual(actor=inspector, inspection=inspection, violation_type=pi01(), title="x")
    assert a.fingerprint != b.fingerprint


def test_confirm_and_dismiss_are_decided_once(reviewer, finding_factory):
    finding = services.finding_confirm(actor=reviewer, finding=finding_factory(), reason=" 证据充分 ")
    assert (finding.status, finding.decided_by, finding.decision_reason) == ("confirmed", reviewer, "证据充分")
    assert finding.decided_at is not None
    with pytest.raises(Conflict) as info:
        services.finding_dismiss(actor=reviewer, finding=finding, reason="改主意")
    assert info.value.code == FINDING_ALREADY_DECIDED
    assert info.value.status == 409


def test_dismiss_needs_a_reason(reviewer, finding_factory):
    finding = finding_factory()
    with pytest.raises(InvalidInput) as info:
        services.finding_dismiss(actor=reviewer, finding=finding, reason=" ")
    assert info.value.code == REASON_REQUIRED
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CANDIDATE


def test_case_open_links_findings_and_writes_the_event(inspector, inspection_factory, finding_factory):
    inspection = inspection_factory()
    findings = [finding_factory(inspection=inspection, status=FindingStatus.CONFIRMED) for _ in range(3)]
    case = services.case_open(actor=inspector, findings=findings)
    assert case.status == CaseStatus.OPEN
    assert case.number == f"RC-{timezone.localdate().year}-{case.pk:05d}"  # the year in Asia/Shanghai
    assert case.vendor_id == inspection.product_version.product.vendor_id
    assert case.product_version_id == inspection.product_version_id
    assert case.campaign_id == inspection.campaign_id
    assert set(Finding.objects.filter(case=case).values_list("pk", flat=True)) == {f.pk for f in findings}
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor, event.to_status) == ("opened", inspector, "open")
    assert sorted(event.data["findings"]) == sorted(f.pk for f in findings)


def test_case_open_rules(inspector, finding_factory, inspection_factory):
    with pytest.raises(InvalidInput) as info:
        services.case_open(actor=inspector, findings=[])
    assert info.value.code == NO_FINDINGS
    with pytest.raises(Conflict) as info:
        services.case_open(actor=inspector, findings=[finding_factory()])
    assert info.value.code == FINDING_NOT_CONFIRMED
    two_versions = [finding_factory(status=FindingStatus.CONFIRMED) for _ in range(2)]
    with pytest.raises(InvalidInput) as info:
        services.case_open(actor=inspector, findings=two_versions)
    assert info.value.code == FINDINGS_SEVERAL_VERSIONS
    taken = finding_factory(status=FindingStatus.CONFIRMED)
    case = services.case_open(actor=inspector, findings=[taken])
    with pytest.raises(Conflict) as info:
        services.case_open(actor=inspector, findings=[taken])
    assert info.value.code == FINDING_IN_CASE
    assert case.number in str(info.value.message)
