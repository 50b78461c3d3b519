"""Load the demo: one user per role, a campaign, fictional vendors, products, inspections,
findings and cases in several states. Safe to run again: a second run changes nothing.

Every company, product and agency here is fictional; the credit codes are made up with a valid
GB 32100 check digit. Everything is written through the services and the workflows, so the cases
carry the same audit events and documents as real ones: an ordered case was served by a published
order to rectify (drafted by the inspector, approved by the reviewer, rendered to PDF), a named case
is listed in a published naming notice. The story is told on its days: while a step runs the clock
(``django.utils.timezone.now``) reads that day, so the inspection date, the audit events, the
order's date and number, the deadline and the vendor's report agree with one another, and the
overdue mark runs on each day as the hourly job would. The demo password exists only here.
"""

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Authority, User
from accounts.roles import Role
from cases import responses, services, workflow
from cases.clock import marks
from cases.clock.calendar import UnknownCalendarYear, add_working_days
from cases.ingest import jobs as scan_jobs
from cases.ingest.service import scan_job_process
from cases.models import (
    Campaign,
    Case,
    Finding,
    InspectionMethod,
    TestingAgency,
    ViolationType,
)
from cases.sdks import services as sdk_services
from cases.timeline.demo import timeline_demo_load
from notices import services as notice_services
from notices import workflow as notice_workflow
from notices.models import Notice, NoticeKind, NoticeStatus
from outbox.jobs import outbox_job_run
from outbox.models import OutboxJob
from products import services as product_services
from products.models import ProductKind, ProductVersion, ScenarioType, TerminalCategory, Vendor, VendorMembership
from products.validators import uscc_check_char

DEMO_PASSWORD = "rectify-demo"
# The demo's "today" leaves this many working days of known calendar after it (deadlines are counted).
ANCHOR_MARGIN_WORKING_DAYS = 10
DEMO_CAMPAIGN_EN = "Demo campaign: apps and smart terminals infringing users' rights"

USERS = [
    # username, role, first name, last name, vendor key (for vendor users)
    ("admin", Role.ADMIN, "管理员", "系统", None),
    ("inspector", Role.INSPECTOR, "检查员", "李", None),
    ("reviewer", Role.REVIEWER, "审核员", "王", None),
    ("vendor_a", Role.VENDOR, "合规专员", "陈", "qingchuan"),
    ("vendor_b", Role.VENDOR, "法务", "周", "tongxin"),
]

AGENCIES = [
    ("东方数安检测中心（演示）", "Eastern Data Security Testing Centre (demo)"),
    ("明镜移动应用评测实验室（演示）", "Mingjing Mobile App Evaluation Lab (demo)"),
]

# key: (name, English name, first 17 characters of the credit code, address)
VENDORS = {
    "qingchuan": (
        "晴川网络科技（杭州）有限公司",
        "Qingchuan Network Technology (Hangzhou) Co., Ltd.",
        "91330106MA2CQ7XK3",
        "浙江省杭州市西湖区文三路 90 号",
    ),
    "xinghe": (
        "星河智能家居（深圳）有限公司",
        "Xinghe Smart Home (Shenzhen) Co., Ltd.",
        "91440300MA5F8N2R6",
        "广东省深圳市南山区科技园南区 8 栋",
    ),
    "tongxin": (
        "童芯教育科技（北京）有限公司",
        "Tongxin Education Technology (Beijing) Co., Ltd.",
        "91110108MA01W4LT8",
        "北京市海淀区中关村大街 27 号",
    ),
    "yunfan": (
        "云帆数联信息技术（上海）有限公司",
        "Yunfan Data Link Information Technology (Shanghai) Co., Ltd.",
        "91310115MA1H9PD52",
        "上海市浦东新区张江路 665 号",
    ),
}


@dataclass
class DemoCase:
    """One product version, its inspection and findings, and how far its case goes."""

    vendor: str
    product: str
    kind: str
    category: str
    version: str
    source: str
    package: str
    method: str
    agency: int
    inspected_days_ago: int
    confirmed: list[tuple[str, str, str]]  # violation code, title, description
    candidates: list[tuple[str, str]] = field(default_factory=list)
    dismissed: list[tuple[str, str, str]] = field(default_factory=list)  # code, title, reason
    path: tuple[str, ...] = ()  # the moves after opening, in order
    served_days_ago: int = 0  # the day the order to rectify is published (and served)
    fixed_version: str = ""
    named_days_ago: int = 0  # the day the naming notice that lists it is published


DEMO_CASES = [
    DemoCase(
        vendor="qingchuan",
        product="晴川天气",
        kind=ProductKind.APP,
        category="",
        version="5.2.0",
        source="应用宝",
        package="com.qingchuan.weather",
        method=InspectionMethod.DYNAMIC,
        agency=0,
        inspected_days_ago=12,
        confirmed=[
            ("PI-01", "首次启动未经同意即收集设备标识（Android ID、IMEI）", "隐私政策弹窗出现前已调用 getImei。"),
            ("PM-01", "拒绝定位权限后每次启动再次弹窗索取", "48 小时内弹窗 11 次。"),
        ],
        dismissed=[("HR-02", "开屏广告无跳过按钮", "复核录屏：跳过按钮存在，位于右上角。")],
        path=("order", "respond"),
        served_days_ago=2,
        fixed_version="5.2.4",
    ),
    DemoCase(
        vendor="qingchuan",
        product="晴川阅读",
        kind=ProductKind.APP,
        category="",
        version="3.8.1",
        source="华为应用市场",
        package="com.qingchuan.reader",
        method=InspectionMethod.DYNAMIC,
        agency=1,
        inspected_days_ago=45,
        confirmed=[
            ("PI-07", "未提供账号注销功能", "设置页与隐私政策均无注销入口。"),
            ("PI-04", "个性化推荐无法关闭", "“个性化推荐”开关关闭后仍按阅读记录推送。"),
        ],
        path=("order", "overdue"),
        served_days_ago=30,
    ),
    DemoCase(
        vendor="xinghe",
        product="星河音箱 X1",
        kind=ProductKind.TERMINAL,
        category=TerminalCategory.SMART_SPEAKER,
        version="2.4.7",
        source="官方固件",
        package="XH-SPK-X1",
        method=InspectionMethod.NETWORK,
        agency=0,
        inspected_days_ago=9,
        confirmed=[("ST-03", "唤醒前的语音片段上传至云端", "抓包可见未唤醒状态下向 voice.example.test 上传音频。")],
        dismissed=[("PI-02", "配网时读取通讯录", "复测确认仅在用户主动“分享给家人”时读取。")],
        path=("order",),
        served_days_ago=1,
    ),
    DemoCase(
        vendor="xinghe",
        product="星河智能门锁 L2",
        kind=ProductKind.TERMINAL,
        category=TerminalCategory.DOOR_LOCK,
        version="1.9.0",
        source="官方固件",
        package="XH-LOCK-L2",
        method=InspectionMethod.DEVICE,
        agency=1,
        inspected_days_ago=4,
        confirmed=[("ST-04", "人脸识别开锁未单独取得同意", "首次配置即默认开启人脸录入。")],
        candidates=[("ST-02", "配套 APP 无法单独关闭门锁的位置权限")],
    ),
    DemoCase(
        vendor="tongxin",
        product="童芯学习机 S3",
        kind=ProductKind.TERMINAL,
        category=TerminalCategory.LEARNING_TERMINAL,
        version="4.0.2",
        source="官方固件",
        package="TX-LEARN-S3",
        method=InspectionMethod.DEVICE,
        agency=0,
        inspected_days_ago=50,
        confirmed=[("ST-01", "设备内未提供儿童个人信息处理规则", "开机引导及设置中均未找到儿童隐私政策。")],
        path=("order", "respond", "accept"),
        served_days_ago=40,
        fixed_version="4.1.0",
    ),
    DemoCase(
        vendor="tongxin",
        product="童芯儿童手表 W5",
        kind=ProductKind.TERMINAL,
        category=TerminalCategory.CHILDRENS_WATCH,
        version="2.1.0",
        source="官方固件",
        package="TX-WATCH-W5",
        method=InspectionMethod.DEVICE,
        agency=1,
        inspected_days_ago=75,
        confirmed=[
            ("PI-02", "持续采集精确位置，超出定位服务所需", "关闭“守护”功能后仍每 5 分钟上报位置。"),
            ("DM-03", "增值服务默认自动续费", "开通页默认勾选连续包月且未显著提示。"),
        ],
        path=("order", "respond", "accept", "rectified"),
        served_days_ago=60,
        fixed_version="2.1.3",
    ),
    DemoCase(
        vendor="tongxin",
        product="童芯口算",
        kind=ProductKind.APP,
        category="",
        version="1.6.2",
        source="小米应用商店",
        package="com.tongxin.kousuan",
        method=InspectionMethod.DYNAMIC,
        agency=1,
        inspected_days_ago=40,
        confirmed=[
            ("PI-03", "注册时强制索取通讯录权限，拒绝后无法使用", "拒绝通讯录权限后注册流程无法继续。"),
        ],
        path=("order", "name"),
        served_days_ago=35,
        named_days_ago=3,
    ),
    DemoCase(
        vendor="yunfan",
        product="云帆统计 SDK",
        kind=ProductKind.SDK,
        category="",
        version="6.3.0",
        source="Maven 中央仓库",
        package="com.yunfan.analytics",
        method=InspectionMethod.STATIC,
        agency=0,
        inspected_days_ago=20,
        confirmed=[
            ("SDK-01", "初始化时读取 MAC 地址与已安装应用列表", "反编译可见 init() 中调用 getInstalledPackages。")
        ],
        candidates=[("HR-01", "SDK 拉起宿主应用的后台服务")],
        path=("withdraw",),
    ),
]


# The SDK fan-out (issue 18): an SDK case whose SDK the demo apps embed, shown by their traffic.
FANOUT_SDK = ("yunfan", "云帆推送 SDK", "4.2.1", "com.yunfan.push")
FANOUT_HOST = "push.yunfan-sdk.example"
# The demo apps that call the SDK's host (product names above), and one more app of another vendor.
FANOUT_APPS = ("晴川天气", "晴川阅读")
FANOUT_EXTRA_APP = ("xinghe", "星河智家", "5.0.2", "com.xinghe.home")


def fanout_har(package: str) -> bytes:
    """A HAR capture (FORMATS.md §3) of an app registering with the demo SDK's push service."""
    return json.dumps(
        {
            "log": {
                "version": "1.2",
                "creator": {"name": "mitmproxy", "version": "10.1.5"},
                "entries": [
                    {
                        "startedDateTime": "2025-09-20T10:00:00.000+08:00",
                        "time": 35,
                        "request": {
                            "method": "POST",
                            "url": f"https://{FANOUT_HOST}/v2/register?app={package}",
                            "httpVersion": "HTTP/1.1",
                            "headers": [{"name": "Host", "value": FANOUT_HOST}],
                            "queryString": [{"name": "app", "value": package}],
                            "cookies": [],
                            "headersSize": -1,
                            "bodySize": 0,
                        },
                        "response": {
                            "status": 200,
                            "statusText": "OK",
                            "httpVersion": "HTTP/1.1",
                            "headers": [],
                            "cookies": [],
                            "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                            "redirectURL": "",
                            "headersSize": -1,
                            "bodySize": 2,
                        },
                        "cache": {},
                        "timings": {"send": 1, "wait": 30, "receive": 4},
                    }
                ],
            }
        }
    ).encode()


# Offline scenarios (issue 16): venues inspected on site. The restaurant ends with an order; the gym
# runs out its clock and is named in a scenario naming notice.
SCENARIO_VENDORS = {
    "shuxiang": (
        "北京蜀香餐饮管理有限公司（演示）",
        "Beijing Shuxiang Catering Management Co., Ltd. (demo)",
        "91110105MA04CX2M7",
        "北京市朝阳区望京街 10 号",
    ),
    "yuedong": (
        "上海悦动体育发展有限公司（演示）",
        "Shanghai Yuedong Sports Development Co., Ltd. (demo)",
        "91310115MA1K6B3D9",
        "上海市浦东新区张杨路 100 号",
    ),
}


@dataclass
class DemoScenario:
    vendor: str
    name: str
    address: str
    division_code: str
    scenario_type: str
    systems_text: str
    inspected_days_ago: int
    notes: str
    confirmed: list[tuple[str, str, str]]
    served_days_ago: int
    named_days_ago: int = 0  # the day the scenario naming notice that lists it is published


DEMO_SCENARIOS = [
    DemoScenario(
        vendor="shuxiang",
        name="蜀香川菜馆（望京店）",
        address="北京市朝阳区望京街 10 号",
        division_code="110105",
        scenario_type=ScenarioType.QR_ORDERING,
        systems_text="桌贴二维码指向“蜀香点餐”小程序",
        inspected_days_ago=6,
        notes="现场检查：店内仅提供扫码点餐，无纸质菜单。",
        confirmed=[
            (
                "OS-01",
                "扫码点餐须关注公众号并授权手机号方可下单",
                "拒绝授权手机号后无法进入点餐页面；店员称无其他点餐方式。",
            )
        ],
        served_days_ago=1,
    ),
    DemoScenario(
        vendor="yuedong",
        name="悦动健身（浦东店）",
        address="上海市浦东新区张杨路 100 号",
        division_code="310115",
        scenario_type=ScenarioType.FACE_ENTRY,
        systems_text="入口闸机人脸识别终端（型号 FR-200）",
        inspected_days_ago=40,
        notes="现场检查：会员入场只能刷脸，前台登记身份证正反面。",
        confirmed=[
            ("OS-02", "入场仅能刷脸，未取得单独同意", "未提供刷卡或扫码等其他入场方式。"),
            ("OS-03", "办理会员时复印身份证正反面并留存", "会员登记表要求附身份证复印件。"),
        ],
        served_days_ago=30,
        named_days_ago=4,
    ),
]


def demo_credit_code(first17: str) -> str:
    return first17 + uscc_check_char(first17)


class Command(BaseCommand):
    help = "Load the demo data (users, vendors, products, inspections, findings, cases). Idempotent."

    def handle(self, *args, **options):
        users = self._users()
        campaign = Campaign.objects.filter(name_en=DEMO_CAMPAIGN_EN).first()
        if campaign is None:
            self._load(users)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        # The complaints room sits above cases: its demo is run by name, never imported from here.
        if apps.is_installed("complaints"):
            call_command("load_demo_complaints", stdout=self.stdout)
        self._timeline(users)
        self._print_summary(users)

    def _timeline(self, users: dict[str, tuple[User, bool]]) -> None:
        """The consent timeline's demo inspection (cases.timeline.demo), loaded once, after the rest:
        its scans go through the real ingest, which runs outside the loading transaction."""
        campaign = Campaign.objects.get(name_en=DEMO_CAMPAIGN_EN)
        inspection = timeline_demo_load(
            campaign=campaign,
            inspector=users["inspector"][0],
            reviewer=users["reviewer"][0],
            date=self._anchor() - datetime.timedelta(days=3),
        )
        if inspection is not None:
            self.stdout.write(f"Demo consent timeline: /inspections/{inspection.pk}/timeline/")

    # -- users ------------------------------------------------------------------------------------

    def _users(self) -> dict[str, tuple[User, bool]]:
        """Create the demo users that are missing; an existing user keeps its password."""
        users = {}
        for username, role, first_name, last_name, _vendor in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "role": role,
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@rectify.example.test",
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                    # The demo's regulators work for the ministry's bureau (ARCHITECTURE.md §15).
                    "authority": None if role == Role.VENDOR else Authority.objects.national(),
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = (user, created)
        return users

    # -- data -------------------------------------------------------------------------------------

    def _load(self, users: dict[str, tuple[User, bool]]) -> None:
        admin, inspector, reviewer = (users[name][0] for name in ("admin", "inspector", "reviewer"))
        today = self._anchor()
        with on_day(today - datetime.timedelta(days=90)), transaction.atomic():
            campaign = Campaign.objects.create(
                name=f"{today.year}年APP及智能终端侵害用户权益专项整治行动（演示）",
                name_en=DEMO_CAMPAIGN_EN,
                start_date=today - datetime.timedelta(days=90),
                description="演示数据：所有企业、产品和检测机构均为虚构。",
            )
            agencies = [
                TestingAgency.objects.get_or_create(name=zh, defaults={"name_en": en})[0] for zh, en in AGENCIES
            ]
            vendors = {key: self._vendor(admin, key) for key in VENDORS}
            for username, _role, _first, _last, vendor_key in USERS:
                user = users[username][0]
                if vendor_key and not VendorMembership.objects.filter(user=user).exists():
                    VendorMembership.objects.create(user=user, vendor=vendors[vendor_key], is_vendor_admin=True)
        vendor_users = {vendor_key: users[username][0] for username, *_rest, vendor_key in USERS if vendor_key}
        people = {"admin": admin, "inspector": inspector, "reviewer": reviewer}

        # Every step of every case on its day; run in the order they happened, so numbers follow dates.
        steps: list[tuple[datetime.date, int, Callable[[], None]]] = []
        for index, demo in enumerate(DEMO_CASES):
            story = _Story(
                demo=demo,
                today=today,
                campaign=campaign,
                agency=agencies[demo.agency],
                vendor=vendors[demo.vendor],
                vendor_user=vendor_users.get(demo.vendor),
                people=people,
            )
            for day, fn in story.steps():
                steps.append((day, index, fn))
        for index, demo in enumerate(DEMO_SCENARIOS, start=len(DEMO_CASES)):
            story = _ScenarioStory(
                demo=demo,
                today=today,
                campaign=campaign,
                agency=agencies[0],
                vendor=None,
                vendor_user=None,
                people=people,
            )
            for day, fn in story.steps():
                steps.append((day, index, fn))
        # Each step commits on its day, so what follows a commit (the e-mails) happens that day too.
        last_marked = None
        for day, _index, fn in sorted(steps, key=lambda step: (step[0], step[1])):
            with on_day(day):
                if day != last_marked:
                    # The clock's hourly job, on the days something happens (as beat would run it).
                    marks.cases_mark_overdue(today=day)
                    last_marked = day
                try:
                    with transaction.atomic():
                        fn()
                except Exception as exc:
                    raise CommandError(
                        f"The demo stopped on {day} ({fn.__name__}): {exc}. The database holds part of it: "
                        "load the demo into an empty database."
                    ) from exc
        # The SDK fan-out (issue 18): the demo apps' captures show an SDK under an open SDK case.
        with on_day(today - datetime.timedelta(days=8)), transaction.atomic():
            self._sdk_fanout(
                campaign=campaign,
                agency=agencies[0],
                vendors=vendors,
                admin=admin,
                inspector=inspector,
                reviewer=reviewer,
                today=today,
            )
        with on_day(today):
            marks.cases_mark_overdue(today=today)

    def _sdk_fanout(self, *, campaign, agency, vendors, admin, inspector, reviewer, today) -> None:
        """An open SDK case, and three apps of two vendors whose traffic shows the SDK (issue 18).

        The SDK's signature comes first, so each app's capture is linked to it on ingest."""
        vendor_key, name, version_string, package = FANOUT_SDK
        sdk = product_services.product_create(
            actor=admin, vendor=vendors[vendor_key], name=name, kind=ProductKind.SDK, terminal_category=""
        )
        sdk_services.sdk_signature_save(
            product=sdk, package_prefixes=[package], hosts=[FANOUT_HOST], known_versions=[version_string]
        )
        sdk_version = product_services.version_create(
            actor=inspector, product=sdk, version=version_string, source="Maven 中央仓库", package_name=package
        )
        inspection = services.inspection_create(
            actor=inspector,
            campaign=campaign,
            product_version=sdk_version,
            agency=agency,
            date=today - datetime.timedelta(days=10),
            method=InspectionMethod.DYNAMIC,
            notes="演示检测记录。",
        )
        finding = services.finding_create_manual(
            actor=inspector,
            inspection=inspection,
            violation_type=ViolationType.objects.get(code="SDK-01"),
            title="用户同意隐私政策前读取 Android ID 与 IMEI",
            description="宿主应用首次启动、隐私弹窗出现前，SDK 初始化即调用 getImei 与 "
            "Settings.Secure.getString(android_id)。",
        )
        services.case_open(
            actor=inspector, findings=[services.finding_confirm(actor=reviewer, finding=finding, reason="证据充分。")]
        )
        vendor_key, app_name, app_version, app_package = FANOUT_EXTRA_APP
        extra = product_services.product_create(
            actor=admin, vendor=vendors[vendor_key], name=app_name, kind=ProductKind.APP, terminal_category=""
        )
        app_versions = {
            name: ProductVersion.objects.filter(product__name=name, product__kind=ProductKind.APP).earliest(
                "created_at"
            )
            for name in FANOUT_APPS
        }
        app_versions[app_name] = product_services.version_create(
            actor=inspector, product=extra, version=app_version, source="应用宝", package_name=app_package
        )
        for app_name in (*FANOUT_APPS, FANOUT_EXTRA_APP[1]):
            version = app_versions[app_name]
            capture = services.inspection_create(
                actor=inspector,
                campaign=campaign,
                product_version=version,
                agency=agency,
                date=today - datetime.timedelta(days=8),
                method=InspectionMethod.NETWORK,
                notes="演示抓包记录。",
            )
            job, _created = scan_jobs.scan_job_create(
                actor=inspector,
                inspection=capture,
                uploaded=SimpleUploadedFile("capture.har", fanout_har(version.package_name)),
                tool="har",
            )
            # Ingested here, in the demo's transaction: the message sent on commit finds it done.
            scan_job_process(job_id=job.pk)

    def _anchor(self) -> datetime.date:
        """Today in Asia/Shanghai, or earlier when a deadline counted from today would fall in a year the
        official calendar does not know yet (the demo's last order is served the day before)."""
        today = anchor = timezone.localdate()
        for _ in range(60):
            try:
                add_working_days(anchor, ANCHOR_MARGIN_WORKING_DAYS)
                break
            except UnknownCalendarYear:
                anchor -= datetime.timedelta(days=1)
        if anchor != today:
            self.stderr.write(
                f"The official calendar does not reach far enough past today: demo dates end on {anchor}."
            )
        return anchor

    def _vendor(self, admin: User, key: str) -> Vendor:
        name, name_en, first17, address = VENDORS[key]
        code = demo_credit_code(first17)
        existing = Vendor.objects.filter(credit_code=code).first()
        if existing:
            return existing
        return product_services.vendor_create(
            actor=admin,
            name=name,
            name_en=name_en,
            credit_code=code,
            address=address,
            contact_email=f"compliance@{key}.example.test",
        )

    # -- output -----------------------------------------------------------------------------------

    def _print_summary(self, users: dict[str, tuple[User, bool]]) -> None:
        cases = Case.objects.filter(campaign__name_en=DEMO_CAMPAIGN_EN).order_by("id")
        if cases:
            self.stdout.write("\nDemo cases:")
            for case in cases.select_related("product"):
                self.stdout.write(f"  {case.number}  {case.product.name} · {case.get_status_display()}")
            notices = Notice.objects.filter(status=NoticeStatus.PUBLISHED, campaign__name_en=DEMO_CAMPAIGN_EN)
            for notice in notices.order_by("published_at"):
                self.stdout.write(f"  {notice.published_on}  {notice}")
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD}, set when the demo created the user):")
        for username, role, *_rest in USERS:
            user, created = users[username]
            where = f" · {user.membership.vendor.name}" if hasattr(user, "membership") else ""
            note = "" if created or user.role == role else f"  (existing user with role {user.role})"
            self.stdout.write(f"  {username:<10} {role.label}{where}{note}")
        self.stdout.write("")


@contextmanager
def on_day(day: datetime.date) -> Iterator[None]:
    """Run the block as if it were ``day`` (10:00 in the site's time zone, the clock still ticking)."""
    real_now = timezone.now
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    offset = moment - real_now()
    with mock.patch("django.utils.timezone.now", lambda: real_now() + offset):
        yield


@dataclass
class _Story:
    """One demo case's steps, each with its day: inspected, opened, served, answered, decided."""

    demo: DemoCase
    today: datetime.date
    campaign: Campaign
    agency: TestingAgency
    vendor: Vendor
    vendor_user: User | None
    people: dict[str, User]
    case: Case | None = None
    inspection: object = None
    response: object = None

    def ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def steps(self) -> list[tuple[datetime.date, Callable[[], None]]]:
        demo = self.demo
        inspected = self.ago(demo.inspected_days_ago)
        served = self.ago(demo.served_days_ago)
        steps = [(inspected, self.inspect)]
        for step in demo.path:
            if step == "order":
                steps.append((served, self.order))
            elif step == "respond":
                steps.append((min(served + datetime.timedelta(days=1), self.today), self.respond))
            elif step == "accept":
                steps.append((min(served + datetime.timedelta(days=2), self.today), self.accept))
            elif step == "rectified":
                steps.append((self.ago(5), self.retest))
                steps.append((self.ago(4), self.confirm_rectified))
            elif step == "name":
                steps.append((self.ago(demo.named_days_ago), self.name))
            elif step == "withdraw":
                steps.append((inspected + datetime.timedelta(days=1), self.withdraw))
            # "overdue": the clock's mark moves it, on the first day past its deadline.
        return steps

    # -- the steps --------------------------------------------------------------------------------

    def inspect(self) -> None:
        demo, people = self.demo, self.people
        inspector, reviewer = people["inspector"], people["reviewer"]
        product = product_services.product_create(
            actor=people["admin"],
            vendor=self.vendor,
            name=demo.product,
            kind=demo.kind,
            terminal_category=demo.category,
        )
        version = product_services.version_create(
            actor=inspector, product=product, version=demo.version, source=demo.source, package_name=demo.package
        )
        self.inspection = services.inspection_create(
            actor=inspector,
            campaign=self.campaign,
            product_version=version,
            agency=self.agency,
            date=timezone.localdate(),
            method=demo.method,
            notes="演示检测记录。",
        )
        confirmed = []
        for code, title, description in demo.confirmed:
            finding = self._finding(code, title, description)
            confirmed.append(services.finding_confirm(actor=reviewer, finding=finding, reason="证据充分。"))
        for code, title, reason in demo.dismissed:
            services.finding_dismiss(actor=reviewer, finding=self._finding(code, title, ""), reason=reason)
        for code, title in demo.candidates:
            self._finding(code, title, "待复核。")
        self.case = services.case_open(actor=inspector, findings=confirmed)

    def _finding(self, code: str, title: str, description: str) -> Finding:
        return services.finding_create_manual(
            actor=self.people["inspector"],
            inspection=self.inspection,
            violation_type=ViolationType.objects.get(code=code),
            title=title,
            description=description,
        )

    def _publish(self, *, kind: str) -> Notice:
        """Draft (inspector), approve (reviewer, four eyes) and publish a notice the way the worker does."""
        inspector, reviewer = self.people["inspector"], self.people["reviewer"]
        notice = notice_services.notice_draft(actor=inspector, kind=kind, case_ids=[self.case.pk])
        notice_workflow.notice_approve(actor=reviewer, notice=notice, reason="同意印发。")
        try:
            notice_workflow.notice_request_publication(actor=reviewer, notice=notice)
        except DomainError as exc:
            raise CommandError(f"The demo's {kind} notice cannot be published: {exc}") from exc
        job = OutboxJob.objects.get(key=notice_workflow.publish_job_key(notice.pk))
        outbox_job_run(job_id=job.pk)
        notice.refresh_from_db()
        if notice.status != NoticeStatus.PUBLISHED:
            raise CommandError(f"The demo's {kind} notice was not published: see its events ({notice.pk}).")
        self.case.refresh_from_db()
        return notice

    def order(self) -> None:
        self._publish(kind=NoticeKind.ORDER)

    def name(self) -> None:
        self._publish(kind=NoticeKind.NAMING)

    def respond(self) -> None:
        self.response = responses.response_submit(
            actor=self.vendor_user,
            case=self.case,
            summary="已按通知要求完成整改，详见整改报告。",
            fixed_version=self.demo.fixed_version,
            text="整改内容：调整隐私政策弹窗时序；删除相关调用；上线新版本。",
        )

    def accept(self) -> None:
        responses.response_accept(
            actor=self.people["reviewer"], response=self.response, reason="整改报告完整，安排复测。"
        )

    def retest(self) -> None:
        reviewer, demo = self.people["reviewer"], self.demo
        fixed = product_services.version_create(
            actor=reviewer,
            product=self.case.product,
            version=demo.fixed_version,
            source=demo.source,
            package_name=demo.package,
        )
        retest = services.inspection_create(
            actor=reviewer,
            campaign=self.campaign,
            product_version=fixed,
            agency=self.agency,
            date=timezone.localdate(),
            method=demo.method,
            notes="复测：原问题均已整改。",
            retest_of=self.inspection,
        )
        responses.retest_link(actor=reviewer, case=self.case, inspection=retest)

    def confirm_rectified(self) -> None:
        responses.retest_confirm_rectified(actor=self.people["reviewer"], case=self.case, reason="复测未发现原问题。")

    def withdraw(self) -> None:
        self.case = workflow.withdraw_case(
            case=self.case, actor=self.people["reviewer"], reason="重复立案：该 SDK 已在另一案件中处理。"
        )


class _ScenarioStory(_Story):
    """An offline scenario's steps: registered and inspected on site, ordered, named when its clock ran out."""

    def steps(self) -> list[tuple[datetime.date, Callable[[], None]]]:
        demo = self.demo
        steps = [(self.ago(demo.inspected_days_ago), self.inspect), (self.ago(demo.served_days_ago), self.order)]
        if demo.named_days_ago:
            steps.append((self.ago(demo.named_days_ago), self.name))
        return steps

    def inspect(self) -> None:
        demo, people = self.demo, self.people
        inspector, reviewer = people["inspector"], people["reviewer"]
        name, name_en, first17, address = SCENARIO_VENDORS[demo.vendor]
        code = demo_credit_code(first17)
        self.vendor = Vendor.objects.filter(credit_code=code).first() or product_services.vendor_create(
            actor=people["admin"],
            name=name,
            name_en=name_en,
            credit_code=code,
            address=address,
            contact_email=f"compliance@{demo.vendor}.example.test",
        )
        venue = product_services.scenario_create(
            actor=inspector,
            vendor=self.vendor,
            name=demo.name,
            address=demo.address,
            division_code=demo.division_code,
            scenario_type=demo.scenario_type,
            systems_text=demo.systems_text,
        )
        self.inspection = services.onsite_inspection_create(
            actor=inspector,
            campaign=self.campaign,
            scenario=venue,
            agency=self.agency,
            date=timezone.localdate(),
            notes=demo.notes,
        )
        confirmed = [
            services.finding_confirm(actor=reviewer, finding=self._finding(*finding), reason="现场证据充分。")
            for finding in demo.confirmed
        ]
        self.case = services.case_open(actor=inspector, findings=confirmed)
