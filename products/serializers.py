"""API shapes for vendors, products and versions. Validation only; the services write."""

from rest_framework import serializers

from config.rows import RowPlan

from . import selectors
from .models import Product, ProductKind, ProductVersion, ScenarioType, Vendor
from .validators import validate_division_code


class VendorSerializer(serializers.ModelSerializer):
    """A vendor; on input the credit code is checked by its GB 32100 check digit (field errors keep
    the validator's code, e.g. ``uscc_check``) and must be unique."""

    class Meta:
        model = Vendor
        fields = ["id", "name", "name_en", "credit_code", "address", "contact_email", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_credit_code(self, value: str) -> str:
        return value.strip().upper()


class VendorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name"]


class ProductSerializer(serializers.ModelSerializer):
    vendor = serializers.PrimaryKeyRelatedField(queryset=selectors.vendor_list())
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "vendor", "vendor_name", "name", "kind", "terminal_category", "created_at"]
        read_only_fields = ["id", "created_at"]


class ProductRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "kind"]


class VersionSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=selectors.product_list())
    product_name = serializers.CharField(source="product.name", read_only=True)
    vendor = VendorRefSerializer(source="product.vendor", read_only=True)
    # Part of the uniqueness key, yet optional: blank when not given.
    build = serializers.CharField(max_length=100, allow_blank=True, default="")
    source = serializers.CharField(max_length=100, allow_blank=True, default="")
    file_sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False, allow_blank=True)

    class Meta:
        model = ProductVersion
        fields = [
            "id",
            "product",
            "product_name",
            "vendor",
            "version",
            "build",
            "source",
            "package_name",
            "file_sha256",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class VersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "version", "build", "source", "package_name"]


class ScenarioSerializer(serializers.ModelSerializer):
    """An offline scenario: the venue (a product of kind ``scenario``: its id is the product's), its
    operator, address, administrative division (GB/T 2260; a bad code answers 400 with the field
    error code ``division_format``, ``division_province`` or ``division_shape``), the scenario type
    and the systems involved (registered products of other kinds, and in words those that are not)."""

    id = serializers.IntegerField(read_only=True)
    vendor = serializers.PrimaryKeyRelatedField(queryset=selectors.vendor_list())
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    vendor_credit_code = serializers.CharField(source="vendor.credit_code", read_only=True)
    name = serializers.CharField(max_length=200, help_text="The venue's name.")
    kind = serializers.CharField(read_only=True)
    address = serializers.CharField(source="scenario.address", max_length=300)
    division_code = serializers.CharField(
        source="scenario.division_code", max_length=6, validators=[validate_division_code]
    )
    scenario_type = serializers.ChoiceField(source="scenario.scenario_type", choices=ScenarioType.choices)
    systems = serializers.PrimaryKeyRelatedField(
        source="scenario.systems",
        many=True,
        required=False,
        queryset=selectors.product_list().exclude(kind=ProductKind.SCENARIO),
    )
    systems_text = serializers.CharField(source="scenario.systems_text", required=False, allow_blank=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "vendor",
            "vendor_name",
            "vendor_credit_code",
            "name",
            "kind",
            "address",
            "division_code",
            "scenario_type",
            "systems",
            "systems_text",
            "created_at",
        ]
        read_only_fields = ["id", "kind", "created_at"]

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return {**{k: v for k, v in values.items() if k != "scenario"}, **values.get("scenario", {})}


# The lists as dicts (config.rows): the same JSON as their serializers.
VENDOR_ROWS = RowPlan(VendorSerializer)
PRODUCT_ROWS = RowPlan(ProductSerializer)
VERSION_ROWS = RowPlan(VersionSerializer)
