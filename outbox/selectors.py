"""Reads of the outbox: what an operator (or a health check) needs to know about the backlog."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import OutboxJob, OutboxStatus


@dataclass(frozen=True)
class Backlog:
    queued: int
    running: int
    failed: int
    # Jobs the sweeper should have sent again or requeued by now: more than a few means no beat
    # or no worker is running.
    overdue: int
    oldest_queued_seconds: float | None


def outbox_backlog(*, now: datetime.datetime | None = None, grace: datetime.timedelta | None = None) -> Backlog:
    """One aggregate over the outbox: counts by state, how many are past their lease or redelivery
    time by more than ``grace`` (default a minute), and the age of the oldest queued job."""
    now = now or timezone.now()
    late = now - (grace if grace is not None else datetime.timedelta(minutes=1))
    row = OutboxJob.objects.exclude(status=OutboxStatus.DONE).aggregate(
        queued=Count("pk", filter=Q(status=OutboxStatus.QUEUED)),
        running=Count("pk", filter=Q(status=OutboxStatus.RUNNING)),
        failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)),
        overdue=Count(
            "pk",
            filter=Q(status__in=(OutboxStatus.QUEUED, OutboxStatus.RUNNING), lease_expires_at__lt=late),
        ),
        oldest=Min("created_at", filter=Q(status=OutboxStatus.QUEUED)),
    )
    oldest = row.pop("oldest")
    return Backlog(**row, oldest_queued_seconds=(now - oldest).total_seconds() if oldest else None)
