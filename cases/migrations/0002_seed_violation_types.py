"""Seed the legal taxonomy: 23 violation types, transcribed from the reference table.

The project carries its own copy; nothing here reads files outside the project.
"""

from django.db import migrations

# (code, name_zh, name_en, applies_to, legal_basis)
VIOLATION_TYPES = [('PI-01',
  '违规收集个人信息',
  'Collecting personal information unlawfully (without notice or consent)',
  'app;sdk;terminal',
  'PIPL arts. 13, 14, 17; Cybersecurity Law art. 41 (2016 numbering); MIIT Order No. 24 art. 9; 164号文; 认定方法 '
  '三'),
 ('PI-02',
  '超范围收集个人信息',
  'Collecting personal information beyond the necessary scope',
  'app;sdk;terminal',
  'PIPL art. 6; Cybersecurity Law art. 41; GB/T 41391-2022 §6.1–6.2; 164号文; 认定方法 四'),
 ('PI-03',
  '违规使用个人信息',
  'Using or sharing personal information unlawfully (incl. sharing with third parties without consent)',
  'app;sdk;terminal',
  'PIPL art. 23; Cybersecurity Law art. 42; 164号文; 337号文; 认定方法 五'),
 ('PI-04', '强制用户使用定向推送功能', 'Forcing users to accept targeted push', 'app', 'PIPL art. 24; 164号文; 337号文'),
 ('PI-05',
  '未明示个人信息处理规则',
  'Personal-information processing rules not disclosed',
  'app;sdk;terminal',
  'PIPL arts. 7, 17; Cybersecurity Law art. 41; MIIT Order No. 24 art. 8; 认定方法 一–二'),
 ('PI-06',
  '欺骗误导用户提供个人信息',
  'Deceiving or misleading users into providing personal information',
  'app;terminal',
  'PIPL art. 5; 164号文'),
 ('PI-07',
  '未提供账号注销或个人信息更正删除功能',
  'No way to close the account or correct and delete personal information',
  'app;terminal',
  'PIPL arts. 47, 50; 337号文; 认定方法 六'),
 ('PM-01',
  'APP强制、频繁、过度索取权限',
  'Forced, frequent or excessive permission requests',
  'app;sdk',
  'PIPL art. 16; GB/T 41391-2022 §6.5; 164号文; 认定方法 三'),
 ('PM-02',
  '违规调用通信录和地理位置权限',
  'Unlawful access to contacts or location',
  'app;sdk',
  'PIPL arts. 13, 28–29 (sensitive personal information)'),
 ('HR-01', 'APP频繁自启动和关联启动', 'Frequent self-start and chain-start', 'app;sdk', '164号文; 工信部信管函〔2023〕26号'),
 ('HR-02', '开屏弹窗信息骚扰用户', 'Harassing users with splash-screen or pop-up messages', 'app', '工信部信管函〔2023〕26号'),
 ('HR-03', '信息窗口违规跳转', 'Pop-up windows that redirect users (incl. shake-to-jump)', 'app', '工信部信管函〔2023〕26号'),
 ('HR-04', '信息窗口未提供关闭或退出标识', 'Pop-up windows without a close control', 'app', '工信部信管函〔2023〕26号'),
 ('DM-01', '欺骗误导用户下载APP', 'Deceiving or misleading users into downloading apps', 'app', '164号文'),
 ('DM-02', '欺骗误导强迫用户', 'Deceiving, misleading or coercing users', 'app;terminal', 'PIPL art. 5'),
 ('DM-03',
  '强制或未经同意自动续费',
  'Forced or unconsented automatic renewal',
  'app;terminal',
  '工信部信管函〔2023〕26号 (remind 5 days before renewal)'),
 ('DP-01',
  '应用分发平台上的APP信息明示不到位',
  'App information not clearly shown on the distribution platform',
  'app',
  '164号文'),
 ('DP-02', '应用分发平台管理责任落实不到位', 'Distribution platform fails its management duties', 'app', '164号文'),
 ('SDK-01', 'SDK违规收集用户设备信息', 'SDK collects device information unlawfully', 'sdk', 'PIPL arts. 13, 17, 23'),
 ('ST-01',
  '未提供个人信息处理规则',
  'Smart terminal provides no personal-information processing rules',
  'terminal',
  'PIPL arts. 7, 17'),
 ('ST-02', '未提供权限管控机制', 'Smart terminal provides no permission controls', 'terminal', 'PIPL arts. 16, 44'),
 ('ST-03',
  '擅自向云平台传输个人信息',
  'Transmitting personal information to cloud platforms without authorisation',
  'terminal;app;sdk',
  'PIPL arts. 13, 23; Cybersecurity Law art. 42'),
 ('ST-04',
  '违规收集人脸等生物识别信息',
  'Collecting facial or other biometric information without notice or separate consent',
  'terminal;app',
  'PIPL arts. 28–29')]


def seed(apps, schema_editor):
    ViolationType = apps.get_model("cases", "ViolationType")
    for code, name_zh, name_en, applies_to, legal_basis in VIOLATION_TYPES:
        ViolationType.objects.update_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "applies_to": applies_to, "legal_basis": legal_basis},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
