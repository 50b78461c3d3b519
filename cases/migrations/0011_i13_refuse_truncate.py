"""Immutable also against TRUNCATE (ARCHITECTURE.md §6): the audit tables' row triggers miss it."""

from django.db import migrations

from accounts.migration_operations import refuse_truncate


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_i12_inspection_device_address")]
    operations = [refuse_truncate("cases_caseevent", "cases_scanjobevent", "cases_calendarimport")]
