"""Inspection.vendor, Finding.authority and Finding.vendor, nullable while 0032 fills them (issue 14)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_i17_delegation_authorityevent"),
        ("cases", "0031_i14_short_clock_order"),
        ("products", "0008_i16_scenarios_offline_scenario"),
    ]

    operations = [
        migrations.AddField(
            model_name="inspection",
            name="vendor",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="products.vendor",
                verbose_name="vendor",
            ),
        ),
        migrations.AddField(
            model_name="finding",
            name="authority",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.authority",
                verbose_name="authority",
            ),
        ),
        migrations.AddField(
            model_name="finding",
            name="vendor",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="products.vendor",
                verbose_name="vendor",
            ),
        ),
    ]
