"""The demo's consent timeline (``manage.py load_demo``): one inspection of 晴川天气 5.3.0 whose three
scans — a PrivacySentry log, a HAR capture and a Zeek conn log, written here — meet on one time axis,
with the consent in the middle (ARCHITECTURE.md §14).

09:00:00 the app starts; SDKs read device identifiers, location and the installed apps and report them
to their hosts; 09:00:12.000 the user taps 同意 on the privacy-policy dialog (PrivacySentry's
点击隐私协议确认 row); then the app's own calls and requests go on. About 140 timed rows: more than
one page, so the page scrolls. The scans go through the real ingest; the first before-consent
candidate (PI-01) is confirmed and a case opened from it, so an order can be drafted that cites a
window of the timeline.
"""

from __future__ import annotations

import datetime
import io
import json
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.ingest import jobs, service
from cases.models import Campaign, FindingStatus, Inspection, InspectionMethod, ScanJob, TestingAgency
from products import services as product_services
from products.models import Product

NOTES = "演示：同意时间线（隐私政策弹窗在第12秒同意）。"
VERSION = "5.3.0"
CONSENT_SECOND = 12
# (SDK package, alias, function) of the calls made before consent, and the app's own after it.
SDK_CALLS = [
    ("com.umeng.commonsdk.statistics", "获取设备id-getImei", "getImei"),
    ("com.umeng.commonsdk.statistics", "系统设置-Settings$Secure--参数: android_id", "getString"),
    ("com.tencent.bugly.crashreport", "获取mac地址-getMacAddress", "getMacAddress"),
    ("com.amap.api.location", "获取位置-getLastKnownLocation", "getLastKnownLocation"),
    ("com.igexin.sdk.push", "获取安装包-getInstalledPackages", "getInstalledPackages"),
]
APP_CALLS = [
    ("com.qingchuan.weather.home", "获取位置-getLastKnownLocation", "getLastKnownLocation"),
    ("com.qingchuan.weather.city", "读取剪贴板-getPrimaryClip", "getPrimaryClip"),
    ("com.umeng.commonsdk.statistics", "获取设备id-getImei", "getImei"),
]
HOSTS_BEFORE = ["alog.umeng.com", "android.bugly.qq.com", "restsdk.amap.com", "sdk.open.talk.getui.net"]
HOSTS_AFTER = ["api.qingchuan-weather.cn", "cdn.qingchuan-weather.cn", "restapi.amap.com"]


def _moments(date: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(date, datetime.time(9, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return start, start + datetime.timedelta(seconds=CONSENT_SECOND)


def _stack(package: str) -> str:
    return (
        "dalvik.system.VMStack.getThreadStackTrace() -2 <- \n"
        "java.lang.Thread.getStackTrace() 1,536 <- \n"
        "com.yl.lib.sentry.hook.util.PrivacyUtil$Util.getStackTrace() 14 <- \n"
        f"{package}.Collector.collect() 88 <- \n"
        "android.app.Application.onCreate() 1192"
    )


def privacysentry_workbook(date: datetime.date) -> bytes:
    """A PrivacySentry .xlsx (FORMATS.md §8): 调用时间 / 别名 / 函数名 / 调用堆栈, oldest first."""
    from openpyxl import Workbook

    start, consent = _moments(date)
    rows = []
    for n in range(30):  # before consent: SDKs read identifiers at start-up
        package, alias, function = SDK_CALLS[n % len(SDK_CALLS)]
        rows.append((start + datetime.timedelta(milliseconds=200 + n * 390), alias, function, _stack(package)))
    rows.append((consent, "点击隐私协议确认", "点击隐私协议确认", "点击隐私协议确认"))
    for n in range(30):  # after consent: the app's own features
        package, alias, function = APP_CALLS[n % len(APP_CALLS)]
        rows.append((consent + datetime.timedelta(milliseconds=500 + n * 400), alias, function, _stack(package)))
    book = Workbook()
    sheet = book.active
    sheet.title = "隐私合规"
    sheet.append(["调用时间(倒序)", "别名", "函数名", "调用堆栈"])
    for at, alias, function, stack in rows:
        sheet.append([at.strftime("%m-%d %H:%M:%S.%f")[:-3], alias, function, stack])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def har_capture(date: datetime.date) -> bytes:
    """A HAR 1.2 capture: SDK hosts report identifiers before consent, the app's API after."""
    start, consent = _moments(date)
    entries = []
    for n in range(24):
        before = n < 12
        at = start + datetime.timedelta(milliseconds=500 + n * 1000)
        host = (HOSTS_BEFORE if before else HOSTS_AFTER)[n % (4 if before else 3)]
        query = "imei=490154203237518&android_id=9774d56d682e549c" if before else f"city=101010100&n={n}"
        entries.append(
            {
                "startedDateTime": at.isoformat(timespec="milliseconds"),
                "time": 80,
                "request": {
                    "method": "GET",
                    "url": f"https://{host}/v1/report?{query}",
                    "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Host", "value": host}],
                    "queryString": [],
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
                    "content": {"size": 2, "mimeType": "application/json"},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": 2,
                },
                "cache": {},
                "timings": {"send": 1, "wait": 70, "receive": 9},
            }
        )
    log = {"log": {"version": "1.2", "creator": {"name": "mitmproxy", "version": "10.1"}, "entries": entries}}
    return json.dumps(log, ensure_ascii=False, indent=1).encode()


def zeek_conn_log(date: datetime.date) -> bytes:
    """A Zeek conn.log (TSV, FORMATS.md §4): the phone's TLS flows to the same hosts' addresses."""
    start, _consent = _moments(date)
    head = (
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
        "orig_bytes\tresp_bytes\tconn_state\n"
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n"
    )
    lines = []
    for n in range(24):
        at = start + datetime.timedelta(milliseconds=300 + n * 1000)
        lines.append(
            f"{at.timestamp():.6f}\tCdemo{n:03d}\t192.168.1.50\t{50000 + n}\t47.96.{n % 4}.{10 + n}\t443\ttcp\tssl\t"
            f"0.8\t{600 + n}\t{1400 + n}\tSF\n"
        )
    return (head + "".join(lines) + "#close\t2025-01-01-00-00-00\n").encode()


def timeline_demo_load(*, campaign: Campaign, inspector, reviewer, date: datetime.date) -> Inspection | None:
    """Load the demo's timed inspection once (None when it is there already)."""
    if Inspection.objects.filter(notes=NOTES).exists():
        return None
    product = Product.objects.get(name="晴川天气")
    version = product.versions.filter(version=VERSION).first() or product_services.version_create(
        actor=inspector, product=product, version=VERSION, source="应用宝", package_name="com.qingchuan.weather"
    )
    inspection = services.inspection_create(
        actor=inspector,
        campaign=campaign,
        product_version=version,
        agency=TestingAgency.objects.order_by("id").first(),
        date=date,
        method=InspectionMethod.DYNAMIC,
        notes=NOTES,
    )
    files = (
        ("qingchuan_weather_privacysentry.xlsx", privacysentry_workbook(date)),
        ("qingchuan_weather_capture.har", har_capture(date)),
        ("qingchuan_weather_conn.log", zeek_conn_log(date)),
    )
    for name, content in files:
        job, _ = jobs.scan_job_create(
            actor=inspector, inspection=inspection, uploaded=SimpleUploadedFile(name, content)
        )
        service.scan_job_process(job_id=job.pk)  # no-op when a worker (or eager Celery) ran it already
    failed = ScanJob.objects.filter(inspection=inspection).exclude(status="succeeded").first()
    if failed is not None:
        raise RuntimeError(f"demo scan {failed.original_name} did not succeed: {failed.failure_reason}")
    first = (
        inspection.findings.filter(status=FindingStatus.CANDIDATE, violation_type__code="PI-01").order_by("id").first()
    )
    if first is not None:
        confirmed = services.finding_confirm(actor=reviewer, finding=first, reason="时间线显示同意前已调用。")
        services.case_open(actor=inspector, findings=[confirmed])
    return inspection
