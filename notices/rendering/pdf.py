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

from .document import NoticeDocument, Row
from .errors import FetchRefusedError, MissingGlyphError, NoticeRenderError
from .fetcher import NoticeURLFetcher, pdf_static_dir
from .formatting import cn_date, cn_numeral

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
TERMINAL_COLUMNS = (
    Column("序号", "seq", "seq"),
    Column("产品名称", "name", "name"),
    Column("产品型号", "version", "model"),
    Column("生产企业", "developer", "developer"),
    Column("所涉问题", "issues", "issues"),
)


def render_notice_html(doc: NoticeDocument) -> str:
    """The complete, self-contained HTML of the notice (stylesheets inlined, nothing to fetch)."""
    if doc.kind == "order":
        template, stylesheets, context = "notices/pdf/order.html", ("notice.css", "order.css"), _order_context(doc)
    else:
        template, stylesheets, context = "notices/pdf/list.html", ("notice.css", "list.css"), _list_context(doc)
    context.update(
        doc=doc,
        date_text=cn_date(doc.date),
        # The document's own date in the regulator's zone, never the clock: same notice, same bytes.
        iso_date=f"{doc.date.isoformat()}T00:00:00+08:00",
        # Our own files, never user input: inlined so the HTML needs nothing fetched.
        stylesheet=mark_safe("\n".join((pdf_static_dir() / name).read_text("utf-8") for name in stylesheets)),
    )
    return render_to_string(template, context)


def render_notice_pdf(doc: NoticeDocument) -> bytes:
    """Render the notice to PDF bytes; raise ``NoticeRenderError`` rather than print a flawed notice."""
    return html_to_pdf(render_notice_html(doc))


def html_to_pdf(html: str) -> bytes:
    """Print HTML made by ``render_notice_html`` with the locked-down fetcher and the glyph check."""
    # No pdf_identifier: pydyf would serialise every object a second time to hash them (about a
    # tenth of a 500-row render), and without one the output is already byte-for-byte stable.
    with _weasyprint_problems() as problems:
        try:
            pdf = HTML(string=html, url_fetcher=NoticeURLFetcher()).write_pdf()
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


def _order_context(doc: NoticeDocument) -> dict:
    return {
        # The addressee line ends in a full-width colon whatever the caller stored (GB/T 9704 §7.3.2).
        "addressee": doc.addressee.rstrip().rstrip(":："),
        "findings": [(cn_numeral(number), item) for number, item in enumerate(doc.items, start=1)],
        "deadline_text": cn_date(doc.deadline) if doc.deadline else "",
    }


def _list_context(doc: NoticeDocument) -> dict:
    columns = TERMINAL_COLUMNS if doc.series == "terminal" else APP_COLUMNS
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
