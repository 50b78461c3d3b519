"""Build served cases for the portal, clock and access tests (through the real services)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services, workflow
from cases.models import FindingStatus, ViolationType
from tests import factories

SERVED = datetime.date(2025, 9, 26)
DEADLINE = datetime.date(2025, 10, 10)  # 5 working days after 2025-09-26 (28 Sep make-up day, 1–8 Oct holiday)

# The smallest valid PNG: magic bytes that libmagic reads as image/png.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png(name: str = "after-fix.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def html_file(name: str = "evil.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<!DOCTYPE html><html><script>alert(1)</script></html>", content_type="image/png")


def svg_file(name: str = "evil.svg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'
    )


def served_case(*, vendor=None, actor=None, served_on=SERVED, deadline=DEADLINE, campaign=None, version=None):
    """An ordered case of ``vendor`` with one confirmed, one candidate and one dismissed finding."""
    actor = actor or factories.UserFactory(role="reviewer")
    vendor = vendor or factories.VendorFactory()
    version = version or factories.ProductVersionFactory(product=factories.ProductFactory(vendor=vendor))
    inspection = factories.InspectionFactory(
        product_version=version, campaign=campaign or factories.CampaignFactory(), created_by=actor
    )
    confirmed = services.finding_create_manual(
        actor=actor,
        inspection=inspection,
        violation_type=ViolationType.objects.get(code="PI-01"),
        title="启动即收集IMEI",
        description="首次启动未经同意即读取设备IMEI。",
        files=[png("screenshot.png")],
    )
    services.finding_confirm(actor=actor, finding=confirmed)
    candidate = factories.FindingFactory(inspection=inspection, title="候选问题-内部", status=FindingStatus.CANDIDATE)
    dismissed = factories.FindingFactory(inspection=inspection, title="已排除问题-内部", status=FindingStatus.CONFIRMED)
    case = services.case_open(actor=actor, findings=[confirmed, dismissed])
    type(dismissed).objects.filter(pk=dismissed.pk).update(status=FindingStatus.DISMISSED)
    candidate.case = case
    candidate.save(update_fields=["case"])
    if served_on is not None:
        case = workflow.order_case(case=case, actor=actor, served_on=served_on, deadline=deadline)
    case.refresh_from_db()
    return case
