"""The dashboard's figures kept per authority (ARCHITECTURE.md §15): every count of a campaign is one
authority's, so a drill-down to one authority or region reads its own rows. The rows are recounted
from the cases (the old ``authority`` dimension, the cases by authority and state, goes: the states
now carry their authority); the index of one authority's running clocks serves its lists."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from cases.dashboard.figures import rebuild

    rebuild(apps)


def clear(apps, schema_editor):
    """Backwards: the rows of one campaign's key would collide once the authority is gone."""
    apps.get_model("cases", "DashboardFigure").objects.all().delete()
    apps.get_model("cases", "DeadlineFigure").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_i17_authorities_authority'),
        ('cases', '0025_i17_transfers_event_index'),
    ]

    operations = [
        # Backwards, last: the figures recounted without the authority (forwards: nothing); the code
        # of 0024's time adds its ``authority`` dimension with its own ``dashboard_rebuild``.
        migrations.RunPython(migrations.RunPython.noop, fill),
        migrations.RemoveConstraint(model_name='dashboardfigure', name='dashboard_figure_unique'),
        migrations.RemoveConstraint(model_name='deadlinefigure', name='deadline_figure_unique'),
        migrations.AddField(
            model_name='dashboardfigure',
            name='authority',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.authority'),
        ),
        migrations.AddField(
            model_name='deadlinefigure',
            name='authority',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.authority'),
        ),
        migrations.RunPython(fill, clear),
    ]
