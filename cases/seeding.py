"""Scale data for load benchmarks: a national campaign's volume, written by COPY (``manage.py seed_scale``).

At ``scale=1.0``: 2,000 vendors, 20,000 products, 40,000 versions, 100,000 inspections, 10,000 scan
jobs, 100,000 cases, 1,000,000 findings, 200,000 evidence rows, 10,000 published notices with 500,000
entries and 2,000,000 audit events (case, notice and vendor events), on top of whatever is there
(normally the demo). The rows are what the app itself would have written: case states in realistic
proportions with the events of their path, deadlines past and future, findings over every violation
type that applies to the product's kind, numbered public notices (the counters move on past them).

Deterministic for a given ``seed`` and ``today``. PostgreSQL only: rows go in with ``COPY`` (psycopg
3), with explicit ids after the existing ones (the sequences are moved on at the end). The
append-only and immutability triggers stay on: notices are written as drafts, given their entries,
then moved to ``published`` (the one update the trigger allows for a draft).

Files are not written per row: every evidence row and every notice PDF points to one shared
placeholder file (``write_placeholders``), whose SHA-256 is the one recorded, so the register serves
the PDF (its integrity check passes) and evidence downloads work.
"""

import datetime
import hashlib
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Authority
from cases.dashboard import figures as dashboard_figures
from products.validators import uscc_check_char

# Full-scale volumes (scale=1.0), as issue 14 states them.
VOLUMES = {
    "vendors": 2_000,
    "products": 20_000,
    "versions": 40_000,
    "inspections": 100_000,
    "scan_jobs": 10_000,
    "cases": 100_000,
    "findings": 1_000_000,
    "evidence": 200_000,
    "notices": 10_000,
    "entries": 500_000,
    "audit_events": 2_000_000,
}
# One vendor carries this share of the products (hence of the cases): ~2,000 cases at full scale.
BIG_VENDOR_SHARE = 0.02
SEED_PASSWORD = "rectify-scale"
# Campaigns written by the seed carry this English-name prefix: how a second run recognises them.
SEED_MARK = "Scale seed"
DEMO_CAMPAIGN_EN = "Demo campaign: apps and smart terminals infringing users' rights"

PLACEHOLDER_PDF_NAME = "notices/seed/placeholder.pdf"
PLACEHOLDER_EVIDENCE_NAME = "evidence/seed/placeholder.png"


def _placeholder_pdf() -> bytes:
    """A valid one-page PDF (no WeasyPrint needed), the same bytes every time."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
    ]
    stream = b"BT /F1 12 Tf 72 770 Td (Rectify scale seed placeholder) Tj ET"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    offsets.append(len(out))
    out += b"4 0 obj\n<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# A 1x1 transparent PNG.
PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PLACEHOLDER_PDF = _placeholder_pdf()


def write_placeholders(media_root: str | Path | None = None) -> None:
    """Write the two shared placeholder files under ``media_root`` (default MEDIA_ROOT). Idempotent."""
    root = Path(media_root or settings.MEDIA_ROOT)
    for name, data in ((PLACEHOLDER_PDF_NAME, PLACEHOLDER_PDF), (PLACEHOLDER_EVIDENCE_NAME, PLACEHOLDER_PNG)):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


# -- words ------------------------------------------------------------------------------------------

BRAND_CHARS = (
    "云星智联华晴川海天蓝极光易快乐安信通达新鸿瑞博锐腾飞宏远佳美优悦思创盛鑫泰恒途鹿鲸鹰青橙米果豆"
    "花叶林风雨雪月山河湖金银玉明朗知行微趣萌酷享悠逸灵动启航"
)
INDUSTRIES = ["网络科技", "信息技术", "智能科技", "数码科技", "电子", "互联网科技", "软件", "数据科技", "教育科技"]
CITIES = [
    ("北京", "110108"),
    ("上海", "310115"),
    ("深圳", "440300"),
    ("杭州", "330106"),
    ("广州", "440106"),
    ("成都", "510100"),
    ("武汉", "420100"),
    ("南京", "320100"),
    ("苏州", "320500"),
    ("西安", "610100"),
    ("厦门", "350200"),
    ("长沙", "430100"),
]
APP_WORDS = [
    "天气",
    "阅读",
    "视频",
    "地图",
    "相机",
    "购物",
    "外卖",
    "打车",
    "健身",
    "记账",
    "浏览器",
    "输入法",
    "音乐",
    "新闻",
    "直播",
    "社区",
    "云盘",
    "翻译",
    "壁纸",
    "清理大师",
    "小说",
    "漫画",
    "招聘",
    "租房",
    "旅行",
    "银行",
]
SDK_WORDS = ["统计 SDK", "推送 SDK", "广告 SDK", "支付 SDK", "分享 SDK", "定位 SDK", "登录 SDK", "性能监控 SDK"]
MINI_WORDS = ["点餐小程序", "商城小程序", "预约小程序", "打卡小程序", "会员小程序", "问诊小程序"]
TERMINAL_WORDS = {
    "smart_speaker": "智能音箱",
    "door_lock": "智能门锁",
    "learning_terminal": "学习机",
    "tv": "智能电视",
    "camera": "摄像头",
    "wearable": "智能手环",
    "childrens_watch": "儿童手表",
    "toy": "智能玩具",
    "other": "智能路由器",
}
SUFFIXES = ["", " Pro", " Lite", " 极速版", " HD", " Plus", " Max", " 青春版"]
APP_SOURCES = ["应用宝", "华为应用市场", "小米应用商店", "OPPO 软件商店", "vivo 应用商店", "App Store"]
SOURCES = {
    "app": APP_SOURCES,
    "sdk": ["Maven 中央仓库", "官网下载", "CocoaPods"],
    "mini_program": ["微信", "支付宝", "抖音"],
    "terminal": ["官方固件"],
}
METHODS = {
    "app": ["dynamic", "dynamic", "static", "network", "manual"],
    "mini_program": ["dynamic", "manual", "network"],
    "sdk": ["static", "static", "dynamic"],
    "terminal": ["device", "device", "network"],
}
AGENCY_WORDS = ["数安检测中心", "移动应用评测实验室", "网络安全测评中心", "终端检测实验室", "信息安全研究院"]
ISSUE_PHRASES = ["（首次启动即触发）", "（拒绝后反复弹窗）", "（后台持续调用）", "（隐私政策未说明）", ""]

# (status, weight) for cases whose inspection is recent (<= RECENT_DAYS days) or older.
RECENT_DAYS = 100
RECENT_STATES = [
    ("open", 20),
    ("ordered", 30),
    ("responded", 15),
    ("verifying", 10),
    ("overdue", 12),
    ("rectified", 8),
    ("withdrawn", 3),
    ("named", 2),
]
OLD_STATES = [
    ("rectified", 55),
    ("closed", 22),
    ("withdrawn", 7),
    ("named", 8),
    ("removal", 3),
    ("overdue", 5),
    ("open", 1),
]
# The transitions that lead to each state (cases.workflow.ALLOWED), after "opened".
PATHS = {
    "open": [],
    "ordered": ["ordered"],
    "responded": ["ordered", "responded"],
    "verifying": ["ordered", "responded", "verifying"],
    "overdue": ["ordered", "overdue"],
    "named": ["ordered", "overdue", "named"],
    "removal": ["ordered", "overdue", "named", "removal"],
    "rectified": ["ordered", "responded", "verifying", "rectified"],
    "closed": ["ordered", "responded", "verifying", "rectified", "closed"],
    "withdrawn": ["ordered", "withdrawn"],
}
TRANSITION_REASONS = {
    "ordered": "责令整改通知已送达。",
    "responded": "",
    "verifying": "整改报告完整，安排复测。",
    "overdue": "整改期限已过，仍无获认可的整改报告。",
    "named": "列入公开通报。",
    "removal": "通报后仍未整改，组织下架。",
    "rectified": "复测未发现原问题。",
    "closed": "结案。",
    "withdrawn": "重复立案，撤销。",
}


class SeedRefused(Exception):
    """The database is not one the seed may write to (not PostgreSQL, or holds other data)."""


@dataclass
class SeedReport:
    timings: list[tuple[str, int, float]] = field(default_factory=list)  # table, rows, seconds
    total_seconds: float = 0.0
    database_size: int = 0
    big_vendor_id: int = 0
    big_vendor_cases: int = 0
    big_vendor_user: str = ""


def counts_for(scale: float) -> dict[str, int]:
    counts = {name: max(1, round(volume * scale)) for name, volume in VOLUMES.items()}
    counts["vendors"] = max(counts["vendors"], 5)
    counts["products"] = max(counts["products"], counts["vendors"])
    counts["versions"] = max(counts["versions"], counts["products"])
    counts["cases"] = min(counts["cases"], counts["inspections"] * 2)
    counts["findings"] = max(counts["findings"], counts["cases"] * 2)
    return counts


def check_database(*, force: bool) -> None:
    """Refuse anything but PostgreSQL, and a database with data beyond the demo unless ``force``."""
    if connection.vendor != "postgresql":
        raise SeedRefused(f"seed_scale needs PostgreSQL (COPY); this database is {connection.vendor}.")
    if force:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_campaign WHERE name_en LIKE %s", [SEED_MARK + "%"])
        if cursor.fetchone()[0]:
            raise SeedRefused("This database already holds scale seed data; use --force to add more.")
        cursor.execute("SELECT count(*) FROM cases_campaign WHERE name_en <> %s", [DEMO_CAMPAIGN_EN])
        campaigns = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM products_vendor WHERE NOT (name = ANY(%s))", [_demo_vendor_names()])
        vendors = cursor.fetchone()[0]
        # The demo publishes notices of its own campaign (orders, a naming notice); any other is data.
        cursor.execute(
            "SELECT count(*) FROM notices_notice n LEFT JOIN cases_campaign c ON c.id = n.campaign_id "
            "WHERE c.name_en IS DISTINCT FROM %s",
            [DEMO_CAMPAIGN_EN],
        )
        notices = cursor.fetchone()[0]
    if campaigns or vendors or notices:
        raise SeedRefused(
            "This database holds data other than the demo (campaigns, vendors or notices): seed_scale "
            "writes only to a database of its own. Use --force to add to it anyway."
        )


def _demo_vendor_names() -> list[str]:
    """The vendors ``load_demo`` makes (its app vendors and its venues' operators)."""
    from cases.management.commands import load_demo

    return [row[0] for row in (*load_demo.VENDORS.values(), *load_demo.SCENARIO_VENDORS.values())]


class _Writer:
    """COPY rows into one table and time it."""

    def __init__(self, report: SeedReport, log: Callable[[str], None]):
        self.report = report
        self.log = log

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 (our table names)
            return cursor.fetchone()[0]

    def sql(self, label: str, sql: str, params: dict) -> int:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        seconds = time.monotonic() - started
        self.report.timings.append((label, count, seconds))
        self.log(f"  {label:<28} {count:>10,} rows {seconds:8.1f} s")
        return count

    def copy(self, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
        started = time.monotonic()
        count = 0
        # Columns a later migration added and the seed does not name get the field's default (a blank
        # text, False...): COPY has no model to apply it, and the database column has none.
        defaults = _defaults_for(table, columns)
        names = columns + [name for name, _ in defaults]
        extra = tuple(value for _, value in defaults)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(tuple(row) + extra)
                    count += 1
        seconds = time.monotonic() - started
        self.report.timings.append((table, count, seconds))
        self.log(f"  {table:<28} {count:>10,} rows {seconds:8.1f} s")
        return count


def _defaults_for(table: str, columns: list[str]) -> list[tuple[str, object]]:
    """(column, value) for the NOT NULL columns of ``table``'s model that ``columns`` leaves out."""
    model = next((m for m in django_apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return []
    named = set(columns)
    return [
        (f.column, f.get_db_prep_save(f.get_default(), connection))
        for f in model._meta.local_concrete_fields
        if f.column not in named and not f.null and not f.primary_key and (f.has_default() or f.empty_strings_allowed)
    ]


def _uscc(region: str, serial: int) -> str:
    first17 = f"91{region}MA{serial:07d}"
    return first17 + uscc_check_char(first17)


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(hour=rng.randint(1, 10), minute=rng.randint(0, 59)))
    return moment.replace(tzinfo=datetime.UTC)


def _path(status: str, served: datetime.date | None) -> list[str]:
    """The transitions of a case after opening; a case withdrawn before it was served skips the order."""
    return PATHS[status] if served else [step for step in PATHS[status] if step != "ordered"]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in pairs], weights=[weight for _, weight in pairs])[0]


def seed(
    *, scale: float = 1.0, seed: int = 14, today: datetime.date | None = None, log: Callable[[str], None] = print
) -> SeedReport:
    """Write the scale data (see the module docstring); return the timings. Call ``check_database`` first."""
    report = SeedReport()
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, millions at
            # once. Checked row by row instead, each table's time includes its own checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _seed(scale=scale, rng=random.Random(seed), today=today or timezone.localdate(), report=report, log=log)
        phase = time.monotonic()
    report.timings.append(("COMMIT", 0, time.monotonic() - phase))
    log(f"  {'COMMIT':<28} {'':>10}      {time.monotonic() - phase:8.1f} s")
    # COPY bypassed the services that move the dashboard's figures (ARCHITECTURE.md §11): recount them.
    phase = time.monotonic()
    figures, days = dashboard_figures.rebuild()
    report.timings.append(("dashboard figures", figures + days, time.monotonic() - phase))
    log(f"  {'dashboard figures':<28} {figures + days:>10}      {time.monotonic() - phase:8.1f} s")
    # VACUUM as well as ANALYZE: COPY leaves the visibility map empty, and until autovacuum passes
    # PostgreSQL shuns index-only scans (the home page's capped counts read the findings' heap: 26 ms
    # against 9 ms once vacuumed). A database in service is vacuumed; inside a transaction (the
    # tests) VACUUM cannot run, ANALYZE does.
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    phase = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(statement)
    report.timings.append((statement, 0, time.monotonic() - phase))
    log(f"  {statement:<28} {'':>10}      {time.monotonic() - phase:8.1f} s")
    report.total_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        report.database_size = cursor.fetchone()[0]
    write_placeholders()
    return report


def _seed(*, scale: float, rng: random.Random, today: datetime.date, report: SeedReport, log) -> None:  # noqa: C901, PLR0912, PLR0915
    n = counts_for(scale)
    w = _Writer(report, log)
    now = datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=datetime.UTC)
    cursor = connection.cursor()

    # -- reference rows the seed reads -----------------------------------------------------------
    cursor.execute("SELECT id, code, name_zh, applies_to FROM cases_violationtype WHERE active ORDER BY code")
    types = cursor.fetchall()
    if not types:
        raise SeedRefused("No violation types: run migrate first.")
    types_by_kind: dict[str, list[tuple[int, str, str]]] = {"app": [], "sdk": [], "terminal": []}
    for type_id, code, name_zh, applies_to in types:
        for kind in applies_to.split(";"):
            if kind.strip() in types_by_kind:
                types_by_kind[kind.strip()].append((type_id, code, name_zh))

    def taxonomy(kind: str) -> str:
        return "app" if kind == "mini_program" else kind

    # -- users -----------------------------------------------------------------------------------
    password = make_password(SEED_PASSWORD, salt="rectifyscaleseed")
    user_id = w.next_id("accounts_user")
    users = []
    inspectors, reviewers = [], []
    # The records belong to the ministry's bureau and the 31 provincial administrations (ARCHITECTURE.md
    # §15): about 40 % national, the rest over the provinces, Guangdong and Beijing the busiest.
    cursor.execute("SELECT id, code FROM accounts_authority ORDER BY code")
    authority_rows = cursor.fetchall()
    ministry = Authority.objects.national().pk
    authority_ids = [pk for pk, _code in authority_rows]
    authority_of_code = {code: pk for pk, code in authority_rows}
    authority_weights = [
        40 if pk == ministry else {"440000": 8, "110000": 6}.get(code, 1.5) for pk, code in authority_rows
    ]

    def pick_authority() -> int:
        return rng.choices(authority_ids, weights=authority_weights)[0]

    # Regulators: most of the ministry's, two inspectors and a reviewer each for Beijing and Guangdong
    # (``seed_reviewer_04`` is Beijing's, ``seed_reviewer_05`` Guangdong's: the provincial view at scale).
    user_authority = {}
    for role, prefix, bucket, count, provincial in (
        ("inspector", "seed_inspector", inspectors, 10, {7: "110000", 8: "110000", 9: "440000", 10: "440000"}),
        ("reviewer", "seed_reviewer", reviewers, 5, {4: "110000", 5: "440000"}),
    ):
        for i in range(1, count + 1):
            users.append((user_id, password, f"{prefix}_{i:02d}", role, f"{prefix}_{i:02d}@seed.example.test", False))
            bucket.append(user_id)
            user_authority[user_id] = authority_of_code.get(provincial.get(i, ""), ministry)
            user_id += 1

    # -- campaigns, agencies ---------------------------------------------------------------------
    campaign_id = w.next_id("cases_campaign")
    campaigns = []  # id, start, end (or today), working days, weight
    for back in range(6):
        start = today - datetime.timedelta(days=RECENT_DAYS - 5 + back * 180)
        end = None if back == 0 else start + datetime.timedelta(days=150)
        year, half = start.year, "上半年" if start.month <= 6 else "下半年"
        campaigns.append(
            (
                campaign_id + back,
                f"{year}年{half}APP及智能终端侵害用户权益专项整治行动（规模数据）",
                f"{SEED_MARK}: {year} H{1 if half == '上半年' else 2} campaign",
                start,
                end,
                [5, 10, 15][back % 3],
                35 if back == 0 else 13,
            )
        )
    agency_id = w.next_id("cases_testingagency")
    agencies = [
        (agency_id + i, f"{CITIES[i % len(CITIES)][0]}{AGENCY_WORDS[i % len(AGENCY_WORDS)]}（规模数据 {i + 1:02d}）")
        for i in range(20)
    ]

    # -- vendors ---------------------------------------------------------------------------------
    vendor_id = w.next_id("products_vendor")
    vendors = []  # id, brand, name
    for i in range(n["vendors"]):
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        city, region = rng.choice(CITIES)
        name = f"{brand}{rng.choice(INDUSTRIES)}（{city}）有限公司"
        vendors.append((vendor_id + i, brand, name, city, region, i))
    # The vendor with many cases: the demo's vendor_a's vendor when the demo is loaded (so the same
    # login sees 2 cases on the demo and ~2,000 at scale), else the first seeded vendor.
    cursor.execute(
        "SELECT m.vendor_id, u.username FROM products_vendormembership m JOIN accounts_user u ON u.id = m.user_id "
        "WHERE u.username = 'vendor_a'"
    )
    row = cursor.fetchone()
    big_vendor_id, big_brand = (row[0], "晴川") if row else (vendors[0][0], vendors[0][1])
    report.big_vendor_id = big_vendor_id
    report.big_vendor_user = row[1] if row else "seed_vendor_big"

    # Vendor users: one for every tenth vendor, and the big vendor's when the demo is absent.
    memberships = []
    vendor_users = {}
    membership_id = w.next_id("products_vendormembership")
    vendor_event_rows = []
    for vid, _brand, _name, *_rest in vendors[::10]:
        username = "seed_vendor_big" if vid == big_vendor_id else f"seed_vendor_{vid}"
        users.append((user_id, password, username, "vendor", f"{username}@seed.example.test", False))
        memberships.append((membership_id, True, now, user_id, vid))
        vendor_users[vid] = user_id
        vendor_event_rows.append((vid, user_id))
        membership_id += 1
        user_id += 1
    if row:
        cursor.execute("SELECT user_id FROM products_vendormembership WHERE vendor_id = %s", [big_vendor_id])
        vendor_users[big_vendor_id] = cursor.fetchone()[0]

    # Vendor users belong to no authority.
    w.copy(
        "accounts_user",
        "id password username role email is_superuser is_staff is_active first_name last_name date_joined "
        "authority_id".split(),
        (
            (uid, pw, name, role, email, su, False, True, "", "", now, user_authority.get(uid))
            for uid, pw, name, role, email, su in users
        ),
    )
    w.copy(
        "cases_campaign",
        "id name name_en start_date end_date deadline_working_days description created_at".split(),
        ((c[0], c[1], c[2], c[3], c[4], c[5], "规模测试数据：所有企业与产品均为虚构。", now) for c in campaigns),
    )
    w.copy("cases_testingagency", ["id", "name", "name_en"], ((a, name, f"Seed agency {a}") for a, name in agencies))
    w.copy(
        "products_vendor",
        "id name name_en credit_code address contact_email created_at".split(),
        (
            (
                vid,
                name,
                f"{brand} Technology Co., Ltd.",
                _uscc(region, i),
                f"{city}市高新区科技路 {i % 300 + 1} 号",
                f"compliance{vid}@seed.example.test",
                now,
            )
            for vid, brand, name, city, region, i in vendors
        ),
    )
    w.copy("products_vendormembership", ["id", "is_vendor_admin", "created_at", "user_id", "vendor_id"], memberships)

    # -- products, versions ----------------------------------------------------------------------
    vendor_ids = [v[0] for v in vendors]
    brands = {v[0]: v[1] for v in vendors}
    brands[big_vendor_id] = big_brand
    product_id = w.next_id("products_product")
    products = []  # id, vendor, name, kind
    cursor.execute("SELECT vendor_id, name, kind FROM products_product")  # the demo's, under the big vendor
    taken = set(cursor.fetchall())
    kinds = ["app"] * 55 + ["sdk"] * 15 + ["mini_program"] * 15 + ["terminal"] * 15
    categories = list(TERMINAL_WORDS)
    for i in range(n["products"]):
        if rng.random() < BIG_VENDOR_SHARE:
            vid = big_vendor_id
        else:
            vid = vendor_ids[min(int(len(vendor_ids) * rng.random() ** 2), len(vendor_ids) - 1)]
        kind = rng.choice(kinds)
        category = rng.choice(categories) if kind == "terminal" else ""
        if kind == "app":
            word = rng.choice(APP_WORDS)
        elif kind == "sdk":
            word = rng.choice(SDK_WORDS)
        elif kind == "mini_program":
            word = rng.choice(MINI_WORDS)
        else:
            word = TERMINAL_WORDS[category] + f" {rng.choice('ASXLW')}{rng.randint(1, 9)}"
        base = brands[vid] + word
        name = next(
            base + suffix
            for suffix in itertools.chain(SUFFIXES, (f" {k}" for k in itertools.count(2)))
            if (vid, base + suffix, kind) not in taken
        )
        taken.add((vid, name, kind))
        products.append((product_id + i, vid, name, kind, category))
    w.copy(
        "products_product",
        "id name kind terminal_category created_at vendor_id".split(),
        ((pid, name, kind, cat, now, vid) for pid, vid, name, kind, cat in products),
    )

    version_id = w.next_id("products_productversion")
    versions = []  # id, product index, version string, source
    per_product = [0] * len(products)
    for i in range(n["versions"]):
        p = i if i < len(products) else rng.randrange(len(products))
        per_product[p] += 1
        kind = products[p][3]
        versions.append(
            (
                version_id + i,
                p,
                f"{rng.randint(1, 9)}.{per_product[p]}.{rng.randint(0, 20)}",
                rng.choice(SOURCES[kind]),
            )
        )
    w.copy(
        "products_productversion",
        "id version build source package_name file_sha256 created_at product_id".split(),
        (
            (
                vid,
                ver,
                "",
                source,
                f"com.seed{products[p][1]}.p{products[p][0]}",
                f"{rng.getrandbits(256):064x}",
                now,
                products[p][0],
            )
            for vid, p, ver, source in versions
        ),
    )

    # -- inspections -----------------------------------------------------------------------------
    inspection_id = w.next_id("cases_inspection")
    inspections = []  # id, version index, campaign index, date
    inspection_authority = []  # by inspection index: its authority (and its cases')
    campaign_weights = [c[6] for c in campaigns]
    for i in range(n["inspections"]):
        v = rng.randrange(len(versions))
        c = rng.choices(range(len(campaigns)), weights=campaign_weights)[0]
        start, end = campaigns[c][3], campaigns[c][4] or today
        span = max(0, (min(end, today) - start).days)
        day = start + datetime.timedelta(days=rng.randint(0, span))
        inspections.append((inspection_id + i, v, c, day))
        inspection_authority.append(pick_authority())

    def insp_rows():
        for k, (iid, v, c, day) in enumerate(inspections):
            kind = products[versions[v][1]][3]
            method = rng.choice(METHODS[kind])
            address = f"192.168.{rng.randint(0, 255)}.{rng.randint(2, 254)}" if method in ("network", "device") else ""
            yield (
                iid,
                day,
                method,
                "规模测试检测记录。",
                _at(day, rng),
                campaigns[c][0],
                rng.choice(inspectors),
                versions[v][0],
                None,
                rng.choice(agencies)[0],
                address,
                inspection_authority[k],
                products[versions[v][1]][1],  # the version's product's vendor (cases.models.inspection_vendor_id)
            )

    w.copy(
        "cases_inspection",
        (
            "id date method notes created_at campaign_id created_by_id product_version_id retest_of_id agency_id "
            "device_address authority_id vendor_id"
        ).split(),
        insp_rows(),
    )

    # -- scan jobs: succeeded uploads on some inspections ----------------------------------------
    scan_id = w.next_id("cases_scanjob")
    scan_of_inspection: dict[int, int] = {}
    scan_rows = []
    for i, k in enumerate(rng.sample(range(len(inspections)), min(n["scan_jobs"], len(inspections)))):
        iid, _v, _c, day = inspections[k]
        sid = scan_id + i
        scan_of_inspection[k] = sid
        at = _at(day, rng)
        sha = hashlib.sha256(f"scan-{sid}".encode()).hexdigest()
        scan_rows.append(
            (
                sid,
                f"scans/seed/{sid}.har",
                f"capture-{sid}.har",
                sha,
                20_480 + sid % 5000,
                "har",
                "succeeded",
                100,
                500,
                0,
                3,
                12,
                "",
                "",
                "{}",
                '{"entries": 500}',
                "{}",
                "[]",
                None,
                1,
                None,
                0,
                rng.choice(inspectors),
                at,
                at,
                at + datetime.timedelta(minutes=2),
                iid,
            )
        )
    w.copy(
        "cases_scanjob",
        (
            "id file original_name sha256 size tool status progress observations findings_created duplicates "
            "unmapped failure_reason failure_code failure_params counts identity identity_mismatch withdrawn_at "
            "attempts lease_expires_at redeliveries created_by_id created_at started_at finished_at inspection_id"
        ).split(),
        scan_rows,
    )

    # -- cases -----------------------------------------------------------------------------------
    case_id = w.next_id("cases_case")
    order = list(range(len(inspections)))
    rng.shuffle(order)
    with_case = order[: min(n["cases"], int(len(order) * 0.85))]
    case_inspection = with_case + [rng.choice(with_case) for _ in range(n["cases"] - len(with_case))]
    cases = []  # id, inspection index, status, served_on, deadline, created day, vendor id
    for k, insp in enumerate(case_inspection):
        iid, v, c, day = inspections[insp]
        age = (today - day).days
        status = _weighted(rng, RECENT_STATES if age <= RECENT_DAYS else OLD_STATES)
        created = min(today, day + datetime.timedelta(days=rng.randint(1, 5)))
        served = deadline = None
        if status != "open" and not (status == "withdrawn" and rng.random() < 0.5):
            served = min(today, created + datetime.timedelta(days=rng.randint(0, 3)))
            deadline = served + datetime.timedelta(days=campaigns[c][5] * 7 // 5 + rng.randint(0, 2))
            if status in ("overdue", "named", "removal") and deadline >= today:
                deadline = today - datetime.timedelta(days=rng.randint(1, 20))
                served = min(served, deadline - datetime.timedelta(days=7))
                created = min(created, served)
        cases.append((case_id + k, insp, status, served, deadline, created, products[versions[v][1]][1]))

    def case_rows():
        for cid, insp, status, served, deadline, created, vendor in cases:
            _iid, v, c, _day = inspections[insp]
            before = "ordered" if status in ("responded", "verifying") else ""
            at = _at(created, rng)
            yield (
                cid,
                f"RC-{created.year}-{cid:05d}",
                status,
                before,
                served,
                deadline,
                at,
                at,
                campaigns[c][0],
                rng.choice(inspectors),
                products[versions[v][1]][0],
                versions[v][0],
                vendor,
                inspection_authority[insp],
            )

    w.copy(
        "cases_case",
        (
            "id number status status_before_response served_on deadline created_at updated_at campaign_id "
            "opened_by_id product_id product_version_id vendor_id authority_id"
        ).split(),
        case_rows(),
    )
    report.big_vendor_cases = sum(1 for case in cases if case[6] == big_vendor_id)

    # -- findings: one confirmed per case first, then the rest over all inspections --------------
    finding_id = w.next_id("cases_finding")
    cases_of_inspection: dict[int, list[int]] = {}
    for k, case in enumerate(cases):
        cases_of_inspection.setdefault(case[1], []).append(k)
    first_finding = {}
    finding_meta = []  # (finding id, inspection index, case index or -1, status) for evidence

    def finding_rows():
        for j in range(n["findings"]):
            fid = finding_id + j
            if j < len(cases):
                insp, case_k, status = cases[j][1], j, "confirmed"
                first_finding[j] = fid
            else:
                insp = rng.randrange(len(inspections))
                owners = cases_of_inspection.get(insp)
                roll = rng.random()
                if owners and roll < 0.7:
                    case_k, status = rng.choice(owners), "confirmed"
                else:
                    case_k, status = -1, ("dismissed" if owners or roll < 0.5 else "candidate")
            iid, v, _c, day = inspections[insp]
            kind = taxonomy(products[versions[v][1]][3])
            type_id, code, name_zh = rng.choice(types_by_kind[kind])
            scan = scan_of_inspection.get(insp) if rng.random() < 0.5 else None
            source, rule = ("scan", f"har.{code.lower()}") if scan else ("manual", "manual")
            locus = f"{rule}:seed-{fid}"
            fingerprint = hashlib.sha256(f"{versions[v][0]}|{rule}|{locus}".encode()).hexdigest()
            at = _at(day, rng)
            decided = status != "candidate"
            finding_meta.append((fid, insp, case_k, status))
            yield (
                fid,
                status,
                source,
                name_zh + rng.choice(ISSUE_PHRASES),
                "规模测试数据：检测过程中观察到该行为。",
                "{}",
                rule,
                locus,
                fingerprint,
                at if decided else None,
                ("证据充分。" if status == "confirmed" else "复核后不构成违规。") if decided else "",
                at,
                cases[case_k][0] if case_k >= 0 else None,
                rng.choice(inspectors),
                rng.choice(reviewers) if decided else None,
                iid,
                scan,
                type_id,
                1,
                # The inspection's authority and vendor (cases.models.finding_carried).
                inspection_authority[insp],
                products[versions[v][1]][1],
            )

    w.copy(
        "cases_finding",
        (
            "id status source title description evidence rule locus fingerprint decided_at decision_reason "
            "created_at case_id created_by_id decided_by_id inspection_id scan_job_id violation_type_id "
            "occurrences authority_id vendor_id"
        ).split(),
        finding_rows(),
    )

    # -- vendor responses (for cases that answered) and extension requests -----------------------
    response_id = w.next_id("cases_vendorresponse")
    responses = {}
    response_rows = []
    extension_rows = []
    for k, (cid, insp, status, served, _deadline, _created, vendor) in enumerate(cases):
        submitter = vendor_users.get(vendor, reviewers[0])
        authority = inspection_authority[insp]  # the case's, carried (VendorResponse.authority)
        if "responded" in PATHS[status]:
            rid = response_id + len(response_rows)
            responses[k] = rid
            pending = status == "responded"
            at = _at(min(today, served + datetime.timedelta(days=3)), rng)
            response_rows.append(
                (
                    rid,
                    "已按通知要求完成整改，详见整改报告。",
                    f"{rng.randint(2, 9)}.{rng.randint(0, 9)}.1",
                    "整改内容：调整隐私政策弹窗时序；删除相关调用；上线新版本。",
                    "pending" if pending else "accepted",
                    "" if pending else "整改报告完整，安排复测。",
                    None if pending else at,
                    at,
                    cid,
                    None if pending else rng.choice(reviewers),
                    submitter,
                    authority,
                )
            )
        if status in ("ordered", "responded") and rng.random() < 0.05:
            at = _at(served, rng)
            extension_rows.append(
                ("产品版本发布周期需要更多时间。", "pending", None, "", None, at, cid, None, submitter, authority)
            )
    w.copy(
        "cases_vendorresponse",
        (
            "id summary fixed_version text status decision_reason decided_at created_at case_id decided_by_id "
            "submitted_by_id authority_id"
        ).split(),
        response_rows,
    )
    w.copy(
        "cases_extensionrequest",
        (
            "reason status new_deadline decision_reason decided_at created_at case_id decided_by_id requested_by_id "
            "authority_id"
        ).split(),
        extension_rows,
    )

    # -- evidence: screenshots of confirmed findings, files of inspections -----------------------
    confirmed = [meta for meta in finding_meta if meta[3] == "confirmed"]
    png_sha = hashlib.sha256(PLACEHOLDER_PNG).hexdigest()

    def evidence_rows():
        for i in range(n["evidence"]):
            fid, insp, _case, _status = confirmed[rng.randrange(len(confirmed))]
            on_finding = i % 5 != 0
            day = inspections[insp][3]
            yield (
                PLACEHOLDER_EVIDENCE_NAME,
                f"截图-{i + 1}.png",
                "image/png",
                len(PLACEHOLDER_PNG),
                png_sha,
                _at(day, rng),
                rng.choice(inspectors),
                fid if on_finding else None,
                None if on_finding else inspections[insp][0],
                None,
            )

    w.copy(
        "cases_evidence",
        (
            "file original_name content_type size sha256 created_at uploaded_by_id finding_id inspection_id response_id"
        ).split(),
        evidence_rows(),
    )

    # -- published notices and their entries -----------------------------------------------------
    notice_id = w.next_id("notices_notice")
    cursor.execute("SELECT authority_id, series, year, yearly, overall FROM notices_noticecounter")
    counters = {(a, series): [year, yearly, overall] for a, series, year, yearly, overall in cursor.fetchall()}
    cursor.execute("SELECT id, name FROM accounts_authority")
    authority_names = dict(cursor.fetchall())
    # Batches already issued (the demo's): a seeded year goes on after them, never over them.
    cursor.execute(
        "SELECT issuer_id, series, year, max(batch_number) FROM notices_notice "
        "WHERE batch_number IS NOT NULL GROUP BY 1, 2, 3"
    )
    issued_batches = {(a, series, year): batch for a, series, year, batch in cursor.fetchall()}
    escalated = [k for k, case in enumerate(cases) if case[2] in ("named", "removal", "overdue")] or list(
        range(len(cases))
    )
    pdf_sha = hashlib.sha256(PLACEHOLDER_PDF).hexdigest()
    span_days = 3 * 365
    publish_days = sorted(today - datetime.timedelta(days=rng.randint(0, span_days)) for _ in range(n["notices"]))
    notices = []  # id, kind, series, published day
    notice_rows = []
    for i, day in enumerate(publish_days):
        nid = notice_id + i
        kind = "removal" if rng.random() < 0.2 else "naming"
        series = "removal" if kind == "removal" else ("terminal" if rng.random() < 0.3 else "app")
        issuer = pick_authority()
        counter = counters.setdefault((issuer, series), [None, 0, 0])
        if counter[0] != day.year:
            counter[0], counter[1] = day.year, issued_batches.get((issuer, series, day.year), 0)
        counter[1] += 1
        counter[2] += 1
        notices.append((nid, kind, series, day))
        at = _at(day, rng)
        title = {
            "app": "关于侵害用户权益行为的APP（SDK）通报",
            "terminal": "关于侵害用户权益行为的智能终端产品通报",
            "removal": "关于下架侵害用户权益APP名单的通报",
        }[series]
        notice_rows.append(
            (
                nid,
                kind,
                series,
                "draft",
                title,
                authority_names[issuer],
                "",
                "依据有关法律法规，我部组织第三方检测机构进行了检查（规模测试数据）。",
                "上述产品应按有关规定进行整改。",
                "通报名单",
                authority_names[issuer],
                "",
                "",
                1,
                day.year,
                counter[1],
                counter[2],
                None,
                "",
                day,
                at,
                None,
                PLACEHOLDER_PDF_NAME,
                pdf_sha,
                len(PLACEHOLDER_PDF),
                "",
                at,
                at,
                at,
                rng.choice(reviewers),
                rng.choice(campaigns)[0],
                None,
                rng.choice(reviewers),
                rng.choice(reviewers),
                None,
                None,
                issuer,
            )
        )
    w.copy(
        "notices_notice",
        (
            "id kind series status title authority addressee opening closing attachment_title signature tested "
            "how_to_answer version year batch_number overall_number doc_sequence doc_number published_on "
            "published_at deadline pdf pdf_sha256 pdf_size access_code_hash approved_at publish_requested_at "
            "created_at approved_by_id campaign_id case_id drafted_by_id published_by_id supersedes_id vendor_id "
            "issuer_id"
        ).split(),
        notice_rows,
    )
    per_notice = n["entries"] // len(notices)
    extra = n["entries"] - per_notice * len(notices)

    def entry_rows():
        for i, (nid, _kind, _series, _day) in enumerate(notices):
            rows = per_notice + (1 if i < extra else 0)
            for position in range(1, rows + 1):
                k = escalated[rng.randrange(len(escalated))]
                _cid, insp, *_rest = cases[k]
                v = inspections[insp][1]
                p = versions[v][1]
                picked = rng.sample(types_by_kind[taxonomy(products[p][3])], 2)
                yield (
                    position,
                    position,
                    products[p][2],
                    vendors_by_id[products[p][1]][2],
                    versions[v][3],
                    versions[v][2],
                    "；".join(t[2] for t in picked),
                    ";".join(t[1] for t in picked),
                    cases[k][0],
                    nid,
                )

    cursor.execute("SELECT id, id, name FROM products_vendor WHERE id = %s", [big_vendor_id])
    vendors_by_id = {v[0]: v for v in vendors}
    big_row = cursor.fetchone()
    if big_row:
        vendors_by_id[big_vendor_id] = big_row
    w.copy(
        "notices_noticeentry",
        "position seq name developer source version issues issue_codes case_id notice_id".split(),
        entry_rows(),
    )
    started = time.monotonic()
    cursor.execute("UPDATE notices_notice SET status = 'published' WHERE id >= %s AND status = 'draft'", [notice_id])
    report.timings.append(("notices_notice (publish)", cursor.rowcount, time.monotonic() - started))
    log(f"  {'notices_notice (publish)':<28} {cursor.rowcount:>10,} rows {time.monotonic() - started:8.1f} s")
    for (authority, series), (year, yearly, overall) in counters.items():
        cursor.execute(
            "INSERT INTO notices_noticecounter (authority_id, series, year, yearly, overall) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (authority_id, series) "
            "DO UPDATE SET year = EXCLUDED.year, yearly = EXCLUDED.yearly, overall = EXCLUDED.overall",
            [authority, series, year, yearly, overall],
        )

    # -- audit events: each case's path, notice and vendor events, then reminders and notes ------
    notice_events = []
    for nid, _kind, _series, day in notices:
        at = _at(day, rng)
        for kind, before, after in (
            ("drafted", "", "draft"),
            ("transition", "draft", "approved"),
            ("publish_requested", "", ""),
            ("transition", "approved", "published"),
        ):
            notice_events.append((kind, before, after, "", "{}", at, rng.choice(reviewers), nid))
    vendor_events = [
        ("member_invited", "", "", "", json.dumps({"user": uid}), now, None, vid) for vid, uid in vendor_event_rows
    ]
    w.copy(
        "notices_noticeevent",
        "kind from_status to_status reason data created_at actor_id notice_id".split(),
        notice_events,
    )
    w.copy(
        "products_vendorevent",
        "kind from_status to_status reason data created_at actor_id vendor_id".split(),
        vendor_events,
    )
    base_events = sum(
        1 + len(_path(case[2], case[3])) + ("responded" in PATHS[case[2]]) + ("verifying" in PATHS[case[2]])
        for case in cases
    )
    filler = max(0, n["audit_events"] - len(notice_events) - len(vendor_events) - base_events)
    per_case, rest = divmod(filler, len(cases))

    def case_event_rows():
        for k, (cid, _insp, status, served, deadline, created, _vendor) in enumerate(cases):
            at = _at(created, rng)
            yield (
                "opened",
                "",
                "open",
                "",
                json.dumps({"findings": [first_finding[k]]}),
                at,
                rng.choice(inspectors),
                cid,
            )
            state, moment = "open", at
            for step in _path(status, served):
                day = served or created
                moment = max(moment, _at(day, rng)) + datetime.timedelta(hours=1)
                data = "{}"
                actor = rng.choice(reviewers)
                if step == "ordered":
                    data = json.dumps({"deadline": deadline.isoformat(), "served_on": served.isoformat()})
                elif step in ("overdue",):
                    actor = None
                yield ("transition", state, step, TRANSITION_REASONS[step], data, moment, actor, cid)
                if step == "responded":
                    yield (
                        "response_submitted",
                        "",
                        "",
                        "",
                        json.dumps({"files": [], "response": responses[k], "fixed_version": ""}),
                        moment,
                        None,
                        cid,
                    )
                if step == "verifying":
                    yield (
                        "response_accepted",
                        "",
                        "",
                        TRANSITION_REASONS[step],
                        json.dumps({"response": responses[k]}),
                        moment,
                        actor,
                        cid,
                    )
                state = step

    w.copy(
        "cases_caseevent",
        "kind from_status to_status reason data created_at actor_id case_id".split(),
        case_event_rows(),
    )
    # Reminders and notes to reach the audit volume, written by PostgreSQL itself (no rows to ship).
    w.sql(
        "cases_caseevent (reminders)",
        """
        INSERT INTO cases_caseevent (kind, from_status, to_status, reason, data, created_at, actor_id, case_id)
        SELECT CASE WHEN reminder THEN 'reminder_sent' ELSE 'note' END, '', '',
               CASE WHEN reminder THEN '' ELSE '与企业电话沟通整改进度。' END,
               CASE WHEN reminder
                    THEN jsonb_build_object('deadline', deadline::text, 'on', (at AT TIME ZONE 'UTC')::date::text)
                    ELSE '{}'::jsonb END,
               at,
               CASE WHEN reminder THEN NULL ELSE (%(reviewers)s::bigint[])[1 + (id + g) %% %(n_reviewers)s] END,
               id
        FROM (
            SELECT c.id, c.deadline, g, g %% 2 = 1 AND c.deadline IS NOT NULL AS reminder,
                   c.created_at + interval '1 day' + g * interval '6 hours' AS at
            FROM cases_case c,
                 LATERAL generate_series(1, %(per_case)s + CASE WHEN c.id < %(first)s + %(rest)s THEN 1 ELSE 0 END) g
            WHERE c.id BETWEEN %(first)s AND %(last)s
        ) filler
        """,
        {
            "reviewers": reviewers,
            "n_reviewers": len(reviewers),
            "per_case": per_case,
            "rest": rest,
            "first": cases[0][0],
            "last": cases[-1][0],
        },
    )

    # -- sequences after the explicit ids ---------------------------------------------------------
    for table in (
        "accounts_user",
        "cases_campaign",
        "cases_testingagency",
        "products_vendor",
        "products_vendormembership",
        "products_product",
        "products_productversion",
        "cases_inspection",
        "cases_scanjob",
        "cases_case",
        "cases_finding",
        "cases_vendorresponse",
        "notices_notice",
    ):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    cursor.close()
