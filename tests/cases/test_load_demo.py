"""The demo tells one consistent story: each case in a state its documents explain, dates that agree.

An ordered case was served by a published order to rectify dated its service day; a named case is
listed in a published naming notice; inspections come before cases, cases before orders, orders
before reports; every audit event happened in order and none in the future.
"""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.clock.calendar import add_working_days
from cases.models import Case, CaseStatus, VendorResponse
from notices.models import Notice, NoticeEntry, NoticeKind, NoticeStatus

pytestmark = pytest.mark.django_db(transaction=False)

NEVER_SERVED = {CaseStatus.OPEN, CaseStatus.WITHDRAWN}


def day(moment):
    return timezone.localdate(moment)


@pytest.fixture
def demo():
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    return list(Case.objects.select_related("campaign").order_by("id"))


def test_every_served_case_has_its_published_order_dated_its_service_day(demo):
    served = [case for case in demo if case.status not in NEVER_SERVED]
    assert len(served) >= 6
    for case in served:
        order = Notice.objects.get(case=case, kind=NoticeKind.ORDER)
        assert order.status == NoticeStatus.PUBLISHED, case.number
        assert order.published_on == case.served_on, case.number
        assert order.doc_number and "X" not in order.doc_number
        assert order.drafted_by_id != order.approved_by_id  # four eyes, as in real life
        with order.pdf.open("rb") as pdf:
            assert hashlib.sha256(pdf.read()).hexdigest() == order.pdf_sha256
        event = case.events.get(to_status=CaseStatus.ORDERED)
        assert event.data["served_on"] == order.published_on.isoformat()
        assert event.data["deadline"] == order.deadline.isoformat()
        assert order.deadline == add_working_days(order.published_on, case.campaign.deadline_working_days)
    for case in demo:
        if case.status in NEVER_SERVED:
            assert not Notice.objects.filter(case=case, status=NoticeStatus.PUBLISHED).exists(), case.number
    # Numbers follow dates: the story ran day by day.
    orders = list(Notice.objects.filter(kind=NoticeKind.ORDER).order_by("doc_sequence"))
    dates = [order.published_on for order in orders]
    assert dates == sorted(dates)
    assert [order.doc_sequence for order in orders] == list(range(1, len(orders) + 1))


def test_a_named_case_is_listed_in_a_published_naming_notice_and_runs_to_its_deadline(demo):
    named = [case for case in demo if case.status == CaseStatus.NAMED]
    assert named
    for case in named:
        entry = NoticeEntry.objects.select_related("notice").get(case=case)
        notice = entry.notice
        assert notice.kind == NoticeKind.NAMING and notice.status == NoticeStatus.PUBLISHED
        assert notice.published_on > case.served_on
        assert case.deadline == add_working_days(notice.published_on, case.campaign.deadline_working_days)
        overdue_before = case.events.get(to_status=CaseStatus.OVERDUE)
        named_event = case.events.get(to_status=CaseStatus.NAMED)
        assert overdue_before.created_at < named_event.created_at
        assert day(named_event.created_at) == notice.published_on


def test_dates_agree_along_each_case(demo):
    now = timezone.now()
    for case in demo:
        inspection = case.findings.first().inspection
        opened = day(case.created_at)
        assert inspection.date <= opened, case.number
        if case.served_on:
            assert opened <= case.served_on <= day(now), case.number
        for response in VendorResponse.objects.filter(case=case):
            assert case.served_on <= day(response.created_at) <= case.deadline, case.number
        moments = list(case.events.order_by("id").values_list("created_at", flat=True))
        assert moments == sorted(moments), case.number
        assert moments[-1] <= now
        if case.status == CaseStatus.OVERDUE:
            assert case.deadline < timezone.localdate()
        if case.served_on:
            assert case.deadline > case.served_on, case.number
