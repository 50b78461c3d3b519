"""Counts per listed row and related columns written directly (config.lists.CountPerRow,
config.rows.RelatedColumn): the same numbers and values as the ORM's subqueries and joins, for a
filtered related queryset, a list counting rows of its own table, and a queryset with a join
(which keeps the ORM's subquery)."""

import pytest
from django.db.models import Count, OuterRef, Q, Subquery

from cases.models import Case, Finding, FindingStatus, Inspection, InspectionMethod
from config.lists import CountPerRow, count_per_row
from config.rows import RelatedColumn, _lookup
from products.models import Product, Vendor
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspections():
    first, second, third = factories.InspectionFactory.create_batch(3)
    factories.FindingFactory.create_batch(3, inspection=first)
    factories.FindingFactory(inspection=first, status=FindingStatus.CONFIRMED)
    factories.FindingFactory(inspection=second, status=FindingStatus.DISMISSED)
    # Re-tests of the first inspection: rows of the list's own table.
    factories.InspectionFactory(retest_of=first, product_version=first.product_version, method=InspectionMethod.DEVICE)
    factories.InspectionFactory(retest_of=first, product_version=first.product_version)
    return first, second, third


def test_counts_per_row_are_the_counts_of_a_join(inspections):
    counted = Inspection.objects.annotate(
        all_findings=count_per_row(Finding.objects.all(), "inspection"),
        candidates=count_per_row(Finding.objects.filter(status=FindingStatus.CANDIDATE), "inspection"),
        open_ones=count_per_row(Finding.objects.exclude(status=FindingStatus.DISMISSED), "inspection"),
        device_retests=count_per_row(Inspection.objects.filter(method=InspectionMethod.DEVICE), "retest_of"),
    )
    joined = Inspection.objects.annotate(
        all_findings=Count("findings", distinct=True),
        candidates=Count("findings", filter=Q(findings__status=FindingStatus.CANDIDATE), distinct=True),
        open_ones=Count("findings", filter=~Q(findings__status=FindingStatus.DISMISSED), distinct=True),
        device_retests=Count("retests", filter=Q(retests__method=InspectionMethod.DEVICE), distinct=True),
    )
    columns = ["id", "all_findings", "candidates", "open_ones", "device_retests"]
    assert list(counted.order_by("id").values(*columns)) == list(joined.order_by("id").values(*columns))
    first = inspections[0]
    assert counted.values_list("all_findings", "candidates", "device_retests").get(pk=first.pk) == (4, 3, 1)
    # Written directly, the related table under an alias of its own (the list counts its own table).
    assert isinstance(count_per_row(Finding.objects.all(), "inspection"), CountPerRow)
    sql = str(counted.query)
    assert '"count_per_row"."retest_of_id" = "cases_inspection"."id"' in sql
    assert "GROUP BY" not in sql


def test_a_related_queryset_with_a_join_or_no_rows_keeps_the_orms_subquery(inspections):
    through_join = count_per_row(Finding.objects.filter(inspection__method=InspectionMethod.MANUAL), "inspection")
    nothing = count_per_row(Finding.objects.filter(pk__in=[]), "inspection")
    assert not isinstance(through_join, CountPerRow) and not isinstance(nothing, CountPerRow)
    rows = Inspection.objects.annotate(a=through_join, b=nothing).order_by("id").values_list("a", "b")
    assert list(rows)[:2] == [(4, 0), (1, 0)]


def test_counts_per_row_hold_when_the_list_is_itself_a_subquery(inspections):
    counted = Inspection.objects.annotate(n=count_per_row(Finding.objects.all(), "inspection")).filter(n__gte=4)
    assert list(Inspection.objects.filter(pk__in=counted.values("pk")).values_list("pk", flat=True)) == [
        inspections[0].pk
    ]


def test_related_columns_read_what_a_subquery_reads_including_an_empty_relation(inspections):
    case = factories.CaseFactory()
    lookup = _lookup(Case, "vendor__name")
    assert isinstance(lookup, RelatedColumn)
    direct = Case.objects.annotate(v=lookup, p=_lookup(Case, "product__kind")).order_by("id")
    orm = Case.objects.annotate(
        v=Subquery(Vendor.objects.filter(pk=OuterRef("vendor_id")).values("name")),
        p=Subquery(Product.objects.filter(pk=OuterRef("product_id")).values("kind")),
    ).order_by("id")
    assert list(direct.values("id", "v", "p")) == list(orm.values("id", "v", "p"))
    assert direct.values_list("v", flat=True).get(pk=case.pk) == case.vendor.name
    # A relation to the list's own table, empty for the first inspection: None, as a LEFT JOIN reads.
    retested = Inspection.objects.annotate(d=_lookup(Inspection, "retest_of__method")).order_by("id")
    assert list(retested.values_list("d", flat=True)) == [
        None,
        None,
        None,
        inspections[0].method,
        inspections[0].method,
    ]
    # Two steps away: still the ORM's subquery (a join inside it).
    assert not isinstance(_lookup(Case, "product_version__product__name"), RelatedColumn)
