import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0036_i17_request_authority")]

    operations = [
        migrations.AlterField(
            model_name="vendorresponse",
            name="authority",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.authority"
            ),
        ),
        migrations.AlterField(
            model_name="extensionrequest",
            name="authority",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.authority"
            ),
        ),
        migrations.AddIndex(
            model_name="vendorresponse",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["authority", "created_at", "id"],
                name="response_pending_authority",
            ),
        ),
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["authority", "created_at", "id"],
                name="extension_pending_authority",
            ),
        ),
    ]
