"""Scan ingestion: a failure code on jobs, an occurrence count on findings, and the job history.

The job history is append-only in PostgreSQL (UPDATE and DELETE raise), like the case audit (0003).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from accounts.migration_operations import append_only

class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_seed_official_calendar"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="scanjob",
            name="failure_code",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="finding",
            name="occurrences",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.CreateModel(
            name="ScanJobEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=16)),
                ("from_status", models.CharField(blank=True, max_length=16)),
                ("to_status", models.CharField(blank=True, max_length=16)),
                ("attempt", models.PositiveSmallIntegerField(default=0)),
                ("reason", models.TextField(blank=True)),
                ("data", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="events", to="cases.scanjob"
                    ),
                ),
            ],
            options={
                "verbose_name": "scan job event",
                "verbose_name_plural": "scan job events",
                "ordering": ["created_at", "id"],
            },
        ),
        append_only("cases_scanjobevent"),
    ]
