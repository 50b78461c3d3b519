"""Demo complaints (``manage.py load_demo_complaints``, run by ``load_demo``): a handful in each
state, written through the services, the import and the workflow, so they carry real audit events.
Every name here is fictional. Idempotent: a second run changes nothing."""

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases.models import Campaign, InspectionMethod, TestingAgency
from complaints import services, workflow
from complaints.importing.service import complaint_import
from complaints.models import Channel, Complaint
from products import services as product_services
from products.models import Product, ProductKind, Vendor

# The 黑猫投诉 export the demo imports (the platform's own columns, docs/COMPLAINTS.md §2).
HEIMAO_EXPORT = """投诉编号,投诉对象,投诉问题,投诉要求,涉诉金额,投诉进度,发布时间
DEMO-17350001,晴川天气,不授权通讯录就无法查看天气,删除已收集的通讯录,,处理中,{d1}
DEMO-17350002,晴川天气极速版,启动即读取剪贴板并上传,停止读取剪贴板,,处理中,{d2}
DEMO-17350003,晴川天气极速版,注销账号后仍收到推送,注销并删除数据,,处理中,{d3}
DEMO-17350004,某某餐厅扫码点餐,扫码点餐必须关注公众号并授权手机号,,,处理中,{d4}
"""

FORM_COMPLAINTS = [
    # subject, kind, package, credit code, text, email
    (
        "晴川天气极速版",
        "app",
        "com.qingchuan.weather.lite",
        "",
        "首次打开就要求定位和通讯录，拒绝后闪退。",
        "user1@mail.test",
    ),
    ("星河音箱 X1", "terminal", "XH-SPK-X1", "", "音箱在未唤醒时也在上传录音。", "user2@mail.test"),
    ("某商场入口人脸识别", "scenario", "", "", "商场入口摄像头抓拍人脸，没有任何提示。", ""),
    ("童芯学习机 S3", "terminal", "TX-LEARN-S3", "", "学习机要求家长上传身份证照片才能激活。", "user3@mail.test"),
]


@transaction.atomic
def demo_complaints_load(*, inspector: User, today: datetime.date | None = None) -> bool:
    """Load the demo complaints once; return False when they are already there."""
    if Complaint.objects.filter(channel=Channel.HEIMAO, external_id="DEMO-17350001").exists():
        return False
    today = today or timezone.localdate()
    days = {f"d{i}": (today - datetime.timedelta(days=10 - i)).isoformat() for i in range(1, 5)}
    complaint_import(
        actor=inspector,
        data=HEIMAO_EXPORT.format(**days).encode(),
        original_name="黑猫投诉导出（演示）.csv",
        today=today,
    )
    web = {}
    for subject, kind, package, code, text, email in FORM_COMPLAINTS:
        web[subject], _token = services.complaint_submit(
            subject_name=subject,
            subject_kind=kind,
            subject_package=package,
            subject_credit_code=code,
            text=text,
            contact_email=email,
            received_on=today - datetime.timedelta(days=3),
        )
    heimao = {c.external_id: c for c in Complaint.objects.filter(channel=Channel.HEIMAO)}

    # A product nobody inspected yet, complained about three times: the dashboard lists it.
    vendor = Vendor.objects.filter(credit_code__startswith="91330106MA2CQ7XK3").first()
    lite = None
    if vendor is not None:
        lite = Product.objects.filter(vendor=vendor, name="晴川天气极速版").first() or product_services.product_create(
            actor=inspector, vendor=vendor, name="晴川天气极速版", kind=ProductKind.APP
        )
        for complaint in (heimao["DEMO-17350002"], heimao["DEMO-17350003"], web["晴川天气极速版"]):
            workflow.match_complaint(complaint=complaint, actor=inspector, product=lite)  # matched (triaged)

    # Merged: the same problem twice.
    workflow.merge_complaint(
        complaint=heimao["DEMO-17350003"] if lite is None else web["晴川天气极速版"],
        actor=inspector,
        into=heimao["DEMO-17350002"],
        reason="同一问题，合并处理。",
    )
    # Dismissed, with the reason the complainant reads.
    workflow.dismiss_complaint(
        complaint=web["童芯学习机 S3"], actor=inspector, reason="经核实，该产品已于本专项行动中整改完毕。"
    )
    # Turned into an inspection: the speaker that records.
    speaker = Product.objects.filter(name="星河音箱 X1").first()
    campaign = Campaign.objects.order_by("-start_date", "-id").first()
    agency = TestingAgency.objects.order_by("id").first()
    if speaker is not None and campaign is not None and agency is not None:
        complaint = workflow.match_complaint(complaint=web["星河音箱 X1"], actor=inspector, product=speaker)
        workflow.open_inspection_complaint(
            complaint=complaint,
            actor=inspector,
            campaign=campaign,
            agency=agency,
            product_version=speaker.versions.order_by("-created_at", "-id").first(),
            date=today,
            method=InspectionMethod.DEVICE,
        )
    return True
