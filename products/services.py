"""Writes for vendors, products and versions. Each call validates the model before saving."""

from django.db import transaction

from .models import Product, ProductVersion, Vendor


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def vendor_create(
    *, actor, name: str, credit_code: str, name_en: str = "", address: str = "", contact_email: str = ""
) -> Vendor:
    return _save(
        Vendor(
            name=name.strip(),
            name_en=name_en.strip(),
            credit_code=credit_code.strip().upper(),
            address=address.strip(),
            contact_email=contact_email.strip(),
        )
    )


@transaction.atomic
def product_create(*, actor, vendor: Vendor, name: str, kind: str, terminal_category: str = "") -> Product:
    return _save(Product(vendor=vendor, name=name.strip(), kind=kind, terminal_category=terminal_category))


@transaction.atomic
def version_create(
    *,
    actor,
    product: Product,
    version: str,
    build: str = "",
    source: str = "",
    package_name: str = "",
    file_sha256: str = "",
) -> ProductVersion:
    return _save(
        ProductVersion(
            product=product,
            version=version.strip(),
            build=build.strip(),
            source=source.strip(),
            package_name=package_name.strip(),
            file_sha256=file_sha256.strip().lower(),
        )
    )
