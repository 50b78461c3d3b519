"""Reads of the SDK fan-out (ARCHITECTURE.md, "SDK fan-out").

Every read of an SDK's fan-out walks the partial index ``sdkembedding_active`` (sdk, vendor, app,
app_version WHERE the link is in place): the counts are one index-only aggregate, the rows a keyset
range of it; nothing joins products for the counting, nothing scans the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.errors import NotFound
from cases.models import SdkEmbedding, SdkEmbeddingEvent, SdkFanoutFigure
from cases.sdks.services import ACTIVE
from products.models import Product, ProductKind, SdkSignature

# How many versions the summary names ("versions 3.1.0, 3.2.0, ..."); the list shows the rest.
SUMMARY_VERSIONS = 8
PAGE_SIZE = 50


@dataclass(frozen=True)
class FanoutSummary:
    apps: int
    vendors: int
    versions: int
    version_labels: tuple[str, ...]
    removal_proposed: int


def active_embeddings(*, sdk_id: int) -> QuerySet[SdkEmbedding]:
    return SdkEmbedding.objects.filter(sdk_id=sdk_id, status__in=ACTIVE)


def sdk_fanout_summary(*, sdk_id: int) -> FanoutSummary:
    """ "Embedded in N apps of M vendors (versions ...)": the SDK's maintained figures (one row,
    ``cases.sdks.figures``) and the first versions from the index. Two queries whatever the number of apps."""
    figure = SdkFanoutFigure.objects.filter(sdk_id=sdk_id).first() or SdkFanoutFigure(sdk_id=sdk_id)
    first = (
        active_embeddings(sdk_id=sdk_id)
        .order_by("vendor_id", "app_id", "app_version_id")
        .values_list("app__name", "app_version__version")[:SUMMARY_VERSIONS]
        if figure.versions
        else []
    )
    return FanoutSummary(
        apps=figure.apps,
        vendors=figure.vendors,
        versions=figure.versions,
        version_labels=tuple(f"{name} {version}" for name, version in first),
        removal_proposed=figure.removal_proposed,
    )


def sdk_fanout_rows(*, sdk_id: int, after: tuple[int, int, int] | None = None, limit: int = PAGE_SIZE) -> list:
    """A page of the fan-out in (vendor, app, version) order, after a keyset position: a range scan
    of the index from that position, so a deep page costs what the first does."""
    return list(sdk_fanout_queryset(sdk_id=sdk_id, after=after)[:limit])


def sdk_fanout_queryset(*, sdk_id: int, after: tuple[int, int, int] | None = None) -> QuerySet[SdkEmbedding]:
    qs = active_embeddings(sdk_id=sdk_id)
    if after is not None:
        vendor_id, app_id, version_id = after
        # The bound on the first column starts the index scan at the position (config/lists.py, Keyset).
        qs = qs.filter(vendor_id__gte=vendor_id).filter(
            Q(vendor_id__gt=vendor_id)
            | Q(vendor_id=vendor_id, app_id__gt=app_id)
            | Q(vendor_id=vendor_id, app_id=app_id, app_version_id__gt=version_id)
        )
    return qs.select_related("app_version", "app", "vendor", "linked_case").order_by(
        "vendor_id", "app_id", "app_version_id"
    )


def row_token(row: SdkEmbedding) -> str:
    return f"{row.vendor_id}.{row.app_id}.{row.app_version_id}"


def parse_token(value: str | None) -> tuple[int, int, int] | None:
    parts = (value or "").split(".")
    if len(parts) != 3 or not all(p.isdecimal() and len(p) <= 18 for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def sdk_vendor_groups(*, sdk_id: int) -> dict[int, list[SdkEmbedding]]:
    """The fan-out by vendor (for the letters): every link in place, versions loaded."""
    groups: dict[int, list[SdkEmbedding]] = {}
    rows = (
        active_embeddings(sdk_id=sdk_id)
        .select_related("app_version", "app", "vendor")
        .order_by("vendor_id", "app_id", "app_version_id")
    )
    for row in rows:
        groups.setdefault(row.vendor_id, []).append(row)
    return groups


def sdk_signature_of(*, product: Product) -> SdkSignature | None:
    if product.kind != ProductKind.SDK:
        return None
    return SdkSignature.objects.filter(product=product).first()


def embedding_events(*, embedding: SdkEmbedding) -> QuerySet[SdkEmbeddingEvent]:
    return embedding.events.select_related("actor").order_by("created_at", "id")


def embedding_get(*, embedding_id: int) -> SdkEmbedding:
    try:
        return SdkEmbedding.objects.select_related("sdk", "app", "app_version", "vendor").get(pk=embedding_id)
    except (SdkEmbedding.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
