"""The taxonomy for offline scenarios (issue 16): the on-site method, and the codes that apply.

Existing codes that describe what a venue can do as well as an app (collecting without notice or
consent, beyond the necessary scope, sharing unlawfully, no processing rules, deceiving or coercing,
no security measures) gain ``scenario`` in ``applies_to``. Four codes are added for what only a
venue does; they are the project's own additions (not in the shared reference table), with their
legal basis:

- OS-01: service refused or delayed unless the customer consents to processing it does not need
  (QR-code ordering that asks to follow an account and hand over a phone number) — PIPL art. 16
  (a handler may not refuse a product or service because an individual does not consent, unless
  the processing is necessary for it) and art. 14 (consent given freely).
- OS-02: facial recognition without separate consent, or as the only way in — PIPL arts. 26, 28,
  29 (facial information is sensitive; separate consent) and the 2025 measures
  《人脸识别技术应用安全管理办法》 (CAC and Ministry of Public Security: separate consent, not the
  only way to verify identity when another exists, prominent signs in public places).
- OS-03: identity cards scanned or copied beyond necessity (a gym's membership, a venue's entry) —
  PIPL arts. 6, 28, 29.
- OS-04: image capture or identification equipment in a public place without a prominent sign, or
  used for purposes other than public safety — PIPL art. 26.
"""

from django.db import migrations

EXTENDED = ["PI-01", "PI-02", "PI-03", "PI-05", "PI-06", "DM-02", "SEC-01"]
KIND = "scenario"

VIOLATION_TYPES = [
    (
        "OS-01",
        "强制要求用户同意与服务无关的个人信息处理",
        "Refusing the service unless the customer consents to processing it does not need "
        "(e.g. QR-code ordering that forces following an account or giving a phone number)",
        "scenario",
        "PIPL arts. 14, 16",
    ),
    (
        "OS-02",
        "违规使用人脸识别技术处理人脸信息",
        "Facial recognition without separate consent, or as the only way to enter or verify identity",
        "scenario",
        "PIPL arts. 26, 28, 29; 《人脸识别技术应用安全管理办法》",
    ),
    (
        "OS-03",
        "超出必要范围采集身份证件信息",
        "Scanning, copying or keeping identity-card information beyond what the service needs",
        "scenario",
        "PIPL arts. 6, 28, 29",
    ),
    (
        "OS-04",
        "公共场所图像采集设备未设置显著提示标识",
        "Image capture or personal identification equipment in a public place without a prominent sign",
        "scenario",
        "PIPL art. 26",
    ),
]


def _kinds(applies_to: str) -> list[str]:
    return [part for part in applies_to.split(";") if part]


def seed(apps, schema_editor):
    ViolationType = apps.get_model("cases", "ViolationType")
    for vt in ViolationType.objects.filter(code__in=EXTENDED):
        kinds = _kinds(vt.applies_to)
        if KIND not in kinds:
            vt.applies_to = ";".join([*kinds, KIND])
            vt.save(update_fields=["applies_to"])
    for code, name_zh, name_en, applies_to, legal_basis in VIOLATION_TYPES:
        ViolationType.objects.update_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "applies_to": applies_to, "legal_basis": legal_basis},
        )


def unseed(apps, schema_editor):
    ViolationType = apps.get_model("cases", "ViolationType")
    ViolationType.objects.filter(code__in=[row[0] for row in VIOLATION_TYPES], findings__isnull=True).delete()
    for vt in ViolationType.objects.filter(code__in=EXTENDED):
        vt.applies_to = ";".join(kind for kind in _kinds(vt.applies_to) if kind != KIND)
        vt.save(update_fields=["applies_to"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0021_i15_finish_case_deadline_order")]
    operations = [migrations.RunPython(seed, unseed)]
