"""Indexes for the case, finding and inspection lists: each list's order alone and after its filters
(btree), and on PostgreSQL a trigram GIN index for the substring search on case numbers
(docs/ARCHITECTURE.md, "Lists at scale"). pg_trgm is created by products 0005.
"""

from django.conf import settings
from django.db import migrations, models

from accounts.migration_operations import postgresql_only


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0013_dashboard_figures'),
        ('products', '0005_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['-created_at', '-id'], name='case_list_order'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['status', '-created_at', '-id'], name='case_status_order'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['campaign', '-created_at', '-id'], name='case_campaign_order'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['vendor', '-created_at', '-id'], name='case_vendor_order'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['product', '-created_at', '-id'], name='case_product_order'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['status', 'updated_at', 'id'], name='case_status_updated'),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['status', 'id'], name='finding_status_order'),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['source', 'id'], name='finding_source_order'),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['violation_type', 'id'], name='finding_type_order'),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['inspection', 'status'], name='finding_inspection_status'),
        ),
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['-date', '-id'], name='inspection_list_order'),
        ),
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['campaign', '-date', '-id'], name='inspection_campaign_order'),
        ),
        migrations.AddIndex(
            model_name='inspection',
            index=models.Index(fields=['method', '-date', '-id'], name='inspection_method_order'),
        ),
        postgresql_only(
            "CREATE INDEX case_number_trgm ON cases_case USING gin ((UPPER(number::text)) gin_trgm_ops) WITH (fastupdate = off)",
            "DROP INDEX IF EXISTS case_number_trgm",
        ),
    ]
