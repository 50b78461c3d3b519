"""A report's and a request's authority, carried from its case (issue 17): added empty, then filled
from the case. The next migration makes it required and indexes it (a separate transaction:
PostgreSQL refuses to alter a table with the fill's deferred foreign-key checks pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    case_authority = Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("authority_id")[:1])
    for name in ("VendorResponse", "ExtensionRequest"):
        apps.get_model("cases", name).objects.update(authority_id=case_authority)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_i17_delegation_authorityevent"),
        ("cases", "0035_i14_openable_authority"),
    ]

    operations = [
        migrations.AddField(
            model_name="vendorresponse",
            name="authority",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.authority",
            ),
        ),
        migrations.AddField(
            model_name="extensionrequest",
            name="authority",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.authority",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
