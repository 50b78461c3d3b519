"""The dashboard's figures per authority, second step (after 0025 filled them; a migration of its
own: PostgreSQL alters no table with the fill's deferred foreign key checks pending): the authority
is required and leads the unique keys after the campaign."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0026_i17_drilldown_figures_by_authority'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dashboardfigure',
            name='authority',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.authority'),
        ),
        migrations.AlterField(
            model_name='deadlinefigure',
            name='authority',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.authority'),
        ),
        migrations.AddConstraint(
            model_name='dashboardfigure',
            constraint=models.UniqueConstraint(fields=('campaign', 'authority', 'dimension', 'key'), name='dashboard_figure_unique'),
        ),
        migrations.AddConstraint(
            model_name='deadlinefigure',
            constraint=models.UniqueConstraint(fields=('campaign', 'authority', 'deadline', 'status'), name='deadline_figure_unique'),
        ),
        migrations.AddIndex(
            model_name='dashboardfigure',
            index=models.Index(condition=models.Q(('dimension', 'state')), fields=['authority', 'campaign'], name='dashboard_figure_states'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('status__in', ['named', 'ordered', 'overdue', 'responded'])), fields=['authority', 'campaign', 'deadline', 'id'], name='case_authority_clock'),
        ),
    ]
