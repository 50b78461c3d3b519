"""The committed openapi.yaml is the API's contract: schemathesis drives every operation in-process.

Each operation gets a few generated requests (positive and negative data), as a regulator
administrator with an API token and, for the reads, as a vendor user (whose case events are the
shorter vendor shape). Every response must be no 5xx, a documented status code, the documented
content type and a body that matches the schema. The run is bounded (``MAX_EXAMPLES`` per operation)
and derandomized, so CI sees the same requests every time; ids in paths point at real rows half of
the time so that the 200 bodies are checked too, not only the 404s.
"""

import datetime
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
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
from cases.models import CaseEvent, CaseStatus
from notices import services as notice_services
from notices.models import NoticeKind
from tests import factories
from tests.notices.conftest import make_case

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.yaml"
MAX_EXAMPLES = 6
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
    derandomize=True,
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
    """Rows for the generated ids to find: a served case with events, findings, a notice, tokens."""
    admin = factories.UserFactory(username="sch-admin", role=Role.ADMIN)
    vendor = factories.VendorFactory()
    vendor_user = factories.VendorUserFactory(username="sch-vendor", vendor=vendor)
    case = make_case(CaseStatus.ORDERED, product=factories.ProductFactory(vendor=vendor))
    CaseEvent.record(kind="ordered", actor=admin, from_status=CaseStatus.OPEN, to_status=CaseStatus.ORDERED, case=case)
    other = make_case(CaseStatus.OVERDUE, deadline=datetime.date(2025, 10, 1))
    notice = notice_services.notice_draft(actor=admin, kind=NoticeKind.NAMING, case_ids=[other.pk])
    finding = case.findings.first()
    _, admin_key = api_token_issue(user=admin, name="schemathesis")
    _, vendor_key = api_token_issue(user=vendor_user, name="schemathesis")
    spare, _ = api_token_issue(user=admin, name="spare")  # for DELETE, never the token in use
    ids = {
        "cases": case.pk,
        "findings": finding.pk,
        "inspections": finding.inspection_id,
        "notices": notice.pk,
        "products": case.product_id,
        "versions": case.product_version_id,
        "vendors": vendor.pk,
        "campaigns": case.campaign_id,
        "testing-agencies": finding.inspection.agency_id,
        "violation-types": finding.violation_type_id,
        "tokens": spare.pk,
    }
    return {"admin": admin_key, "vendor": vendor_key, "ids": ids}


def _point_at_real_rows(case, ids):
    """Half of the generated ids (the even ones) are replaced by a real row of that resource."""
    params = case.path_parameters or {}
    if "id" not in params or not isinstance(params["id"], int) or params["id"] % 2:
        return
    resource = case.path.removeprefix("/api/v1/").split("/")[0]
    if resource == "auth":
        resource = "tokens"
    if resource in ids:
        params["id"] = ids[resource]


def _call(case, key, ids):
    _point_at_real_rows(case, ids)
    case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)


@schema.parametrize()
@BUDGET
def test_api_as_regulator(case, world):
    _call(case, world["admin"], world["ids"])
    assert ApiToken.objects.filter(name="schemathesis").count() == 2


@schema.include(method="GET").parametrize()
@BUDGET
def test_api_reads_as_vendor(case, world):
    _call(case, world["vendor"], world["ids"])
