"""The SDK fan-out's counts, kept in step with the links (ARCHITECTURE.md, "SDK fan-out").

Counting an SDK's links on each request reads its whole index range: about 80 ms at 100,000 app
versions on a loaded machine. Instead each write of a link's status calls ``link_moved`` in its
transaction: it locks the SDK's ``SdkFanoutFigure`` row (created on first use), then adjusts the
counts by the move, asking the index whether another link in place shares the app or the vendor
(two index probes). Two transactions moving links of one SDK queue on the row lock; the second's
probes run after the first commits (READ COMMITTED takes a new snapshot per statement), so neither
count is lost. ``recount``/``rebuild`` count from the links (after a bulk load, or to repair).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count

from cases.models import EmbeddingStatus, SdkEmbedding, SdkFanoutFigure

ACTIVE = frozenset({EmbeddingStatus.PRESENT, EmbeddingStatus.REMOVAL_PROPOSED})


def _locked(sdk_id: int) -> SdkFanoutFigure:
    SdkFanoutFigure.objects.bulk_create([SdkFanoutFigure(sdk_id=sdk_id)], ignore_conflicts=True)
    return SdkFanoutFigure.objects.select_for_update().get(sdk_id=sdk_id)


def _other_active(embedding: SdkEmbedding, **same) -> bool:
    return (
        SdkEmbedding.objects.filter(sdk_id=embedding.sdk_id, status__in=sorted(ACTIVE), **same)
        .exclude(pk=embedding.pk)
        .exists()
    )


def link_moved(*, embedding: SdkEmbedding, before: str | None) -> None:
    """Count a link that was created (``before`` None) or changed status; call after saving it."""
    after = embedding.status
    figure = _locked(embedding.sdk_id)
    fields = []
    was, now = before in ACTIVE, after in ACTIVE
    if was != now:
        delta = 1 if now else -1
        figure.versions += delta
        if not _other_active(embedding, app_id=embedding.app_id):
            figure.apps += delta
        if not _other_active(embedding, vendor_id=embedding.vendor_id):
            figure.vendors += delta
        fields += ["versions", "apps", "vendors"]
    proposed = (after == EmbeddingStatus.REMOVAL_PROPOSED) - (before == EmbeddingStatus.REMOVAL_PROPOSED)
    if proposed:
        figure.removal_proposed += proposed
        fields.append("removal_proposed")
    if fields:
        figure.save(update_fields=fields)


def recount() -> dict[int, dict[str, int]]:
    """Every SDK's figures counted from its links (GROUP BY over the table)."""
    # order_by(): the model's default ordering would join products into the GROUP BY.
    active = SdkEmbedding.objects.filter(status__in=sorted(ACTIVE)).order_by()
    figures: dict[int, dict[str, int]] = {}
    for row in active.values("sdk_id").annotate(
        versions=Count("id"), apps=Count("app_id", distinct=True), vendors=Count("vendor_id", distinct=True)
    ):
        figures[row["sdk_id"]] = {
            "versions": row["versions"],
            "apps": row["apps"],
            "vendors": row["vendors"],
            "removal_proposed": 0,
        }
    proposed = SdkEmbedding.objects.filter(status=EmbeddingStatus.REMOVAL_PROPOSED).order_by().values("sdk_id")
    for row in proposed.annotate(n=Count("id")):
        figures[row["sdk_id"]]["removal_proposed"] = row["n"]
    return figures


def stored() -> dict[int, dict[str, int]]:
    return {
        row.pop("sdk_id"): row
        for row in SdkFanoutFigure.objects.exclude(versions=0, removal_proposed=0).values(
            "sdk_id", "versions", "apps", "vendors", "removal_proposed"
        )
    }


@transaction.atomic
def rebuild() -> int:
    """Rewrite every figure from the links, the table locked against moves meanwhile."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE cases_sdkfanoutfigure IN EXCLUSIVE MODE")
    figures = recount()
    SdkFanoutFigure.objects.all().delete()
    SdkFanoutFigure.objects.bulk_create(SdkFanoutFigure(sdk_id=sdk_id, **counts) for sdk_id, counts in figures.items())
    return len(figures)
