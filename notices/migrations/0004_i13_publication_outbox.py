"""Publications requested before the outbox and never run (their Celery message lost) become
outbox jobs, so the sweeper publishes them (issue 13: notices left approved for good)."""

from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    NoticeEvent = apps.get_model("notices", "NoticeEvent")
    OutboxJob = apps.get_model("outbox", "OutboxJob")
    OutboxEvent = apps.get_model("outbox", "OutboxEvent")
    now = timezone.now()
    stuck = Notice.objects.filter(status="approved", publish_requested_at__isnull=False)
    for notice in stuck:
        key = f"notice.publish:{notice.pk}"
        if OutboxJob.objects.filter(key=key).exists():
            continue
        requested = (
            NoticeEvent.objects.filter(notice=notice, kind="publish_requested", actor__isnull=False)
            .order_by("-created_at", "-pk")
            .first()
        )
        actor_id = requested.actor_id if requested else notice.approved_by_id
        if actor_id is None:
            continue
        # Due at once: the sweeper's first run sends it.
        job = OutboxJob.objects.create(
            kind="notice.publish",
            key=key,
            payload={"notice_id": notice.pk, "actor_id": actor_id},
            status="queued",
            available_at=now,
            lease_expires_at=now,
            created_by_id=actor_id,
        )
        OutboxEvent.objects.create(job=job, kind="queued", to_status="queued", reason="requested before the outbox")


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0003_seed_counters"),
        ("outbox", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
