"""Regulator pages for vendors, products and versions (Django test client)."""

import pytest

from products.models import Product, ProductVersion, Vendor
from tests import factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}

VALID_USCC = factories.make_uscc(4242)
WRONG_CHECK = VALID_USCC[:17] + ("0" if VALID_USCC[17] != "0" else "1")


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


@pytest.mark.parametrize("path", ["/vendors/", "/vendors/new/", "/products/", "/products/new/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")


@pytest.mark.parametrize("path", ["/vendors/", "/vendors/new/", "/products/", "/products/new/"])
def test_vendor_user_gets_403(login, vendor_user, path):
    assert login(vendor_user).get(path).status_code == 403


def test_vendor_user_gets_403_on_detail_pages(login, vendor_user):
    version = factories.ProductVersionFactory()
    client = login(vendor_user)
    assert client.get(f"/vendors/{version.product.vendor_id}/").status_code == 403
    assert client.get(f"/products/{version.product_id}/").status_code == 403


def test_vendor_list_in_both_languages(login, reviewer):
    vendor = factories.VendorFactory()
    client = login(reviewer)
    zh = client.get("/vendors/", **ZH).content.decode()
    assert "企业" in zh and "统一社会信用代码" in zh and vendor.name in zh
    en = client.get("/vendors/", **EN).content.decode()
    assert "Unified social credit code" in en and vendor.credit_code in en


def test_vendor_list_search(login, reviewer):
    wanted, _other = factories.VendorFactory(), factories.VendorFactory()
    response = login(reviewer).get("/vendors/", {"q": wanted.credit_code})
    assert [v.pk for v in response.context["vendors"]] == [wanted.pk]


def test_register_vendor(login, inspector):
    client = login(inspector)
    assert "登记企业" in client.get("/vendors/new/", **ZH).content.decode()
    response = client.post(
        "/vendors/new/",
        {
            "name": "杭州示例科技有限公司",
            "name_en": "Hangzhou Example Tech",
            "credit_code": VALID_USCC.lower(),
            "contact_email": "dpo@example.test",
        },
    )
    vendor = Vendor.objects.get()
    assert response["Location"] == f"/vendors/{vendor.pk}/"
    assert (vendor.name, vendor.credit_code) == ("杭州示例科技有限公司", VALID_USCC)


def test_register_vendor_with_a_wrong_check_digit_shows_the_field_error(login, inspector):
    client = login(inspector)
    zh = client.post("/vendors/new/", {"name": "某公司", "credit_code": WRONG_CHECK}, **ZH)
    assert zh.status_code == 200
    assert zh.context["form"].errors["credit_code"] == ["统一社会信用代码的校验码不正确。"]
    en = client.post("/vendors/new/", {"name": "Some company", "credit_code": WRONG_CHECK}, **EN)
    assert en.context["form"].errors["credit_code"] == ["The check digit of this unified social credit code is wrong."]
    assert "The check digit of this unified social credit code is wrong." in en.content.decode()
    assert not Vendor.objects.exists()


def test_register_vendor_twice_is_a_field_error(login, inspector):
    factories.VendorFactory(credit_code=VALID_USCC)
    response = login(inspector).post("/vendors/new/", {"name": "另一家", "credit_code": VALID_USCC}, **EN)
    assert "credit_code" in response.context["form"].errors
    assert Vendor.objects.count() == 1


def test_reviewer_reads_but_does_not_edit_reference_data(login, reviewer):
    client = login(reviewer)
    assert client.get("/vendors/").status_code == 200
    assert client.get("/vendors/new/").status_code == 403
    product = factories.ProductFactory()
    assert client.post(f"/products/{product.pk}/", {"version": "1.0"}).status_code == 403


def test_vendor_page_lists_products(login, reviewer):
    product = factories.ProductFactory()
    factories.ProductVersionFactory.create_batch(2, product=product)
    response = login(reviewer).get(f"/vendors/{product.vendor_id}/", **ZH)
    assert product.name in response.content.decode()
    assert [p.version_count for p in response.context["products"]] == [2]


def test_register_an_app(login, inspector):
    vendor = factories.VendorFactory()
    client = login(inspector)
    page = client.get(f"/products/new/?vendor={vendor.pk}", **ZH)
    assert "登记产品" in page.content.decode()
    response = client.post("/products/new/", {"vendor": vendor.pk, "name": "晴空天气", "kind": "app"})
    product = Product.objects.get()
    assert response["Location"] == f"/products/{product.pk}/"
    assert (product.vendor, product.kind, product.terminal_category) == (vendor, "app", "")


def test_register_a_terminal_with_its_category(login, inspector):
    vendor = factories.VendorFactory()
    login(inspector).post(
        "/products/new/",
        {"vendor": vendor.pk, "name": "儿童手表X1", "kind": "terminal", "terminal_category": "childrens_watch"},
    )
    assert Product.objects.get().terminal_category == "childrens_watch"


def test_terminal_category_only_for_terminals(login, inspector):
    vendor = factories.VendorFactory()
    response = login(inspector).post(
        "/products/new/", {"vendor": vendor.pk, "name": "晴空天气", "kind": "app", "terminal_category": "toy"}, **EN
    )
    assert response.context["form"].errors["terminal_category"] == ["Only smart terminals have a terminal category."]
    assert not Product.objects.exists()


def test_product_page_registers_versions(login, inspector):
    product = factories.ProductFactory()
    client = login(inspector)
    page = client.get(f"/products/{product.pk}/", **EN)
    assert "Register a version" in page.content.decode()
    response = client.post(
        f"/products/{product.pk}/",
        {"version": "3.2.1", "build": "3210", "source": "应用宝", "package_name": "com.example.weather"},
    )
    assert response["Location"] == f"/products/{product.pk}/"
    version = ProductVersion.objects.get()
    assert (version.product, version.version, version.source) == (product, "3.2.1", "应用宝")


def test_duplicate_version_is_a_form_error(login, inspector):
    version = factories.ProductVersionFactory(build="", source="应用宝")
    data = {"version": version.version, "build": "", "source": "应用宝"}
    response = login(inspector).post(f"/products/{version.product_id}/", data, **EN)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert ProductVersion.objects.count() == 1


def test_bad_sha256_is_a_field_error(login, inspector):
    product = factories.ProductFactory()
    response = login(inspector).post(f"/products/{product.pk}/", {"version": "1.0", "file_sha256": "abc"}, **EN)
    assert response.context["form"].errors["file_sha256"] == ["A SHA-256 digest is 64 hexadecimal characters."]


def test_product_list_filters_by_kind(login, reviewer):
    app = factories.ProductFactory(kind="app")
    factories.ProductFactory(kind="sdk")
    response = login(reviewer).get("/products/", {"kind": "app"}, **ZH)
    assert [p.pk for p in response.context["products"]] == [app.pk]
    assert "产品类型" in response.content.decode()


def test_missing_vendor_and_product_are_404(login, reviewer):
    client = login(reviewer)
    assert client.get("/vendors/999999/").status_code == 404
    assert client.get("/products/999999/").status_code == 404
