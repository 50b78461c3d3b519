"""Reads for vendors and products."""

from django.db import NotSupportedError, connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value

from config.lists import count_per_row

from .models import OfflineScenario, Product, ProductKind, ProductVersion, Vendor

# Most ids a search resolves to a list before the list query (products or vendors whose name matches).
SEARCH_IDS = 1000


# A trigram index serves a substring search from this many characters on.
TRIGRAM_MIN_CHARS = 3
# On PostgreSQL a bigram index (products 0009, ``rectify_bigrams``) serves exactly this many.
BIGRAM_CHARS = 2


class NameHasBigram(Func):
    """``UPPER(field)`` has the two characters of ``text`` (upper-cased) in a row: the GIN index
    ``rectify_bigrams(UPPER(field::text))`` answers it (products 0009). PostgreSQL only."""

    output_field = BooleanField()

    def __init__(self, field: str, text: str):
        super().__init__(F(field), Value(text, output_field=TextField()))

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("rectify_bigrams() exists on PostgreSQL only")

    def as_postgresql(self, compiler, connection, **extra):
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        text_sql, text_params = compiler.compile(self.source_expressions[1])
        sql = f"rectify_bigrams(UPPER({field_sql}::text)) @> ARRAY[UPPER({text_sql})]::text[]"
        return sql, (*field_params, *text_params)


def name_contains(text: str, field: str = "name") -> Q:
    """``field`` contains ``text`` (any case): ``UPPER(name) LIKE UPPER('%text%')``, the form the
    trigram index of each name serves (products 0005) from three characters on.

    Two characters on PostgreSQL: the same test through the bigram index (``NameHasBigram``): the
    names whose upper-cased text has the upper-cased two characters in a row, which is what the
    ``LIKE`` finds, since ``UPPER`` maps each character to one (issue 14: ``天气`` among 20,000
    product names from the index, not by reading them all). One character (and two on SQLite) reads
    the table whatever the form; when it has no letter with a case (``天``, digits), a plain
    ``LIKE`` finds the same rows without upper-casing every name it reads."""
    if len(text) == BIGRAM_CHARS and connection.vendor == "postgresql":
        return Q(NameHasBigram(field, text))
    if len(text) < TRIGRAM_MIN_CHARS and text.upper() == text.lower():
        return Q(**{f"{field}__contains": text})
    return Q(**{f"{field}__icontains": text})


def name_search(queryset: QuerySet, text: str) -> QuerySet:
    """Vendors or products whose name contains ``text`` (any case), see ``name_contains``: from an
    index from two characters on (PostgreSQL), one character reads the table."""
    return queryset.filter(name_contains(text))


def matching_ids(queryset: QuerySet, text: str, field: str) -> Q:
    """``field`` among the ids of the rows of ``queryset`` whose name contains ``text``.

    Resolved first (one small query): the list query then names the ids, so PostgreSQL sees how
    selective the search is: a few ids are a bitmap scan of the ``field`` index, many a walk down
    the list's order that stops at the page's end. More than ``SEARCH_IDS`` ids stay a subquery.
    """
    ids = list(name_search(queryset, text).order_by().values_list("pk", flat=True)[: SEARCH_IDS + 1])
    if len(ids) > SEARCH_IDS:
        return Q(**{f"{field}__in": name_search(queryset, text).order_by().values("pk")})
    return Q(**{f"{field}__in": ids})


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name", "id")


def vendor_search(queryset: QuerySet[Vendor], text: str) -> QuerySet[Vendor]:
    """Name, English name or credit code contains ``text`` (``name_contains``): each has its trigram
    index and its bigram index (two characters, PostgreSQL), and their OR is a bitmap OR of the three."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(name_contains(text) | name_contains(text, "name_en") | name_contains(text, "credit_code"))


# The vendor and product lists' orders (``?ordering=``, config.lists.Ordering): their (name, id)
# indexes (vendor_list_order, product_list_order, product_kind_order), read either way.
NAME_ORDERINGS = {"name": ("name", "id"), "-name": ("-name", "-id")}


def vendor_rows() -> QuerySet[Vendor]:
    """The vendor page's list: ``product_count`` counted for the rows shown only."""
    return vendor_list().annotate(product_count=count_per_row(Product.objects.all(), "vendor"))


def product_list() -> QuerySet[Product]:
    return Product.objects.select_related("vendor").order_by("name", "id")


def product_search(queryset: QuerySet[Product], text: str) -> QuerySet[Product]:
    """Product or vendor name contains ``text``: the product names through their trigram index, OR the
    products of the vendors found by name (``matching_ids``), never an OR across the join."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(name_contains(text) | matching_ids(Vendor.objects.all(), text, "vendor_id"))


def product_rows() -> QuerySet[Product]:
    """The product pages' list: ``version_count`` counted for the rows shown only."""
    return product_list().annotate(version_count=count_per_row(ProductVersion.objects.all(), "product"))


def version_list() -> QuerySet[ProductVersion]:
    return ProductVersion.objects.select_related("product__vendor").order_by("product__name", "-created_at", "id")


def vendor_of(user) -> Vendor | None:
    """The vendor a vendor user belongs to, or None."""
    membership = getattr(user, "membership", None) if getattr(user, "is_authenticated", False) else None
    return membership.vendor if membership else None


def scenario_list() -> QuerySet[Product]:
    """Offline scenarios (products of kind ``scenario``) with their venue details."""
    return Product.objects.filter(kind=ProductKind.SCENARIO).select_related("vendor", "scenario").order_by("name", "id")


def scenario_filter(queryset: QuerySet[Product], *, scenario_type: str = "", region: str = "") -> QuerySet[Product]:
    """Scenarios of one type, in one region (a province, city or county prefix of the division code)."""
    if scenario_type:
        queryset = queryset.filter(scenario__scenario_type=scenario_type)
    if region:
        queryset = queryset.filter(scenario__division_code__startswith=region)
    return queryset


def scenario_systems(scenario: OfflineScenario) -> QuerySet[Product]:
    return scenario.systems.select_related("vendor").order_by("name", "id")
