"""Every page of the site, as each role reaches it, on the demo data plus the pieces the demo lacks
(a published notice and a draft order, a scan job, an extension request): the walk that the
accessibility and overflow test takes (tests/browser/test_accessibility.py).

``PAGES`` names every URL that answers GET with an HTML page; ``NOT_PAGES`` those that answer with a
file, a feed, JSON or only to POST. The test checks that the two together are every route of the site
outside the API and the Django admin, so a new page cannot be left out of the walk.
"""

import datetime
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "rectify-demo"  # cases/management/commands/load_demo.py

# Routes that are no page: files, feeds, JSON, redirects and POST-only actions.
NOT_PAGES = {
    "set_language",
    "logout",
    "healthz",
    "case-list-csv",
    "case-withdraw",
    "case-transfer",
    "case-open",
    "finding-create",
    "finding-confirm",
    "finding-dismiss",
    "evidence-download",
    "scan-retry",
    "scan-withdraw",
    "portal:order-pdf",
    "portal:evidence-download",
    "portal:team-remove",
    "decisions:response-accept",
    "decisions:response-reject",
    "decisions:extension-grant",
    "decisions:extension-refuse",
    "decisions:retest-link",
    "decisions:rectified",
    "decisions:retest-failed",
    "notices:public-pdf",
    "notices:public-feed",
    "notices:public-json",
    "notices:public-csv",
    "notices:regulator-approve",
    "notices:regulator-publish",
    "notices:regulator-correct",
    "notices:regulator-access-code",
    "notices:regulator-pdf",
    "notices:regulator-preview",
    "notices:regulator-publication",
    "notices:regulator-entry",
    "notices:regulator-item",
    "notices:public-authority-feed",
    "notices:sdk-letter-pdf",
    "notices:sdk-letters-issue",
    "complaints:match",
    "complaints:merge",
    "complaints:dismiss",
    "complaints:inspection",
    "complaints:attachment-download",
    "case-fanout-open",
    "embedding-confirm-removal",
    "embedding-refuse-removal",
    "timeline-consent",
    "timeline-cite",
}


def build_world() -> dict:
    """Load the demo, add what it lacks, and return ``{role: (username, [paths])}`` (role "public":
    no sign-in)."""
    from cases import responses
    from cases.ingest import jobs
    from cases.models import (
        Campaign,
        Case,
        CaseStatus,
        DecisionStatus,
        ExtensionRequest,
        Inspection,
        ScanJob,
        VendorResponse,
    )
    from notices import services as notice_services
    from notices import workflow as notice_workflow
    from notices.models import Notice, NoticeKind, NoticeStatus
    from notices.selectors import draftable_cases
    from products.models import Product, Vendor
    from tests import factories
    from tests.cases.scanners.conftest import FIXTURES

    call_command("load_demo", stdout=_Quiet())
    from accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=["admin", "inspector", "reviewer", "vendor_a"])}
    inspector, reviewer = users["inspector"], users["reviewer"]

    # A published naming notice (the demo's, or one published here), its correction and a draft order.
    published = Notice.objects.filter(kind=NoticeKind.NAMING, status=NoticeStatus.PUBLISHED).order_by("pk").first()
    if published is None:
        overdue = draftable_cases(kind=NoticeKind.NAMING).order_by("pk").first()
        naming = notice_services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[overdue.pk])
        notice_workflow.notice_approve(actor=reviewer, notice=naming)
        published = notice_workflow.notice_publish(notice_id=naming.pk, actor=reviewer)
    published.refresh_from_db()
    open_case = draftable_cases(kind=NoticeKind.ORDER).order_by("pk").first()
    order = notice_services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[open_case.pk])
    correction = notice_services.notice_correct(actor=inspector, notice=published, reason="更正产品名称")
    served_orders = [
        f"/notices/{pk}/"
        for pk in Notice.objects.filter(kind=NoticeKind.ORDER, status=NoticeStatus.PUBLISHED).values_list(
            "pk", flat=True
        )[:1]
    ]

    # An extension request waiting on an ordered case (the demo's, or one asked for here).
    ordered = Case.objects.filter(status=CaseStatus.ORDERED).order_by("pk").first()
    extension = ExtensionRequest.objects.filter(status=DecisionStatus.PENDING).order_by("pk").first()
    if extension is None:
        staff = factories.VendorUserFactory(vendor=ordered.vendor, username="walk-vendor")
        deadline = ordered.deadline or datetime.date.today()
        extension = responses.extension_request(
            actor=staff, case=ordered, reason="需要更多时间", requested_deadline=deadline + datetime.timedelta(days=14)
        )

    # A scan job that ran (jobs run at once under the test settings).
    inspection = Inspection.objects.order_by("pk").first()
    job, _ = jobs.scan_job_create(
        actor=inspector,
        inspection=inspection,
        uploaded=SimpleUploadedFile("lab_scan.xml", (FIXTURES / "lab_scan.xml").read_bytes()),
    )
    job = ScanJob.objects.get(pk=job.pk)

    # Issues 16 to 18: a complaint (and its private status link), the SDK case that fans out, the
    # timeline's inspection, a named SDK on the register.
    from complaints.models import Complaint
    from complaints.services import complaint_submit

    _filed, status_token = complaint_submit(text="扫码点餐强制授权手机号", subject_name="蜀香川菜馆（望京店）")
    complaint = Complaint.objects.order_by("pk").first()
    sdk_case = Case.objects.filter(product__kind="sdk", status=CaseStatus.OPEN).order_by("pk").first()
    # The SDK's vendors are notified (letters sent through the outbox at once): the SDK is named.
    from notices import sdk_letters

    sdk_letters.sdk_letters_issue(actor=reviewer, case=sdk_case)
    named_sdk = sdk_case.product_id
    timed = Inspection.objects.filter(stored_jobs_timed()).order_by("-pk").first() or inspection
    issues_16_18 = [
        "/complaints/",
        f"/complaints/{complaint.pk}/",
        "/complaints/dashboard/",
        "/scenarios/",
        f"/inspections/{timed.pk}/timeline/",
        f"/cases/{sdk_case.pk}/fanout/",
    ]

    # Issue 17: a case transferred to Beijing, for the transfers page and the case's timeline.
    from accounts.models import Authority
    from cases import transfers

    transfers.case_transfer(
        case=factories.CaseFactory(),
        actor=reviewer,
        to_authority=Authority.objects.get(code="110000"),
        reason="经营者注册地在北京",
    )

    # Issue 17: Beijing delegates to national users (the history of its page has a row).
    from accounts import services as authority_services

    beijing = Authority.objects.get(code="110000")
    authority_services.authority_delegation_set(
        authority=beijing, actor=users["admin"], delegated=True, reason="省局请部局代为办理"
    )

    vendor_a = users["vendor_a"]
    # Served cases only: an open case is still the regulator's file (the portal answers 404).
    own_cases = list(
        Case.objects.filter(vendor=vendor_a.membership.vendor).exclude(status=CaseStatus.OPEN).order_by("pk")
    )
    response = VendorResponse.objects.order_by("pk").first()
    verifying = Case.objects.filter(status=CaseStatus.VERIFYING).order_by("pk").first()
    case_pages = [f"/cases/{pk}/" for pk in Case.objects.order_by("pk").values_list("pk", flat=True)]
    product = Product.objects.order_by("pk").first()
    vendor = Vendor.objects.order_by("pk").first()
    campaign = Campaign.objects.order_by("pk").first()
    drilled_authority = Case.objects.order_by("pk").values_list("authority_id", flat=True).first()

    regulator_common = [
        "/",
        "/cases/",
        "/cases/?ordering=-deadline",
        "/cases/transfers/",
        "/inspections/",
        "/inspections/?ordering=date",
        f"/inspections/{inspection.pk}/",
        f"/inspections/{inspection.pk}/scans/",
        f"/scans/{job.pk}/observations/",
        "/products/",
        "/products/?ordering=-name",
        f"/products/{product.pk}/",
        "/vendors/",
        f"/vendors/{vendor.pk}/",
        "/dashboard/",
        f"/dashboard/campaigns/{campaign.pk}/",
        # The drill-down (issue 17): one authority's, one region's (a province sees its own either way),
        # and the case list it links to with the same filter.
        f"/dashboard/?authority={drilled_authority}",
        "/dashboard/?region=1",
        "/cases/?overdue=on&region=1",
        "/calendar/",
        "/notices/",
        f"/notices/{published.pk}/",
        f"/notices/{order.pk}/",
        *served_orders,
    ]
    return {
        "public": (
            None,
            [
                "/login/",
                "/register/",
                f"/register/{published.pk}/",
                "/register/verify/",
                f"/register/verify/?sha256={published.pdf_sha256}",
                "/register/verify/?sha256=not-a-hash",
                "/portal/claim/",
                "/portal/invitation/MQ/not-a-token/",
                "/complain/",
                f"/complain/status/{status_token}/",
                "/register/sdks/",
                f"/register/sdks/{named_sdk}/",
                "/register/?subject=scenario&region=31",
            ],
        ),
        "admin": (
            "admin",
            [
                *regulator_common,
                *case_pages,
                "/calendar/import/",
                "/authorities/",
                "/authorities/110000/",
                "/authorities/100000/",
                "/products/new/",
                "/vendors/new/",
                "/inspections/new/",
                *issues_16_18,
                "/complaints/new/",
                "/complaints/import/",
                "/scenarios/new/",
                "/inspections/onsite/new/",
            ],
        ),
        "inspector": (
            "inspector",
            [
                *regulator_common,
                "/notices/new/",
                "/notices/new/?kind=naming",
                "/notices/new/?kind=order",
                f"/notices/{correction.pk}/",
                f"/notices/{correction.pk}/changes/",
            ],
        ),
        "reviewer": (
            "reviewer",
            [
                "/",
                "/decisions/",
                f"/decisions/responses/{response.pk}/",
                f"/decisions/extensions/{extension.pk}/",
                f"/decisions/cases/{verifying.pk}/",
                f"/decisions/cases/{ordered.pk}/",
                "/notices/",
                f"/notices/{order.pk}/",
            ],
        ),
        "vendor_a": (
            "vendor_a",
            [
                "/portal/",
                *[f"/portal/cases/{case.pk}/" for case in own_cases],
                f"/portal/cases/{own_cases[0].pk}/respond/",
                f"/portal/cases/{own_cases[0].pk}/extension/",
                "/portal/team/",
            ],
        ),
    }


def stored_jobs_timed():
    """Inspections with timed observations (the demo's consent timeline)."""
    from django.db.models import Exists, OuterRef

    from cases.models import ScanObservation

    timed = ScanObservation.objects.filter(job__inspection=OuterRef("pk"), at__isnull=False)
    return Exists(timed)


class _Quiet:
    def write(self, *_args, **_kwargs):
        pass

    def flush(self):
        pass
