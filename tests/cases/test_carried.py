"""The columns carried down from the parents (issue 14): an inspection's vendor, a finding's
authority and vendor, equal to the joined values whichever door wrote the row (``cases.models``:
``inspection_vendor_id``, ``finding_carried``)."""

import datetime
import importlib

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import F, Q

from cases import services
from cases.models import Finding, Inspection, ViolationType
from cases.sdks import services as sdk_services
from products.models import Product, ProductVersion
from tests import factories
from tests.cases.ingest.test_service import english, media_root  # noqa: F401 (fixtures)
from tests.cases.ingest.test_traffic_ingest import ingest
from tests.cases.sdks.helpers import app_scanned, make_sdk, sdk_case

backfill = importlib.import_module("cases.migrations.0033_i14_vendorcol_backfill").backfill


def disagreeing() -> dict[str, list[int]]:
    """The rows whose carried columns differ from the joins: none, whichever door wrote them."""
    return {
        "inspections": list(
            Inspection.objects.filter(~Q(vendor_id=F("product_version__product__vendor_id"))).values_list(
                "pk", flat=True
            )
        ),
        "findings": list(
            Finding.objects.filter(
                ~Q(authority_id=F("inspection__authority_id"))
                | ~Q(vendor_id=F("inspection__product_version__product__vendor_id"))
            ).values_list("pk", flat=True)
        ),
    }


NONE = {"inspections": [], "findings": []}


def test_the_factories_carry_the_columns(finding_factory):
    finding = finding_factory(inspection__authority=factories.province("110000"))
    assert finding.authority_id == finding.inspection.authority_id != None  # noqa: E711
    assert finding.vendor_id == finding.inspection.product_version.product.vendor_id
    assert finding.inspection.vendor_id == finding.inspection.product_version.product.vendor_id
    assert disagreeing() == NONE


def test_the_services_carry_the_columns_on_an_inspection_a_retest_and_a_manual_finding(user_factory):
    beijing = factories.province("110000")
    inspector = user_factory(role="inspector", authority=beijing)
    campaign = factories.CampaignFactory(authority=beijing)
    version = factories.ProductVersionFactory()
    first = services.inspection_create(
        actor=inspector,
        campaign=campaign,
        product_version=version,
        agency=factories.TestingAgencyFactory(),
        date=datetime.date(2025, 9, 20),
        method="static",
    )
    retest = services.inspection_create(
        actor=inspector,
        campaign=campaign,
        product_version=factories.ProductVersionFactory(product=version.product, version="9.9"),
        agency=first.agency,
        date=datetime.date(2025, 10, 20),
        method="manual",
        retest_of=first,
    )
    finding = services.finding_create_manual(
        actor=inspector, inspection=retest, violation_type=ViolationType.objects.get(code="PI-01"), title="x"
    )
    assert first.vendor_id == retest.vendor_id == version.product.vendor_id
    assert (finding.authority_id, finding.vendor_id) == (beijing.pk, version.product.vendor_id)
    assert disagreeing() == NONE


def test_an_onsite_check_carries_the_scenarios_vendor(inspector):
    scenario = factories.OfflineScenarioFactory().product
    inspection = services.onsite_inspection_create(
        actor=inspector,
        campaign=factories.CampaignFactory(),
        scenario=scenario,
        agency=factories.TestingAgencyFactory(),
        date=datetime.date(2025, 9, 20),
    )
    assert inspection.vendor_id == scenario.vendor_id
    assert disagreeing() == NONE


def test_a_real_scan_carries_the_columns(user_factory, inspection_factory, django_capture_on_commit_callbacks):
    inspector = user_factory(role="inspector", authority=factories.province("440000"))
    terminal = inspection_factory(
        created_by=inspector,
        product_version__product__kind="terminal",
        product_version__product__terminal_category="camera",
    )
    job = ingest(inspector, terminal, "home_devices_nmap.xml", django_capture_on_commit_callbacks)
    findings = Finding.objects.filter(scan_job=job)
    assert findings.count() == 8
    assert set(findings.values_list("authority_id", "vendor_id")) == {(terminal.authority_id, terminal.vendor_id)}
    assert disagreeing() == NONE


def test_the_sdk_fan_out_carries_the_columns(reviewer):
    sdk = make_sdk()
    app_scanned(actor=reviewer)
    app_scanned(actor=reviewer)
    opened = sdk_services.sdk_linked_cases_open(actor=reviewer, case=sdk_case(sdk=sdk, actor=reviewer))
    assert len(opened) == 2
    assert Finding.objects.filter(rule="sdk_fanout").count() == 2
    assert disagreeing() == NONE


def test_the_backfill_sets_every_row_from_its_joins(finding_factory):
    """Migration 0032's statements (``UPDATE ... FROM`` on PostgreSQL, subqueries elsewhere): the
    rows of before the columns, here made wrong on purpose, get their parents' values."""
    findings = [finding_factory() for _ in range(3)] + [
        finding_factory(inspection__authority=factories.province("110000"))
    ]
    other_vendor, other_authority = factories.VendorFactory(), factories.province("310000")
    Inspection.objects.update(vendor=other_vendor)
    Finding.objects.update(vendor=other_vendor, authority=other_authority)
    assert len(disagreeing()["findings"]) == 4

    backfill(connection)

    assert disagreeing() == NONE
    for finding in findings:
        finding.refresh_from_db()
        assert finding.vendor_id == finding.inspection.product_version.product.vendor_id != other_vendor.pk
        assert finding.authority_id == finding.inspection.authority_id


@pytest.mark.parametrize(("model", "field"), [(Product, "vendor"), (ProductVersion, "product")])
def test_the_admin_never_moves_a_product_to_another_vendor(rf, admin_user, model, field):
    """What the carried vendor comes from never changes once created: read-only on the change form,
    editable when adding."""
    request = rf.get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    existing = factories.ProductVersionFactory()
    obj = existing.product if model is Product else existing
    assert field in model_admin.get_readonly_fields(request, obj)
    assert field not in model_admin.get_readonly_fields(request, None)
