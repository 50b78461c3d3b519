"""Issue 12's traffic and exposure fixtures through the whole job path (upload, worker, findings)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.ingest import jobs
from cases.models import Finding, ScanJob, ScanObservation, ScanStatus
from tests.cases.ingest.test_service import english, media_root  # noqa: F401 (fixtures)

FIXTURES = Path(__file__).resolve().parent.parent / "scanners" / "fixtures"

pytestmark = pytest.mark.django_db


def ingest(actor, inspection, name, callbacks) -> ScanJob:
    path = FIXTURES / name
    with callbacks(execute=True):
        job, _ = jobs.scan_job_create(
            actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(path.name, path.read_bytes())
        )
    return ScanJob.objects.get(pk=job.pk)


def test_a_smart_speaker_capture_is_one_st03_finding_with_its_owner_and_data_date(
    inspector, inspection_factory, django_capture_on_commit_callbacks
):
    speaker = inspection_factory(
        product_version__product__kind="terminal", product_version__product__terminal_category="smart_speaker"
    )
    job = ingest(inspector, speaker, "speaker_zeek.json.log", django_capture_on_commit_callbacks)
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    (finding,) = Finding.objects.filter(inspection=job.inspection)
    assert finding.violation_type.code == "ST-03"
    assert finding.locus == "traffic:192.168.1.20:AMAZON-02"
    assert finding.evidence["addresses"] == 112
    assert finding.evidence["owner_data"]["date"] == "2024-06-18"
    assert finding.evidence["cross_border"] is True
    # The connections the candidate summarises are the observations it maps (not the excluded noise).
    mapped = ScanObservation.objects.filter(job=job, mapped=True)
    assert mapped.count() == finding.evidence["count"] > 100
    assert not mapped.exclude(kind__in=["connection", "tls", "http_request"]).exists()


def test_exposed_services_become_sec01_findings(inspector, inspection_factory, django_capture_on_commit_callbacks):
    terminal = inspection_factory(
        product_version__product__kind="terminal", product_version__product__terminal_category="camera"
    )
    job = ingest(inspector, terminal, "home_devices_nmap.xml", django_capture_on_commit_callbacks)
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    findings = Finding.objects.filter(inspection=job.inspection)
    assert {f.violation_type.code for f in findings} == {"SEC-01"}
    assert findings.count() == 8
