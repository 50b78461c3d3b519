"""The filled columns NOT NULL, and the lists' indexes led by them (issue 14)."""

import django.db.models.deletion
from django.db import migrations, models


def _fk(to: str, verbose_name: str):
    return models.ForeignKey(
        db_index=False,
        editable=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0033_i14_vendorcol_backfill")]

    operations = [
        migrations.AlterField(model_name="inspection", name="vendor", field=_fk("products.vendor", "vendor")),
        migrations.AlterField(model_name="finding", name="authority", field=_fk("accounts.authority", "authority")),
        migrations.AlterField(model_name="finding", name="vendor", field=_fk("products.vendor", "vendor")),
        migrations.AddIndex(
            model_name="inspection",
            index=models.Index(fields=["vendor", "-date", "-id"], name="inspection_vendor_order"),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(fields=["authority", "id"], name="finding_authority_order"),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(fields=["vendor", "id"], name="finding_vendor_order"),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                condition=models.Q(("status", "candidate")), fields=["authority", "id"], name="finding_candidate_authority"
            ),
        ),
    ]
