"""A confirmed finding that cites a window of its inspection's timeline: the order to rectify prints
the window as an annex table (time, item, detail, before/after consent), frozen when drafted."""

import dataclasses
import datetime
import hashlib
import json
import subprocess

import pytest

from cases.models import CaseStatus
from cases.timeline import services as timeline_services
from notices import rendering, services, workflow
from notices.models import NoticeKind
from tests.cases.timeline.conftest import SHANGHAI, ingest

from .conftest import make_case

pytestmark = pytest.mark.django_db
START = datetime.datetime(2025, 3, 1, 9, 0, 0, tzinfo=SHANGHAI)
END = datetime.datetime(2025, 3, 1, 9, 0, 6, tzinfo=SHANGHAI)


@pytest.fixture
def cited_case(inspector, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(CaseStatus.OPEN, codes=("PI-01",))
    finding = case.findings.get()
    for name in ("privacysentry_new.xlsx", "capture.har"):
        ingest(inspector, finding.inspection, name)
    timeline_services.finding_cite_window(actor=reviewer, finding=finding, start=START, end=END)
    return case


def test_the_draft_freezes_the_window_rows(inspector, cited_case):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[cited_case.pk])
    (item,) = notice.items.all()
    (window,) = item.timeline
    assert (window["start"], window["end"]) == ("2025-03-01 09:00:00", "2025-03-01 09:00:06")
    consent = [row for row in window["rows"] if row[3] == "同意时刻"]
    assert consent == [["2025-03-01 09:00:03.000", "点击隐私协议确认", "隐私合规", "同意时刻"]]
    assert window["total"] == len(window["rows"]) == 11


def test_an_item_without_a_window_keeps_its_fingerprint():
    """Orders published before windows existed verify as they did: the empty list is left out."""
    item = rendering.OrderItem(violation_code="PI-01", violation_name="n", legal_basis="b", evidence_summary="e")
    doc = rendering.NoticeDocument(
        kind="order",
        series="order",
        title="t",
        batch_line="",
        doc_number="",
        authority="a",
        addressee="x",
        opening=(),
        closing=(),
        attachment_title="",
        signature="s",
        date=datetime.date(2025, 9, 26),
        items=(item,),
    )
    # The seal is the authority's mark, not content (left out since seals are printed, like the code).
    data = {k: v for k, v in dataclasses.asdict(doc).items() if k not in ("access_code", "draft", "seal")}
    for row in data["items"]:
        del row["timeline"]
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    assert rendering.content_digest(doc) == hashlib.sha256(canonical.encode()).hexdigest()
    window = rendering.TimelineWindow(start="a", end="b", total=0, rows=())
    cited = dataclasses.replace(doc, items=(dataclasses.replace(item, timeline=(window,)),))
    assert rendering.content_digest(cited) != rendering.content_digest(doc)


def test_the_published_pdf_carries_the_annex_table(inspector, reviewer, cited_case, frozen, tmp_path):
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[cited_case.pk])
    notice = workflow.notice_approve(actor=reviewer, notice=notice)
    notice = workflow.notice_publish(notice_id=notice.pk, actor=reviewer)
    path = tmp_path / "order.pdf"
    with notice.pdf.open("rb") as stream:
        path.write_bytes(stream.read())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "附件：时间线证据：违规收集个人信息（2025-03-0109:00:00至2025-03-0109:00:06）" in flat
    for header in ("时间", "事项", "详情", "同意前后"):
        assert header in text
    assert "2025-03-0109:00:03.000点击隐私协议确认隐私合规同意时刻" in flat
    assert "2025-03-0109:00:00.900获取mac地址getMacAddress·cn.example同意前" in flat
    assert "2025-03-0109:00:00.000GETalog.umeng.com/app_logs(imei,android_id,ts)同意前" in flat
    assert "2025-03-0109:00:04.000POSTapi.exampleshop.cn/v1/login(phone,pwd)同意后" in flat
