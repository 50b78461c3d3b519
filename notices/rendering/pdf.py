"""Lay a notice out as HTML (Django templates, autoescaped) and print it to PDF with WeasyPrint.

Layout follows GB/T 9704-2012 as summarised in NOTICE-FORMAT.md §5; the page rules live in
static/notices/pdf/*.css, the structure in templates/notices/pdf/*.html.

Three guarantees, each tested in tests/notices/test_rendering.py:
- nothing is fetched but data: URLs and the PDF's own static files (``NoticeURLFetcher``);
- a character no font can draw stops the render (``MissingGlyphError``) instead of printing a box;
- the same document gives the same bytes (the PDF's dates are the document's own date).
"""

import contextlib
import itertools
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from .document import NoticeDocument, OrderItem, Row
from .errors import FetchRefusedError, MissingGlyphError, NoticeRenderError, PlaceholderError
from .fetcher import NoticeURLFetcher, pdf_static_dir
from .fingerprint import content_digest, qr_data_uri, seal_data_uri, verify_link
from .formatting import agency_code_of, cn_date, cn_numeral, is_placeholder_agency_code

WEASYPRINT_LOGGER = "weasyprint"


@dataclass(frozen=True)
class Column:
    label: str
    field: str
    css: str


# Headings of the attachment table (NOTICE-FORMAT.md §2). They are part of the official Chinese
# text, printed as such whatever the interface language, so they are not translated.
APP_COLUMNS = (
    Column("序号", "seq", "seq"),
    Column("应用名称", "name", "name"),
    Column("应用开发者", "developer", "developer"),
    Column("应用来源", "source", "source"),
    Column("应用版本", "version", "version"),
    Column("所涉问题", "issues", "issues"),
)
# MIIT's removal lists (2021) leave out 应用来源 (NOTICE-FORMAT.md §2).
REMOVAL_COLUMNS = tuple(column for column in APP_COLUMNS if column.field != "source")
TERMINAL_COLUMNS = (
    Column("序号", "seq", "seq"),
    Column("产品名称", "name", "name"),
    Column("产品型号", "version", "model"),
    Column("生产企业", "developer", "developer"),
    Column("所涉问题", "issues", "issues"),
)
# Offline scenarios: the columns a ministry prints for venues.
SCENARIO_COLUMNS = (
    Column("序号", "seq", "seq"),
    Column("场所名称", "name", "name"),
    Column("经营者", "developer", "developer"),
    Column("地址", "address", "address"),
    Column("场景", "scenario", "scenario"),
    Column("所涉问题", "issues", "issues"),
)


def render_notice_html(doc: NoticeDocument) -> str:
    """The complete, self-contained HTML of the notice (stylesheets inlined, nothing to fetch).

    ``doc.draft`` gives the preview of a draft: the same layout, watermarked 样稿, without the
    fingerprint and with the numbers and codes that publication gives left blank.
    """
    _refuse_placeholders(doc)
    if doc.kind == "order":
        template, stylesheets, context = "notices/pdf/order.html", ("notice.css", "order.css"), _order_context(doc)
    else:
        template, stylesheets, context = "notices/pdf/list.html", ("notice.css", "list.css"), _list_context(doc)
    context.update(
        doc=doc,
        date_text=cn_date(doc.date),
        seal=seal_data_uri(doc.seal),
        # The document's own date in the regulator's zone, never the clock: same notice, same bytes.
        iso_date=f"{doc.date.isoformat()}T00:00:00+08:00",
        # Our own files, never user input: inlined so the HTML needs nothing fetched.
        stylesheet=mark_safe("\n".join((pdf_static_dir() / name).read_text("utf-8") for name in stylesheets)),
    )
    if not doc.draft:
        fingerprint = content_digest(doc)
        context.update(fingerprint=fingerprint, verify_link=verify_link(doc, fingerprint))
    return render_to_string(template, context)


def render_letter_pdf(*, template: str, context: dict, date, seal: bytes = b"") -> bytes:
    """A letter that is not a notice (the SDK fan-out letters) in the notices' own typography:
    ``notice.css``, ``order.css`` and ``list.css`` inlined, the same fetcher, glyph check and
    stable bytes (the document's date, never the clock); ``seal`` as on a notice."""
    stylesheets = ("notice.css", "order.css", "list.css")
    context = {
        **context,
        "seal": seal_data_uri(seal),
        "date_text": cn_date(date),
        "iso_date": f"{date.isoformat()}T00:00:00+08:00",
        "stylesheet": mark_safe("\n".join((pdf_static_dir() / name).read_text("utf-8") for name in stylesheets)),
    }
    return html_to_pdf(render_to_string(template, context))


def _refuse_placeholders(doc: NoticeDocument) -> None:
    """An order never prints a placeholder agency code (X信管函) or goes out without a portal address."""
    if doc.kind != "order":
        return
    if doc.doc_number and is_placeholder_agency_code(agency_code_of(doc.doc_number)):
        raise PlaceholderError(field="doc_number", value=doc.doc_number)
    if not doc.draft and not (doc.doc_number and doc.case_number and doc.portal_url and doc.verify_url):
        missing = [f for f in ("doc_number", "case_number", "portal_url", "verify_url") if not getattr(doc, f)]
        raise PlaceholderError(field=",".join(missing), value="")


# Tagged PDF/UA-1 (a structure tree a screen reader follows: headings, paragraphs, the list's table).
# Measured on a 60- and a 500-row naming notice and an order: the same pages, the same
# `pdftotext -layout` text and the same pixels at 60 dpi as the untagged output; about a fifth
# larger (720 -> 874 kB for 500 rows) and no slower beyond the machine's noise (ARCHITECTURE.md).
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def render_notice_pdf(doc: NoticeDocument) -> bytes:
    """Render the notice to PDF bytes; raise ``NoticeRenderError`` rather than print a flawed notice."""
    return html_to_pdf(render_notice_html(doc))


def html_to_pdf(html: str) -> bytes:
    """Print HTML made by ``render_notice_html`` with the locked-down fetcher and the glyph check."""
    # No pdf_identifier: pydyf would serialise every object a second time to hash them (about a
    # tenth of a 500-row render), and without one the output is already byte-for-byte stable.
    with _weasyprint_problems() as problems:
        try:
            pdf = HTML(string=html, url_fetcher=NoticeURLFetcher()).write_pdf(**PDF_OPTIONS)
        except FatalURLFetchingError as exc:
            # WeasyPrint wraps the fetcher's refusal in a BaseException; hand callers a domain error.
            if isinstance(exc.__cause__, FetchRefusedError):
                raise exc.__cause__ from None
            raise FetchRefusedError(reason=str(exc.__cause__ or exc)) from exc
    if problems.missing_glyphs:
        raise MissingGlyphError(characters="".join(sorted(set(problems.missing_glyphs))))
    if problems.errors:
        raise NoticeRenderError(messages=problems.errors)
    return pdf


@dataclass(frozen=True)
class Finding:
    """One violation type of an order: one heading, one legal basis, every piece of evidence."""

    number: str  # 一, 二, ...
    name: str
    legal_basis: str
    evidence: tuple[str, ...]


def group_findings(items: tuple[OrderItem, ...]) -> list[Finding]:
    """Findings of the same violation type under one heading, in the order they first appear."""
    groups: dict[str, list[OrderItem]] = {}
    for item in items:
        groups.setdefault(item.violation_code or item.violation_name, []).append(item)
    return [
        Finding(
            number=cn_numeral(number),
            name=members[0].violation_name,
            legal_basis=members[0].legal_basis,
            evidence=tuple(m.evidence_summary for m in members if m.evidence_summary),
        )
        for number, members in enumerate(groups.values(), start=1)
    ]


def deadline_sentence(doc: NoticeDocument) -> str:
    """请于收到本通知之日起5个工作日内（2025年10月10日前）: the period and the date it ends."""
    if doc.deadline is None:
        return ""
    if doc.deadline_days is None:
        return f"请于{cn_date(doc.deadline)}前"
    return f"请于收到本通知之日起{doc.deadline_days}个工作日内（{cn_date(doc.deadline)}前）"


def _order_context(doc: NoticeDocument) -> dict:
    return {
        # The addressee line ends in a full-width colon whatever the caller stored (GB/T 9704 §7.3.2).
        "addressee": doc.addressee.rstrip().rstrip(":："),
        "findings": group_findings(doc.items),
        "deadline_text": deadline_sentence(doc),
        "qr": qr_data_uri(doc.portal_url) if doc.portal_url else "",
        "annexes": timeline_annexes(doc.items),
    }


def timeline_annexes(items: tuple[OrderItem, ...]) -> list[dict]:
    """The cited timeline windows, one attachment each (GB/T 9704 §7.3.7), numbered in order."""
    annexes = []
    for item in items:
        for window in item.timeline:
            annexes.append(
                {
                    "number": len(annexes) + 1,
                    "title": f"时间线证据：{item.violation_name}（{window.start}至{window.end}）",
                    "window": window,
                    "shown": len(window.rows),
                }
            )
    return annexes


def _list_context(doc: NoticeDocument) -> dict:
    if doc.series == "terminal":
        columns = TERMINAL_COLUMNS
    elif doc.series == "scenario":
        columns = SCENARIO_COLUMNS
    elif doc.kind == "removal":
        columns = REMOVAL_COLUMNS
    else:
        columns = APP_COLUMNS
    # Consecutive rows with the same 序号 are one product: one <tbody>, one merged 序号 cell.
    groups = itertools.groupby(doc.rows, key=attrgetter("seq"))
    return {
        "columns": columns,
        "groups": [{"seq": seq, "rows": [_cells(row, columns) for row in rows]} for seq, rows in groups],
    }


def _cells(row: Row, columns: tuple[Column, ...]) -> list[tuple[str, str]]:
    # 序号 is printed once per product (a merged cell), so only the other columns are per row.
    return [(column.css, getattr(row, column.field)) for column in columns[1:]]


class _ProblemCollector(logging.Handler):
    """Collect what WeasyPrint logs while rendering on this thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self._thread = threading.get_ident()
        self.missing_glyphs: list[str] = []
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Other threads may be rendering other notices at the same time.
        if record.thread != self._thread:
            return
        if record.getMessage().startswith(".notdef glyph"):
            self.missing_glyphs.append(str(record.args[0]) if record.args else "?")
        elif record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())


@contextlib.contextmanager
def _weasyprint_problems() -> Iterator[_ProblemCollector]:
    logger = logging.getLogger(WEASYPRINT_LOGGER)
    # The .notdef warning is the only sign of a missing font: it must not be filtered out above us.
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    collector = _ProblemCollector()
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
