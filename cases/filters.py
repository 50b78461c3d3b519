"""Query parameters of the inspection, finding, case and taxonomy lists (django-filter).

Ids are plain numbers rather than model choices: an unknown id gives an empty list instead of a
lookup query, and tells nobody whether another vendor's object exists.
"""

import django_filters as df

from cases.models import (
    Case,
    CaseStatus,
    Finding,
    FindingSource,
    FindingStatus,
    Inspection,
    InspectionMethod,
    ViolationType,
    case_overdue_q,
)
from cases.selectors import case_search
from config.api import FilterSet
from products.models import ProductKind


class ViolationTypeFilter(FilterSet):
    active = df.BooleanFilter()
    applies_to = df.ChoiceFilter(
        method="by_applies_to",
        choices=[("app", "app"), ("sdk", "sdk"), ("terminal", "terminal"), ("scenario", "scenario")],
    )

    class Meta:
        model = ViolationType
        fields = ["active", "applies_to"]

    def by_applies_to(self, queryset, name, value):
        # ``applies_to`` holds a ;-separated list such as "app;sdk;terminal"; ``value`` is one of the choices.
        return queryset.filter(applies_to__regex=rf"(^|;){value}(;|$)")


class InspectionFilter(FilterSet):
    campaign = df.NumberFilter(field_name="campaign_id")
    product_version = df.NumberFilter(field_name="product_version_id")
    product = df.NumberFilter(field_name="product_version__product_id")
    # The inspection's own vendor column (Inspection.vendor, its index in the list's order: issue 14).
    vendor = df.NumberFilter(field_name="vendor_id")
    agency = df.NumberFilter(field_name="agency_id")
    method = df.ChoiceFilter(choices=InspectionMethod.choices)
    date = df.DateFromToRangeFilter(label="Date range (date_after, date_before)")
    retest_of = df.NumberFilter(field_name="retest_of_id")

    class Meta:
        model = Inspection
        fields = ["campaign", "product_version", "product", "vendor", "agency", "method", "date", "retest_of"]


class FindingFilter(FilterSet):
    # No DISTINCT: a finding has one status; DISTINCT would sort every matching row.
    status = df.MultipleChoiceFilter(choices=FindingStatus.choices, distinct=False)
    source = df.ChoiceFilter(choices=FindingSource.choices)
    inspection = df.NumberFilter(field_name="inspection_id")
    campaign = df.NumberFilter(field_name="inspection__campaign_id")
    product_version = df.NumberFilter(field_name="inspection__product_version_id")
    # The finding's own vendor column (Finding.vendor, its index in the list's order: issue 14).
    vendor = df.NumberFilter(field_name="vendor_id")
    violation_type = df.CharFilter(field_name="violation_type__code", label="Violation type code, e.g. PI-01")
    case = df.NumberFilter(field_name="case_id")
    in_case = df.BooleanFilter(field_name="case", lookup_expr="isnull", exclude=True, label="Belongs to a case")
    scan_job = df.NumberFilter(field_name="scan_job_id")

    class Meta:
        model = Finding
        fields = [
            "status",
            "source",
            "inspection",
            "campaign",
            "product_version",
            "vendor",
            "violation_type",
            "case",
            "in_case",
            "scan_job",
        ]


class CaseFilter(FilterSet):
    status = df.MultipleChoiceFilter(choices=CaseStatus.choices, label="State (repeat for several)", distinct=False)
    campaign = df.NumberFilter(field_name="campaign_id")
    vendor = df.NumberFilter(field_name="vendor_id")
    product = df.NumberFilter(field_name="product_id")
    kind = df.ChoiceFilter(field_name="product__kind", choices=ProductKind.choices, label="Product kind")
    overdue = df.BooleanFilter(method="by_overdue", label="Past the deadline (or marked overdue)")
    q = df.CharFilter(method="search", label="Case number, product or vendor name contains")

    class Meta:
        model = Case
        fields = ["status", "campaign", "vendor", "product", "kind", "overdue", "q"]

    def by_overdue(self, queryset, name, value):
        # What "overdue" means belongs to the model (cases.models.case_overdue_q); this only parses the parameter.
        overdue = case_overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def search(self, queryset, name, value):
        return case_search(queryset, value)
