"""Reads for vendors and products."""

from django.db.models import QuerySet

from .models import Product, ProductVersion, Vendor


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name")


def product_list() -> QuerySet[Product]:
    return Product.objects.select_related("vendor").order_by("name", "id")


def version_list() -> QuerySet[ProductVersion]:
    return ProductVersion.objects.select_related("product__vendor").order_by("product__name", "-created_at", "id")


def vendor_of(user) -> Vendor | None:
    """The vendor a vendor user belongs to, or None."""
    membership = getattr(user, "membership", None) if getattr(user, "is_authenticated", False) else None
    return membership.vendor if membership else None
