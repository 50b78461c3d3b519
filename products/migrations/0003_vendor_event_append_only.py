"""Make the vendor audit append-only in PostgreSQL: UPDATE and DELETE raise."""

from django.db import migrations

from accounts.migration_operations import append_only


class Migration(migrations.Migration):
    dependencies = [("products", "0002_vendor_event")]
    operations = [append_only("products_vendorevent")]
