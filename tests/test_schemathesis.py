"""The committed openapi.yaml is the API's contract: schemathesis drives every operation in-process.

Each operation gets a few generated requests (positive and negative data), as a regulator
administrator with an API token, as a vendor user (whose case events are the shorter vendor shape),
as an inspector and a reviewer (each generated request sent as both) and anonymously. Every
response must be no 5xx, a documented status code, the documented content type and a body that
matches the schema. The run is bounded (``MAX_EXAMPLES`` per operation) and derandomized, so CI sees
the same requests every time; ids in paths point at real rows half of the time so that the 200
bodies are checked too, not only the 404s.
"""

import datetime
import os
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.tokens import api_token_issue
from cases.ingest import failures
from cases.models import CaseEvent, CaseStatus, ScanJob, ScanStatus
from notices import services as notice_services
from notices.models import NoticeKind
from tests import factories
from tests.notices.conftest import make_case

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.yaml"
# A deeper run: SCHEMATHESIS_MAX_EXAMPLES=50 SCHEMATHESIS_DERANDOMIZE=0 pytest tests/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))
DERANDOMIZE = os.environ.get("SCHEMATHESIS_DERANDOMIZE", "1") != "0"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_path(OPENAPI)
schema.app = get_wsgi_application()

BUDGET = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=DERANDOMIZE,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def keep_connection():
    """As Django's test client does: the test's transaction outlives each in-process request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, keep_connection):
    """Rows for the generated ids to find: served cases with events, findings, notices, scan jobs, tokens."""
    admin = factories.UserFactory(username="sch-admin", role=Role.ADMIN)
    vendor = factories.VendorFactory()
    vendor_user = factories.VendorUserFactory(username="sch-vendor", vendor=vendor)
    case = make_case(CaseStatus.ORDERED, product=factories.ProductFactory(vendor=vendor))
    CaseEvent.record(kind="ordered", actor=admin, from_status=CaseStatus.OPEN, to_status=CaseStatus.ORDERED, case=case)
    CaseEvent.record(kind="overdue", from_status=CaseStatus.ORDERED, to_status=CaseStatus.OVERDUE, case=case)
    other = make_case(CaseStatus.OVERDUE, deadline=datetime.date(2025, 10, 1))
    notice = notice_services.notice_draft(actor=admin, kind=NoticeKind.NAMING, case_ids=[other.pk])
    order = notice_services.notice_draft(actor=admin, kind=NoticeKind.ORDER, case_ids=[make_case(CaseStatus.OPEN).pk])
    finding = case.findings.first()
    inspection = finding.inspection
    jobs = [
        ScanJob.objects.create(
            inspection=inspection, original_name="scan.json", sha256=str(n) * 64, size=1, created_by=admin, **fields
        )
        for n, fields in enumerate(
            [
                {},
                {"status": ScanStatus.FAILED, "failure_code": failures.TIMEOUT, "attempts": 1},
                {"status": ScanStatus.SUCCEEDED, "tool": "mobsf", "progress": 100, "observations": 1},
            ]
        )
    ]
    _, admin_key = api_token_issue(user=admin, name="schemathesis")
    _, vendor_key = api_token_issue(user=vendor_user, name="schemathesis")
    staff_keys = {
        role: api_token_issue(user=factories.UserFactory(username=f"sch-{role}", role=role), name="schemathesis")[1]
        for role in (Role.INSPECTOR, Role.REVIEWER)
    }
    spare, _ = api_token_issue(user=admin, name="spare")  # for DELETE, never the token in use
    ids = {
        "cases": [case.pk, other.pk],
        "findings": [finding.pk, other.findings.first().pk],
        "inspections": [inspection.pk],
        "notices": [notice.pk, order.pk],
        "products": [case.product_id],
        "versions": [case.product_version_id],
        "vendors": [vendor.pk],
        "campaigns": [case.campaign_id],
        "testing-agencies": [inspection.agency_id],
        "violation-types": [finding.violation_type_id],
        "scans": [job.pk for job in jobs],
        "tokens": [spare.pk],
    }
    return {"admin": admin_key, "vendor": vendor_key, "staff": staff_keys, "ids": ids}


def _point_at_real_rows(case, ids):
    """Half of the generated ids (the even ones) are replaced by a real row of that resource."""
    params = case.path_parameters or {}
    generated = params.get("id")
    if not isinstance(generated, int) or isinstance(generated, bool) or generated % 2:
        return
    resource = case.path.removeprefix("/api/v1/").split("/")[0]
    if resource == "auth":
        resource = "tokens"
    if resource in ids:
        rows = ids[resource]
        params["id"] = rows[(generated // 2) % len(rows)]


def _call(case, key, ids):
    _point_at_real_rows(case, ids)
    case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)


@schema.parametrize()
@BUDGET
def test_api_as_regulator(case, world):
    _call(case, world["admin"], world["ids"])
    assert ApiToken.objects.filter(name="schemathesis").count() == 4


@schema.parametrize()
@BUDGET
def test_api_as_vendor(case, world):
    """A vendor user: most operations refuse (403/404), its cases come with the vendor's events."""
    _call(case, world["vendor"], world["ids"])


@schema.parametrize()
@settings(BUDGET, phases=[Phase.generate], max_examples=3)
def test_api_as_anonymous_inspector_and_reviewer(case, world):
    """Each generated request sent three times (generated requests only, not the coverage phase, to
    keep the file bounded; one set of rows for the three): without a token, 401 in the error shape;
    as an inspector and as a reviewer, what their permissions allow in the documented shapes and
    the rest 403/404."""
    _point_at_real_rows(case, world["ids"])
    case.call_and_validate(checks=CHECKS)
    for role in (Role.INSPECTOR, Role.REVIEWER):
        _call(case, world["staff"][role], world["ids"])
