"""PDF rendering of notices: content, layout facts, glyphs, fetch lockdown and determinism.

Rendering needs no database. Every render goes through ``render_strict``, which fails the test on
any warning WeasyPrint logs (a `.notdef glyph` warning is the only sign of a missing font).
"""

import dataclasses
import datetime
import io
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
import segno
from pypdf import PdfReader

from notices.error_codes import NOTICE_MISSING_GLYPH, NOTICE_PLACEHOLDER
from notices.rendering import (
    FetchRefusedError,
    MissingGlyphError,
    NoticeDocument,
    NoticeURLFetcher,
    OrderItem,
    PlaceholderError,
    Row,
    cn_date,
    cn_numeral,
    content_digest,
    render_notice_html,
    render_notice_pdf,
)
from notices.rendering.fetcher import pdf_static_dir
from notices.rendering.fingerprint import qr_data_uri
from notices.rendering.pdf import html_to_pdf

ROOT = Path(__file__).resolve().parents[2]
MM = 72 / 25.4
RARE_COMPANY = "北京旻珺堃喆科技有限公司"
APP_HEADER = ["序号", "应用名称", "应用开发者", "应用来源", "应用版本", "所涉问题"]
TERMINAL_HEADER = ["序号", "产品名称", "产品型号", "生产企业", "所涉问题"]
STORES = ("华为应用市场", "小米应用商店", "OPPO软件商店", "vivo应用商店", "应用宝")
ISSUES = ("违规收集个人信息", "APP强制、频繁、过度索取权限", "超范围收集个人信息", "欺骗误导强迫用户")


# --- documents -------------------------------------------------------------------------------


def app_rows(products: int) -> tuple[Row, ...]:
    """Products 1..n; product k has 1 + k % 3 rows (one per store), sharing its 序号."""
    rows = []
    for seq in range(1, products + 1):
        for k in range(1 + seq % 3):
            rows.append(
                Row(
                    seq=seq,
                    name=f"晴空天气{seq}",
                    developer=f"示例网络科技（杭州）有限公司{seq}",
                    source=STORES[(seq + k) % len(STORES)],
                    version=f"3.{seq}.{k}",
                    issues="、".join(ISSUES[: 1 + (seq + k) % len(ISSUES)]),
                )
            )
    return tuple(rows)


def naming_doc(rows: tuple[Row, ...], *, series: str = "app", title: str = "关于侵害用户权益行为的APP（SDK）通报"):
    return NoticeDocument(
        kind="naming",
        series=series,
        title=title,
        batch_line="（2025年第4批，总第49批）",
        doc_number="",
        authority="工业和信息化部信息通信管理局",
        addressee="",
        opening=(
            "依据《中华人民共和国个人信息保护法》《中华人民共和国网络安全法》《中华人民共和国电信条例》"
            "《电信和互联网用户个人信息保护规定》等法律法规，我部组织第三方检测机构对群众关注的APP（SDK）进行检查。"
            "截至目前，尚有部分APP（SDK）未按要求完成整改，存在侵害用户权益行为（详见附件），现予以通报。",
        ),
        closing=("上述APP（SDK）应按有关规定进行整改。整改落实不到位的，我部将依法依规组织开展相关处置工作。",),
        attachment_title="工业和信息化部通报存在问题的APP（SDK）名单",
        signature="工业和信息化部信息通信管理局",
        date=datetime.date(2025, 8, 4),
        rows=rows,
    )


PORTAL_URL = "https://rectify.example.gov.cn/portal/claim/?case=R2025-000042"
VERIFY_URL = "https://rectify.example.gov.cn/register/verify/"


def order_doc(**changes) -> NoticeDocument:
    values = dict(
        kind="order",
        series="order",
        title="关于责令限期整改侵害用户权益行为的通知",
        batch_line="",
        doc_number="京信管函〔2025〕12号",
        authority="工业和信息化部信息通信管理局",
        addressee=RARE_COMPANY,
        opening=("依据有关法律法规，我局组织第三方检测机构对你单位的产品进行了检测，发现存在以下侵害用户权益的问题。",),
        closing=("逾期未整改或整改不到位的，我局将依法予以公开通报，并采取下架、停止接入、行政处罚等处置措施。",),
        attachment_title="",
        signature="工业和信息化部信息通信管理局",
        date=datetime.date(2025, 9, 26),
        items=(
            OrderItem(
                violation_code="P01",
                violation_name="违规收集个人信息",
                legal_basis="《中华人民共和国个人信息保护法》第十三条",
                evidence_summary="用户同意隐私政策前即读取设备标识符并上传。",
            ),
            OrderItem(
                violation_code="P05",
                violation_name="APP强制、频繁、过度索取权限",
                legal_basis="《中华人民共和国个人信息保护法》第六条",
                evidence_summary="用户拒绝定位权限后，每次启动均再次申请，48小时内弹窗12次。",
            ),
        ),
        tested="检测对象：晴空天气（版本3.2.1，来源：应用宝）；检测日期：2025年9月1日；检测机构：第三方检测机构。",
        deadline=datetime.date(2025, 10, 10),
        how_to_answer="请登录下列整改答复平台，输入本通知所列案件编号和访问码关联本案并提交整改报告。",
        access_code="K7QF-2M9X-W4TD",
        case_number="R2025-000042",
        deadline_days=5,
        portal_url=PORTAL_URL,
        verify_url=VERIFY_URL,
    )
    values.update(changes)
    return NoticeDocument(**values)


# --- helpers ---------------------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def render_strict(doc: NoticeDocument) -> bytes:
    """Render and fail on anything WeasyPrint warns about (missing glyphs, ignored CSS, failed loads)."""
    logger = logging.getLogger("weasyprint")
    handler = _Records()
    logger.addHandler(handler)
    try:
        pdf = render_notice_pdf(doc)
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in handler.records] == []
    return pdf


def flat(text: str | None) -> str:
    """Extracted text breaks lines inside cells and paragraphs: compare without whitespace."""
    return "".join((text or "").split())


def pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [flat(page.extract_text()) for page in document.pages]


def table_rows(pdf: bytes) -> list[list[list[str | None]]]:
    """The table rows found on each page, cells flattened; None for a merged (spanned) cell."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        result = []
        for page in document.pages:
            rows = [row for table in page.extract_tables() for row in table]
            result.append([[None if cell is None else flat(cell) for cell in row] for row in rows])
        return result


def expected_cells(rows: tuple[Row, ...], *, terminal: bool = False) -> list[list[str | None]]:
    cells, previous = [], None
    for row in rows:
        seq = None if row.seq == previous else str(row.seq)
        previous = row.seq
        if terminal:
            cells.append([seq, row.name, row.version, row.developer, row.issues])
        else:
            cells.append([seq, row.name, row.developer, row.source, row.version, row.issues])
    return [[None if c is None else flat(c) for c in r] for r in cells]


# --- module fixtures: each sample is rendered once ---------------------------------------------


@pytest.fixture(scope="module")
def naming_rows():
    return app_rows(4)


@pytest.fixture(scope="module")
def naming_pdf(naming_rows):
    return render_strict(naming_doc(naming_rows))


@pytest.fixture(scope="module")
def long_rows():
    return app_rows(90)


@pytest.fixture(scope="module")
def long_pdf(long_rows):
    return render_strict(naming_doc(long_rows))


@pytest.fixture(scope="module")
def order_pdf():
    return render_strict(order_doc())


# --- naming notice -----------------------------------------------------------------------------


def test_naming_notice_prints_title_batch_line_text_and_signature(naming_pdf):
    pages = pages_text(naming_pdf)

    assert len(pages) == 2  # the text, then the attachment on a page of its own
    first = pages[0]
    # The issuing authority's masthead, then the title and the batch line (ARCHITECTURE.md §15).
    assert first.startswith("工业和信息化部信息通信管理局关于侵害用户权益行为的APP（SDK）通报（2025年第4批，总第49批）")
    assert "现予以通报。" in first
    assert "附件：工业和信息化部通报存在问题的APP（SDK）名单" in first
    assert "工业和信息化部信息通信管理局2025年8月4日本文件内容校验码（SHA-256）：" in first
    assert first.endswith("—1—")
    assert "序号" not in first


def test_signature_is_centred_over_the_date_set_four_characters_from_the_right(naming_pdf):
    with pdfplumber.open(io.BytesIO(naming_pdf)) as document:
        words = {w["text"]: w for w in document.pages[0].extract_words()}
    name, date = words["工业和信息化部信息通信管理局"], words["2025年8月4日"]

    assert 184 * MM - date["x1"] == pytest.approx(4 * 16, abs=1)  # four 16 pt characters
    assert (name["x0"] + name["x1"]) / 2 == pytest.approx((date["x0"] + date["x1"]) / 2, abs=1)
    assert date["top"] > name["bottom"]


def test_attachment_starts_a_new_page_with_label_then_centred_title(naming_pdf):
    pages = pages_text(naming_pdf)
    assert pages[1].startswith("附件工业和信息化部通报存在问题的APP（SDK）名单序号应用名称")

    with pdfplumber.open(io.BytesIO(naming_pdf)) as document:
        words = document.pages[1].extract_words()
        label = words[0]
        title_line = [w for w in words if w["top"] < words[2]["top"] + 1 and w is not label]
    assert label["text"] == "附件"
    assert label["x0"] == pytest.approx(28 * MM, abs=0.5)  # flush left on the text block
    title = next(w for w in title_line if w["text"].startswith("工业和信息化部"))
    # Centred over the text block (28 mm to 184 mm): equal room left and right of the title line.
    left, right = title["x0"] - 28 * MM, 184 * MM - max(w["x1"] for w in title_line if w["top"] == title["top"])
    assert left == pytest.approx(right, abs=2)


def test_every_row_is_in_the_table_with_merged_sequence_cells(naming_pdf, naming_rows):
    pages = table_rows(naming_pdf)

    assert pages[0] == []
    assert pages[1][0] == APP_HEADER
    assert pages[1][1:] == expected_cells(naming_rows)
    # Product 2 has three rows: one 序号 cell spans them.
    assert [row[0] for row in pages[1][1:][2:5]] == ["2", None, None]


def test_product_rows_share_one_rowspan_cell_in_the_html(naming_rows):
    html = render_notice_html(naming_doc(naming_rows))

    assert html.count('<td class="seq"') == 4
    assert '<td class="seq" rowspan="3">2</td>' in html
    assert '<td class="seq" rowspan="1">3</td>' in html


def test_page_numbers_alternate_right_and_left(long_pdf):
    with pdfplumber.open(io.BytesIO(long_pdf)) as document:
        for number in (1, 2, 3):
            page = document.pages[number - 1]
            words = [w for w in page.extract_words() if w["top"] > 262 * MM]
            assert "".join(w["text"] for w in words) == f"—{number}—"
            if number % 2:
                # Odd pages: right, one 14 pt character in from the text block's right edge (184 mm).
                assert max(w["x1"] for w in words) == pytest.approx(184 * MM - 14, abs=1)
            else:
                assert min(w["x0"] for w in words) == pytest.approx(28 * MM + 14, abs=1)


def test_long_table_repeats_its_header_on_every_page(long_pdf, long_rows):
    pages = table_rows(long_pdf)

    assert len(pages) >= 5
    for rows in pages[1:]:
        assert rows[0] == APP_HEADER
    body = [row for rows in pages[1:] for row in rows[1:]]
    assert body == expected_cells(long_rows)
    # A product's rows are never split across pages: every page's first row opens a product.
    assert all(rows[1][0] is not None for rows in pages[1:])


def test_a_product_longer_than_a_page_breaks_between_whole_rows():
    rows = tuple(
        Row(
            seq=1,
            name="晴空天气",
            developer="示例网络科技（杭州）有限公司",
            source=STORES[k % 5],
            version=f"1.{k}",
            issues=ISSUES[k % 4],
        )
        for k in range(45)
    ) + (
        Row(seq=2, name="云帆阅读", developer="示例文化传媒有限公司", source="应用宝", version="2.0", issues=ISSUES[0]),
    )
    pdf = render_strict(naming_doc(rows))

    pages = table_rows(pdf)
    assert len(pages) >= 4
    # The merged 序号 cell continues empty on the next pages; every other cell is on one page.
    body = [[row[0] or None, *row[1:]] for rows_on_page in pages[1:] for row in rows_on_page[1:]]
    assert body == expected_cells(rows)


def test_removal_notice_uses_the_columns_of_miit_removal_lists():
    doc = naming_doc(app_rows(1), title="关于下架侵害用户权益APP名单的通报")
    html = render_notice_html(dataclasses.replace(doc, kind="removal", series="removal", batch_line=""))

    removal_header = [label for label in APP_HEADER if label != "应用来源"]
    assert "".join(f"<th>{label}</th>" for label in removal_header) in html
    assert "应用来源" not in html
    assert "<title>关于下架侵害用户权益APP名单的通报</title>" in html
    assert 'class="title batch-line"' not in html


def test_removal_notice_prints_its_batch_line_only_when_given():
    doc = naming_doc(app_rows(1), title="关于下架侵害用户权益APP名单的通报")
    html = render_notice_html(dataclasses.replace(doc, kind="removal", series="removal"))
    assert '<p class="title batch-line">（2025年第4批，总第49批）</p>' in html


def test_terminal_notice_uses_the_terminal_columns():
    rows = (
        Row(
            seq=1,
            name="智能摄像机",
            developer="示例智能科技有限公司",
            source="",
            version="C6N",
            issues="未提供个人信息处理规则",
        ),
        Row(seq=2, name="儿童手表", developer="示例电子有限公司", source="", version="W2", issues="未经同意上传云端"),
    )
    pdf = render_strict(naming_doc(rows, series="terminal", title="关于侵害用户权益行为的智能终端产品通报"))

    pages = table_rows(pdf)
    assert pages[1][0] == TERMINAL_HEADER
    assert pages[1][1:] == expected_cells(rows, terminal=True)


# --- glyphs ------------------------------------------------------------------------------------


def test_rare_name_characters_print_as_real_glyphs():
    rows = (Row(seq=1, name="喆喆天气", developer=RARE_COMPANY, source="应用宝", version="1.0", issues=ISSUES[0]),)
    pdf = render_strict(naming_doc(rows))  # fails on a `.notdef glyph` warning

    cells = table_rows(pdf)[1]
    assert cells[1] == ["1", "喆喆天气", RARE_COMPANY, "应用宝", "1.0", ISSUES[0]]
    for character in "旻珺堃喆":
        assert character in pages_text(pdf)[1]


def test_a_character_no_font_has_stops_the_render():
    # U+10FFFD is a private-use code point: no installed font draws it.
    rows = (Row(seq=1, name="天气\U0010fffd", developer=RARE_COMPANY, source="", version="1", issues="x"),)

    with pytest.raises(MissingGlyphError) as raised:
        render_notice_pdf(naming_doc(rows))

    assert raised.value.code == NOTICE_MISSING_GLYPH
    assert raised.value.details == {"characters": "\U0010fffd"}


# --- order to rectify --------------------------------------------------------------------------


def test_order_letter_carries_number_addressee_findings_deadline_and_access_code(order_pdf):
    text = "".join(pages_text(order_pdf))

    assert text.startswith(
        "工业和信息化部信息通信管理局案件编号：R2025-000042京信管函〔2025〕12号关于责令限期整改侵害用户权益行为的通知"
    )
    assert f"{RARE_COMPANY}：依据有关法律法规" in text
    assert "检测对象：晴空天气（版本3.2.1，来源：应用宝）" in text
    # No internal code (P01) in the official text.
    assert "一、违规收集个人信息法律依据：《中华人民共和国个人信息保护法》第十三条证据摘要：" in text
    assert "二、APP强制、频繁、过度索取权限法律依据：" in text
    assert "P01" not in text and "P05" not in text
    assert "整改期限：请于收到本通知之日起5个工作日内（2025年10月10日前）完成整改" in text
    assert "案件编号：R2025-000042访问码：K7QF-2M9X-W4TD" in text
    assert f"答复平台：{PORTAL_URL}" in text
    fingerprint = content_digest(order_doc())
    assert f"处置措施。工业和信息化部信息通信管理局2025年9月26日本文件内容校验码（SHA-256）：{fingerprint}" in text
    assert text.endswith(f"核验网址：{VERIFY_URL}?sha256={fingerprint}—2—")


def test_order_letter_format_red_masthead_rules_and_no_number_on_page_one(order_pdf):
    with pdfplumber.open(io.BytesIO(order_pdf)) as document:
        first = document.pages[0]
        masthead = [c for c in first.chars if c["size"] == pytest.approx(26, abs=0.1)]
        rules = sorted({(round(r["top"] / MM, 1), round(r["bottom"] / MM, 1)) for r in first.rects})
        rule_spans = {(round(r["x0"] / MM), round(r["x1"] / MM)) for r in first.rects}
        page_one_foot = [w["text"] for w in first.extract_words() if w["top"] > 262 * MM]
        page_count = len(document.pages)
        page_two_foot = [w for w in document.pages[1].extract_words() if w["top"] > 262 * MM]

    assert "".join(c["text"] for c in masthead) == "工业和信息化部信息通信管理局"
    red, green, blue = masthead[0]["non_stroking_color"]
    assert red > 0.8 and green < 0.1 and blue < 0.2
    assert rule_spans == {(20, 190)}  # 170 mm, centred on the sheet
    assert rules[0][0] < 50  # the double rule under the masthead
    assert max(bottom for _, bottom in rules) == pytest.approx(277, abs=0.2)  # 20 mm above the bottom edge
    assert page_one_foot == []
    assert page_count == 2
    assert "".join(w["text"] for w in page_two_foot) == "—2—"
    assert min(w["x0"] for w in page_two_foot) == pytest.approx(28 * MM + 14, abs=1)  # even page: left


def test_addressee_ends_with_one_full_width_colon():
    html = render_notice_html(order_doc(addressee=f"{RARE_COMPANY}:"))
    assert f'<p class="addressee">{RARE_COMPANY}：</p>' in html


# --- the served order: answerable from the paper alone ------------------------------------------


def test_findings_of_one_violation_type_share_one_heading_with_numbered_evidence():
    item = order_doc().items[0]
    doc = order_doc(
        items=(
            item,
            dataclasses.replace(order_doc().items[1]),
            dataclasses.replace(item, evidence_summary="隐私政策弹窗出现前即读取剪贴板。"),
            dataclasses.replace(item, evidence_summary="关闭个性化推荐后仍上传设备标识。"),
        )
    )
    text = "".join(pages_text(render_notice_pdf(doc)))

    assert text.count("违规收集个人信息") == 1
    assert "一、违规收集个人信息法律依据：《中华人民共和国个人信息保护法》第十三条证据摘要：1．用户同意" in text
    assert "2．隐私政策弹窗出现前即读取剪贴板。3．关闭个性化推荐后仍上传设备标识。二、APP强制" in text


def test_the_qr_code_encodes_the_claim_page_of_the_case():
    html = render_notice_html(order_doc())
    assert f'<img class="qr" src="{qr_data_uri(PORTAL_URL)}"' in html
    # segno's own check of what the symbol holds.
    assert segno.make(PORTAL_URL, error="m").svg_data_uri(scale=4, border=0, dark="#000") == qr_data_uri(PORTAL_URL)


@pytest.mark.parametrize(
    "changes",
    [
        {"doc_number": "X信管函〔2025〕12号"},
        {"doc_number": "〔2025〕12号"},
        {"doc_number": ""},
        {"case_number": ""},
        {"portal_url": ""},
        {"verify_url": ""},
    ],
)
def test_an_order_with_a_placeholder_or_without_its_portal_is_not_printed(changes):
    with pytest.raises(PlaceholderError) as raised:
        render_notice_html(order_doc(**changes))
    assert raised.value.code == NOTICE_PLACEHOLDER


def test_the_fingerprint_is_the_content_without_the_access_code():
    assert content_digest(order_doc()) == content_digest(order_doc(access_code="OTHER-CODE-0000"))
    assert content_digest(order_doc()) != content_digest(order_doc(case_number="R2025-000043"))
    assert len(content_digest(order_doc())) == 64


def test_a_draft_preview_is_watermarked_and_carries_no_fingerprint():
    doc = order_doc(draft=True, access_code="", doc_number="京信管函〔2025〕　号")
    pdf = render_notice_pdf(doc)
    pages = pages_text(pdf)

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        # The watermark is drawn large and turned, on every page.
        marks = ["".join(c["text"] for c in page.chars if c["size"] > 50) for page in document.pages]
    assert marks == ["样稿"] * len(pages)
    assert "访问码：（发文时生成）" in "".join(pages)
    assert "校验码" not in "".join(pages)


# --- fetch lockdown (SSRF, local file disclosure) ----------------------------------------------


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1: any connection attempt completes the handshake and queues."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def assert_no_connection(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        server.accept()


@pytest.fixture
def fetch_log(monkeypatch):
    """Every URL WeasyPrint asks the fetcher for."""
    calls: list[str] = []
    original = NoticeURLFetcher.fetch

    def spy(self, url, headers=None):
        calls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(NoticeURLFetcher, "fetch", spy)
    return calls


def payloads(port: int) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        '<link rel=attachment href="file:///etc/hostname">',
        "url(http://127.0.0.1:9/x)",
        f'<div style="background:url(http://127.0.0.1:{port}/x)">',
        f'</style><style>body{{background:url(http://127.0.0.1:{port}/y)}}</style><img src="http://127.0.0.1:{port}/z">',
    ]


def test_markup_in_user_text_is_printed_not_fetched(listener, fetch_log):
    port = listener.getsockname()[1]
    evil = payloads(port)
    rows = tuple(
        Row(seq=i, name=payload, developer=payload, source="应用宝", version="1", issues=ISSUES[0])
        for i, payload in enumerate(evil, start=1)
    )
    naming = naming_doc(rows)
    order = order_doc(addressee=evil[0], tested=evil[1], how_to_answer=evil[3], access_code=evil[4])

    html = render_notice_html(naming) + render_notice_html(order)
    naming_pdf, order_pdf = render_strict(naming), render_strict(order)

    # The only image is the order's QR code, a data: URL the layout itself makes.
    assert html.count("<img") == 1 and '<img class="qr" src="data:image/svg+xml;' in html
    assert "<link rel=attachment" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert [url for url in fetch_log if not url.startswith("data:image/svg+xml;")] == []
    assert_no_connection(listener)
    passwd_line = Path("/etc/passwd").read_text().splitlines()[0]
    for pdf in (naming_pdf, order_pdf):
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.attachments == {}
        assert all("/Annots" not in page for page in reader.pages)
        assert flat(passwd_line) not in "".join(pages_text(pdf))
    # Printed as the literal text it is.
    assert f"{flat(evil[0])}：" in "".join(pages_text(order_pdf))
    assert [row[1] for row in table_rows(naming_pdf)[1][1:]] == [flat(p) for p in evil]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///etc/hostname",
        "http://127.0.0.1:9/x",
        "https://example.com/x.css",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1:70/x",
        "//127.0.0.1:9/x",
        "file:///proc/self/environ",
    ],
)
def test_fetcher_refuses_anything_but_data_and_pdf_static_files(url):
    with pytest.raises(FetchRefusedError) as raised:
        NoticeURLFetcher().fetch(url)
    assert raised.value.details == {"url": url}


def test_fetcher_refuses_the_local_listener(listener):
    port = listener.getsockname()[1]
    with pytest.raises(FetchRefusedError):
        NoticeURLFetcher().fetch(f"http://127.0.0.1:{port}/x")
    assert_no_connection(listener)


def test_fetcher_refuses_paths_that_leave_the_static_folder(tmp_path):
    root = tmp_path / "pdf"
    root.mkdir()
    (root / "ok.css").write_text("p{}")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.css").symlink_to(tmp_path / "secret.txt")
    fetcher = NoticeURLFetcher(roots=[root])

    assert fetcher.fetch((root / "ok.css").as_uri()).read() == b"p{}"
    for url in (f"file://{root}/../secret.txt", (root / "link.css").as_uri(), (root / "missing.css").as_uri()):
        with pytest.raises(FetchRefusedError):
            fetcher.fetch(url)
    with pytest.raises(FetchRefusedError):
        fetcher.fetch(root.as_uri())  # a folder is not a file


def test_fetcher_serves_data_urls_and_the_pdf_stylesheets():
    fetcher = NoticeURLFetcher()

    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    stylesheet = pdf_static_dir() / "notice.css"
    response = fetcher.fetch(stylesheet.as_uri())
    assert response.read() == stylesheet.read_bytes()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/hostname">',
        '<div style="background: url(http://127.0.0.1:{port}/x)">x</div>',
        '<style>@import url("http://127.0.0.1:{port}/y.css");</style>',
        '<img src="http://127.0.0.1:{port}/z.png">',
    ],
)
def test_unescaped_markup_reaching_weasyprint_is_refused(markup, listener, monkeypatch):
    """Even if autoescaping failed, nothing is read or requested: the render stops instead."""
    port = listener.getsockname()[1]
    connects = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connects.append(address))
    html = f'<html lang="zh-CN"><body><p>通报</p>{markup.format(port=port)}</body></html>'

    with pytest.raises(FetchRefusedError):
        html_to_pdf(html)

    assert connects == []
    assert_no_connection(listener)


# --- determinism -------------------------------------------------------------------------------


def test_same_document_gives_identical_bytes(naming_pdf, naming_rows):
    assert render_strict(naming_doc(naming_rows)) == naming_pdf
    metadata = PdfReader(io.BytesIO(naming_pdf)).metadata
    created = datetime.datetime(2025, 8, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    assert metadata.creation_date == created
    assert metadata.modification_date == created
    assert metadata.title == "关于侵害用户权益行为的APP（SDK）通报（2025年第4批，总第49批）"


def test_identical_bytes_in_another_process_with_another_hash_seed(order_pdf):
    script = (
        "import django, sys; django.setup();"
        "from tests.notices.test_rendering import order_doc;"
        "from notices.rendering import render_notice_pdf;"
        "sys.stdout.buffer.write(render_notice_pdf(order_doc()))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True)
    assert result.stdout == order_pdf


# --- formatting and the document contract ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(datetime.date(2025, 8, 4), "2025年8月4日"), (datetime.date(2026, 10, 10), "2026年10月10日")],
)
def test_dates_are_written_without_zero_padding(value, text):
    assert cn_date(value) == text


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (9999, "九千九百九十九"),
    ],
)
def test_heading_numbers_are_chinese_numerals(number, text):
    assert cn_numeral(number) == text


def test_heading_numbers_out_of_range_are_refused():
    with pytest.raises(ValueError):
        cn_numeral(0)


@pytest.mark.parametrize("field", ["kind", "series"])
def test_unknown_kind_or_series_is_refused(field):
    with pytest.raises(ValueError):
        order_doc(**{field: "public"})


@pytest.mark.parametrize("fixture", ["naming_pdf", "order_pdf"])
def test_notices_are_tagged_pdf_ua(fixture, request):
    """Tagged PDF/UA-1 (issue 15): a structure tree a screen reader follows, with its headings and
    table, declared as PDF/UA in the metadata; the look is the untagged one (ARCHITECTURE.md)."""
    reader = PdfReader(io.BytesIO(request.getfixturevalue(fixture)))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    tree = root["/StructTreeRoot"].get_object()
    roles = set()

    def walk(node, depth=0):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "get"):
            if "/S" in node:
                roles.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None and depth < 40:
                for kid in kids if isinstance(kids, list) else [kids]:
                    if hasattr(kid, "get_object"):
                        walk(kid, depth + 1)

    walk(tree)
    assert "/P" in roles and ({"/H1", "/H2", "/H3"} & roles or "/Table" in roles), roles
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
