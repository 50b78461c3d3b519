"""The leads dashboard's maintained figures (COMPLAINTS.md §4): complaints by channel and by subject
kind, each by status, kept in step in the transaction of every change that moves them, as the case
dashboard's are (ARCHITECTURE.md §11): one upsert with the change per counter row, never a count on
a request. The writers: ``services.complaint_submit`` and the import (``added``), the workflow
(``moved``: a status change, and a match that changes the subject kind). ``recount`` counts from
the complaints; ``rebuild`` rewrites the figures from it (``manage.py complaints_figures``).
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count

from cases.dashboard.figures import add_counts
from complaints.models import Complaint, ComplaintFigure

CHANNEL, KIND = "channel", "kind"


def _marks(channel: str, kind: str, status: str) -> Counter:
    return Counter({(CHANNEL, channel, status): 1, (KIND, kind, status): 1})


def _apply(delta: Counter) -> None:
    add_counts(ComplaintFigure, ("dimension", "key", "status"), sorted((*mark, n) for mark, n in delta.items() if n))


def added(complaints: Iterable[Complaint]) -> None:
    """Count new complaints (call in the transaction that writes them)."""
    delta = Counter()
    for complaint in complaints:
        delta.update(_marks(complaint.channel, complaint.subject_kind, complaint.status))
    _apply(delta)


def moved(*, channel: str, kind_before: str, status_before: str, kind_after: str, status_after: str) -> None:
    """Move one complaint's counts (call in the transaction of the move)."""
    delta = _marks(channel, kind_after, status_after)
    delta.subtract(_marks(channel, kind_before, status_before))
    _apply(delta)


def recount() -> dict[tuple[str, str, str], int]:
    """Every figure counted from the complaints (two GROUP BYs)."""
    counts: dict[tuple[str, str, str], int] = {}
    for dimension, field in ((CHANNEL, "channel"), (KIND, "subject_kind")):
        rows = Complaint.objects.order_by().values_list(field, "status").annotate(n=Count("*"))
        counts.update({(dimension, key, status): n for key, status, n in rows})
    return counts


def stored() -> dict[tuple[str, str, str], int]:
    return {
        (d, k, s): n
        for d, k, s, n in ComplaintFigure.objects.exclude(n=0).values_list("dimension", "key", "status", "n")
    }


@transaction.atomic
def rebuild() -> None:
    """Rewrite the figures from the complaints (after a bulk load that bypassed the services)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ComplaintFigure._meta.db_table} IN EXCLUSIVE MODE")
    ComplaintFigure.objects.all().delete()
    ComplaintFigure.objects.bulk_create(
        ComplaintFigure(dimension=d, key=k, status=s, n=n) for (d, k, s), n in sorted(recount().items())
    )
