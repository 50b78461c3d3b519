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
    ``rectify_bigrams(UPPER(field::text))`` answers it (products 0009). PostgreSQL only; computing the
    bigrams of a name costs ten ``LIKE``s, which is why ``names_contain`` keeps the ``LIKE`` beside it."""

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


def _like(text: str, field: str) -> Q:
    if len(text) < TRIGRAM_MIN_CHARS and text.upper() == text.lower():
        return Q(**{f"{field}__contains": text})
    return Q(**{f"{field}__icontains": text})


def names_contain(text: str, fields: tuple[str, ...] = ("name",), *others: Q) -> Q:
    """One of ``fields`` contains ``text`` (any case), or one of ``others`` holds.

    Each field: ``UPPER(name) LIKE UPPER('%text%')``, the form the trigram index of each name serves
    (products 0005) from three characters on. Shorter text reads the table whatever the form; when
    it has no letter with a case (``天气``, digits), a plain ``LIKE`` finds the same rows without
    upper-casing every name it reads (issue 14: 20,000 product names in 1.5 ms instead of 4.2).

    Two characters on PostgreSQL (issue 14): ``(the LIKEs OR others) AND (the bigram tests OR
    others)``. The same rows: a name's bigram test (``NameHasBigram``) holds exactly when its
    ``LIKE`` does (``UPPER`` maps each character to one). PostgreSQL reads the second half from the
    bigram indexes (a BitmapOr with the others' indexes: ``天气`` among 20,000 product names, not all
    of them) and filters the rows by the first, cheap half; computing a name's bigrams costs ten
    ``LIKE``s, so the bigram half is never the filter. One character reads the table (and two on
    SQLite)."""
    rest = Q()
    for other in others:
        rest |= other
    cheap = rest
    for field in fields:
        cheap |= _like(text, field)
    if len(text) != BIGRAM_CHARS or connection.vendor != "postgresql":
        return cheap
    indexed = rest
    for field in fields:
        indexed |= Q(NameHasBigram(field, text))
    return cheap & indexed


def name_contains(text: str, field: str = "name") -> Q:
    """``field`` contains ``text`` (any case): ``names_contain`` for one field."""
    return names_contain(text, (field,))


def name_search(queryset: QuerySet, text: str) -> QuerySet:
    """Vendors or products whose name contains ``text`` (any case), see ``name_contains``: from an
    index from two characters on (PostgreSQL), one character reads the table."""
    return queryset.filter(name_contains(text))


def _name_set(text: str) -> Q:
    """``name_contains`` for a set of rows read in no order (``matching_ids``): two characters on
    PostgreSQL by the bigram test alone, the same rows. Its estimate is PostgreSQL's own for the
    bigram (the statistics of the index's expression); ANDed with the ``LIKE`` the two selectivities
    multiply (3,000 products estimated at 120), and a province's case list then looped over "a
    hundred" products that were 2,000 (120 ms instead of 8). Unordered, the set is read from the index
    (``rectify_bigrams``'s cost keeps PostgreSQL from computing it for every name)."""
    if len(text) == BIGRAM_CHARS and connection.vendor == "postgresql":
        return Q(NameHasBigram("name", text))
    return name_contains(text)


def matching_ids(queryset: QuerySet, text: str, field: str) -> Q:
    """``field`` among the ids of the rows of ``queryset`` whose name contains ``text``.

    Resolved first (one small query): the list query then names the ids, so PostgreSQL sees how
    selective the search is: a few ids are a bitmap scan of the ``field`` index, many a walk down
    the list's order that stops at the page's end. More than ``SEARCH_IDS`` ids stay a subquery.
    """
    found = queryset.filter(_name_set(text)).order_by()
    ids = list(found.values_list("pk", flat=True)[: SEARCH_IDS + 1])
    if len(ids) > SEARCH_IDS:
        return Q(**{f"{field}__in": found.values("pk")})
    return Q(**{f"{field}__in": ids})


def vendor_list() -> QuerySet[Vendor]:
    return Vendor.objects.order_by("name", "id")


def vendor_search(queryset: QuerySet[Vendor], text: str) -> QuerySet[Vendor]:
    """Name, English name or credit code contains ``text`` (``name_contains``): each has its trigram
    index and its bigram index (two characters, PostgreSQL), and their OR is a bitmap OR of the three."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(names_contain(text, ("name", "name_en", "credit_code")))


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
    return queryset.filter(names_contain(text, ("name",), matching_ids(Vendor.objects.all(), text, "vendor_id")))


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
