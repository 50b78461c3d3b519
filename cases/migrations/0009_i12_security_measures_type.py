"""Add SEC-01 to the taxonomy: necessary security measures not taken (issue 12).

Exposed management services on a terminal (telnet, adb, RTSP, VNC, RDP, UPnP, unencrypted MQTT)
and personal identifiers sent in cleartext HTTP are candidates under this code. PIPL art. 51 obliges
a handler to take security measures such as encryption; Cybersecurity Law art. 21 obliges network
operators to protect networks against intrusion. Not in the shared reference table: the project's
own addition, documented in docs/FORMATS.md.
"""

from django.db import migrations

VIOLATION_TYPES = [
    (
        "SEC-01",
        "未采取必要的安全保护措施",
        "Necessary security measures not taken (exposed management services, personal information in cleartext)",
        "app;sdk;terminal",
        "PIPL art. 51; Cybersecurity Law art. 21",
    )
]


def seed(apps, schema_editor):
    ViolationType = apps.get_model("cases", "ViolationType")
    for code, name_zh, name_en, applies_to, legal_basis in VIOLATION_TYPES:
        ViolationType.objects.update_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "applies_to": applies_to, "legal_basis": legal_basis},
        )


def unseed(apps, schema_editor):
    ViolationType = apps.get_model("cases", "ViolationType")
    ViolationType.objects.filter(code__in=[row[0] for row in VIOLATION_TYPES], findings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_i12_observations_withdrawal")]
    operations = [migrations.RunPython(seed, unseed)]
