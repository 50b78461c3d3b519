"""Query parameters of the vendor, product and version lists (django-filter)."""

import django_filters as df

from config.api import FilterSet

from .models import Product, ProductKind, ProductVersion, ScenarioType, TerminalCategory, Vendor
from .selectors import product_search, scenario_filter, vendor_search
from .validators import region_prefix_valid


class VendorFilter(FilterSet):
    q = df.CharFilter(method="search", label="Name, English name or credit code contains")
    credit_code = df.CharFilter(method="by_credit_code", label="Unified social credit code (exact)")

    class Meta:
        model = Vendor
        fields = ["q", "credit_code"]

    def search(self, queryset, name, value):
        return vendor_search(queryset, value)

    def by_credit_code(self, queryset, name, value):
        return queryset.filter(credit_code=value.strip().upper())


class ProductFilter(FilterSet):
    vendor = df.NumberFilter(field_name="vendor_id")
    kind = df.ChoiceFilter(choices=ProductKind.choices)
    terminal_category = df.ChoiceFilter(choices=TerminalCategory.choices)
    q = df.CharFilter(method="search", label="Product or vendor name contains")

    class Meta:
        model = Product
        fields = ["vendor", "kind", "terminal_category", "q"]

    def search(self, queryset, name, value):
        return product_search(queryset, value)


class VersionFilter(FilterSet):
    product = df.NumberFilter(field_name="product_id")
    vendor = df.NumberFilter(field_name="product__vendor_id")
    kind = df.ChoiceFilter(field_name="product__kind", choices=ProductKind.choices)
    package_name = df.CharFilter()
    file_sha256 = df.CharFilter(method="by_sha256")

    class Meta:
        model = ProductVersion
        fields = ["product", "vendor", "kind", "package_name", "file_sha256"]

    def by_sha256(self, queryset, name, value):
        return queryset.filter(file_sha256=value.strip().lower())


class ScenarioFilter(FilterSet):
    vendor = df.NumberFilter(field_name="vendor_id")
    scenario_type = df.ChoiceFilter(method="by_type", choices=ScenarioType.choices)
    region = df.CharFilter(
        method="by_region",
        label="Administrative division prefix: a province (2 digits, e.g. 11), city (4) or county (6)",
    )
    q = df.CharFilter(method="search", label="Venue or operator name contains")

    class Meta:
        model = Product
        fields = ["vendor", "scenario_type", "region", "q"]

    def by_type(self, queryset, name, value):
        return scenario_filter(queryset, scenario_type=value)

    def by_region(self, queryset, name, value):
        value = value.strip()
        if not region_prefix_valid(value):
            return queryset.none()
        return scenario_filter(queryset, region=value)

    def search(self, queryset, name, value):
        return product_search(queryset, value)
