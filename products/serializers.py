"""API shapes for vendors, products and versions. Validation only; the services write."""

from rest_framework import serializers

from . import selectors
from .models import Product, ProductVersion, Vendor


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
