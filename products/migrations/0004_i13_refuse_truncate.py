"""Immutable also against TRUNCATE (ARCHITECTURE.md §6): the vendor audit's row trigger misses it."""

from django.db import migrations

from accounts.migration_operations import refuse_truncate


class Migration(migrations.Migration):
    dependencies = [("products", "0003_vendor_event_append_only")]
    operations = [refuse_truncate("products_vendorevent")]
