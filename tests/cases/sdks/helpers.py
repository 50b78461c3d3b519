"""Shared test setup of the SDK fan-out: an SDK with a signature, apps whose scans show it."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from cases.ingest import jobs
from cases.ingest.service import scan_job_process
from cases.models import FindingStatus, ViolationType
from cases.sdks import services as sdk_services
from cases.services import case_open
from products.models import ProductKind
from tests import factories

UMENG = 119  # εxodus id of Umeng Analytics in the shipped list


def exodus_report(*, package: str, version: str, trackers: list[tuple[int, str]]) -> bytes:
    """An exodus-standalone JSON report (FORMATS.md §2) listing the given trackers."""
    return json.dumps(
        {
            "application": {"handle": package, "name": package, "version_name": version, "permissions": []},
            "apk": {"path": "/tmp/app.apk", "checksum": "0" * 64},
            "trackers": [{"id": tid, "name": name} for tid, name in trackers],
        }
    ).encode()


def make_sdk(name: str = "友盟统计SDK", *, exodus_id: int | None = UMENG, hosts=(), prefixes=()):
    sdk = factories.ProductFactory(name=name, kind=ProductKind.SDK)
    sdk_services.sdk_signature_save(product=sdk, exodus_id=exodus_id, hosts=hosts, package_prefixes=prefixes)
    return sdk


def ingest(*, actor, inspection, content: bytes, name: str = "exodus.json"):
    """Upload and ingest a report synchronously (in the test's transaction); answer the job."""
    job, _ = jobs.scan_job_create(actor=actor, inspection=inspection, uploaded=SimpleUploadedFile(name, content))
    return scan_job_process(job_id=job.pk)


def app_scanned(*, actor, vendor=None, campaign=None, trackers=((UMENG, "Umeng Analytics"),), version="1.0"):
    """An app version of ``vendor`` whose εxodus report lists ``trackers``; answer its inspection."""
    product = factories.ProductFactory(vendor=vendor or factories.VendorFactory())
    pv = factories.ProductVersionFactory(product=product, version=version)
    inspection = factories.InspectionFactory(
        product_version=pv, campaign=campaign or factories.CampaignFactory(), created_by=actor
    )
    ingest(
        actor=actor,
        inspection=inspection,
        content=exodus_report(package=pv.package_name, version=version, trackers=list(trackers)),
    )
    return inspection


def sdk_case(*, sdk, actor, campaign=None):
    """An SDK case with one confirmed SDK-01 finding."""
    pv = factories.ProductVersionFactory(product=sdk, version="9.6.1", package_name="com.umeng.analytics")
    inspection = factories.InspectionFactory(product_version=pv, campaign=campaign or factories.CampaignFactory())
    finding = factories.FindingFactory(
        inspection=inspection,
        violation_type=ViolationType.objects.get(code="SDK-01"),
        status=FindingStatus.CONFIRMED,
        title="SDK在用户同意隐私政策前收集Android ID",
    )
    return case_open(actor=actor, findings=[finding])
