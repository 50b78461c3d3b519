"""Notices per authority (ARCHITECTURE.md §15): each authority issues under its own name, masthead,
signature and numbers; concurrent publications of two authorities keep two series without gaps."""

import json
import subprocess
import threading

import pytest
from django.db import connection

from accounts.models import Authority
from accounts.roles import Role
from accounts.scoping import OtherAuthority
from cases.models import CaseStatus
from notices import rendering, services, workflow
from notices.models import Notice, NoticeCounter, NoticeKind, NoticeSeries
from tests import factories

from .conftest import RecordingRenderer, ensure_reference_data, make_case


def _pdf_text(notice, tmp_path, *args) -> str:
    path = tmp_path / f"notice-{notice.pk}.pdf"
    with notice.pdf.open("rb") as stream:
        path.write_bytes(stream.read())
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _staff(authority):
    return (
        factories.UserFactory(role=Role.INSPECTOR, authority=authority),
        factories.UserFactory(role=Role.REVIEWER, authority=authority),
    )


def _approved(kind, cases, inspector, reviewer):
    draft = services.notice_draft(actor=inspector, kind=kind, case_ids=[c.pk for c in cases])
    return workflow.notice_approve(actor=reviewer, notice=draft)


@pytest.mark.django_db
def test_a_draft_takes_the_cases_authority_and_its_texts(renderer):
    beijing = factories.province("110000")
    inspector, _ = _staff(beijing)
    notice = services.notice_draft(
        actor=inspector, kind=NoticeKind.ORDER, case_ids=[make_case(CaseStatus.OPEN, authority=beijing).pk]
    )
    assert notice.issuer == beijing
    assert (notice.authority, notice.signature) == ("北京市通信管理局", "北京市通信管理局")


@pytest.mark.django_db
def test_a_provincial_naming_notice_speaks_as_the_province():
    beijing = factories.province("110000")
    inspector, _ = _staff(beijing)
    notice = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case(authority=beijing).pk])
    assert "我局组织第三方检测机构" in notice.opening and "我部" not in notice.opening + notice.closing
    assert notice.attachment_title == "北京市通信管理局通报存在问题的APP（SDK）名单"


@pytest.mark.django_db
def test_one_notice_is_issued_by_one_authority():
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    national = factories.UserFactory(role=Role.INSPECTOR)
    Authority.objects.filter(pk__in=[beijing.pk, guangdong.pk]).update(delegated_to_national=True)
    cases = [make_case(authority=beijing), make_case(authority=guangdong)]
    with pytest.raises(Exception) as refused:
        services.notice_draft(actor=national, kind=NoticeKind.NAMING, case_ids=[c.pk for c in cases])
    assert refused.value.code == "notice_mixed_authorities"


@pytest.mark.django_db
def test_a_province_cannot_draft_or_approve_anothers_notice():
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    bj_inspector, _ = _staff(beijing)
    _, gd_reviewer = _staff(guangdong)
    with pytest.raises(OtherAuthority):
        services.notice_draft(actor=bj_inspector, kind=NoticeKind.NAMING, case_ids=[make_case(authority=guangdong).pk])
    draft = services.notice_draft(
        actor=bj_inspector, kind=NoticeKind.NAMING, case_ids=[make_case(authority=beijing).pk]
    )
    with pytest.raises(OtherAuthority):
        workflow.notice_approve(actor=gd_reviewer, notice=draft)
    # The ministry sees it but does not act on it unless Beijing delegates.
    with pytest.raises(OtherAuthority):
        workflow.notice_approve(actor=factories.UserFactory(role=Role.REVIEWER), notice=draft)
    Authority.objects.filter(pk=beijing.pk).update(delegated_to_national=True)
    assert workflow.notice_approve(actor=factories.UserFactory(role=Role.REVIEWER), notice=draft).status == "approved"


@pytest.mark.django_db
def test_a_province_cannot_edit_publish_or_correct_anothers_notice():
    """The doors past the draft check the issuer too (issue 17's audit): an edit of the text or a
    row, the publication request, the access code and a correction."""
    beijing, guangdong = factories.province("110000"), factories.province("440000")
    bj_inspector, bj_reviewer = _staff(beijing)
    gd_inspector, gd_reviewer = _staff(guangdong)
    national = factories.UserFactory(role=Role.REVIEWER)
    case = make_case(authority=beijing)
    draft = services.notice_draft(actor=bj_inspector, kind=NoticeKind.NAMING, case_ids=[case.pk])
    entry = draft.entries.first()
    for outsider in (gd_inspector, national):
        with pytest.raises(OtherAuthority):
            services.notice_update(actor=outsider, notice=draft, title="改")
        with pytest.raises(OtherAuthority):
            services.notice_entry_update(actor=outsider, entry=entry, developer="改")
        with pytest.raises(OtherAuthority):
            services.notice_correct(actor=outsider, notice=draft)
    draft.refresh_from_db()
    assert draft.title != "改" and draft.entries.first().developer != "改"
    assert services.notice_update(actor=bj_inspector, notice=draft, title="北京通报").title == "北京通报"
    approved = workflow.notice_approve(actor=bj_reviewer, notice=draft)
    for outsider in (gd_reviewer, national):
        with pytest.raises(OtherAuthority):
            workflow.notice_request_publication(actor=outsider, notice=approved)
        with pytest.raises(OtherAuthority):
            services.order_access_code_reveal(actor=outsider, notice=approved)
    approved.refresh_from_db()
    assert approved.status == "approved"


@pytest.mark.django_db
def test_a_provincial_order_and_naming_notice_print_their_authority(frozen, tmp_path, capsys):
    """The real renderer: page one of Beijing's served order and of its naming notice."""
    beijing = factories.province("110000")
    inspector, reviewer = _staff(beijing)
    order = workflow.notice_publish(
        notice_id=_approved(NoticeKind.ORDER, [make_case(CaseStatus.OPEN, authority=beijing)], inspector, reviewer).pk,
        actor=reviewer,
    )
    naming = workflow.notice_publish(
        notice_id=_approved(NoticeKind.NAMING, [make_case(authority=beijing)], inspector, reviewer).pk,
        actor=reviewer,
    )
    order_page = _pdf_text(order, tmp_path, "-layout", "-f", "1", "-l", "1")
    naming_page = _pdf_text(naming, tmp_path, "-layout", "-f", "1", "-l", "1")
    with capsys.disabled():
        print("\n--- Beijing's order, page 1 (pdftotext -layout) ---\n" + order_page)
        print("--- Beijing's naming notice, page 1 (pdftotext -layout) ---\n" + naming_page)

    assert order.doc_number == "京信管函〔2025〕1号"
    assert "北京市通信管理局" in order_page and "京信管函〔2025〕1号" in order_page
    assert naming.batch_label == "（2025年第1批，总第1批）"
    assert "北京市通信管理局" in naming_page and "（2025年第1批，总第1批）" in naming_page
    for text in (_pdf_text(order, tmp_path), _pdf_text(naming, tmp_path)):
        assert "工业和信息化部信息通信管理局" not in text and "X信管" not in text
        # The signature block closes the letter with the authority's name.
        assert text.count("北京市通信管理局") >= 2


def _run_in_threads(targets):
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_authorities_publish_at_once_in_their_own_series(monkeypatch, frozen, capsys):
    """Beijing and Guangdong each publish three orders and two naming notices, all at once (ten
    threads): each authority's series is 1, 2, 3 (orders) and 第1批, 第2批 (naming), no gap and no
    number shared within an authority."""
    ensure_reference_data()
    monkeypatch.setattr(rendering, "render_notice_pdf", RecordingRenderer(), raising=False)
    approved = []
    reviewers = {}
    for code in ("110000", "440000"):
        authority = factories.province(code)
        inspector, reviewer = _staff(authority)
        reviewers[authority.pk] = reviewer
        for _ in range(3):
            approved.append(
                _approved(NoticeKind.ORDER, [make_case(CaseStatus.OPEN, authority=authority)], inspector, reviewer)
            )
        for _ in range(2):
            approved.append(_approved(NoticeKind.NAMING, [make_case(authority=authority)], inspector, reviewer))
    start = threading.Barrier(len(approved))

    def publisher(notice):
        def publish():
            start.wait(timeout=60)
            workflow.notice_publish(notice_id=notice.pk, actor=reviewers[notice.issuer_id])

        return publish

    assert _run_in_threads([publisher(n) for n in approved]) == []

    rows = list(
        Notice.objects.filter(pk__in=[n.pk for n in approved])
        .order_by("issuer__code", "kind", "doc_sequence", "batch_number")
        .values_list("issuer__short_name", "kind", "doc_number", "batch_number", "overall_number", "status")
    )
    with capsys.disabled():
        print("\n--- the two series after ten concurrent publications ---")
        for row in rows:
            print("  ", row)
    assert {r[5] for r in rows} == {"published"}
    assert [r[2] for r in rows if r[1] == "order"] == [
        "京信管函〔2025〕1号",
        "京信管函〔2025〕2号",
        "京信管函〔2025〕3号",
        "粤信管函〔2025〕1号",
        "粤信管函〔2025〕2号",
        "粤信管函〔2025〕3号",
    ]
    assert [(r[0], r[3], r[4]) for r in rows if r[1] == "naming"] == [
        ("北京通信管理局", 1, 1),
        ("北京通信管理局", 2, 2),
        ("广东通信管理局", 1, 1),
        ("广东通信管理局", 2, 2),
    ]
    counters = NoticeCounter.objects.filter(
        series__in=[NoticeSeries.ORDER, NoticeSeries.APP], authority__code__in=["110000", "440000"]
    )
    assert sorted(counters.values_list("authority__code", "series", "overall")) == [
        ("110000", "app", 2),
        ("110000", "order", 3),
        ("440000", "app", 2),
        ("440000", "order", 3),
    ]


@pytest.fixture
def two_registers(renderer, frozen):
    """One naming notice published by Beijing and one by Guangdong."""
    notices = {}
    for code in ("110000", "440000"):
        authority = factories.province(code)
        inspector, reviewer = _staff(authority)
        notices[code] = workflow.notice_publish(
            notice_id=_approved(NoticeKind.NAMING, [make_case(authority=authority)], inspector, reviewer).pk,
            actor=reviewer,
        )
    return notices


@pytest.mark.django_db
def test_the_register_shows_and_filters_by_authority(client, two_registers):
    bj, gd = two_registers["110000"], two_registers["440000"]
    page = client.get("/register/").content.decode()
    assert "北京市通信管理局" in page and "广东省通信管理局" in page
    page = client.get("/register/", {"authority": "440000"}).content.decode()
    assert f"/register/{gd.pk}/" in page and f"/register/{bj.pk}/" not in page


@pytest.mark.django_db
def test_each_authority_has_its_feed(client, two_registers):
    bj, gd = two_registers["110000"], two_registers["440000"]
    feed = client.get("/register/feed/110000/")
    assert feed.status_code == 200 and "北京市通信管理局" in feed.content.decode()
    assert f"notice-{bj.pk}" in feed.content.decode() and f"notice-{gd.pk}" not in feed.content.decode()
    everything = client.get("/register/feed/").content.decode()
    assert f"notice-{bj.pk}" in everything and f"notice-{gd.pk}" in everything
    assert client.get("/register/feed/999999/").status_code == 404
    assert client.get("/register/feed/abc/").status_code == 404


@pytest.mark.django_db
def test_the_open_data_carry_and_filter_by_authority(client, two_registers):
    rows = json.loads(b"".join(client.get("/register/open-data/entries.json").streaming_content))["entries"]
    assert {(r["authority"], r["authority_code"]) for r in rows} == {
        ("北京市通信管理局", "110000"),
        ("广东省通信管理局", "440000"),
    }
    response = client.get("/register/open-data/entries.json", {"authority": "440000"})
    only = json.loads(b"".join(response.streaming_content))["entries"]
    assert only and {r["authority_code"] for r in only} == {"440000"}
    response = client.get("/register/open-data/entries.csv", {"authority": "x"})
    assert b"".join(response.streaming_content).decode("utf-8-sig").count("\n") == 1  # the header only
