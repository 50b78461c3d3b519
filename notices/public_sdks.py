"""What the public register shows of the SDK fan-out (issue 18): for an SDK whose vendors were sent
letters, the apps asked to act and whether they did. Reads only; nothing unserved is shown (a
letter is public once sent; the regulator's working notes and evidence are not)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max

from cases.models import CaseStatus, EmbeddingStatus
from products.models import Product, ProductKind

from .models import SdkLetter

# A linked case in these states means the app's vendor acted on it.
ACTED_CASE_STATES = frozenset({CaseStatus.RECTIFIED, CaseStatus.CLOSED})
# The register lists at most this many apps per SDK (newest letters first).
MAX_ROWS = 1000


@dataclass(frozen=True)
class AskedApp:
    vendor: str
    app: str
    version: str
    asked_on: object
    deadline: object
    acted: bool
    how: str  # "removed" | "rectified" | ""


def named_sdks():
    """SDK products with at least one sent letter, with how many vendors were asked."""
    return (
        Product.objects.filter(kind=ProductKind.SDK, cases__sdk_letters__sent_at__isnull=False)
        .annotate(vendors=Count("cases__sdk_letters__vendor", distinct=True), last=Max("cases__sdk_letters__sent_at"))
        .order_by("-last", "id")
    )


def named_sdk(*, sdk_id: int) -> Product | None:
    return named_sdks().filter(pk=sdk_id).first()


def asked_apps(*, sdk_id: int) -> list[AskedApp]:
    letters = (
        SdkLetter.objects.filter(sdk_case__product_id=sdk_id, sent_at__isnull=False)
        .select_related("vendor")
        .prefetch_related("embeddings__app", "embeddings__app_version", "embeddings__linked_case")
        .order_by("-sent_at", "id")
    )
    rows: list[AskedApp] = []
    for letter in letters:
        for embedding in letter.embeddings.all():
            removed = embedding.status == EmbeddingStatus.REMOVED
            rectified = embedding.linked_case is not None and embedding.linked_case.status in ACTED_CASE_STATES
            rows.append(
                AskedApp(
                    vendor=letter.vendor.name,
                    app=embedding.app.name,
                    version=embedding.app_version.version,
                    asked_on=letter.issued_on,
                    deadline=letter.deadline,
                    acted=removed or rectified,
                    how="removed" if removed else "rectified" if rectified else "",
                )
            )
            if len(rows) >= MAX_ROWS:
                return rows
    return rows
