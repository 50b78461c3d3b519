"""The outbox's events are append-only against TRUNCATE too (ARCHITECTURE.md §6, §9)."""

from django.db import migrations

from accounts.migration_operations import refuse_truncate


class Migration(migrations.Migration):
    dependencies = [("outbox", "0001_initial")]
    operations = [refuse_truncate("outbox_outboxevent")]
