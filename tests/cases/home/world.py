"""One piece of each kind of work on the home page, built through the services (the page tests and
the browser journeys share it). Call it with the clock at 2025-09-30, before the deadlines."""

import datetime
import itertools

from accounts.roles import Role
from cases import responses
from cases.models import Case, CaseStatus, FindingStatus
from notices.models import Notice, NoticeKind, NoticeSeries, NoticeStatus
from products.models import VendorMembership
from tests import factories
from tests.cases.served import png, served_case

PASSWORD = "pw-Rectify-2025"  # tests.factories.UserFactory
_numbers = itertools.count(1)


def bare_case(**fields) -> Case:
    """An open case from the factory, numbered apart from those ``cases.services.case_open`` gives."""
    return factories.CaseFactory(number=f"RC-HOME-{next(_numbers):05d}", **fields)


def draft_notice(*, actor, kind=NoticeKind.ORDER, case=None) -> Notice:
    return Notice.objects.create(
        kind=kind,
        series=NoticeSeries.ORDER if kind == NoticeKind.ORDER else NoticeSeries.APP,
        status=NoticeStatus.DRAFT,
        case=case,
        vendor=case.vendor if case else None,
        title=f"关于责令限期整改的通知（{case.number if case else '通报'}）",
        authority="工业和信息化部信息通信管理局",
        opening="正文",
        closing="结尾",
        signature="工业和信息化部信息通信管理局",
        drafted_by=actor,
    )


def work_world(*, reviewer=None, inspector=None, vendor_username="vendor-home") -> dict:
    reviewer = reviewer or factories.UserFactory(role=Role.REVIEWER, username="reviewer-home")
    inspector = inspector or factories.UserFactory(role=Role.INSPECTOR, username="inspector-home")
    responded = served_case(actor=reviewer)
    staff = factories.VendorUserFactory(vendor=responded.vendor, username=vendor_username, email="it@acme.test")
    VendorMembership.objects.filter(user=staff).update(is_vendor_admin=True)
    response = responses.response_submit(actor=staff, case=responded, summary="已删除相关代码", files=[png()])
    ordered = served_case(actor=reviewer, vendor=responded.vendor)
    extension = responses.extension_request(
        actor=staff, case=ordered, reason="国庆后才能发版", requested_deadline=datetime.date(2025, 10, 17)
    )
    awaiting_order = bare_case(opened_by=inspector)
    drafted = bare_case(opened_by=inspector)
    draft = draft_notice(actor=inspector, case=drafted)
    overdue = bare_case(opened_by=inspector)
    Case.objects.filter(pk=overdue.pk).update(status=CaseStatus.OVERDUE, deadline=datetime.date(2025, 9, 1))
    openable = factories.FindingFactory(status=FindingStatus.CONFIRMED, title="已确认未立案")
    for case in (responded, ordered, overdue):
        case.refresh_from_db()
    return {
        "reviewer": reviewer,
        "inspector": inspector,
        "staff": staff,
        "responded": responded,
        "response": response,
        "ordered": ordered,
        "extension": extension,
        "awaiting_order": awaiting_order,
        "drafted": drafted,
        "draft": draft,
        "overdue": overdue,
        "openable": openable,
    }
