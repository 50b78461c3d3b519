"""The access-control matrix: route × role × object, with the expected status of each cell.

The authority axis (ARCHITECTURE.md §15): the ministry's regulators (inspector, reviewer, admin),
a Beijing and a Guangdong reviewer and a Guangdong inspector; vendor A's and B's records (cases,
inspections, scan jobs) belong to the ministry, vendor C's to Beijing. A provincial regulator
reaches its own authority's records only (another's are 404, as missing); a national one sees
every record and acts on another authority's with 403.

Every cell runs inside a savepoint that is rolled back, so an allowed write does not leak into
the next cell. Every refusal (any 4xx, 403 and 404 above all) must leave the database (row count
and content digest of every table) and the stored files (the listing of MEDIA_ROOT) unchanged.
A route under /portal/, /decisions/, /dashboard/, /complaints/ or /complain/ that the matrix does not
declare fails, and so
does any route in the project whose view declares no policy.
"""

import datetime
import json
import os
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Authority
from accounts.roles import Role
from cases import access, responses
from cases.ingest import jobs as scan_jobs
from cases.ingest.service import scan_job_process
from cases.models import Evidence
from complaints import services as complaint_services
from notices.models import Notice, NoticeKind, NoticeSeries, NoticeStatus
from products.models import VendorMembership
from tests import factories
from tests.cases.served import png, served_case

ROLES = (
    "anonymous",
    "vendor_a",
    "vendor_b",
    "inspector",
    "reviewer",
    "admin",
    "province_bj",
    "province_gd",
    "inspector_gd",
)
REGULATORS = ("inspector", "reviewer", "admin")
# Provincial regulators: their authority and their role; every other regulator is the ministry's.
PROVINCIAL = {"province_bj": ("bj", "reviewer"), "province_gd": ("gd", "reviewer"), "inspector_gd": ("gd", "inspector")}
INSPECTION_EDITORS = ("inspector", "admin")
VENDORS = ("vendor_a", "vendor_b")


# ------------------------------------------------------------------ expectations


def portal(ok=200):
    """Vendor pages on a vendor's object: own → ok, other vendor's → 404, regulators 403, anonymous login."""

    def expect(role, owner):
        if role == "anonymous":
            return 302
        if role in REGULATORS:
            return 403
        return ok if owner is None or role == f"vendor_{owner}" else 404

    return expect


def regulator(ok=200, perm_roles=REGULATORS, anonymous=302):
    def expect(role, owner):
        if role == "anonymous":
            return anonymous
        return ok if role in perm_roles else 403

    return expect


DECIDERS = ("reviewer", "admin")


def fixed(**by_role):
    return lambda role, owner: by_role[role]


@dataclass
class Route:
    name: str  # URL name (namespace:name)
    method: str
    path: str  # with {placeholders} filled from the world
    objects: tuple  # object keys, or (None,) for routes without one
    expect: object
    data: object = None  # callable(world, object key) -> POST data
    cells: list = field(default_factory=list)
    # A regulator route on an authority's record: scoped by authority (see ``expected``).
    scoped: bool = False


def authority_of(key) -> str:
    """The authority a world object belongs to: vendor C's and the ``_bj`` notices are Beijing's."""
    return "bj" if key and key.endswith(("_c", "_bj")) else "ministry"


def expected(route, role, key) -> int:
    """The status of a cell: the route's expectation, on the authority axis. A provincial regulator
    is a regulator of its role on its own authority's records and finds another's missing (404); a
    national regulator sees a province's records and is refused (403) what would change them."""
    owner = OWNERS[key]
    if role in PROVINCIAL:
        authority, as_role = PROVINCIAL[role]
        status = route.expect(as_role, owner)
        if route.scoped and key is not None and authority_of(key) != authority and status != 403:
            return 404
        return status
    status = route.expect(role, owner)
    if route.scoped and role in REGULATORS and route.method == "POST" and authority_of(key) != "ministry":
        return 403
    return status


def _respond_data(world, key):
    return {"summary": "已修复", "fixed_version": "3.3.0", "files": [png()]}


def _har(marker: str = "upload"):
    """A scanner's HAR (an empty capture), distinct per ``marker``: the world's jobs hold "world-*"."""
    body = {"log": {"version": "1.2", "creator": {"name": marker, "version": "1"}, "entries": []}}
    return SimpleUploadedFile("capture.har", json.dumps(body).encode(), content_type="application/json")


MATRIX = [
    # The vendor portal.
    Route("portal:cases", "GET", "/portal/", (None,), portal()),
    Route(
        "portal:claim",
        "GET",
        "/portal/claim/",
        (None,),
        fixed(anonymous=200, vendor_a=302, vendor_b=302, inspector=200, reviewer=200, admin=200),
    ),
    Route(
        "portal:claim",
        "POST",
        "/portal/claim/",
        ("case_a",),
        fixed(anonymous=400, vendor_a=302, vendor_b=302, inspector=403, reviewer=403, admin=403),
        data=lambda w, key: {
            "case_number": w["case_a"].number,
            "code": "WRONG-CODE",
            "username": "guesser",
            "email": "g@guess.test",
            "password": "Guess-Long-enough-1",
        },
    ),
    Route("portal:case", "GET", "/portal/cases/{pk}/", ("case_a", "case_b"), portal()),
    Route("portal:respond", "GET", "/portal/cases/{pk}/respond/", ("case_a", "case_b"), portal()),
    Route("portal:respond", "POST", "/portal/cases/{pk}/respond/", ("case_a", "case_b"), portal(302), _respond_data),
    Route("portal:extension", "GET", "/portal/cases/{pk}/extension/", ("case_a", "case_b"), portal()),
    Route(
        "portal:extension",
        "POST",
        "/portal/cases/{pk}/extension/",
        ("case_a", "case_b"),
        portal(302),
        lambda w, key: {"reason": "需要更多时间", "requested_deadline": "2030-12-31"},
    ),
    Route(
        "portal:order-pdf",
        "GET",
        "/portal/cases/{case}/orders/{pk}/pdf/",
        ("order_a", "draft_order_a", "order_b"),
        # A draft was never served: it is nobody's to download.
        lambda role, owner: portal()(role, "nobody" if owner == "draft" else owner),
    ),
    Route(
        "portal:evidence-download",
        "GET",
        "/portal/evidence/{pk}/download/",
        ("evidence_a", "evidence_b", "internal_evidence_a"),
        # Inspection-only evidence is internal: no vendor may download it.
        lambda role, owner: portal()(role, "nobody" if owner == "internal" else owner),
    ),
    Route("portal:team", "GET", "/portal/team/", (None,), portal()),
    Route(
        "portal:team",
        "POST",
        "/portal/team/",
        (None,),
        portal(302),
        lambda w, key: {"email": "nc@vendor.test"},
    ),
    Route("portal:team-remove", "POST", "/portal/team/{pk}/remove/", ("colleague_a", "colleague_b"), portal(302)),
    # A method the view does not declare is refused to everyone, before any login redirect.
    Route(
        "portal:team-remove", "GET", "/portal/team/{pk}/remove/", ("colleague_a",), fixed(**dict.fromkeys(ROLES, 403))
    ),
    Route("portal:invitation", "GET", "/portal/invitation/MQ/bad-token/", (None,), fixed(**dict.fromkeys(ROLES, 200))),
    # Reviewers' decisions.
    Route("decisions:queue", "GET", "/decisions/", (None,), regulator()),
    Route("decisions:response", "GET", "/decisions/responses/{pk}/", ("response_a", "response_b"), regulator()),
    Route(
        "decisions:response-accept",
        "POST",
        "/decisions/responses/{pk}/accept/",
        ("response_a", "response_b"),
        regulator(302, DECIDERS),
        lambda w, key: {"reason": "材料齐全"},
    ),
    Route(
        "decisions:response-accept",
        "GET",
        "/decisions/responses/{pk}/accept/",
        ("response_a",),
        fixed(**dict.fromkeys(ROLES, 403)),
    ),
    Route(
        "decisions:response-reject",
        "POST",
        "/decisions/responses/{pk}/reject/",
        ("response_a", "response_b"),
        regulator(302, DECIDERS),
        lambda w, key: {"reason": "证据不足"},
    ),
    Route("decisions:extension", "GET", "/decisions/extensions/{pk}/", ("extension_a", "extension_b"), regulator()),
    Route(
        "decisions:extension-grant",
        "POST",
        "/decisions/extensions/{pk}/grant/",
        ("extension_a", "extension_b"),
        regulator(302, DECIDERS),
        lambda w, key: {"new_deadline": "2025-10-17", "reason": "同意"},
    ),
    Route(
        "decisions:extension-refuse",
        "POST",
        "/decisions/extensions/{pk}/refuse/",
        ("extension_a", "extension_b"),
        regulator(302, DECIDERS),
        lambda w, key: {"reason": "不同意"},
    ),
    Route("decisions:case", "GET", "/decisions/cases/{pk}/", ("case_a", "case_b"), regulator()),
    Route(
        "decisions:retest-link",
        "POST",
        "/decisions/cases/{pk}/retest/",
        ("verifying_a", "verifying_b"),
        regulator(302, DECIDERS),
        lambda w, key: {"inspection": w[key].findings.first().inspection_id},
    ),
    Route(
        "decisions:rectified",
        "POST",
        "/decisions/cases/{pk}/rectified/",
        ("case_a", "case_b"),
        # No re-test linked yet: deciders get the page back with 409, nobody else gets that far.
        regulator(409, DECIDERS),
        lambda w, key: {"reason": ""},
    ),
    Route(
        "decisions:retest-failed",
        "POST",
        "/decisions/cases/{pk}/retest-failed/",
        ("case_a", "case_b"),
        regulator(409, DECIDERS),
        lambda w, key: {"reason": "仍存在"},
    ),
    # The regulator dashboard.
    Route("dashboard:index", "GET", "/dashboard/", (None,), regulator()),
    Route("dashboard:campaign", "GET", "/dashboard/campaigns/{pk}/", ("campaign_a",), regulator()),
    # Complaints: the public sends and follows its own by the private link (never a contact); only
    # regulators read complaints, with the complainants' contacts.
    Route("complaints-public:form", "GET", "/complain/", (None,), fixed(**dict.fromkeys(ROLES, 200))),
    Route(
        "complaints-public:form",
        "POST",
        "/complain/",
        (None,),
        # An empty form is refused (400) for everyone alike: nothing stored.
        fixed(**dict.fromkeys(ROLES, 400)),
        lambda w, key: {"subject_name": "", "text": ""},
    ),
    Route(
        "complaints-public:status",
        "GET",
        "/complain/status/{token}/",
        ("complaint_token", "wrong_token"),
        lambda role, owner: 200 if owner == "complainant" else 404,
    ),
    Route("complaints:list", "GET", "/complaints/", (None,), regulator()),
    Route("complaints:dashboard", "GET", "/complaints/dashboard/", (None,), regulator()),
    Route("complaints:import", "GET", "/complaints/import/", (None,), regulator()),
    Route("complaints:record", "GET", "/complaints/new/", (None,), regulator()),
    Route(
        "complaints:record",
        "POST",
        "/complaints/new/",
        (None,),
        regulator(302),
        lambda w, key: {
            "channel": "email",
            "received_on": "2025-09-12",
            "subject_name": "晴空天气",
            "subject_kind": "app",
            "text": "来信投诉：强制索取通讯录",
        },
    ),
    Route("complaints:detail", "GET", "/complaints/{pk}/", ("complaint",), regulator()),
    Route(
        "complaints:attachment-download",
        "GET",
        "/complaints/attachments/{pk}/download/",
        ("complaint_attachment",),
        regulator(),
    ),
    Route(
        "complaints:dismiss",
        "POST",
        "/complaints/{pk}/dismiss/",
        ("complaint",),
        regulator(302),
        lambda w, key: {"reason": "不属于个人信息问题"},
    ),
    Route(
        "complaints:match",
        "POST",
        "/complaints/{pk}/match/",
        ("complaint",),
        regulator(302),
        lambda w, key: {"vendor": w["case_a"].vendor_id},
    ),
    Route(
        "complaints:merge",
        "POST",
        "/complaints/{pk}/merge/",
        ("complaint",),
        regulator(302),
        lambda w, key: {"into": w["other_complaint"].pk},
    ),
    Route(
        "complaints:inspection",
        "POST",
        "/complaints/{pk}/inspection/",
        ("complaint",),
        # Not matched yet (no product, so no version to choose): inspection editors get the page back
        # with 400; reviewers may not log inspections.
        regulator(400, ("inspector", "admin")),
        lambda w, key: {
            "product_version": w["case_a"].product_version_id,
            "campaign": w["campaign_a"].pk,
            "agency": w["case_a"].findings.first().inspection.agency_id,
            "date": "2025-09-20",
            "method": "manual",
        },
    ),
    Route(
        "complaints-api:complaint-detail",
        "GET",
        "/api/v1/complaints/{pk}/",
        ("complaint",),
        lambda role, owner: 401 if role == "anonymous" else 403 if role in VENDORS else 200,
    ),
    # Neighbours a vendor must not reach: the regulators' evidence download and case page.
    Route("evidence-download", "GET", "/evidence/{pk}/download/", ("evidence_a", "evidence_b"), regulator()),
    Route("case-detail", "GET", "/cases/{pk}/", ("case_a", "case_b"), regulator()),
    # The API: a vendor reads its own case only; only deciders move cases.
    Route(
        "cases-api:case-detail",
        "GET",
        "/api/v1/cases/{pk}/",
        ("case_a", "case_b"),
        lambda role, owner: 401 if role == "anonymous" else portal()(role, owner) if role in VENDORS else 200,
    ),
    Route(
        "cases-api:case-withdraw",
        "POST",
        "/api/v1/cases/{pk}/withdraw/",
        ("case_a", "case_b"),
        regulator(200, DECIDERS, anonymous=401),
        lambda w, key: {"reason": "重复立案"},
    ),
    # The transfer page action (issue 17): deciders of the case's own authority; the sender may go to the list.
    Route(
        "case-transfer",
        "POST",
        "/cases/{pk}/transfer/",
        ("case_a", "case_b"),
        regulator(302, DECIDERS),
        lambda w, key: {
            "transfer-authority": Authority.objects.get(code="440000").pk,
            "transfer-reason": "经营者注册地在广东",
        },
    ),
    # Scans (issue 17): uploading to an inspection, retrying and withdrawing a job act on the
    # inspection's authority; only inspection editors do. The jobs succeeded: a retry is refused
    # with 409 to those who may act, and a withdrawal goes through.
    Route(
        "scan-page",
        "POST",
        "/inspections/{pk}/scans/",
        ("inspection_a", "inspection_b"),
        regulator(302, INSPECTION_EDITORS),
        lambda w, key: {"file": _har(), "tool": ""},
    ),
    Route(
        "scans-api:inspection-scans",
        "POST",
        "/api/v1/inspections/{pk}/scans/",
        ("inspection_a", "inspection_b"),
        regulator(202, INSPECTION_EDITORS, anonymous=401),
        lambda w, key: {"file": _har()},
    ),
    Route("scan-retry", "POST", "/scans/{pk}/retry/", ("scanjob_a", "scanjob_b"), regulator(302, INSPECTION_EDITORS)),
    Route(
        "scans-api:retry",
        "POST",
        "/api/v1/scans/{pk}/retry/",
        ("scanjob_a", "scanjob_b"),
        regulator(409, INSPECTION_EDITORS, anonymous=401),
    ),
    Route(
        "scan-withdraw",
        "POST",
        "/scans/{pk}/withdraw/",
        ("scanjob_a", "scanjob_b"),
        regulator(302, INSPECTION_EDITORS),
        lambda w, key: {"reason": "误传"},
    ),
    Route(
        "scans-api:withdraw",
        "POST",
        "/api/v1/scans/{pk}/withdraw/",
        ("scanjob_a", "scanjob_b"),
        regulator(200, INSPECTION_EDITORS, anonymous=401),
        lambda w, key: {"reason": "误传"},
    ),
    # Notices: the public register shows published public notices only; drafts exist for nobody.
    Route(
        "notices:public-detail",
        "GET",
        "/register/{pk}/",
        ("published_notice", "draft_notice"),
        lambda role, owner: 200 if owner == "published" else 404,
    ),
    Route(
        "notices:regulator-detail",
        "GET",
        "/notices/{pk}/",
        ("published_notice", "draft_notice"),
        regulator(),
    ),
]

# Regulator routes on an authority's record (``expected``). The API's case detail is scoped for
# regulators; vendors keep their own rule.
SCOPED = {
    "decisions:response",
    "decisions:response-accept",
    "decisions:response-reject",
    "decisions:extension",
    "decisions:extension-grant",
    "decisions:extension-refuse",
    "decisions:case",
    "decisions:retest-link",
    "decisions:rectified",
    "decisions:retest-failed",
    "evidence-download",
    "case-detail",
    "cases-api:case-detail",
    "cases-api:case-withdraw",
    "case-transfer",
    "notices:regulator-detail",
    "scan-page",
    "scans-api:inspection-scans",
    "scan-retry",
    "scans-api:retry",
    "scan-withdraw",
    "scans-api:withdraw",
}
# Every route on vendor B's objects runs on vendor C's (Beijing's) too; on the ministry's notices,
# on Beijing's.
for _route in MATRIX:
    _route.scoped = _route.name in SCOPED
    _route.objects = _route.objects + tuple(
        key[:-2] + "_c" if key.endswith("_b") else f"{key}_bj"
        for key in _route.objects
        if key and (key.endswith("_b") or key in ("published_notice", "draft_notice"))
    )

# Which owner each object belongs to (for the expectation functions).
OWNERS = {
    "case_a": "a",
    "case_b": "b",
    "order_a": "a",
    "draft_order_a": "draft",
    "order_b": "b",
    "evidence_a": "a",
    "evidence_b": "b",
    "internal_evidence_a": "internal",
    "colleague_a": "a",
    "colleague_b": "b",
    "response_a": "a",
    "response_b": "b",
    "extension_a": "a",
    "extension_b": "b",
    "verifying_a": "a",
    "verifying_b": "b",
    "campaign_a": "a",
    "published_notice": "published",
    "draft_notice": "draft",
    "complaint": None,
    "complaint_attachment": None,
    "complaint_token": "complainant",
    "wrong_token": "nobody",
    "case_c": "c",
    "order_c": "c",
    "evidence_c": "c",
    "colleague_c": "c",
    "response_c": "c",
    "extension_c": "c",
    "verifying_c": "c",
    "published_notice_bj": "published",
    "draft_notice_bj": "draft",
    "inspection_a": "a",
    "inspection_b": "b",
    "inspection_c": "c",
    "scanjob_a": "a",
    "scanjob_b": "b",
    "scanjob_c": "c",
    None: None,
}


# ------------------------------------------------------------------ the world


def _notice(*, actor, status, kind=NoticeKind.NAMING, case=None, vendor=None, issuer=None):
    issuer = issuer or (case.authority if case else Authority.objects.national())
    notice = Notice(
        issuer=issuer,
        kind=kind,
        series=NoticeSeries.ORDER if kind == NoticeKind.ORDER else NoticeSeries.APP,
        status=status,
        case=case,
        vendor=vendor,
        title="关于侵害用户权益行为的APP（SDK）通报",
        authority=issuer.masthead,
        opening="正文",
        closing="结尾",
        signature=issuer.signature,
        drafted_by=actor,
    )
    if status == NoticeStatus.PUBLISHED:
        notice.version = 1
        notice.year = 2025
        notice.published_on = datetime.date(2025, 9, 26)
        notice.published_at = datetime.datetime(2025, 9, 26, 10, tzinfo=datetime.UTC)
        notice.pdf_sha256 = "a" * 64
        if kind == NoticeKind.ORDER:
            notice.doc_sequence = case.pk
            notice.doc_number = f"{issuer.order_prefix}〔2025〕{case.pk}号"
        else:
            notice.batch_number = 1
            notice.overall_number = 1
        notice.pdf.save("notice.pdf", ContentFile(b"%PDF-1.7\n%test\n"), save=False)
    notice.save()
    return notice


def _vendor_side(letter, reviewer, campaign):
    vendor = factories.VendorFactory()
    user = factories.VendorUserFactory(vendor=vendor, username=f"vendor-{letter}")
    VendorMembership.objects.filter(user=user).update(is_vendor_admin=True)
    colleague = factories.VendorUserFactory(vendor=vendor, username=f"colleague-{letter}")
    case = served_case(vendor=vendor, actor=reviewer, campaign=campaign)
    responded = served_case(vendor=vendor, actor=reviewer, campaign=campaign)
    extension = responses.extension_request(actor=user, case=responded, reason="延期")
    response = responses.response_submit(actor=user, case=responded, summary="已整改", files=[png()])
    verifying = served_case(vendor=vendor, actor=reviewer, campaign=campaign)
    responses.response_accept(
        actor=reviewer,
        response=responses.response_submit(actor=user, case=verifying, summary="已整改", files=[png()]),
    )
    # The case's inspection and a scan job on it, succeeded (uploaded by a regulator of its authority).
    inspection = case.findings.first().inspection
    job, _created = scan_jobs.scan_job_create(actor=reviewer, inspection=inspection, uploaded=_har(f"world-{letter}"))
    scan_job_process(job_id=job.pk)
    order = _notice(actor=reviewer, status=NoticeStatus.PUBLISHED, kind=NoticeKind.ORDER, case=case, vendor=vendor)
    draft_order = _notice(actor=reviewer, status=NoticeStatus.DRAFT, kind=NoticeKind.ORDER, case=case, vendor=vendor)
    return {
        f"user_{letter}": user,
        f"case_{letter}": case,
        f"colleague_{letter}": colleague,
        f"response_{letter}": response,
        f"extension_{letter}": extension,
        f"evidence_{letter}": Evidence.objects.get(response=response),
        f"verifying_{letter}": verifying,
        f"order_{letter}": order,
        f"draft_order_{letter}": draft_order,
        f"inspection_{letter}": inspection,
        f"scanjob_{letter}": job,
    }


@pytest.fixture
def world(db, settings, tmp_path):
    # A MEDIA_ROOT of this test's own: the file listing must not see other tests' uploads.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    admin = factories.UserFactory(role=Role.ADMIN, username="admin-m", is_staff=True, is_superuser=True)
    reviewer = factories.UserFactory(role=Role.REVIEWER, username="reviewer-m")
    inspector = factories.UserFactory(role=Role.INSPECTOR, username="inspector-m")
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    province_bj = factories.UserFactory(role=Role.REVIEWER, username="reviewer-bj", authority=beijing)
    province_gd = factories.UserFactory(role=Role.REVIEWER, username="reviewer-gd", authority=guangdong)
    inspector_gd = factories.UserFactory(role=Role.INSPECTOR, username="inspector-gd", authority=guangdong)
    # A national campaign both provinces take part in.
    campaign = factories.CampaignFactory()
    campaign.participants.add(beijing, guangdong)
    w = {
        "reviewer": reviewer,
        "inspector": inspector,
        "admin": admin,
        "province_bj": province_bj,
        "province_gd": province_gd,
        "inspector_gd": inspector_gd,
        "campaign_a": campaign,
    }
    w.update(_vendor_side("a", reviewer, campaign))
    w.update(_vendor_side("b", reviewer, campaign))
    w.update(_vendor_side("c", province_bj, campaign))
    w["internal_evidence_a"] = Evidence.objects.filter(inspection__isnull=False, finding__case=w["case_a"]).first()
    # Inspection-only evidence of A's case (internal): a vendor never downloads it.
    source = w["internal_evidence_a"]
    w["internal_evidence_a"] = Evidence.objects.create(
        file=source.file.name,
        original_name="internal-notes.png",
        content_type="image/png",
        size=source.size,
        sha256=source.sha256,
        inspection=source.inspection,
        uploaded_by=reviewer,
    )
    w["published_notice"] = _notice(actor=reviewer, status=NoticeStatus.PUBLISHED)
    w["draft_notice"] = _notice(actor=reviewer, status=NoticeStatus.DRAFT)
    # Beijing's first naming notice is its 第1批 too: numbering is per authority.
    w["published_notice_bj"] = _notice(actor=province_bj, status=NoticeStatus.PUBLISHED, issuer=beijing)
    w["draft_notice_bj"] = _notice(actor=province_bj, status=NoticeStatus.DRAFT, issuer=beijing)
    access.case_access_code_issue(case=w["case_a"])
    complaint, token = complaint_services.complaint_submit(
        text="强制索取通讯录权限",
        subject_name=w["case_a"].product.name,
        contact_email="secret-complainant@mail.test",
        contact_phone="13912345678",
        files=[png()],
    )
    w["complaint"] = complaint
    w["complaint_attachment"] = complaint.attachments.get()
    w["complaint_token"] = token
    w["wrong_token"] = "x" * len(token)
    w["other_complaint"] = factories.ComplaintFactory()
    return w


def _clients(world):
    clients = {"anonymous": Client()}
    for role, user in [
        ("vendor_a", world["user_a"]),
        ("vendor_b", world["user_b"]),
        ("inspector", world["inspector"]),
        ("reviewer", world["reviewer"]),
        ("admin", world["admin"]),
        ("province_bj", world["province_bj"]),
        ("province_gd", world["province_gd"]),
        ("inspector_gd", world["inspector_gd"]),
    ]:
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def _path(route, world, key):
    if key is None:
        return route.path
    obj = world[key]
    if isinstance(obj, str):  # a complainant's status token
        return route.path.format(token=obj)
    case = getattr(obj, "case_id", None)
    return route.path.format(pk=obj.pk, case=case)


# ------------------------------------------------------------------ what "unchanged" means


def db_state() -> dict:
    """Row count and a digest of the content of every table, in one query."""
    tables = sorted(connection.introspection.table_names())
    parts = [
        f"SELECT '{t}', count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"{t}\" x"
        for t in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def media_state() -> list:
    root = settings.MEDIA_ROOT
    listing = []
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            stat = os.stat(path)
            listing.append((os.path.relpath(path, root), stat.st_size, stat.st_mtime_ns))
    return sorted(listing)


# ------------------------------------------------------------------ the tests


def _cells():
    for route in MATRIX:
        for key in route.objects:
            for role in ROLES:
                yield route, key, role


CELL_COUNT = sum(1 for _ in _cells())


@pytest.mark.django_db
def test_access_matrix(world):
    if connection.vendor != "postgresql":
        pytest.skip("the content digest uses PostgreSQL's row-to-text")
    clients = _clients(world)
    failures, refusals, tested, leaks = [], 0, 0, []
    for route, key, role in _cells():
        expected_status = expected(route, role, key)
        path = _path(route, world, key)
        cache.clear()
        with transaction.atomic():
            db_before, files_before = db_state(), media_state()
            client = clients[role]
            if route.method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, route.data(world, key) if route.data else {})
            tested += 1
            # A leak: a refusal was due and the request got through (or a refusal changed data, below).
            if expected_status >= 400 and response.status_code < 400:
                leaks.append(f"{route.method} {path} as {role} ({key}): {response.status_code}")
            if response.status_code != expected_status:
                failures.append(f"{route.method} {path} as {role} ({key}): {response.status_code} != {expected_status}")
            if response.status_code >= 400:
                refusals += 1
                if db_state() != db_before:
                    changed = {t for t, v in db_state().items() if db_before.get(t) != v}
                    failures.append(f"{route.method} {path} as {role}: refused but the database changed: {changed}")
                    leaks.append(f"{route.method} {path} as {role}: database changed")
                if media_state() != files_before:
                    failures.append(f"{route.method} {path} as {role}: refused but MEDIA_ROOT changed")
                    leaks.append(f"{route.method} {path} as {role}: files changed")
            transaction.set_rollback(True)
    print(
        f"access matrix: {tested} cells ({len(MATRIX)} route/method rows × objects × {len(ROLES)} roles), "
        f"{refusals} refusals checked for unchanged database and files, {len(failures)} failures, "
        f"{len(leaks)} leaks (a refusal expected, something else answered; or a refusal that changed data)"
    )
    assert not failures, "\n".join(failures)
    assert leaks == []
    assert tested == CELL_COUNT


# What no vendor and no visitor may read: a complainant's contact, on any page or API answer they reach.
CONTACT = ("secret-complainant@mail.test", "13912345678")
PUBLIC_AND_VENDOR_PATHS = (
    "/complain/",
    "/complain/status/{token}/",
    "/complaints/",
    "/complaints/{pk}/",
    "/complaints/dashboard/",
    "/api/v1/complaints/",
    "/api/v1/complaints/{pk}/",
    "/api/v1/public/complaints/status/{token}/",
    "/portal/",
    "/register/",
)


@pytest.mark.django_db
def test_no_vendor_and_no_visitor_sees_a_complainants_contact(world):
    clients = _clients(world)
    regulator_page = clients["reviewer"].get(f"/complaints/{world['complaint'].pk}/").content.decode()
    assert all(value in regulator_page for value in CONTACT)  # the regulators do see it
    seen = []
    for role in ("anonymous", "vendor_a", "vendor_b"):
        for template in PUBLIC_AND_VENDOR_PATHS:
            path = template.format(pk=world["complaint"].pk, token=world["complaint_token"])
            body = clients[role].get(path).content.decode()
            seen += [f"{role} {path}: {value}" for value in CONTACT if value in body]
    assert seen == []


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _declared_policy(callback):
    for candidate in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        if candidate is not None and getattr(candidate, "policy", None):
            return candidate.policy
    initkwargs = getattr(callback, "initkwargs", None) or {}
    return initkwargs.get("policy")


# Routes that Django or a library owns, with their own access rules.
NOT_OURS = ("admin/", "i18n/")


def test_every_route_declares_a_policy():
    missing = [
        route
        for route, entry in _walk(get_resolver().url_patterns)
        if not route.startswith(NOT_OURS) and not _declared_policy(entry.callback)
    ]
    assert missing == []


def test_every_portal_decision_and_dashboard_route_is_in_the_matrix():
    covered = {route.name for route in MATRIX}
    ours = []
    for route, entry in _walk(get_resolver().url_patterns):
        if route.startswith(("portal/", "decisions/", "dashboard/", "complaints/", "complain/")):
            namespace = route.split("/")[0]
            namespace = {
                "portal": "portal",
                "decisions": "decisions",
                "dashboard": "dashboard",
                "complaints": "complaints",
                "complain": "complaints-public",
            }[namespace]
            ours.append(f"{namespace}:{entry.name}")
    assert ours, "the portal, decision and dashboard routes are not mounted"
    assert sorted(set(ours) - covered) == []


def test_the_matrix_is_big_enough():
    assert CELL_COUNT >= 300
