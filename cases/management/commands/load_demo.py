"""Load the demo: one user per role, a campaign, fictional vendors, products, inspections,
findings and cases in several states. Safe to run again: a second run changes nothing.

Every company, product and agency here is fictional; the credit codes are made up with a valid
GB 32100 check digit. Everything is written through the services and the case workflow, so the
cases carry the same audit events as real ones. The demo password exists only here.
"""

import datetime
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from cases import responses, services, workflow
from cases.clock import marks
from cases.clock.calendar import UnknownCalendarYear, add_working_days
from cases.models import (
    CalendarYear,
    Campaign,
    Case,
    Finding,
    InspectionMethod,
    TestingAgency,
    ViolationType,
)
from products import services as product_services
from products.models import ProductKind, ScenarioType, TerminalCategory, Vendor, VendorMembership
from products.validators import uscc_check_char

DEMO_PASSWORD = "rectify-demo"
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
    served_days_ago: int = 0
    fixed_version: str = ""


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


# Offline scenarios (issue 16): venues inspected on site. The restaurant ends with an order; the gym
# runs out its clock and is named in a scenario naming notice (``manage.py load_demo_notices``).
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
            with transaction.atomic():
                self._load(users)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self._print_summary(users)

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
        campaign = Campaign.objects.create(
            name=f"{today.year}年APP及智能终端侵害用户权益专项整治行动（演示）",
            name_en=DEMO_CAMPAIGN_EN,
            start_date=today - datetime.timedelta(days=90),
            description="演示数据：所有企业、产品和检测机构均为虚构。",
        )
        agencies = [TestingAgency.objects.get_or_create(name=zh, defaults={"name_en": en})[0] for zh, en in AGENCIES]
        vendors = {key: self._vendor(admin, key) for key in VENDORS}
        for username, _role, _first, _last, vendor_key in USERS:
            user = users[username][0]
            if vendor_key and not VendorMembership.objects.filter(user=user).exists():
                VendorMembership.objects.create(user=user, vendor=vendors[vendor_key], is_vendor_admin=True)
        vendor_users = {vendor_key: users[username][0] for username, *_rest, vendor_key in USERS if vendor_key}

        for demo in DEMO_CASES:
            product = product_services.product_create(
                actor=admin,
                vendor=vendors[demo.vendor],
                name=demo.product,
                kind=demo.kind,
                terminal_category=demo.category,
            )
            version = product_services.version_create(
                actor=inspector,
                product=product,
                version=demo.version,
                source=demo.source,
                package_name=demo.package,
            )
            inspection = services.inspection_create(
                actor=inspector,
                campaign=campaign,
                product_version=version,
                agency=agencies[demo.agency],
                date=today - datetime.timedelta(days=demo.inspected_days_ago),
                method=demo.method,
                notes="演示检测记录。",
            )
            confirmed = []
            for code, title, description in demo.confirmed:
                finding = self._finding(inspector, inspection, code, title, description)
                confirmed.append(services.finding_confirm(actor=reviewer, finding=finding, reason="证据充分。"))
            for code, title, reason in demo.dismissed:
                finding = self._finding(inspector, inspection, code, title, "")
                services.finding_dismiss(actor=reviewer, finding=finding, reason=reason)
            for code, title in demo.candidates:
                self._finding(inspector, inspection, code, title, "待复核。")
            case = services.case_open(actor=inspector, findings=confirmed)
            self._walk(
                case, demo, today, reviewer=reviewer, vendor_user=vendor_users.get(demo.vendor), inspection=inspection
            )

        self._scenarios(admin, inspector, reviewer, campaign, agencies, today)

        # The overdue demo case becomes overdue the way every case does: by the clock.
        marks.cases_mark_overdue(today=today)

    def _scenarios(self, admin, inspector, reviewer, campaign, agencies, today) -> None:
        """Offline scenarios: registered, inspected on site, a finding confirmed, a case ordered."""
        for demo in DEMO_SCENARIOS:
            name, name_en, first17, address = SCENARIO_VENDORS[demo.vendor]
            vendor = Vendor.objects.filter(credit_code=demo_credit_code(first17)).first() or (
                product_services.vendor_create(
                    actor=admin,
                    name=name,
                    name_en=name_en,
                    credit_code=demo_credit_code(first17),
                    address=address,
                    contact_email=f"compliance@{demo.vendor}.example.test",
                )
            )
            venue = product_services.scenario_create(
                actor=inspector,
                vendor=vendor,
                name=demo.name,
                address=demo.address,
                division_code=demo.division_code,
                scenario_type=demo.scenario_type,
                systems_text=demo.systems_text,
            )
            inspection = services.onsite_inspection_create(
                actor=inspector,
                campaign=campaign,
                scenario=venue,
                agency=agencies[0],
                date=today - datetime.timedelta(days=demo.inspected_days_ago),
                notes=demo.notes,
            )
            confirmed = [
                services.finding_confirm(
                    actor=reviewer, finding=self._finding(inspector, inspection, *finding), reason="现场证据充分。"
                )
                for finding in demo.confirmed
            ]
            case = services.case_open(actor=inspector, findings=confirmed)
            served_on = today - datetime.timedelta(days=demo.served_days_ago)
            workflow.order_case(
                case=case,
                actor=reviewer,
                served_on=served_on,
                deadline=self._deadline(served_on, case.campaign.deadline_working_days),
                reason="责令整改通知已送达。",
            )

    def _anchor(self) -> datetime.date:
        """Today in Asia/Shanghai, kept inside the years the official calendar knows."""
        today = timezone.localdate()
        last_year = CalendarYear.objects.order_by("-year").values_list("year", flat=True).first()
        if last_year and today > datetime.date(last_year, 12, 1):
            self.stderr.write(
                f"The official calendar is known through {last_year}: demo dates end on {last_year}-12-01."
            )
            return datetime.date(last_year, 12, 1)
        return today

    def _deadline(self, served_on: datetime.date, working_days: int) -> datetime.date:
        try:
            return add_working_days(served_on, working_days)
        except UnknownCalendarYear:
            self.stderr.write(f"No official calendar for {served_on.year}: demo deadline is 7 calendar days later.")
            return served_on + datetime.timedelta(days=7)

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

    def _finding(self, inspector: User, inspection, code: str, title: str, description: str) -> Finding:
        return services.finding_create_manual(
            actor=inspector,
            inspection=inspection,
            violation_type=ViolationType.objects.get(code=code),
            title=title,
            description=description,
        )

    def _walk(self, case: Case, demo: DemoCase, today: datetime.date, *, reviewer, vendor_user, inspection) -> None:
        """Move the case along ``demo.path`` through the workflow, as the people would."""
        served_on = today - datetime.timedelta(days=demo.served_days_ago)
        response = None
        for step in demo.path:
            if step == "order":
                deadline = self._deadline(served_on, case.campaign.deadline_working_days)
                case = workflow.order_case(
                    case=case, actor=reviewer, served_on=served_on, deadline=deadline, reason="责令整改通知已送达。"
                )
            elif step == "respond":
                response = responses.response_submit(
                    actor=vendor_user,
                    case=case,
                    summary="已按通知要求完成整改，详见整改报告。",
                    fixed_version=demo.fixed_version,
                    text="整改内容：调整隐私政策弹窗时序；删除相关调用；上线新版本。",
                )
            elif step == "accept":
                responses.response_accept(actor=reviewer, response=response, reason="整改报告完整，安排复测。")
            elif step == "rectified":
                fixed = product_services.version_create(
                    actor=reviewer,
                    product=case.product,
                    version=demo.fixed_version,
                    source=demo.source,
                    package_name=demo.package,
                )
                retest = services.inspection_create(
                    actor=reviewer,
                    campaign=case.campaign,
                    product_version=fixed,
                    agency=inspection.agency,
                    date=today - datetime.timedelta(days=5),
                    method=demo.method,
                    notes="复测：原问题均已整改。",
                    retest_of=inspection,
                )
                responses.retest_link(actor=reviewer, case=case, inspection=retest)
                responses.retest_confirm_rectified(actor=reviewer, case=case, reason="复测未发现原问题。")
            elif step == "withdraw":
                case = workflow.withdraw_case(case=case, actor=reviewer, reason="重复立案：该 SDK 已在另一案件中处理。")

    # -- output -----------------------------------------------------------------------------------

    def _print_summary(self, users: dict[str, tuple[User, bool]]) -> None:
        cases = Case.objects.filter(campaign__name_en=DEMO_CAMPAIGN_EN).order_by("id")
        if cases:
            self.stdout.write("\nDemo cases:")
            for case in cases.select_related("product"):
                self.stdout.write(f"  {case.number}  {case.product.name} · {case.get_status_display()}")
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD}, set when the demo created the user):")
        for username, role, *_rest in USERS:
            user, created = users[username]
            where = f" · {user.membership.vendor.name}" if hasattr(user, "membership") else ""
            note = "" if created or user.role == role else f"  (existing user with role {user.role})"
            self.stdout.write(f"  {username:<10} {role.label}{where}{note}")
        self.stdout.write("")
