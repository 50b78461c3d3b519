"""PDF rendering of formal notices (GB/T 9704-2012 layout). Import from here, not from the modules."""

import importlib

from .document import NoticeDocument, OrderItem, Row, TimelineWindow
from .errors import FetchRefusedError, MissingGlyphError, NoticeRenderError, PlaceholderError
from .fingerprint import content_digest
from .formatting import agency_code_of, cn_date, cn_numeral, is_placeholder_agency_code

# WeasyPrint takes most of a second to import; load it when something is first rendered, not
# whenever a module merely builds a NoticeDocument.
_LAZY = {
    "NoticeURLFetcher": ".fetcher",
    "render_notice_html": ".pdf",
    "render_notice_pdf": ".pdf",
    "render_letter_pdf": ".pdf",
}

__all__ = [
    "FetchRefusedError",
    "MissingGlyphError",
    "NoticeDocument",
    "NoticeRenderError",
    "NoticeURLFetcher",
    "OrderItem",
    "TimelineWindow",
    "PlaceholderError",
    "Row",
    "agency_code_of",
    "cn_date",
    "cn_numeral",
    "content_digest",
    "is_placeholder_agency_code",
    "render_letter_pdf",
    "render_notice_html",
    "render_notice_pdf",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
