"""Reads for vendors and products (products/selectors.py)."""

import pytest
from django.db import connection
from django.db.models import Q

from products import selectors
from products.models import Product, Vendor
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["天气", "气", "12", "天气预", "ab", "Ab", "aB1", "预报ab"])
def test_a_name_search_finds_what_a_case_insensitive_contains_finds(text):
    vendor = factories.VendorFactory()
    for name in ["天气预报", "今日天气", "天 气", "ABC 天气", "abc", "Xab12", "aB1c", "预报AB", "地图"]:
        factories.ProductFactory(vendor=vendor, name=name)
    expected = {p.name for p in Product.objects.all() if text.lower() in p.name.lower()}
    found = set(selectors.name_search(Product.objects.all(), text).values_list("name", flat=True))
    assert found == expected
    assert expected  # each text names at least one product


def test_a_short_text_without_letter_cases_skips_upper_case():
    # One character (two on SQLite): no index serves it; without cased letters a plain LIKE is the same test.
    assert "UPPER" not in str(selectors.name_search(Product.objects.all(), "天").query)
    # A letter with a case, or three characters and more (the trigram index's form): UPPER() LIKE
    # on PostgreSQL (SQLite's LIKE ignores the case of ASCII letters by itself).
    if connection.vendor == "postgresql":
        assert "UPPER" in str(selectors.name_search(Product.objects.all(), "a").query)
        assert "UPPER" in str(selectors.name_search(Product.objects.all(), "天气预").query)


def test_two_characters_go_to_the_bigram_index_on_postgresql_only():
    sql = str(selectors.name_search(Product.objects.all(), "天气").query)
    if connection.vendor == "postgresql":
        assert 'rectify_bigrams(UPPER("products_product"."name"::text)) @> ARRAY[UPPER(' in sql
    else:
        assert "rectify_bigrams" not in sql and "LIKE" in sql


# Names whose case mapping is not one letter to one letter in every language: ``ß`` (upper ``SS`` in
# Python), final and medial sigma, the Kelvin sign, the long s, dotted and dotless i, a title-case digraph.
TRICKY_NAMES = [
    "天气预报",
    "今日天气",
    "天 气",
    "ABC 天气",
    "abc",
    "Xab12",
    "aB1c",
    "预报AB",
    "Straße",
    "STRASSE",
    "ΟΔΟΣ",
    "οδος",
    "Kelvin",
    "ſtar",
    "İstanbul",
    "ıi",
    "ǅungla",
    "50%_off",
    "a\\b",
    "天",
]
TWO_CHARACTERS = ["天气", "AB", "ab", "aB", "12", "ss", "aß", "ße", "ος", "ΟΣ", "ke", "st", "İs", "ıI", "ǆu", "%_"]
TWO_CHARACTERS += ["\\b", "气 "]


@pytest.mark.parametrize("text", TWO_CHARACTERS)
def test_two_characters_find_exactly_what_icontains_finds(require_postgresql, text):
    """The bigram index's test and PostgreSQL's own ``icontains`` agree on every name, case-folding
    included (issue 14): products and vendors, by name, English name and credit code."""
    vendors = [factories.VendorFactory(name=name, name_en=name) for name in TRICKY_NAMES]
    for vendor, name in zip(vendors, TRICKY_NAMES, strict=True):
        factories.ProductFactory(vendor=vendor, name=name)
    products, all_vendors = Product.objects.all(), Vendor.objects.all()

    def names(queryset):
        return sorted(queryset.values_list("pk", flat=True))

    assert names(selectors.name_search(products, text)) == names(products.filter(name__icontains=text))
    assert names(selectors.name_search(all_vendors, text)) == names(all_vendors.filter(name__icontains=text))
    # The sets the case search resolves first (the bigram test alone).
    for queryset in (products, all_vendors):
        found = queryset.filter(selectors.matching_ids(queryset, text, "pk"))
        assert names(found) == names(queryset.filter(name__icontains=text))
    text = text.strip()  # the list searches strip the text first
    by_text = Q(name__icontains=text) | Q(name_en__icontains=text) | Q(credit_code__icontains=text)
    assert names(selectors.vendor_search(all_vendors, text)) == names(all_vendors.filter(by_text))
    by_either = Q(name__icontains=text) | Q(vendor__name__icontains=text)
    assert names(selectors.product_search(products, text)) == names(products.filter(by_either))
