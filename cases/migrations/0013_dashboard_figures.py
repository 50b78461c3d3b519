"""The dashboard's maintained figures (ARCHITECTURE.md §11), filled from the existing cases."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from cases.dashboard.figures import rebuild

    rebuild(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_i13_scan_job_redeliveries"),
    ]

    operations = [
        migrations.CreateModel(
            name="DashboardFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("dimension", models.CharField(max_length=16)),
                ("key", models.CharField(max_length=64)),
                ("n", models.IntegerField(default=0)),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.campaign"
                    ),
                ),
            ],
            options={
                "ordering": ["campaign", "dimension", "key"],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "dimension", "key"), name="dashboard_figure_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="DeadlineFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("ordered", "Ordered to rectify"),
                            ("responded", "Responded"),
                            ("verifying", "Verifying"),
                            ("overdue", "Overdue"),
                            ("named", "Publicly named"),
                            ("removal", "Removal"),
                            ("rectified", "Rectified"),
                            ("closed", "Closed"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        max_length=16,
                    ),
                ),
                ("deadline", models.DateField()),
                ("n", models.IntegerField(default=0)),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cases.campaign"
                    ),
                ),
            ],
            options={
                "ordering": ["campaign", "deadline", "status"],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "deadline", "status"), name="deadline_figure_unique")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
