"""The SDK fan-out's letters (issue 18): one per vendor, frozen rows, a deadline in working days,
sent once through the outbox with the PDF in the notices' typography (read back with pdftotext)."""

import datetime
import subprocess

import pytest
from django.core import mail

from accounts.errors import Conflict
from cases.clock.calendar import add_working_days
from cases.models import CaseEvent
from notices import sdk_letters
from notices.models import SdkLetter
from outbox.models import OutboxJob
from products.models import ProductVersion
from tests import factories
from tests.cases.sdks.helpers import app_scanned, make_sdk, sdk_case

ISSUED = datetime.date(2025, 9, 26)  # a Friday; five working days later is 2025-10-10 (National Day)


@pytest.fixture
def fanout(reviewer):
    sdk = make_sdk()
    vendor_a, vendor_b = factories.VendorFactory(name="甲科技有限公司"), factories.VendorFactory(name="乙网络有限公司")
    apps = [
        app_scanned(actor=reviewer, vendor=vendor_a, version="1.0"),
        app_scanned(actor=reviewer, vendor=vendor_a, version="2.5"),
        app_scanned(actor=reviewer, vendor=vendor_b, version="7.1"),
    ]
    return sdk, sdk_case(sdk=sdk, actor=reviewer), apps, (vendor_a, vendor_b)


def test_one_letter_per_vendor_with_its_versions_and_the_deadline(reviewer, fanout, django_capture_on_commit_callbacks):
    sdk, case, apps, (vendor_a, vendor_b) = fanout
    with django_capture_on_commit_callbacks(execute=True):
        letters = sdk_letters.sdk_letters_issue(actor=reviewer, case=case, today=ISSUED)
    assert [letter.vendor for letter in letters] == sorted([vendor_a, vendor_b], key=lambda v: v.pk)
    by_vendor = {letter.vendor_id: letter for letter in letters}
    assert [row["version"] for row in by_vendor[vendor_a.pk].rows] == ["1.0", "2.5"]
    assert by_vendor[vendor_b.pk].embeddings.count() == 1
    for letter in letters:
        letter.refresh_from_db()
        assert letter.deadline == add_working_days(ISSUED, 5) == datetime.date(2025, 10, 10)
        assert letter.sent_at is not None and len(letter.pdf_sha256) == 64
    assert OutboxJob.objects.filter(kind=sdk_letters.SEND_JOB, status="done").count() == 2
    event = CaseEvent.objects.get(case=case, kind=sdk_letters.LETTERS_ISSUED)
    assert event.actor == reviewer and event.data["working_days"] == 5
    assert {m.to[0] for m in mail.outbox} == {vendor_a.contact_email, vendor_b.contact_email}
    assert all(m.attachments[0][2] == "application/pdf" for m in mail.outbox)
    # Asked again: every vendor has its letter.
    with pytest.raises(Conflict):
        sdk_letters.sdk_letters_issue(actor=reviewer, case=case, today=ISSUED)


def test_a_letter_is_sent_once(reviewer, fanout, django_capture_on_commit_callbacks):
    _sdk, case, _apps, _vendors = fanout
    with django_capture_on_commit_callbacks(execute=True):
        letter = sdk_letters.sdk_letters_issue(actor=reviewer, case=case, today=ISSUED)[0]
    sent = len(mail.outbox)
    assert sdk_letters.sdk_letter_send(letter_id=letter.pk) == "sent"
    assert len(mail.outbox) == sent


def test_the_letter_pdf_lists_the_finding_and_the_app_versions(reviewer, fanout, tmp_path):
    sdk, case, apps, (vendor_a, _b) = fanout
    # Short package names: a long one wraps inside its cell and pdftotext interleaves the cells'
    # lines (the factories' names grow with the test run's sequence numbers).
    for i, inspection in enumerate(apps[:2]):
        ProductVersion.objects.filter(pk=inspection.product_version_id).update(package_name=f"com.ex.app{i}")
        inspection.product_version.refresh_from_db()
    letters = sdk_letters.sdk_letters_issue(actor=reviewer, case=case, today=ISSUED)
    letter = next(x for x in letters if x.vendor_id == vendor_a.pk)
    path = tmp_path / "letter.pdf"
    path.write_bytes(sdk_letters.sdk_letter_render(SdkLetter.objects.get(pk=letter.pk)))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert sdk_letters.TITLE in flat
    assert "甲科技有限公司：" in flat
    assert f"案件编号：{case.number}" in flat
    assert f"{sdk.name}（SDK）" in flat
    assert "一、SDK违规收集用户设备信息" in flat
    assert "SDK在用户同意隐私政策前收集AndroidID" in flat
    for inspection in apps[:2]:
        pv = inspection.product_version
        assert pv.product.name in flat and pv.version in flat
        assert pv.package_name in flat.replace("跟踪器特征：εxodus119", "")
    assert "请于收到本通知之日起5个工作日内（2025年10月10日前）更新或移除该SDK" in flat
    assert "跟踪器特征：εxodus119" in flat
