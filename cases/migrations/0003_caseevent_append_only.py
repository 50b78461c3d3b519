"""Make the case audit append-only in PostgreSQL: UPDATE and DELETE raise.

TRUNCATE stays possible for the test database flush; the application never truncates.

On SQLite (the embedded default) the rule is kept by the application alone.
"""

from django.db import migrations

from accounts.migration_operations import append_only


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_violation_types")]
    operations = [append_only("cases_caseevent")]
