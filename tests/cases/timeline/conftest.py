"""An inspection whose scans meet on one time axis: a PrivacySentry log (consent at 09:00:03), a HAR
capture and a Zeek conn log, all on 2025-03-01 around 09:00 in Asia/Shanghai."""

import datetime

import pytest

from cases.ingest import jobs, service
from cases.models import ScanJob, ScanStatus
from tests import factories
from tests.cases.scanners.conftest import FIXTURES

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
CONSENT = datetime.datetime(2025, 3, 1, 9, 0, 3, tzinfo=SHANGHAI)


def ingest(actor, inspection, name: str) -> ScanJob:
    from django.core.files.uploadedfile import SimpleUploadedFile

    job, _ = jobs.scan_job_create(
        actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(name, (FIXTURES / name).read_bytes())
    )
    service.scan_job_process(job_id=job.pk)
    job = ScanJob.objects.get(pk=job.pk)
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    return job


@pytest.fixture
def timed_inspection(db, settings, tmp_path, inspector):
    settings.MEDIA_ROOT = tmp_path / "media"
    inspection = factories.InspectionFactory(date=datetime.date(2025, 3, 1))
    for name in ("privacysentry_new.xlsx", "capture.har", "conn.log"):
        ingest(inspector, inspection, name)
    return inspection
