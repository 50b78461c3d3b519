"""The fingerprint printed on an issued notice, and the QR code of an order's claim page.

A PDF cannot carry the SHA-256 of its own bytes: printing the hash would change the bytes. What is
printed is the SHA-256 of the document's *content*: a canonical JSON of every field the PDF prints
(``NoticeDocument``), without the one-time access code (a secret) and without the fingerprint
itself. The notice stores it (``Notice.content_sha256``) beside the hash of the file
(``Notice.pdf_sha256``); the public verification page answers for either, and for a fingerprint
it also shows the file hash of that version, so a recipient can compare ``sha256sum`` of the file
received, or upload it (NOTICE-FORMAT.md §7).
"""

import base64
import dataclasses
import datetime
import hashlib
import json

import segno

from .document import NoticeDocument

# Not part of the content: a secret, the preview flag (previews are never fingerprinted) and the
# seal. The seal is the authority's mark over the words, not words: the fingerprint of a notice is
# the same with or without it (and stays what it was before seals were printed), while the file's
# own hash (``Notice.pdf_sha256``) covers the seal as printed.
_EXCLUDED = frozenset({"access_code", "draft", "seal"})


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def content_digest(doc: NoticeDocument) -> str:
    """The SHA-256 (hex) of the document's canonical content."""
    data = {k: v for k, v in dataclasses.asdict(doc).items() if k not in _EXCLUDED}
    # An item without a cited timeline window digests as it did before windows existed.
    for item in data.get("items", ()):
        if not item.get("timeline"):
            item.pop("timeline", None)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_link(doc: NoticeDocument, digest: str) -> str:
    """The address printed under the fingerprint: the verification page, asked about this one."""
    return f"{doc.verify_url}?sha256={digest}" if doc.verify_url else ""


def seal_data_uri(png: bytes) -> str:
    """The seal as a PNG data: URL (embedded in the PDF; the fetcher allows data:); '' for no seal."""
    return f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}" if png else ""


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG data: URL (no file, no network: the PDF fetcher allows data:)."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=0, dark="#000")
