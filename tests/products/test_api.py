"""REST API for vendors, products and versions."""

import pytest

from accounts.error_codes import NOT_FOUND
from cases.error_codes import DOES_NOT_EXIST
from products.error_codes import USCC_CHECK
from products.models import Product, ProductVersion, Vendor
from tests import factories

pytestmark = pytest.mark.django_db

VENDORS = "/api/v1/vendors/"
PRODUCTS = "/api/v1/products/"
VERSIONS = "/api/v1/versions/"


@pytest.fixture
def as_inspector(api_client, inspector):
    api_client.force_authenticate(inspector)
    return api_client


# Vendors


def test_vendor_create_list_retrieve(as_inspector):
    response = as_inspector.post(
        VENDORS,
        {"name": "示例网络科技有限公司", "credit_code": "91350100m000100y43", "contact_email": "legal@example.test"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["credit_code"] == "91350100M000100Y43"
    assert body["name"] == "示例网络科技有限公司"

    listed = as_inspector.get(VENDORS).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]
    assert as_inspector.get(f"{VENDORS}{body['id']}/").json()["credit_code"] == "91350100M000100Y43"


def test_vendor_wrong_check_digit_is_a_field_error_with_its_code(as_inspector):
    response = as_inspector.post(
        VENDORS, {"name": "X", "credit_code": "91350100M000100Y44"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Invalid input.",
            "details": {
                "credit_code": [
                    {"message": "The check digit of this unified social credit code is wrong.", "code": USCC_CHECK}
                ]
            },
        }
    }
    assert not Vendor.objects.exists()


@pytest.mark.parametrize(
    ("credit_code", "code"),
    [("91350100M000100Y4", "uscc_length"), ("91350100M000100I43", "uscc_chars"), ("", "blank")],
)
def test_vendor_other_credit_code_errors(as_inspector, credit_code, code):
    response = as_inspector.post(VENDORS, {"name": "X", "credit_code": credit_code}, format="json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["error"]["details"]["credit_code"]] == [code]


def test_vendor_duplicate_credit_code(as_inspector, vendor_factory):
    vendor_factory(credit_code="91350100M000100Y43")
    response = as_inspector.post(VENDORS, {"name": "X", "credit_code": "91350100M000100Y43"}, format="json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["error"]["details"]["credit_code"]] == ["unique"]


def test_vendor_filters(as_inspector, vendor_factory):
    a = vendor_factory(name="甲科技", credit_code="91350100M000100Y43")
    vendor_factory(name="乙科技")
    assert [v["id"] for v in as_inspector.get(VENDORS, {"q": "甲"}).json()["results"]] == [a.pk]
    found = as_inspector.get(VENDORS, {"credit_code": "91350100m000100y43"}).json()["results"]
    assert [v["id"] for v in found] == [a.pk]


def test_vendor_missing_is_404_in_the_error_shape(as_inspector):
    response = as_inspector.get(f"{VENDORS}999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == NOT_FOUND


def test_vendor_users_get_403_on_reference_endpoints(api_client, vendor_user):
    api_client.force_authenticate(vendor_user)
    own = vendor_user.membership.vendor
    for url in [VENDORS, f"{VENDORS}{own.pk}/", PRODUCTS, VERSIONS]:
        response = api_client.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "permission_denied"
    assert (
        api_client.post(VENDORS, {"name": "X", "credit_code": "91350100M000100Y43"}, format="json").status_code == 403
    )


def test_reviewers_read_but_do_not_register(api_client, reviewer, vendor_factory):
    vendor_factory()
    api_client.force_authenticate(reviewer)
    assert api_client.get(VENDORS).status_code == 200
    response = api_client.post(VENDORS, {"name": "X", "credit_code": "91350100M000100Y43"}, format="json")
    assert response.status_code == 403


def test_anonymous_is_401(api_client):
    assert api_client.get(VENDORS).status_code == 401


def test_unrouted_method_is_405_in_the_error_shape(as_inspector, vendor_factory):
    vendor = vendor_factory()
    response = as_inspector.delete(f"{VENDORS}{vendor.pk}/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert as_inspector.put(VENDORS, {}, format="json").status_code == 405
    assert Vendor.objects.filter(pk=vendor.pk).exists()


def test_malformed_json_is_400_in_the_error_shape(as_inspector):
    response = as_inspector.post(VENDORS, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


# Products and versions


def test_product_create_and_filters(as_inspector, vendor_factory):
    vendor = vendor_factory()
    response = as_inspector.post(
        PRODUCTS,
        {"vendor": vendor.pk, "name": "儿童手表 K3", "kind": "terminal", "terminal_category": "childrens_watch"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["vendor"] == vendor.pk
    assert body["vendor_name"] == vendor.name
    factories.ProductFactory(vendor=vendor, name="天气")
    kinds = as_inspector.get(PRODUCTS, {"vendor": vendor.pk, "kind": "terminal"}).json()
    assert [p["name"] for p in kinds["results"]] == ["儿童手表 K3"]
    assert as_inspector.get(PRODUCTS, {"q": "天气"}).json()["count"] == 1


def test_product_unknown_vendor_is_a_field_error(as_inspector):
    response = as_inspector.post(PRODUCTS, {"vendor": 999999, "name": "X", "kind": "app"}, format="json")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["error"]["details"]["vendor"]] == [DOES_NOT_EXIST]


def test_product_terminal_category_only_for_terminals(as_inspector, vendor_factory):
    response = as_inspector.post(
        PRODUCTS,
        {"vendor": vendor_factory().pk, "name": "X", "kind": "app", "terminal_category": "toy"},
        format="json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["error"]["details"]
    assert not Product.objects.exists()


def test_version_create_and_filters(as_inspector, product_factory):
    product = product_factory()
    response = as_inspector.post(
        VERSIONS,
        {"product": product.pk, "version": "3.2.1", "source": "应用宝", "file_sha256": "AB" * 32},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["file_sha256"] == "ab" * 32
    assert body["vendor"] == {"id": product.vendor_id, "name": product.vendor.name}
    assert as_inspector.get(VERSIONS, {"product": product.pk}).json()["count"] == 1
    assert as_inspector.get(VERSIONS, {"vendor": product.vendor_id}).json()["count"] == 1
    assert as_inspector.get(VERSIONS, {"file_sha256": "AB" * 32}).json()["count"] == 1


def test_version_bad_hash_is_a_field_error(as_inspector, product_factory):
    response = as_inspector.post(
        VERSIONS, {"product": product_factory().pk, "version": "1", "file_sha256": "xyz"}, format="json"
    )
    assert response.status_code == 400
    assert "file_sha256" in response.json()["error"]["details"]
    assert not ProductVersion.objects.exists()


# Query counts: a page of 10 and a page of 100 cost the same number of queries.


@pytest.fixture
def many_rows(db):
    """105 vendors, 105 products over 5 of them, 110 versions over 10 products."""
    vendors = factories.VendorFactory.create_batch(105)
    products = [factories.ProductFactory(vendor=vendors[i % 5]) for i in range(105)]
    for i in range(110):
        factories.ProductVersionFactory(product=products[i % 10])


@pytest.mark.parametrize("url", [VENDORS, PRODUCTS, VERSIONS])
@pytest.mark.parametrize("page_size", [10, 100])
def test_list_query_count_does_not_grow_with_the_page(
    as_inspector, many_rows, django_assert_num_queries, url, page_size
):
    # One COUNT for the paginator and one SELECT with its joins.
    with django_assert_num_queries(2):
        response = as_inspector.get(url, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
