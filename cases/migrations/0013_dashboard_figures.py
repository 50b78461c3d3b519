"""The dashboard's maintained figures (ARCHITECTURE.md §11), filled from the existing cases; the
index its lists read."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    from cases.dashboard.figures import rebuild

    rebuild(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0012_i13_scan_job_redeliveries'),
        ('products', '0004_i13_refuse_truncate'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DashboardFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('dimension', models.CharField(max_length=16)),
                ('key', models.CharField(max_length=64)),
                ('n', models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='DeadlineFigure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('open', 'Open'), ('ordered', 'Ordered to rectify'), ('responded', 'Responded'), ('verifying', 'Verifying'), ('overdue', 'Overdue'), ('named', 'Publicly named'), ('removal', 'Removal'), ('rectified', 'Rectified'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn')], max_length=16)),
                ('deadline', models.DateField()),
                ('n', models.IntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('status__in', ['named', 'ordered', 'overdue', 'responded'])), fields=['campaign', 'deadline', 'id'], name='case_campaign_clock'),
        ),
        migrations.AddField(
            model_name='dashboardfigure',
            name='campaign',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.campaign'),
        ),
        migrations.AddField(
            model_name='deadlinefigure',
            name='campaign',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.campaign'),
        ),
        migrations.AddConstraint(
            model_name='dashboardfigure',
            constraint=models.UniqueConstraint(fields=('campaign', 'dimension', 'key'), name='dashboard_figure_unique'),
        ),
        migrations.AddConstraint(
            model_name='deadlinefigure',
            constraint=models.UniqueConstraint(fields=('campaign', 'deadline', 'status'), name='deadline_figure_unique'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
