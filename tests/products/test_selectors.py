"""Reads for vendors and products (products/selectors.py)."""

import pytest

from products import selectors
from products.models import Product
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
    # Shorter than a trigram: no index serves it; without cased letters a plain LIKE is the same test.
    assert "UPPER" not in str(selectors.name_search(Product.objects.all(), "天气").query)
    # A letter with a case, or three characters and more (the trigram index's form): UPPER() LIKE.
    assert "UPPER" in str(selectors.name_search(Product.objects.all(), "ab").query)
    assert "UPPER" in str(selectors.name_search(Product.objects.all(), "天气预").query)
