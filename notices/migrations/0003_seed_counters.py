"""One counter row per numbering series, so publication only ever locks an existing row.

Admins set where each series starts (e.g. the overall batch already reached) and the document
number prefix of orders.
"""

from django.db import migrations

SERIES = ["app", "terminal", "removal", "order"]


def forward(apps, schema_editor):
    NoticeCounter = apps.get_model("notices", "NoticeCounter")
    for series in SERIES:
        NoticeCounter.objects.get_or_create(series=series, defaults={"prefix": "X信管函" if series == "order" else ""})


class Migration(migrations.Migration):
    dependencies = [("notices", "0002_issued_notices_immutable")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
