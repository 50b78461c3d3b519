"""Writes for vendors, products and versions: each validates the model before saving."""

import pytest
from django.core.exceptions import ValidationError

from products import services
from products.error_codes import USCC_CHECK
from products.models import ProductKind, TerminalCategory, Vendor

pytestmark = pytest.mark.django_db


def test_vendor_create_normalises_input(inspector):
    vendor = services.vendor_create(
        actor=inspector,
        name="  示例网络科技有限公司 ",
        credit_code=" 91350100m000100y43 ",
        contact_email=" legal@example.test ",
    )
    vendor.refresh_from_db()
    assert vendor.name == "示例网络科技有限公司"
    assert vendor.credit_code == "91350100M000100Y43"
    assert vendor.contact_email == "legal@example.test"


def test_vendor_create_refuses_a_wrong_check_digit(inspector):
    with pytest.raises(ValidationError) as info:
        services.vendor_create(actor=inspector, name="X", credit_code="91350100M000100Y44")
    assert [e.code for e in info.value.error_dict["credit_code"]] == [USCC_CHECK]
    assert not Vendor.objects.exists()


def test_vendor_create_refuses_a_duplicate_code(inspector, vendor_factory):
    vendor_factory(credit_code="91350100M000100Y43")
    with pytest.raises(ValidationError) as info:
        services.vendor_create(actor=inspector, name="Y", credit_code="91350100m000100y43")
    assert [e.code for e in info.value.error_dict["credit_code"]] == ["unique"]


def test_product_create_and_the_terminal_category_rule(inspector, vendor_factory):
    vendor = vendor_factory()
    lock = services.product_create(
        actor=inspector,
        vendor=vendor,
        name=" 智能门锁 X1 ",
        kind=ProductKind.TERMINAL,
        terminal_category=TerminalCategory.DOOR_LOCK,
    )
    assert (lock.name, lock.kind, lock.terminal_category) == ("智能门锁 X1", "terminal", "door_lock")
    with pytest.raises(ValidationError):
        services.product_create(
            actor=inspector, vendor=vendor, name="天气", kind=ProductKind.APP, terminal_category=TerminalCategory.TOY
        )


def test_product_create_refuses_a_duplicate_per_vendor(inspector, vendor_factory):
    vendor = vendor_factory()
    services.product_create(actor=inspector, vendor=vendor, name="天气", kind=ProductKind.APP)
    with pytest.raises(ValidationError):
        services.product_create(actor=inspector, vendor=vendor, name="天气", kind=ProductKind.APP)
    other = services.product_create(actor=inspector, vendor=vendor, name="天气", kind=ProductKind.SDK)
    assert other.kind == "sdk"


def test_version_create_normalises_the_hash(inspector, product_factory):
    version = services.version_create(
        actor=inspector, product=product_factory(), version=" 3.2.1 ", source="应用宝", file_sha256=" " + "AB" * 32
    )
    assert version.version == "3.2.1"
    assert version.file_sha256 == "ab" * 32


def test_version_create_refuses_a_duplicate(inspector, product_factory):
    product = product_factory()
    services.version_create(actor=inspector, product=product, version="1.0", source="应用宝")
    with pytest.raises(ValidationError):
        services.version_create(actor=inspector, product=product, version="1.0", source="应用宝")
    services.version_create(actor=inspector, product=product, version="1.0", source="华为应用市场")
