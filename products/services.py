"""Writes for vendors, products, versions and offline scenarios. Each call validates the model before saving."""

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidInput

from . import error_codes
from .models import ONSITE_SOURCE, OfflineScenario, Product, ProductKind, ProductVersion, Vendor

MSG_SCENARIO_KIND = _("An offline scenario is registered with its venue: use the scenario form.")
MSG_SYSTEM_KIND = _("The systems involved are apps, SDKs, mini programs or terminals, not other venues.")
# The source of a scenario's visit versions: the venue as seen on site that day.


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
    if kind == ProductKind.SCENARIO:
        raise InvalidInput(MSG_SCENARIO_KIND, code=error_codes.SCENARIO_KIND)
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


@transaction.atomic
def scenario_create(
    *,
    actor,
    vendor: Vendor,
    name: str,
    address: str,
    division_code: str,
    scenario_type: str,
    systems=(),
    systems_text: str = "",
) -> Product:
    """Register an offline scenario: a product of kind ``scenario`` (the venue's name, its operator)
    and its details. The systems involved must be products of other kinds."""
    systems = list(systems)
    if any(system.kind == ProductKind.SCENARIO for system in systems):
        raise InvalidInput(MSG_SYSTEM_KIND, code=error_codes.SCENARIO_SYSTEM_KIND)
    product = _save(Product(vendor=vendor, name=name.strip(), kind=ProductKind.SCENARIO))
    scenario = OfflineScenario(
        product=product,
        address=address.strip(),
        division_code=division_code.strip(),
        scenario_type=scenario_type,
        systems_text=systems_text.strip(),
    )
    # The product row is new: the one-to-one's uniqueness is certain, and a check would look it up
    # by a primary key the unsaved row already has.
    scenario.full_clean(validate_unique=False)
    scenario.save()
    scenario.systems.set(systems)
    return product


def scenario_visit_version(*, product: Product, date: datetime.date) -> ProductVersion:
    """The version that stands for the venue as inspected on ``date`` (one per day, made once)."""
    if product.kind != ProductKind.SCENARIO:
        raise InvalidInput(MSG_SCENARIO_KIND, code=error_codes.SCENARIO_KIND)
    version, _created = ProductVersion.objects.get_or_create(
        product=product, version=date.isoformat(), build="", source=ONSITE_SOURCE
    )
    return version
