"""The API lists read as dicts (config.rows, issue 14) answer the bytes their serializers wrote.

Each list is asked through the API, in both languages, on factory data with every variant of its
fields (empty relations, nulls, dates and datetimes, JSON, translated messages); its rows are then
read again as model instances through the original selector and written by the original
serializer, and both are rendered by the same JSON renderer and compared byte for byte.
"""

import datetime

import pytest
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from cases import selectors as case_selectors
from cases.models import Case, CaseStatus, Finding, FindingSource, FindingStatus, ScanJob
from cases.serializers import (
    CampaignSerializer,
    CaseListSerializer,
    FindingSerializer,
    InspectionSerializer,
    ViolationTypeSerializer,
)
from cases.serializers import (
    TestingAgencySerializer as AgencySerializer,
)
from config.rows import RowPlan, prototype
from notices.models import Notice, NoticeKind
from notices.serializers import NoticeListSerializer
from products import selectors as product_selectors
from products.models import Product, ProductVersion, Vendor
from products.serializers import ProductSerializer, VendorSerializer, VersionSerializer
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"
LANGUAGES = ["zh-hans", "en"]


def render(data) -> bytes:
    return JSONRenderer().render(data)


def ask(client, path: str, language: str) -> dict:
    response = client.get(path, {"page_size": 100}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.json()


def same_bytes(results: list[dict], serializer_class, instances_by_id: dict, language: str) -> None:
    assert results, "the list is empty: nothing compared"
    instances = [instances_by_id[row["id"]] for row in results]
    with translation.override(language):
        expected = render(serializer_class(instances, many=True).data)
    assert render(results) == expected


@pytest.fixture
def as_admin(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.fixture
def variety(inspector, reviewer):
    """Cases, inspections and findings covering the fields' variants."""
    today = timezone.localdate()
    bare = factories.CaseFactory()  # draft: no service, no deadline, no findings
    overdue = factories.CaseFactory()
    Case.objects.filter(pk=overdue.pk).update(
        status=CaseStatus.ORDERED, served_on=today - datetime.timedelta(days=30), deadline=today
    )
    Case.objects.filter(pk=overdue.pk).update(deadline=today - datetime.timedelta(days=1))
    marked = factories.CaseFactory()
    Case.objects.filter(pk=marked.pk).update(status=CaseStatus.OVERDUE, deadline=today + datetime.timedelta(days=3))
    retest_of = factories.InspectionFactory(created_by=inspector, notes="", device_address="")
    retest = factories.InspectionFactory(
        retest_of=retest_of,
        notes="复测：仍收集IMEI",
        device_address="192.168.1.20",
        product_version=retest_of.product_version,
    )
    job = ScanJob.objects.create(
        inspection=retest,
        original_name="scan.har",
        sha256="0" * 64,
        size=1,
        created_by=inspector,
        identity_mismatch=[
            {"field": "package", "registered": "com.example.a", "report": "com.example.b"},
            {"field": "somewhere", "registered": "", "report": None},
        ],
    )
    factories.FindingFactory(inspection=retest_of)  # candidate, by hand, no case, undecided
    factories.FindingFactory(inspection=retest, scan_job=job, source=FindingSource.SCAN, description="详情")
    decided = factories.FindingFactory(inspection=retest, case=overdue, status=FindingStatus.CONFIRMED)
    Finding.objects.filter(pk=decided.pk).update(
        decided_by=reviewer, decided_at=timezone.now(), decision_reason="属实", rule="PI-01/imei"
    )
    factories.FindingFactory(inspection=retest, case=overdue, status=FindingStatus.DISMISSED)
    ProductVersion.objects.filter(pk=retest.product_version_id).update(build="", source="", file_sha256="")
    Vendor.objects.filter(pk=bare.vendor_id).update(name_en="", address="北京市海淀区", contact_email="")
    return {"cases": [bare, overdue, marked]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_list_writes_what_its_serializer_wrote(as_admin, admin_user, variety, language):
    results = ask(as_admin, f"{API}/cases/", language)["results"]
    assert {row["id"] for row in results} >= {case.pk for case in variety["cases"]}
    assert {row["overdue"] for row in results} == {True, False}
    assert any(row["served_on"] is None for row in results) and any(row["finding_count"] for row in results)
    cases = case_selectors.case_list(actor=admin_user).in_bulk()
    same_bytes(results, CaseListSerializer, cases, language)


def test_the_case_list_of_a_vendor_user_writes_what_its_serializer_wrote(api_client, variety):
    case = variety["cases"][1]
    user = factories.VendorUserFactory(vendor=case.vendor)
    api_client.force_authenticate(user)
    results = ask(api_client, f"{API}/cases/", "zh-hans")["results"]
    assert [row["id"] for row in results] == [case.pk]
    same_bytes(results, CaseListSerializer, case_selectors.case_list(actor=user).in_bulk(), "zh-hans")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_finding_list_writes_what_its_serializer_wrote(as_admin, admin_user, variety, language):
    results = ask(as_admin, f"{API}/findings/", language)["results"]
    assert len(results) == 4
    assert any(row["identity_mismatch"] for row in results) and any(row["case_number"] for row in results)
    assert any(row["decided_by"] for row in results) and any(row["decided_by"] is None for row in results)
    findings = case_selectors.finding_list(actor=admin_user).in_bulk()
    same_bytes(results, FindingSerializer, findings, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_inspection_list_writes_what_its_serializer_wrote(as_admin, admin_user, variety, language):
    results = ask(as_admin, f"{API}/inspections/", language)["results"]
    assert any(row["retest_of"] for row in results) and any(row["retest_of"] is None for row in results)
    inspections = case_selectors.inspection_queryset_for(actor=admin_user).in_bulk()
    same_bytes(results, InspectionSerializer, inspections, language)


def test_a_filtered_page_after_a_cursor_writes_what_its_serializer_wrote(as_admin, admin_user, variety):
    """The cursor of a list read as dicts leads to the same rows as one read as instances."""
    first = as_admin.get(f"{API}/cases/", {"page_size": 1}).json()
    assert first["count"] == 3 and first["count_exact"] is True and first["next"]
    second = as_admin.get(first["next"]).json()
    assert second["previous"] and second["results"][0]["id"] != first["results"][0]["id"]
    back = as_admin.get(second["previous"]).json()
    assert back["results"] == first["results"]
    same_bytes(second["results"], CaseListSerializer, case_selectors.case_list(actor=admin_user).in_bulk(), "zh-hans")
    ordered = as_admin.get(f"{API}/cases/", {"status": "ordered"}).json()["results"]
    assert [row["id"] for row in ordered] == [variety["cases"][1].pk]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_list_writes_what_its_serializer_wrote(as_admin, admin_user, inspector, reviewer, language):
    from notices import selectors as notice_selectors
    from notices import services
    from tests.notices.conftest import make_case

    drafted = [
        services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk, make_case().pk])
        for _ in range(2)
    ]
    numbered, plain = drafted
    Notice.objects.filter(pk=numbered.pk).update(
        year=2026,
        batch_number=3,
        overall_number=41,
        approved_by=reviewer,
        published_on=datetime.date(2026, 3, 2),
        pdf_sha256="a" * 64,
        vendor=factories.VendorFactory(),
        supersedes=plain,
        doc_number="工信部信管函〔2026〕3号",
    )
    results = ask(as_admin, f"{API}/notices/", language)["results"]
    assert {row["id"] for row in results} == {numbered.pk, plain.pk}
    assert any(row["batch_label"] for row in results) and any(row["approved_by"] is None for row in results)
    notices = {n.pk: n for n in notice_selectors.notices_in_order([row["id"] for row in results], actor=admin_user)}
    same_bytes(results, NoticeListSerializer, notices, language)


@pytest.mark.parametrize(
    ("path", "serializer_class", "rows"),
    [
        ("vendors", VendorSerializer, lambda: product_selectors.vendor_list().in_bulk()),
        ("products", ProductSerializer, lambda: Product.objects.in_bulk()),
        ("versions", VersionSerializer, lambda: ProductVersion.objects.in_bulk()),
        ("campaigns", CampaignSerializer, lambda: case_selectors.campaign_list().in_bulk()),
        ("testing-agencies", AgencySerializer, lambda: case_selectors.testing_agency_list().in_bulk()),
        ("violation-types", ViolationTypeSerializer, lambda: case_selectors.violation_type_list().in_bulk()),
    ],
)
def test_the_reference_lists_write_what_their_serializers_wrote(as_admin, variety, path, serializer_class, rows):
    results = ask(as_admin, f"{API}/{path}/", "en")["results"]
    same_bytes(results, serializer_class, rows(), "en")


# The plan itself: what DRF does with a field whose source runs through an empty relation.


class _Ref(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "number"]


class _Through(serializers.ModelSerializer):
    """Findings' fields through their (nullable) case, declared each way DRF treats an empty one."""

    with_default = serializers.CharField(source="case.number", default="—", read_only=True)
    nullable = serializers.CharField(source="case.number", allow_null=True, read_only=True)
    left_out = serializers.CharField(source="case.number", read_only=True)
    case = _Ref(read_only=True)
    inspection_date = serializers.DateField(source="inspection.date", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "with_default", "nullable", "left_out", "case", "inspection_date", "created_at"]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/New_York"])
def test_an_empty_relation_is_written_as_drf_writes_it(variety, zone):
    plan = RowPlan(_Through)
    queryset = Finding.objects.order_by("id")
    with timezone.override(zone):
        rows = plan.render(plan.values(queryset))
        expected = _Through(queryset.select_related("case", "inspection"), many=True).data
    assert render(rows) == render(expected)
    assert all(row["created_at"].endswith("Z") for row in rows) == (zone == "UTC")
    assert any("left_out" not in row for row in rows) and any(row["case"] is None for row in rows)
    assert any(row["with_default"] == "—" for row in rows)


def test_a_field_that_is_not_a_column_is_refused_when_the_plan_is_built():
    class Method(serializers.ModelSerializer):
        whatever = serializers.SerializerMethodField()

        class Meta:
            model = Case
            fields = ["id", "whatever"]

        def get_whatever(self, obj):
            return 1

    with pytest.raises(ValueError, match="whatever"):
        RowPlan(Method).columns  # noqa: B018


def test_a_required_field_through_an_empty_relation_fails_as_the_serializer_does(variety):
    class Required(serializers.ModelSerializer):
        number = serializers.CharField(source="case.number")

        class Meta:
            model = Finding
            fields = ["id", "number"]

    finding = Finding.objects.filter(case__isnull=True).first()
    with pytest.raises(AttributeError):
        Required(finding).data  # noqa: B018
    plan = RowPlan(Required)
    with pytest.raises(AttributeError):
        plan.render(plan.values(Finding.objects.filter(pk=finding.pk)))


def test_a_prototype_writes_what_a_new_serializer_writes(variety):
    cases = list(Case.objects.select_related("campaign", "vendor", "product", "product_version", "authority"))
    shared = prototype(CaseListSerializer, many=True)
    assert shared is prototype(CaseListSerializer, many=True)
    for case in cases:
        case.finding_count = 0
    assert render(shared.to_representation(cases)) == render(CaseListSerializer(cases, many=True).data)


def test_a_list_without_filter_parameters_skips_the_filter_set(as_admin, variety):
    """config.api.FilterBackend: no parameter names a filter, the same rows as an empty filter."""
    plain = as_admin.get(f"{API}/cases/", {"page_size": 50}).json()
    empty = as_admin.get(f"{API}/cases/", {"page_size": 50, "overdue": "", "q": ""}).json()
    assert plain == empty and plain["count"] == 3
    assert as_admin.get(f"{API}/cases/", {"status": "bogus"}).status_code == 400
    found = as_admin.get(f"{API}/inspections/", {"date_after": "2099-01-01"}).json()
    assert found["count"] == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_detail_writes_what_its_serializer_wrote(api_client, admin_user, variety, language):
    """``case_detail_data`` (serializers built once) for a regulator and for the case's vendor."""
    from cases.serializers import CaseDetailSerializer, CaseEventSerializer, VendorCaseEventSerializer

    case = variety["cases"][1]
    vendor_user = factories.VendorUserFactory(vendor=case.vendor)
    for user, events in [(admin_user, CaseEventSerializer), (vendor_user, VendorCaseEventSerializer)]:
        api_client.force_authenticate(user)
        response = api_client.get(f"{API}/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        body = response.json()
        assert body["findings"] and body["id"] == case.pk
        with translation.override(language):
            found = case_selectors.case_get_for(actor=user, case_id=case.pk)
            context = {
                "findings": case_selectors.case_findings_for(actor=user, case=found),
                "events": case_selectors.case_events(case=found),
                "event_serializer": events,
            }
            expected = render(CaseDetailSerializer(found, context=context).data)
        assert render(body) == expected


def test_the_draftable_cases_write_what_their_serializer_wrote(as_admin, admin_user):
    from notices import selectors as notice_selectors
    from notices.serializers import DraftableCaseSerializer
    from tests.notices.conftest import make_case

    make_case(deadline=datetime.date(2026, 1, 5))
    make_case()  # no deadline
    response = as_admin.get(f"{API}/notices/draftable-cases/", {"kind": "naming"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 2 and any(row["deadline"] is None for row in results)
    cases = notice_selectors.draftable_cases(kind="naming", actor=admin_user).in_bulk()
    same_bytes(results, DraftableCaseSerializer, cases, "zh-hans")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_scan_jobs_write_what_their_serializer_wrote(as_admin, variety, language):
    """``prototype(ScanJobSerializer)`` (built once) for jobs in each state, list and detail."""
    from cases.ingest.api import ScanJobSerializer
    from cases.models import ScanStatus

    job = ScanJob.objects.get()
    inspection = job.inspection
    made = dict(inspection=inspection, original_name="r.json", size=2, created_by=job.created_by)
    ScanJob.objects.create(
        **made,
        sha256="1" * 64,
        status=ScanStatus.SUCCEEDED,
        counts={"by_kind": {"x": 2}, "not_applicable": {"PI-02": 1}},
    )
    ScanJob.objects.create(
        **made, sha256="2" * 64, status=ScanStatus.FAILED, failure_code="timeout", failure_params={"seconds": 60}
    )
    ScanJob.objects.create(**made, sha256="3" * 64, status=ScanStatus.WITHDRAWN, withdrawn_at=timezone.now())
    response = as_admin.get(f"{API}/inspections/{inspection.pk}/scans/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    results = response.json()
    assert len(results) == 4 and any(row["failure"] for row in results) and any(row["withdrawal"] for row in results)
    with translation.override(language):
        same_bytes(results, ScanJobSerializer, ScanJob.objects.in_bulk(), language)
        detail = as_admin.get(f"{API}/scans/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
        assert render(detail) == render(ScanJobSerializer(ScanJob.objects.get(pk=job.pk)).data)


def test_the_notice_list_pages_by_cursor_on_rows_read_as_dicts(as_admin, inspector):
    from notices import services
    from tests.notices.conftest import make_case

    drafted = [services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk]) for _ in "abc"]
    seen, url = [], f"{API}/notices/?page_size=1"
    while url:
        body = as_admin.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [notice.pk for notice in reversed(drafted)]
    back = as_admin.get(body["previous"]).json()["results"]
    assert [row["id"] for row in back] == [drafted[1].pk]


def test_related_columns_are_read_by_subqueries_not_joins(admin_user, variety):
    """A list row's related objects (a case's authority, campaign, vendor, product and version)
    are read by one subquery per column, after the page's LIMIT, not by joins: PostgreSQL's
    search of the join orders grew with each one (4 ms to plan a case page at scale, 9 ms a
    finding page filtered by vendor, for under 1 ms of work). The ordering stays the row's own."""
    from cases.serializers import CASE_LIST_ROWS, FINDING_ROWS, INSPECTION_ROWS

    lists = {
        CASE_LIST_ROWS: case_selectors.case_list(actor=admin_user),
        FINDING_ROWS: case_selectors.finding_list(actor=admin_user),
        INSPECTION_ROWS: case_selectors.inspection_queryset_for(actor=admin_user),
    }
    for plan, queryset in lists.items():
        rows = plan.values(queryset)
        sql = str(rows.query)
        table = queryset.model._meta.db_table
        outer_from = sql[sql.rindex(f' FROM "{table}"') :]
        assert " JOIN " not in outer_from, sql
        assert sql.count("(SELECT ") >= 3, sql
        # A related object's key is the row's own column, not a subquery.
        assert '"campaign__id"' not in sql or f'"{table}"."campaign_id" AS "campaign__id"' in sql
        # The counted queryset is the list's own, without the columns.
        assert rows.count_from is queryset
    # An empty relation reads None, as the LEFT JOIN did: findings without a case or a scan.
    finding = Finding.objects.filter(case__isnull=True, scan_job__isnull=True).first()
    assert finding is not None
    row = FINDING_ROWS.values(Finding.objects.filter(pk=finding.pk)).get()
    assert row["case__number"] is None and row["scan_job__identity_mismatch"] is None
