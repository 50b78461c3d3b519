"""The public register: no login, only issued naming and removal notices, cached until publication."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import CaseStatus
from notices import exports, services, workflow
from notices.models import NoticeKind
from products.models import ProductKind
from tests import factories

from .conftest import make_case

pytestmark = pytest.mark.django_db


def _publish(inspector, reviewer, *cases, kind=NoticeKind.NAMING):
    draft = services.notice_draft(actor=inspector, kind=kind, case_ids=[c.pk for c in cases])
    workflow.notice_approve(actor=reviewer, notice=draft)
    return workflow.notice_publish(notice_id=draft.pk, actor=reviewer)


@pytest.fixture
def published(inspector, reviewer, renderer, frozen):
    product = factories.ProductFactory(name="晴空天气", vendor__name="示例网络科技（杭州）有限公司")
    a = make_case(product=product, source="应用宝", codes=("PI-01", "PI-02"))
    b = make_case(product=product, source="华为应用市场", codes=("PI-01",))
    c = make_case(codes=("PI-05",))
    return _publish(inspector, reviewer, a, b, c)


def test_list_shows_published_notices_only(client, published, inspector, reviewer, renderer):
    draft = services.notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=[make_case().pk])
    order = _publish(inspector, reviewer, make_case(CaseStatus.OPEN), kind=NoticeKind.ORDER)
    response = client.get("/register/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/register/{published.pk}/" in html and "（2025年第1批，总第1批）" in html
    assert f"/register/{draft.pk}/" not in html and f"/register/{order.pk}/" not in html
    # Drafts and orders do not exist for the public.
    assert client.get(f"/register/{draft.pk}/").status_code == 404
    assert client.get(f"/register/{order.pk}/").status_code == 404
    assert client.get(f"/register/{order.pk}/pdf/").status_code == 404


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=晴空", True),
        ("q=nothing-like-this", False),
        ("vendor=示例网络科技", True),
        ("vendor=别家公司", False),
        ("product=晴空天气", True),
        ("issue=PI-02", True),
        ("issue=PI-05", True),
        ("issue=PI-03", False),
        ("year=2025", True),
        ("kind=naming", True),
        ("kind=removal", False),
    ],
)
def test_search(client, published, query, found):
    html = client.get(f"/register/?{query}").content.decode()
    assert (f"/register/{published.pk}/" in html) is found


def test_notice_page_has_the_table_and_pdf(client, published):
    response = client.get(f"/register/{published.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "关于侵害用户权益行为的APP（SDK）通报" in html
    assert "违规收集个人信息、超范围收集个人信息" in html and "华为应用市场" in html
    assert html.count("<td>示例网络科技（杭州）有限公司</td>") == 2
    assert published.pdf_sha256 in html
    # A Chinese label ends with a full-width colon, an English one with ": ".
    assert f"附件：{published.attachment_title}" in html
    pdf = client.get(f"/register/{published.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_english_interface(client, published):
    html = client.get(f"/register/{published.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Download the PDF" in html and "Issues found" in html
    assert f"Attachment: {published.attachment_title}" in html


def test_pages_are_cached_until_the_next_publication(
    client, published, inspector, reviewer, renderer, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.get("/register/")
    with django_assert_max_num_queries(1):  # the session/auth lookup at most: the body comes from the cache
        html = client.get("/register/").content.decode()
    assert f"/register/{published.pk}/" in html
    terminal = make_case(kind=ProductKind.TERMINAL)
    with django_capture_on_commit_callbacks(execute=True):
        second = _publish(inspector, reviewer, terminal)
    assert f"/register/{second.pk}/" in client.get("/register/").content.decode()


def test_atom_feed(client, published):
    response = client.get("/register/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "关于侵害用户权益行为的APP（SDK）通报（2025年第1批，总第1批）" in body
    assert f"/register/{published.pk}/" in body


def test_open_data_json(client, published):
    body = json.loads(client.get("/register/open-data/entries.json").getvalue())
    assert body["fields"] == exports.OPEN_DATA_FIELDS
    rows = body["entries"]
    assert [r["seq"] for r in rows] == [1, 1, 2]
    assert rows[0]["name"] == "晴空天气" and rows[0]["issue_codes"] == "PI-01;PI-02"
    assert rows[0]["id"] == published.entries.get(position=1).pk
    assert {r["notice_number"] for r in rows} == {"（2025年第1批，总第1批）"}


def test_open_data_csv_neutralises_formulas(client, inspector, reviewer, renderer, frozen):
    product = factories.ProductFactory(name='=HYPERLINK("http://evil")', vendor__name="@公司")
    _publish(inspector, reviewer, make_case(product=product, version="-1", source="+应用宝"))
    response = client.get("/register/open-data/entries.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.getvalue().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["developer"] == "'@公司"
    assert rows[0]["version"] == "'-1" and rows[0]["source"] == "'+应用宝"
    assert rows[0]["issues"] == "违规收集个人信息"


def test_csv_safe():
    assert [exports.csv_safe(v) for v in ("=1", "+1", "-1", "@x", "ok", 3, None)] == [
        "'=1",
        "'+1",
        "'-1",
        "'@x",
        "ok",
        "3",
        "",
    ]


def test_verify_page_by_upload(client, published):
    data = published.pdf.read()
    response = client.post("/register/verify/", {"file": SimpleUploadedFile("x.pdf", data, "application/pdf")})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-authentic="true"' in html and "verify-current" in html
    assert f"/register/{published.pk}/" in html

    response = client.post("/register/verify/", {"file": SimpleUploadedFile("x.pdf", data + b"x", "application/pdf")})
    assert 'data-authentic="false"' in response.content.decode()
    assert client.post("/register/verify/", {}).status_code == 400


def test_verify_page_tells_a_superseded_version(client, published, inspector, reviewer):
    correction = services.notice_correct(actor=inspector, notice=published)
    services.notice_update(actor=inspector, notice=correction, closing="更正后的结尾。")
    workflow.notice_approve(actor=reviewer, notice=correction)
    correction = workflow.notice_publish(notice_id=correction.pk, actor=reviewer)
    published.refresh_from_db()
    html = client.get(f"/register/verify/?sha256={published.pdf_sha256}").content.decode()
    assert "verify-superseded" in html and f"/register/{correction.pk}/" in html
    # Both versions stay listed.
    listing = client.get("/register/").content.decode()
    assert f"/register/{published.pk}/" in listing and f"/register/{correction.pk}/" in listing


def test_a_publication_and_a_correction_show_at_once_whatever_the_cache(client, published, inspector, reviewer):
    """Issue 13: with a per-process cache (no CACHE_URL) the worker's publication never reached the
    web process. Here no on-commit callback runs and no cache is cleared: the pages are read and
    cached first, then a publication and a correction happen as in another process."""
    pages = ("/register/", "/register/feed/", "/register/open-data/entries.json", "/register/open-data/entries.csv")
    before = {page: client.get(page).getvalue() for page in pages}
    detail = client.get(f"/register/{published.pk}/").content.decode()
    assert "notice-superseded" not in detail

    second = _publish(inspector, reviewer, make_case(kind=ProductKind.TERMINAL))
    after = {page: client.get(page).getvalue() for page in pages}
    assert all(after[page] != before[page] for page in pages)
    assert f"/register/{second.pk}/" in after["/register/"].decode()
    assert f"/register/{second.pk}/" in after["/register/feed/"].decode()
    rows = json.loads(after["/register/open-data/entries.json"])["entries"]
    assert second.pk in {r["notice_id"] for r in rows}
    csv_rows = list(csv.DictReader(io.StringIO(after["/register/open-data/entries.csv"].decode("utf-8-sig"))))
    assert str(second.pk) in {r["notice_id"] for r in csv_rows}

    correction = services.notice_correct(actor=inspector, notice=published)
    services.notice_update(actor=inspector, notice=correction, closing="更正后的结尾。")
    workflow.notice_approve(actor=reviewer, notice=correction)
    correction = workflow.notice_publish(notice_id=correction.pk, actor=reviewer)
    detail = client.get(f"/register/{published.pk}/").content.decode()
    assert "notice-superseded" in detail and f"/register/{correction.pk}/" in detail
    published.refresh_from_db()
    verify = client.get(f"/register/verify/?sha256={published.pdf_sha256}").content.decode()
    assert "这是现行版本" not in verify and "verify-superseded" in verify
    rows = json.loads(client.get("/register/open-data/entries.json").getvalue())["entries"]
    assert {r["notice_status"] for r in rows if r["notice_id"] == published.pk} == {"superseded"}
    assert f"/register/{correction.pk}/" in client.get("/register/feed/").content.decode()


@pytest.mark.django_db
def test_the_verify_page_takes_a_pasted_fingerprint_and_refuses_a_malformed_one(client):
    page = client.get("/register/verify/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="sha256"' in page  # a field to paste a fingerprint into

    page = client.get("/register/verify/", {"sha256": "not-a-hash"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "64 hexadecimal characters" in page and "Not recognised" not in page

    spaced = " ".join(["ABCD" * 4] * 4)  # as printed, in groups and capitals: well formed
    page = client.get("/register/verify/", {"sha256": spaced}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not recognised" in page and ("abcd" * 16) in page
